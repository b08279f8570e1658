// The npm registry this project is built against holds only some platforms' builds of packages with per-platform
// optional binaries (rollup), so `npm install` leaves the others out of the lock file and `npm ci` then refuses
// it. This adds a never-installable stub (os/cpu "none") for each such entry. Run it after changing dependencies.
import { readFileSync, writeFileSync } from "node:fs";
const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const pk = lock.packages;
let added = 0;
for (const [path, meta] of Object.entries(pk)) {
  for (const [name, range] of Object.entries(meta.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (!pk[key]) { pk[key] = { version: range, optional: true, os: ["none"], cpu: ["none"], license: "MIT" }; added++; }
  }
}
writeFileSync("package-lock.json", JSON.stringify(lock, null, 2) + "\n");
console.log("added", added);

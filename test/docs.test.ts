// What the README promises about the API, checked against the code (issue 18: docs that tell the truth).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { init } from "../src/index.js";

const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const PACKAGE = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { engines: { node: string } };

describe("the README tells the truth", () => {
  it("init() resolves to a Backend whose name field is what the README's example says", async () => {
    expect(README).toContain("backend.name: 'wasm' | 'reference'");
    expect(README).not.toMatch(/init\(\);\s*\/\/\s*\{ backend:/);
    const backend = await init();
    expect(backend.name).toBe("wasm");
    expect(["relaxed", "simd", "none"]).toContain(backend.simd);
    backend.dispose();
    const reference = await init({ backend: "reference" });
    expect(reference.name).toBe("reference");
    reference.dispose();
  });

  it("engines says the Node the README says (require() of the ESM package needs 20.19)", () => {
    expect(PACKAGE.engines.node).toBe(">=20.19");
    expect(README).toContain("Requires Node ≥ 20.19");
    const [major, minor] = process.versions.node.split(".").map(Number);
    expect(major! > 20 || (major === 20 && minor! >= 19)).toBe(true); // the suite itself runs on a supported Node
  });
});

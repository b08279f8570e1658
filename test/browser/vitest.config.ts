import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The browser tests (npm run test:browser): one headless Chromium at a time, files run one after another.
// Node runs the same scenarios as the page, with every SIMD build enabled (relaxed is behind a flag in Node 20).
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/browser/**/*.spec.ts"],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    pool: "forks",
    poolOptions: { forks: { execArgv: ["--experimental-wasm-relaxed-simd"] } },
  },
});

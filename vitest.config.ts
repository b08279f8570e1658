import { defineConfig } from "vitest/config";

const NODE_MAJOR = Number(process.versions.node.split(".")[0]);

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Node 20 keeps relaxed SIMD behind a flag; with it, the tests cover all three builds. Node 22 and 24 ship it
    // on and refuse the flag ("bad option"), so it is passed on Node 20 only.
    poolOptions: { forks: { execArgv: NODE_MAJOR < 22 ? ["--experimental-wasm-relaxed-simd"] : [] } },
    // Each file prints which wasm build `init()` picks on this runtime (the matrix in .ci/run runs them on three).
    setupFiles: ["test/setup-build.ts"],
  },
});

import { describe, expect, it } from "vitest";
import { init } from "../src/index.js";
import { supportedSimd } from "../src/wasm/loader.js";
import { BUILDS } from "./helpers.js";

// Node 20 runs the tests with --experimental-wasm-relaxed-simd (vitest.config.ts); 22 and 24 have it on by default.
const major = Number(process.versions.node.split(".")[0]);

describe(`runtime Node ${process.version}`, () => {
  it("validates every build, so the tests that loop over BUILDS cover all three here", () => {
    expect(supportedSimd()).toEqual([...BUILDS]);
  });

  it(`init() picks the relaxed build by default on Node ${major}`, async () => {
    const backend = await init();
    try {
      expect(backend.name).toBe("wasm");
      expect(backend.simd).toBe("relaxed");
    } finally {
      backend.dispose();
    }
  });
});

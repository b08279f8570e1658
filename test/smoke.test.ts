import { describe, expect, it } from "vitest";
import { init, matrix, supportedSimd } from "../src/index.js";

describe("backends load", () => {
  it("the test workers run all three builds", () => {
    expect(supportedSimd()).toEqual(["relaxed", "simd", "none"]);
  });

  it("wasm and reference agree on a tiny product", async () => {
    const X = matrix(2, 3, [1, 2, 3, 4, 5, 6]);
    const W = matrix(3, 2, [1, 0, 0, 1, 1, 1]);
    const b = Float32Array.of(0.5, -0.5);
    for (const backend of [await init({ backend: "wasm" }), await init({ backend: "reference" })]) {
      expect(Array.from(backend.scores(X, W, b).data)).toEqual([4.5, 4.5, 10.5, 10.5]);
      backend.dispose();
    }
  });
});

// The kernels of a threaded step's reduction, on every build: the many-block accumulate and the penalties' value-
// only mode (dw = 0), at lengths that leave every tail (4-wide vectors, pairs, single elements).
import { describe, expect, it } from "vitest";
import { Rng } from "../src/data/rng.js";
import type { WasmOps } from "../src/backend/wasm-ops.js";
import { Scope } from "../src/wasm/scope.js";
import * as reg from "../src/reference/regularize.js";
import { everyBackend } from "./backends.js";
import { BUILDS } from "./helpers.js";

const backends = everyBackend();
const LENGTHS = [0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 37];

describe.each(BUILDS)("%s build", (build) => {
  const withScope = <T>(use: (sc: Scope, k: WasmOps["kernels"]["exports"]) => T): T => {
    const kernels = (backends.wasm.get(build)!.ops as WasmOps).kernels, sc = new Scope(kernels.heap);
    try {
      return use(sc, kernels.exports);
    } finally {
      sc.release();
    }
  };

  it("accumulate adds count blocks at a stride into dst, left to right, as float32 sums, and leaves them alone", () => {
    const rng = new Rng(3);
    for (const len of LENGTHS) {
      for (const count of [0, 1, 3]) {
        withScope((sc, k) => {
          const stride = (len + 5) * 4; // not a multiple of 16: blocks need not be aligned to each other
          const dst = Float32Array.from({ length: len }, () => rng.normal());
          const src = Float32Array.from({ length: (len + 5) * Math.max(count, 1) }, () => rng.normal());
          const d = sc.f32(dst), s = sc.f32(src);
          k.accumulate(len, d, s, count, stride);
          const expected = Float32Array.from(dst, (v, i) => {
            let sum = v;
            for (let j = 0; j < count; j++) sum = Math.fround(sum + src[j * (len + 5) + i]!);
            return sum;
          });
          expect(sc.heap.f32(d, len)).toEqual(expected);
          expect(sc.heap.f32(s, src.length)).toEqual(src);
        });
      }
    }
  });

  it("l2Penalty and l1Penalty with dw = 0 give the penalty alone; with dw they add the reference's gradient", () => {
    const rng = new Rng(4);
    for (const len of LENGTHS) {
      for (const kind of ["l2", "l1"] as const) {
        withScope((sc, k) => {
          const W = Float32Array.from({ length: len }, (_, i) => (i % 5 === 0 ? 0 : rng.normal()));
          const dW = Float32Array.from({ length: len }, () => rng.normal());
          const penalty = kind === "l2" ? k.l2Penalty : k.l1Penalty, lambda = 0.3;
          const w = sc.f32(W), g = sc.f32(dW), before = sc.heap.bytes(0, sc.heap.memory.buffer.byteLength).slice();
          const alone = penalty(len, w, lambda, 0);
          expect(Buffer.compare(sc.heap.bytes(0, before.length), before)).toBe(0);
          const withGradient = penalty(len, w, lambda, g);
          const expectedGradient = dW.slice(), expected = (kind === "l2" ? reg.l2Penalty : reg.l1Penalty)(W, lambda, expectedGradient);
          expect(alone).toBe(withGradient);
          expect(Math.abs(alone - expected)).toBeLessThanOrEqual(1e-12 * Math.max(1, expected));
          expect(sc.heap.f32(g, len)).toEqual(expectedGradient);
        });
      }
    }
  });
});

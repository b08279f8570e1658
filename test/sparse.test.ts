// Sparse rows: the CSR constructor's validation, and sparse X·W + b and the row-sparse weight gradient against
// the dense reference on the same data, for every wasm build and the reference backend, sparsity 0.1 %–50 %.
import { afterAll, describe, expect, it } from "vitest";
import { init, matrix, type Matrix } from "../src/index.js";
import { csrArg, csrFromDense, csrMatrix, csrToDense, type CsrMatrix } from "../src/sparse/csr.js";
import { identityBatch, ReferenceSparseOps, sparseOpsOf, type SparseOps } from "../src/sparse/ops.js";
import * as gemm from "../src/reference/gemm.js";
import * as ref from "../src/reference/sparse.js";
import { Rng } from "../src/data/rng.js";
import { BUILDS, gaussian, normError, WorstErrors } from "./helpers.js";
import { sparseGaussian } from "./sparse-helpers.js";

const errors = new WorstErrors();
afterAll(() => errors.report());

/** The dense matrix with the compact rows of a row gradient put back in place. */
function expand(rows: Int32Array, G: Matrix, total: number): Float32Array {
  const out = new Float32Array(total * G.cols);
  rows.forEach((k, r) => out.set(G.data.subarray(r * G.cols, (r + 1) * G.cols), k * G.cols));
  return out;
}

describe("csrMatrix", () => {
  it("keeps typed arrays and describes the same matrix as its dense form", () => {
    const indptr = Int32Array.of(0, 2, 2, 3), indices = Int32Array.of(3, 0, 1), values = Float32Array.of(1.5, -2, 4);
    const X = csrMatrix(indptr, indices, values, 4);
    expect(X).toMatchObject({ format: "csr", rows: 3, cols: 4 });
    expect(X.indptr).toBe(indptr);
    expect(X.values).toBe(values);
    expect(Array.from(csrToDense(X).data)).toEqual([-2, 0, 0, 1.5, 0, 0, 0, 0, 0, 4, 0, 0]);
  });

  it("adds duplicate columns, as scipy does", () => {
    const X = csrMatrix([0, 2], [1, 1], [2, 3], 2);
    expect(Array.from(csrToDense(X).data)).toEqual([0, 5]);
  });

  it("round-trips through csrFromDense", () => {
    const M = sparseGaussian(new Rng(1), 7, 9, 0.3);
    const X = csrFromDense(M);
    expect(X.values.every((x) => x !== 0)).toBe(true);
    expect(csrToDense(X).data).toEqual(M.data);
  });

  it.each([
    ["cols", () => csrMatrix([0], [], [], 0), RangeError, /cols/],
    ["indptr too short", () => csrMatrix([0], [], [], 3), RangeError, /indptr/],
    ["indptr[0] ≠ 0", () => csrMatrix([1, 1], [], [], 3), RangeError, /indptr\[0\]/],
    ["indptr decreasing", () => csrMatrix([0, 2, 1], [0, 1], [1, 1], 3), RangeError, /indptr.*non-decreasing/],
    ["indices length", () => csrMatrix([0, 2], [0], [1, 1], 3), RangeError, /indices has length 1.*nnz = 2/],
    ["values length", () => csrMatrix([0, 2], [0, 1], [1], 3), RangeError, /values has length 1.*nnz = 2/],
    ["index out of range", () => csrMatrix([0, 2], [0, 3], [1, 1], 3), RangeError, /indices\[1\] = 3.*0\.\.2/],
    ["negative index", () => csrMatrix([0, 1], Int32Array.of(-1), [1], 3), RangeError, /indices\[0\] = -1/],
    ["fractional index", () => csrMatrix([0, 1], [0.5], [1], 3), RangeError, /indices\[0\]/],
    ["NaN value", () => csrMatrix([0, 1], [0], [NaN], 3), RangeError, /values\[0\].*finite/],
    ["values not an array", () => csrMatrix([0, 1], [0], 5 as never, 3), TypeError, /values/],
    ["indptr not an array", () => csrMatrix(null as never, [0], [1], 3), TypeError, /indptr/],
  ])("rejects %s", (_, call, kind, message) => {
    expect(call).toThrow(kind);
    expect(call).toThrow(message);
  });

  it("csrArg names the argument and rejects a dense matrix", () => {
    expect(() => csrArg("X", matrix(2, 2))).toThrow(TypeError);
    expect(() => csrArg("X", matrix(2, 2))).toThrow(/X must be a CsrMatrix/);
    const bad = { ...csrMatrix([0, 1], [0], [1], 2), rows: 5 };
    expect(() => csrArg("X", bad)).toThrow(/X: rows is 5/);
  });
});

const DENSITIES = [0.001, 0.01, 0.1, 0.5];
const SHAPES = [
  { name: "n1_c2", N: 1, D: 40, C: 2 },
  { name: "n5_c3", N: 5, D: 17, C: 3 },
  { name: "n64_c10", N: 64, D: 600, C: 10 },
  { name: "n33_c13", N: 33, D: 3000, C: 13 },
];

async function backends(): Promise<[string, SparseOps][]> {
  const list: [string, SparseOps][] = [["reference", new ReferenceSparseOps()]];
  for (const simd of BUILDS) list.push([`wasm-${simd}`, sparseOpsOf(await init({ backend: "wasm", simd }))]);
  return list;
}

describe.each(DENSITIES)("sparse equals dense at density %s", (density) => {
  it.each(SHAPES)("$name: scores and weight gradient, every backend", async ({ N, D, C, name }) => {
    const rng = new Rng(Math.round(density * 1e4) + N);
    const M = sparseGaussian(rng, N, D, density), X = csrFromDense(M);
    const W = gaussian(rng, D, C), b = Float32Array.from({ length: C }, () => rng.normal());
    // A batch in shuffled order with a repeated row: the index-list mechanism of the dense kernels.
    const batch = rng.shuffle(identityBatch(N));
    const full = Int32Array.from([...batch, batch[0]!]);
    const Mb = matrix(full.length, D, Float32Array.from(Array.from(full).flatMap((r) => Array.from(M.data.subarray(r * D, (r + 1) * D)))));
    const dSb = matrix(full.length, C, Float32Array.from({ length: full.length * C }, () => rng.normal()));
    const S = gemm.scores(Mb, W, b), dW = gemm.weightGradient(Mb, dSb, 1 / full.length);
    for (const [backend, ops] of await backends()) {
      const key = `${backend} d=${density}`;
      expect(errors.record(`scores ${key}`, normError(ops.scores(X, W, b, full).data, S.data)), `${backend} ${name}`).toBeLessThan(1e-5);
      const g = ops.weightGradient(X, dSb, 1 / full.length, full);
      expect(new Set(g.rows).size).toBe(g.rows.length);
      expect(errors.record(`dW ${key}`, normError(expand(g.rows, g.G, D), dW.data)), `${backend} ${name}`).toBeLessThan(1e-5);
      // Only the columns that occur in the batch are touched.
      const used = new Set<number>();
      for (const r of full) for (let k = 0; k < D; k++) if (M.data[r * D + k] !== 0) used.add(k);
      expect(new Set(g.rows)).toEqual(used);
    }
  });
});

describe("sparse kernels on edge cases", () => {
  it("an empty row scores b, and a batch with no non-zero touches no row", async () => {
    const X = csrMatrix([0, 0, 2], [1, 2], [1, -1], 3);
    const W = matrix(3, 2, [1, 2, 3, 4, 5, 6]), b = Float32Array.of(0.5, -0.5);
    const dS = matrix(1, 2, [1, 1]);
    for (const [backend, ops] of await backends()) {
      expect(Array.from(ops.scores(X, W, b, Int32Array.of(0, 1)).data), backend).toEqual([0.5, -0.5, -1.5, -2.5]);
      const g = ops.weightGradient(X, dS, 1, Int32Array.of(0));
      expect(g.rows.length, backend).toBe(0);
      expect(g.G.rows, backend).toBe(0);
    }
  });

  it("catchUp: lazy l2 decay equals the per-step decay, and l1 shrinks without crossing 0", () => {
    const len = 3, w = Float32Array.of(1, -2, 0.5, 4, 0.01, -0.01), last = Int32Array.of(0, 2);
    const decay = 0.9, shrink = 0.05, w0 = w.slice();
    ref.catchUp(null, len, w, last, 5, decay, 0);
    const f0 = decay ** 5, f1 = decay ** 3;
    expect(w).toEqual(Float32Array.from(w0, (x, j) => x * (j < len ? f0 : f1)));
    expect(Array.from(last)).toEqual([5, 5]);
    ref.catchUp(Int32Array.of(1), len, w, last, 7, 1, shrink);
    expect(w[3]).toBeCloseTo(4 * f1 - 0.1, 6);
    expect(w[4]).toBe(0);
    expect(w[5]).toBe(0);
    expect(w[0]).toBe(Math.fround(f0));
  });
});

// fit(X, y, { sampleWeight }) and backend.loss(..., { sampleWeight }): every loss kernel weighs each row, the
// reference and every WASM build agree, a weight of 0 is the same fit as dropping the row (bit for bit), equal
// weights are no weights, and integer weights are repeated rows (one full batch).
import { describe, expect, it } from "vitest";
import { csrFromDense, LinearClassifier, LinearRegressor, type Backend, type LossKind, type Matrix } from "../src/index.js";
import { LOSSES } from "../src/types.js";
import { Rng } from "../src/data/rng.js";
import { everyBackend } from "./backends.js";
import { gaussian, randomLabels } from "./helpers.js";

const backends = everyBackend();
const N = 60, D = 4, C = 3;
const rng = new Rng(29);
const X = gaussian(rng, N, D), y = randomLabels(rng, N, C);
const yValues = Float32Array.from({ length: N }, (_, i) => X.data[i * D]! - 2 * X.data[i * D + 1]! + 0.1 * Math.sin(7 * i));
const weights = Float32Array.from({ length: N }, (_, i) => (i % 5 === 0 ? 0 : 0.25 + (i % 7) * 0.5));
const kept = [...Array(N).keys()].filter((i) => weights[i]! > 0);

const select = (t: Int32Array | Float32Array, at: number[]) => (t instanceof Int32Array ? Int32Array : Float32Array).from(at, (r) => t[r]!);
const rows = (M: Matrix, at: number[]): Matrix =>
  ({ rows: at.length, cols: M.cols, data: Float32Array.from(at.flatMap((r) => [...M.data.subarray(r * M.cols, (r + 1) * M.cols)])) });

/** Targets of the right kind for each loss of the backend's loss API. */
function targetsFor(kind: LossKind, S: Matrix): Int32Array | Matrix {
  if (["hinge", "squared-hinge", "softmax"].includes(kind)) return y;
  const T = new Float32Array(S.rows * S.cols);
  for (let e = 0; e < T.length; e++) {
    T[e] = kind === "logistic" ? (e % 3 === 0 ? 1 : 0) : kind === "attribute-hinge" ? (e % 2 ? 1 : -1) : Math.sin(e);
  }
  return { rows: S.rows, cols: S.cols, data: T };
}

describe("backend.loss with sampleWeight", () => {
  const S = gaussian(new Rng(3), N, C, 2);
  it.each(LOSSES)("%s: every WASM build agrees with the reference, and weights of 1 are no weights bit for bit", (kind) => {
    const T = targetsFor(kind, S);
    const oracle = backends.reference.loss(kind, S, T, { sampleWeight: weights });
    const unweighted = backends.reference.loss(kind, S, T);
    expect(oracle.loss).not.toBeCloseTo(unweighted.loss, 3); // the weights change the loss
    for (const [build, be] of backends.wasm) {
      const got = be.loss(kind, S, T, { sampleWeight: weights });
      expect(Math.abs(got.loss - oracle.loss) / Math.abs(oracle.loss), build).toBeLessThan(1e-5);
      for (let e = 0; e < got.dS.data.length; e++) expect(Math.abs(got.dS.data[e]! - oracle.dS.data[e]!)).toBeLessThan(1e-5);
      const ones = be.loss(kind, S, T, { sampleWeight: new Float32Array(N).fill(1) }), none = be.loss(kind, S, T);
      expect(ones.loss).toBe(none.loss);
      expect(ones.dS.data).toEqual(none.dS.data);
    }
  });

  it("a row's weight multiplies its loss and its gradient row: weight 0 zeroes both", () => {
    const be = backends.wasm.get("simd")!, one = new Float32Array(N).fill(1);
    one[4] = 0;
    one[7] = 3;
    const w = be.loss("softmax", S, y, { sampleWeight: one }), u = be.loss("softmax", S, y);
    expect([...w.dS.data.subarray(4 * C, 5 * C)]).toEqual([0, 0, 0]);
    for (let j = 0; j < C; j++) expect(w.dS.data[7 * C + j]).toBeCloseTo(3 * u.dS.data[7 * C + j]!, 6);
  });
});

/** Models of each kind, with a full-batch variant for the exactness checks. */
const models: [string, (backend: Backend, batchSize?: number) => LinearClassifier | LinearRegressor, Int32Array | Float32Array][] = [
  ["softmax", (backend, batchSize = 8) => new LinearClassifier({ backend, loss: "softmax", epochs: 4, batchSize, seed: 5 }), y],
  ["hinge", (backend, batchSize = 8) => new LinearClassifier({ backend, loss: "hinge", epochs: 4, batchSize, seed: 5, l2: 1e-3 }), y],
  ["logistic", (backend, batchSize = 8) => new LinearClassifier({ backend, loss: "logistic", epochs: 4, batchSize, seed: 5 }), y],
  ["hierarchical-softmax", (backend, batchSize = 8) =>
    new LinearClassifier({ backend, loss: "hierarchical-softmax", epochs: 4, batchSize, seed: 5 }), y],
  ["l2 regressor", (backend, batchSize = 8) =>
    new LinearRegressor({ backend, loss: "l2", epochs: 4, batchSize, seed: 5, optimizer: { rule: "sgd", learningRate: 0.02 } }), yValues],
];

const fitted = (m: LinearClassifier | LinearRegressor) => ({ W: [...m.weights.W.data], b: [...m.weights.b] });

describe("fit with sampleWeight", () => {
  it.each(models)("%s: weight 0 is the same fit as dropping the rows, bit for bit, on WASM and on the reference", async (_, make, target) => {
    const zeroOne = Float32Array.from(weights, (w) => (w > 0 ? 1 : 0));
    for (const be of [backends.wasm.get("relaxed")!, backends.reference]) {
      const a = make(be), b = make(be);
      const ha = await a.fit(X, target as never, { sampleWeight: zeroOne });
      const hb = await b.fit(rows(X, kept), select(target, kept) as never);
      expect(fitted(a)).toEqual(fitted(b));
      expect(ha.loss).toEqual(hb.loss);
    }
  });

  it("CSR input: weight 0 is the same fit as dropping the rows", async () => {
    const zeroOne = Float32Array.from(weights, (w) => (w > 0 ? 1 : 0)), be = backends.wasm.get("simd")!;
    const a = new LinearClassifier({ backend: be, epochs: 3, batchSize: 8, seed: 2 });
    const b = new LinearClassifier({ backend: be, epochs: 3, batchSize: 8, seed: 2 });
    await a.fit(csrFromDense(X), y, { sampleWeight: zeroOne });
    await b.fit(csrFromDense(rows(X, kept)), Int32Array.from(kept, (r) => y[r]!));
    expect(fitted(a)).toEqual(fitted(b));
  });

  it("equal weights (2.5 each) are no weights, bit for bit", async () => {
    const be = backends.wasm.get("relaxed")!;
    const a = new LinearClassifier({ backend: be, epochs: 3, batchSize: 8, seed: 4 });
    const b = new LinearClassifier({ backend: be, epochs: 3, batchSize: 8, seed: 4 });
    await a.fit(X, y, { sampleWeight: new Array(N).fill(2.5) });
    await b.fit(X, y);
    expect(fitted(a)).toEqual(fitted(b));
  });

  it.each(models)("%s: weights 1 and 2 on one full batch equal the data with the weight-2 rows repeated", async (_, make, target) => {
    const be = backends.reference, twice = [...Array(N).keys()].filter((i) => i % 4 === 0);
    const w = Float32Array.from({ length: N }, (_, i) => (i % 4 === 0 ? 2 : 1)), repeated = [...Array(N).keys(), ...twice];
    const a = make(be, N), b = make(be, N + twice.length);
    await a.fit(X, target as never, { sampleWeight: w });
    await b.fit(rows(X, repeated), select(target, repeated) as never);
    const fa = fitted(a), fb = fitted(b);
    fa.W.forEach((x, i) => expect(Math.abs(x - fb.W[i]!)).toBeLessThan(1e-5));
  });

  it.each(models)("%s: WASM and the reference agree with uneven weights", async (_, make, target) => {
    const a = make(backends.wasm.get("simd")!), b = make(backends.reference);
    const ha = await a.fit(X, target as never, { sampleWeight: weights });
    const hb = await b.fit(X, target as never, { sampleWeight: weights });
    const fa = fitted(a), fb = fitted(b);
    fa.W.forEach((x, i) => expect(Math.abs(x - fb.W[i]!)).toBeLessThan(1e-4));
    ha.loss.forEach((l, e) => expect(Math.abs(l - hb.loss[e]!) / hb.loss[e]!).toBeLessThan(1e-4));
    const unweighted = make(backends.reference);
    await unweighted.fit(X, target as never);
    expect(fitted(unweighted).W).not.toEqual(fb.W);
  });

  it("bad sampleWeight throws, naming it, before anything is trained", async () => {
    const be = backends.wasm.get("simd")!, model = new LinearClassifier({ backend: be, epochs: 1 });
    const cases: [unknown, ErrorConstructor, RegExp][] = [
      [new Float32Array(N - 1), RangeError, /sampleWeight has 59 values but X has 60 rows/],
      [Array.from({ length: N }, (_, i) => (i === 3 ? -1 : 1)), RangeError, /sampleWeight\[3\] must be ≥ 0, got -1/],
      [Array.from({ length: N }, (_, i) => (i === 2 ? NaN : 1)), RangeError, /sampleWeight\[2\] must be finite/],
      [new Array(N).fill(0), RangeError, /sampleWeight has no positive weight/],
      [new Array(N).fill(1e39), RangeError, /sampleWeight\[0\] is 1e\+39, beyond float32's range/],
      ["heavy", TypeError, /sampleWeight must be an array of numbers, one per row, got/],
    ];
    for (const [sampleWeight, type, message] of cases) {
      await expect(model.fit(X, y, { sampleWeight: sampleWeight as never })).rejects.toThrow(type);
      await expect(model.fit(X, y, { sampleWeight: sampleWeight as never })).rejects.toThrow(message);
    }
    expect(() => model.predict(X)).toThrow(/not fitted yet/);
  });

  it("does not touch the weights it was given", async () => {
    const given = weights.slice(), model = new LinearClassifier({ backend: backends.wasm.get("simd")!, epochs: 1 });
    await model.fit(X, y, { sampleWeight: given });
    expect(given).toEqual(weights);
  });
});

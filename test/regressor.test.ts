// LinearRegressor: l2 and l1 regression, R², one or several outputs, JSON.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { init, LinearRegressor, type Backend, type Matrix } from "../src/index.js";
import { Rng } from "../src/data/rng.js";
import { gaussian } from "./helpers.js";

/** y = X·w + 0.5 + noise·N(0, 1) for a known w. */
function line(seed: number, n: number, d: number, noise: number) {
  const rng = new Rng(seed), X = gaussian(rng, n, d), w = Float32Array.from({ length: d }, (_, k) => k - d / 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0.5;
    for (let k = 0; k < d; k++) s += X.data[i * d + k]! * w[k]!;
    y[i] = s + noise * rng.normal();
  }
  return { X, y, w };
}

/** R² computed here, from its definition. */
function r2(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  const mean = Array.from(y).reduce((a, t) => a + t, 0) / y.length;
  let res = 0, tot = 0;
  for (let i = 0; i < y.length; i++) {
    res += (pred[i]! - y[i]!) ** 2;
    tot += (y[i]! - mean) ** 2;
  }
  return 1 - res / tot;
}

let wasm: Backend;
beforeAll(async () => {
  wasm = await init();
});
afterAll(() => wasm.dispose());

describe("LinearRegressor", () => {
  const train = line(1, 500, 4, 0.1), test = line(2, 200, 4, 0.1);

  for (const loss of ["l2", "l1"] as const) {
    it(`${loss}: recovers w and b; score is R²; both backends agree`, async () => {
      const fitted: Float32Array[] = [];
      for (const backend of [wasm, "reference"] as const) {
        const model = new LinearRegressor({ loss, backend, epochs: 30, batchSize: 50, optimizer: { learningRate: 0.05 } });
        const history = await model.fit(train.X, train.y, { validation: [test.X, test.y] });
        const pred = model.predict(test.X);
        expect(pred).toBeInstanceOf(Float32Array);
        expect(model.score(test.X, test.y)).toBeCloseTo(r2(pred, test.y), 10);
        expect(history.valR2.at(-1)).toBeCloseTo(r2(pred, test.y), 10);
        expect(model.score(test.X, test.y)).toBeGreaterThan(0.99);
        const { W, b } = model.weights;
        Array.from(train.w).forEach((w, k) => expect(Math.abs(W.data[k]! - w)).toBeLessThan(0.05));
        expect(Math.abs(b[0]! - 0.5)).toBeLessThan(0.05);
        fitted.push(W.data);
        model.dispose();
      }
      fitted[0]!.forEach((w, k) => expect(Math.abs(w - fitted[1]![k]!)).toBeLessThan(1e-3));
    });
  }

  it("l1 shrugs off outliers that pull l2 away (median vs mean)", async () => {
    const data = line(3, 400, 2, 0.05);
    const y = data.y.slice();
    for (let i = 0; i < 400; i += 10) y[i] = y[i]! + 50; // one row in ten far off, all on one side
    const bias = async (loss: "l1" | "l2") => {
      const model = new LinearRegressor({ loss, backend: wasm, epochs: 60, batchSize: 40, optimizer: { learningRate: 0.1 } });
      await model.fit(data.X, y);
      const b = model.weights.b[0]!;
      model.dispose();
      return b;
    };
    expect(Math.abs((await bias("l1")) - 0.5)).toBeLessThan(0.2);
    expect(Math.abs((await bias("l2")) - 0.5)).toBeGreaterThan(3);
  });

  it("several outputs: a target Matrix in, a Matrix out, R² averaged over the outputs", async () => {
    const a = line(4, 300, 3, 0.1), b = line(4, 300, 3, 3);
    const T: Matrix = { rows: 300, cols: 2, data: new Float32Array(600) };
    for (let i = 0; i < 300; i++) {
      T.data[2 * i] = a.y[i]!;
      T.data[2 * i + 1] = b.y[i]!;
    }
    const model = new LinearRegressor<Matrix>({ backend: wasm, epochs: 30, batchSize: 30, optimizer: { learningRate: 0.05 } });
    await model.fit(a.X, T);
    const P = model.predict(a.X);
    expect([P.rows, P.cols]).toEqual([300, 2]);
    const column = (M: Matrix, j: number) => Array.from({ length: M.rows }, (_, i) => M.data[i * 2 + j]!);
    const expected = (r2(column(P, 0), column(T, 0)) + r2(column(P, 1), column(T, 1))) / 2;
    expect(model.score(a.X, T)).toBeCloseTo(expected, 10);
    expect(model.outputs).toBe(2);
    model.dispose();
  });

  it("round-trips through JSON and refuses bad targets", async () => {
    const model = new LinearRegressor({ backend: wasm, epochs: 2 });
    await model.fit(train.X, train.y);
    const copy = LinearRegressor.fromJSON(JSON.stringify(model), { backend: wasm });
    expect(Array.from(copy.predict(test.X))).toEqual(Array.from(model.predict(test.X)));
    // By default the reference backend: float64 sums, so equal up to float32 rounding.
    const viaReference = LinearRegressor.fromJSON(model.toJSON()).predict(test.X);
    viaReference.forEach((p, i) => expect(p).toBeCloseTo(model.predict(test.X)[i]!, 5));
    expect(() => LinearRegressor.fromJSON({ ...model.toJSON(), targets: "labels" })).toThrow(/json\.targets/);
    expect(() => new LinearRegressor({ loss: "softmax" as "l2" })).toThrow(/loss/);
    const bad = train.y.slice();
    bad[3] = NaN;
    await expect(model.fit(train.X, bad)).rejects.toThrow(/y\[3\]/);
    await expect(model.fit(train.X, train.y.subarray(1))).rejects.toThrow(/length 499/);
    await expect(model.fit(train.X, Int32Array.from([1]) as unknown as Float32Array)).rejects.toThrow(TypeError);
    model.dispose();
    copy.dispose();
  });
});

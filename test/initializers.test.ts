// Weight initialisers (SPEC.md, seed 003) and the learning-rate / momentum schedules.
import { describe, expect, it } from "vitest";
import { initialWeights, INITIALIZERS, learningRateAt, LinearClassifier, momentumAt, type Matrix } from "../src/index.js";
import { Rng } from "../src/data/rng.js";
import { learningRateSchedule, momentumSchedule } from "../src/train/schedule.js";
import { gaussian } from "./helpers.js";

const moments = (W: Matrix) => {
  const n = W.data.length, mean = W.data.reduce((a, w) => a + w, 0) / n;
  return { mean, std: Math.sqrt(W.data.reduce((a, w) => a + (w - mean) ** 2, 0) / n) };
};

/** Gram matrix of the columns (c ≤ d) or of the rows (c > d), in float64. */
function gram(W: Matrix): number[][] {
  const { rows: d, cols: c } = W, tall = c <= d, k = tall ? c : d, len = tall ? d : c;
  const at = (i: number, e: number) => (tall ? W.data[e * c + i]! : W.data[i * c + e]!);
  return Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => {
    let s = 0;
    for (let e = 0; e < len; e++) s += at(i, e) * at(j, e);
    return s;
  }));
}

describe("initialisers", () => {
  const d = 400, c = 10;
  for (const [kind, std] of [["gaussian", 0.01], ["he", Math.sqrt(2 / d)], ["xavier", Math.sqrt(1 / d)]] as const) {
    it(`${kind}: mean 0, std ${std.toPrecision(3)}`, () => {
      const m = moments(initialWeights(kind, d, c, new Rng(1)));
      expect(Math.abs(m.mean)).toBeLessThan(0.05 * std);
      expect(Math.abs(m.std / std - 1)).toBeLessThan(0.03);
    });
  }

  it("uniform: inside ±√(6/(d + c)) and spread over it (std a/√3)", () => {
    const W = initialWeights("uniform", d, c, new Rng(2)), a = Math.sqrt(6 / (d + c));
    expect(W.data.every((w) => Math.abs(w) <= a)).toBe(true);
    expect(Math.abs(moments(W).std / (a / Math.sqrt(3)) - 1)).toBeLessThan(0.03);
  });

  it("random-walk: mean 0, std g/√d with g = exp(1/(2d)) (Sussillo and Abbott 2014); at d = 4, 13% above xavier", () => {
    const small = 4, g = Math.exp(1 / (2 * small));
    const m = moments(initialWeights("random-walk", small, 5000, new Rng(7)));
    expect(Math.abs(m.mean)).toBeLessThan(0.02 * g / Math.sqrt(small));
    expect(Math.abs(m.std / (g / Math.sqrt(small)) - 1)).toBeLessThan(0.02);
    const wide = moments(initialWeights("random-walk", d, c, new Rng(8)));
    expect(Math.abs(wide.std / (Math.exp(1 / (2 * d)) / Math.sqrt(d)) - 1)).toBeLessThan(0.03);
  });

  for (const rows of [400, 15, 6]) {
    it(`sparse ${rows}×300: exactly min(15, d) = ${Math.min(15, rows)} N(0, 1) nonzeros per column at distinct rows (Martens 2010)`, () => {
      const cols = 300, k = Math.min(15, rows), W = initialWeights("sparse", rows, cols, new Rng(9));
      const values: number[] = [], perRow = new Array<number>(rows).fill(0);
      for (let j = 0; j < cols; j++) {
        const at: number[] = [];
        for (let i = 0; i < rows; i++) if (W.data[i * cols + j] !== 0) at.push(i);
        // Counting nonzero rows of one column counts distinct rows: k nonzeros means k distinct rows.
        expect(at).toHaveLength(k);
        for (const i of at) {
          values.push(W.data[i * cols + j]!);
          perRow[i]!++;
        }
      }
      const m = moments({ rows: 1, cols: values.length, data: Float32Array.from(values) });
      expect(Math.abs(m.mean)).toBeLessThan(0.05);
      expect(Math.abs(m.std - 1)).toBeLessThan(0.03);
      // The rows are drawn uniformly: each row holds about cols·k/d of the nonzeros (binomial, within 5 sd).
      const expected = (cols * k) / rows, sd = Math.sqrt(expected * (1 - k / rows));
      for (const count of perRow) expect(Math.abs(count - expected)).toBeLessThanOrEqual(5 * sd + 1e-9);
    });
  }

  it("zeros", () => {
    expect(initialWeights("zeros", 3, 4, new Rng(0)).data.every((w) => w === 0)).toBe(true);
  });

  for (const [rows, cols] of [[50, 10], [10, 10], [3, 7]] as const) {
    it(`orthogonal ${rows}×${cols}: orthonormal ${cols <= rows ? "columns" : "rows"} (Saxe 2014)`, () => {
      const G = gram(initialWeights("orthogonal", rows, cols, new Rng(3)));
      G.forEach((row, i) => row.forEach((g, j) => expect(Math.abs(g - (i === j ? 1 : 0))).toBeLessThan(1e-6)));
    });
  }

  it("lsuv: the scores of its batch have variance 1 (Mishkin 2016), starting from orthogonal", () => {
    const rng = new Rng(4);
    const batch = gaussian(rng, 64, 30, 5);
    const W = initialWeights("lsuv", 30, 6, new Rng(5), batch);
    const S: number[] = [];
    for (let i = 0; i < 64; i++) {
      for (let j = 0; j < 6; j++) {
        let s = 0;
        for (let k = 0; k < 30; k++) s += batch.data[i * 30 + k]! * W.data[k * 6 + j]!;
        S.push(s);
      }
    }
    const mean = S.reduce((a, s) => a + s, 0) / S.length;
    expect(S.reduce((a, s) => a + (s - mean) ** 2, 0) / S.length).toBeCloseTo(1, 4);
    // Still orthogonal columns, only scaled.
    const G = gram(W);
    G.forEach((row, i) => row.forEach((g, j) => expect(Math.abs(i === j ? g / G[0]![0]! - 1 : g / G[0]![0]!)).toBeLessThan(1e-5)));
    expect(() => initialWeights("lsuv", 30, 6, new Rng(5))).toThrow(/batch/);
  });

  it("every initialiser trains through LinearClassifier; biases start at 0", async () => {
    const rng = new Rng(6), X = gaussian(rng, 50, 8), y = Int32Array.from({ length: 50 }, () => rng.int(3));
    for (const init of INITIALIZERS) {
      const model = new LinearClassifier({ init, backend: "reference", epochs: 1, optimizer: { rule: "sgd", learningRate: 1e-12 } });
      await model.fit(X, y);
      // lr 1e-12: the weights are still the initial ones to float32 precision.
      expect(model.weights.b.every((b) => Math.abs(b) < 1e-10)).toBe(true);
      model.dispose();
    }
  });
});

describe("schedules", () => {
  it("learning rate: constant, step, exponential, cosine", () => {
    expect([0, 5, 9].map((e) => learningRateAt({ type: "constant" }, 0.1, e, 10))).toEqual([0.1, 0.1, 0.1]);
    expect([0, 2, 3, 6].map((e) => learningRateAt({ type: "step", every: 3, gamma: 0.5 }, 0.1, e, 10)))
      .toEqual([0.1, 0.1, 0.05, 0.025]);
    expect(learningRateAt({ type: "step", every: 2 }, 1, 4, 10)).toBeCloseTo(0.01, 15);
    expect(learningRateAt({ type: "exponential", gamma: 0.9 }, 1, 3, 10)).toBeCloseTo(0.729, 15);
    const cosine = { type: "cosine", minLearningRate: 0.01 } as const;
    expect(learningRateAt(cosine, 0.1, 0, 10)).toBe(0.1);
    expect(learningRateAt(cosine, 0.1, 5, 10)).toBeCloseTo(0.055, 15);
    expect(learningRateAt(cosine, 0.1, 10, 10)).toBeCloseTo(0.01, 15);
    expect(learningRateAt({ type: "cosine", epochs: 4 }, 1, 9, 10)).toBe(0);
  });

  it("momentum ramp (seed 003): 0.5 rising to 0.99 over the epochs", () => {
    const ramp = [0, 1, 2, 3, 4].map((e) => momentumAt({ type: "ramp" }, 0.9, e, 5));
    expect(ramp[0]).toBe(0.5);
    expect(ramp[4]).toBeCloseTo(0.99, 15);
    for (let e = 1; e < 5; e++) expect(ramp[e]! - ramp[e - 1]!).toBeCloseTo(0.49 / 4, 15);
    expect(momentumAt({ type: "constant" }, 0.9, 3, 5)).toBe(0.9);
    expect(momentumAt({ type: "ramp", start: 0.6, end: 0.9, epochs: 2 }, 0, 7, 10)).toBe(0.9);
  });

  it("a fit reports each epoch's learning rate and momentum", async () => {
    const rng = new Rng(7), X = gaussian(rng, 20, 3), y = Int32Array.from({ length: 20 }, () => rng.int(2));
    const model = new LinearClassifier({
      backend: "reference", epochs: 3,
      optimizer: { rule: "momentum", learningRate: 0.1, schedule: { type: "exponential", gamma: 0.5 }, momentumSchedule: { type: "ramp" } },
    });
    const history = await model.fit(X, y);
    expect(history.epochs.map((e) => e.learningRate)).toEqual([0.1, 0.05, 0.025]);
    expect(history.epochs.map((e) => e.momentum)).toEqual([0.5, 0.745, 0.99]);
    model.dispose();
  });

  it("refuses malformed schedules, naming the field", () => {
    expect(() => learningRateSchedule("s", { type: "linear" })).toThrow(/s\.type/);
    expect(() => learningRateSchedule("s", { type: "step", every: 0 })).toThrow(/s\.every/);
    expect(() => learningRateSchedule("s", { type: "exponential" })).toThrow(/s\.gamma/);
    expect(() => learningRateSchedule("s", "cosine")).toThrow(TypeError);
    expect(() => momentumSchedule("m", { type: "ramp", start: 0.9, end: 0.5 })).toThrow(/m\.end/);
    expect(() => momentumSchedule("m", { type: "ramp", end: 1 })).toThrow(/m\.end/);
  });
});

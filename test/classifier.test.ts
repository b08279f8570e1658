// LinearClassifier: the API of issue 3 on synthetic data, on both backends.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  csrFromDense, DivergenceError, init, LinearClassifier, standardize, type Backend, type EpochInfo, type Matrix,
} from "../src/index.js";
import { Rng } from "../src/data/rng.js";
import { WasmOps } from "../src/backend/wasm-ops.js";
import { gaussian } from "./helpers.js";

/**
 * n points in d dimensions around c class centres `spread` apart (unit noise): learnable, not separable. The
 * centres depend on d, c and spread only, so two calls with different seeds draw train and test sets.
 */
function blobs(seed: number, n: number, d: number, c: number, spread = 3, counts?: number[]) {
  const centres = gaussian(new Rng(1000 + d * c), c, d, spread);
  const rng = new Rng(seed);
  const y = counts ? Int32Array.from(counts.flatMap((k, j) => new Array<number>(k).fill(j)))
    : Int32Array.from({ length: n }, () => rng.int(c));
  const X = gaussian(rng, y.length, d);
  y.forEach((label, i) => { for (let k = 0; k < d; k++) X.data[i * d + k] += centres.data[label * d + k]!; });
  return { X, y };
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

let wasm: Backend;
beforeAll(async () => {
  wasm = await init();
});
afterAll(() => wasm.dispose());

describe("fit, predict, score", () => {
  const { X, y } = blobs(1, 300, 6, 4);
  const test = blobs(2, 200, 6, 4);

  for (const loss of ["softmax", "hinge", "squared-hinge", "logistic", "attribute-hinge"] as const) {
    it(`${loss}: learns 4 blobs on both backends, which agree`, async () => {
      const accuracy: number[] = [];
      for (const backend of [wasm, "reference"] as const) {
        const model = new LinearClassifier({ loss, backend, epochs: 5, batchSize: 32, optimizer: { rule: "adam", learningRate: 0.05 } });
        const history = await model.fit(X, y, { validation: [test.X, test.y] });
        expect(history.loss.length).toBe(5);
        expect(history.loss.at(-1)!).toBeLessThan(history.loss[0]!);
        const predicted = model.predict(test.X);
        const manual = predicted.reduce((a, label, i) => a + (label === test.y[i] ? 1 : 0), 0) / test.y.length;
        expect(model.score(test.X, test.y)).toBeCloseTo(manual, 12);
        expect(history.valAccuracy.at(-1)).toBeCloseTo(manual, 12);
        accuracy.push(manual);
        model.dispose();
      }
      expect(accuracy[0]).toBeGreaterThan(0.85);
      expect(Math.abs(accuracy[0]! - accuracy[1]!)).toBeLessThanOrEqual(0.01);
    });
  }

  it("history: one entry per epoch, onEpoch called once after each with that entry", async () => {
    const seen: EpochInfo<"Accuracy">[] = [];
    const model = new LinearClassifier({ backend: wasm, epochs: 4, optimizer: { learningRate: 0.01, schedule: { type: "step", every: 2, gamma: 0.5 } } });
    const history = await model.fit(X, y, { validation: [test.X, test.y], onEpoch: (info) => { seen.push(info); }, trainMetrics: "full" });
    expect(seen.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(history.epochs).toEqual(seen);
    expect(seen.map((e) => e.learningRate)).toEqual([0.01, 0.01, 0.005, 0.005]);
    // The default batch on 300 rows is ⌊300/24⌋ = 12 rows: 25 steps an epoch.
    expect(seen.every((e) => e.steps === 25)).toBe(true);
    expect(history.trainAccuracy).toEqual(seen.map((e) => e.trainAccuracy));
    expect(history.valAccuracy).toEqual(seen.map((e) => e.valAccuracy));
    expect(history.valLoss).toEqual(seen.map((e) => e.valLoss));
    // With trainMetrics 'full', the reported loss is the objective on the whole training set after the epoch.
    const { W, b } = model.weights;
    expect(history.loss.at(-1)).toBeCloseTo(wasm.linearLoss("softmax", X, W, b, y).loss, 5);
    model.dispose();
  });

  it("predictProba: softmax rows sum to 1 and argmax = predict; logistic one-vs-rest is normalised", async () => {
    for (const loss of ["softmax", "logistic"] as const) {
      const model = new LinearClassifier({ loss, backend: wasm, epochs: 3 });
      await model.fit(X, y);
      const P = model.predictProba(test.X), labels = model.predict(test.X);
      for (let i = 0; i < P.rows; i++) {
        const row = Array.from(P.data.subarray(i * 4, i * 4 + 4));
        expect(row.reduce((a, p) => a + p, 0)).toBeCloseTo(1, 5);
        expect(row.indexOf(Math.max(...row))).toBe(labels[i]);
      }
      model.dispose();
    }
    const svm = new LinearClassifier({ loss: "hinge", backend: wasm, epochs: 1 });
    await svm.fit(X, y);
    expect(() => svm.predictProba(X)).toThrow(/softmax' or 'logistic/);
    expect(svm.decisionFunction(X).cols).toBe(4);
    svm.dispose();
  });
});

describe("multi-label (0/1 target Matrix)", () => {
  // Three labels, each a linear rule of the features.
  const rng = new Rng(5), n = 400, d = 5, c = 3;
  const X = gaussian(rng, n, d), R = gaussian(rng, d, c);
  const T = { rows: n, cols: c, data: new Float32Array(n * c) };
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += X.data[i * d + k]! * R.data[k * c + j]!;
      T.data[i * c + j] = s > 0 ? 1 : 0;
    }
  }

  for (const loss of ["logistic", "attribute-hinge"] as const) {
    it(`${loss}: predicts a 0/1 Matrix, subset accuracy high`, async () => {
      const model = new LinearClassifier<Matrix>({ loss, backend: wasm, epochs: 20, batchSize: 50, optimizer: { learningRate: 0.05 } });
      const history = await model.fit(X, T, { trainMetrics: "full" });
      const P = model.predict(X);
      expect(P.rows).toBe(n);
      expect(P.cols).toBe(c);
      expect(P.data.every((p) => p === 0 || p === 1)).toBe(true);
      const exact = Array.from({ length: n }, (_, i) => [0, 1, 2].every((j) => P.data[i * c + j] === T.data[i * c + j]));
      const subset = exact.filter(Boolean).length / n;
      expect(model.score(X, T)).toBeCloseTo(subset, 12);
      expect(history.trainAccuracy.at(-1)).toBeCloseTo(subset, 12);
      expect(subset).toBeGreaterThan(0.9);
      if (loss === "logistic") {
        const probabilities = model.predictProba(X).data;
        expect(probabilities.every((p) => p >= 0 && p <= 1)).toBe(true);
      }
      model.dispose();
    });
  }

  it("the label losses refuse a target Matrix", async () => {
    const model = new LinearClassifier({ loss: "softmax", backend: wasm });
    await expect(model.fit(X, T as unknown as Int32Array)).rejects.toThrow(/'softmax' takes labels/);
    const bad = { ...T, data: T.data.map((t) => 2 * t - 1) };
    const logistic = new LinearClassifier<Matrix>({ loss: "logistic", backend: wasm });
    await expect(logistic.fit(X, bad)).rejects.toThrow(/must be 0 or 1/);
  });
});

describe("determinism", () => {
  const { X, y } = blobs(3, 150, 5, 3);
  for (const backend of ["wasm", "reference"] as const) {
    it(`${backend}: same seed → the same weights bit for bit; another seed → other weights`, async () => {
      const train = async (seed: number) => {
        const model = new LinearClassifier({
          backend: backend === "wasm" ? wasm : "reference", seed, epochs: 3, batchSize: 16, inputDropout: 0.2,
          init: "he", optimizer: { rule: "nesterov", learningRate: 0.01, momentumSchedule: { type: "ramp" } },
        });
        await model.fit(X, y);
        const { W, b } = model.weights;
        model.dispose();
        return { W: W.data, b };
      };
      const a = await train(7), again = await train(7), other = await train(8);
      expect(bits(a.W).equals(bits(again.W))).toBe(true);
      expect(bits(a.b).equals(bits(again.b))).toBe(true);
      expect(bits(a.W).equals(bits(other.W))).toBe(false);
    });
  }
});

describe("early stopping", () => {
  const { X, y } = blobs(4, 200, 5, 3);

  it("stops after `patience` epochs without improvement and ends with the best epoch's weights", async () => {
    const options = { backend: wasm, epochs: 10, optimizer: { learningRate: 0.01 } };
    // An improvement must beat the best by 10: only the first epoch counts as one.
    const model = new LinearClassifier(options);
    const history = await model.fit(X, y, { earlyStopping: { patience: 2, metric: "loss", minDelta: 10 } });
    expect(history.loss.length).toBe(3);
    expect(history.stoppedEarly).toBe(true);
    expect(history.bestEpoch).toBe(1);
    const oneEpoch = new LinearClassifier({ ...options, epochs: 1 });
    await oneEpoch.fit(X, y);
    expect(bits(model.weights.W.data).equals(bits(oneEpoch.weights.W.data))).toBe(true);
    model.dispose();
    oneEpoch.dispose();
  });

  it("runs to the end while the metric improves; validation metrics need validation data", async () => {
    const model = new LinearClassifier({ backend: wasm, epochs: 4 });
    const history = await model.fit(X, y, { validation: [X, y], earlyStopping: { patience: 1, metric: "valLoss" } });
    expect(history.stoppedEarly).toBe(false);
    expect(history.bestEpoch).toBe(4);
    await expect(model.fit(X, y, { earlyStopping: { metric: "valAccuracy" } })).rejects.toThrow(/needs validation data/);
    await expect(model.fit(X, y, { earlyStopping: { metric: "accuracy" as "loss" } })).rejects.toThrow(/earlyStopping\.metric/);
    model.dispose();
  });
});

describe("divergence", () => {
  it("a NaN/∞ loss stops fit with an error naming the epoch and the step; with keepProgress the last finite weights stay", async () => {
    // With l2 = 1 a step of sgd at lr 10 multiplies W by about 1 − 10·2 = −19: W overflows within epochs.
    const { X, y } = blobs(5, 100, 4, 3);
    const model = new LinearClassifier({ backend: wasm, l2: 1, epochs: 50, batchSize: 10, optimizer: { rule: "sgd", learningRate: 10 } });
    const error = await model.fit(X, y, { keepProgress: true }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(DivergenceError);
    const { epoch, step, message } = error as DivergenceError;
    expect(message).toContain(`epoch ${epoch}`);
    expect(message).toContain(`step ${step}`);
    expect(epoch).toBeGreaterThanOrEqual(1);
    expect(step).toBeGreaterThanOrEqual(1);
    const { W, b } = model.weights;
    expect(W.data.every(Number.isFinite) && b.every(Number.isFinite)).toBe(true);
    expect(Number.isFinite(wasm.linearLoss("softmax", X, W, b, y, { l2: 1 }).loss)).toBe(true);
    expect(model.predict(X).length).toBe(100);
    model.dispose();
  });
});

describe("a fit that cannot start", () => {
  it("leaves a fitted model as it was: same weights, same predictions, and it trains on", async () => {
    const { X, y } = blobs(8, 120, 5, 3);
    const model = new LinearClassifier({ backend: wasm, init: "lsuv", epochs: 20, optimizer: { rule: "adam", learningRate: 0.05 } });
    await model.fit(X, y);
    const before = model.weights, predicted = model.predict(X), accuracy = model.score(X, y);
    expect(accuracy).toBeGreaterThan(0.6);
    // lsuv measures score variance on dense rows: CSR input is refused when the engine starts.
    await expect(model.fit(csrFromDense(X), y)).rejects.toThrow(/lsuv/);
    expect(bits(model.weights.W.data)).toEqual(bits(before.W.data));
    expect(model.predict(X)).toEqual(predicted);
    await model.partialFit(X, y); // continues from the kept weights, not from a fresh initialisation
    expect(model.score(X, y)).toBeGreaterThan(accuracy - 0.05);
    model.dispose();
  });
});

describe("options", () => {
  const { X, y } = blobs(6, 120, 4, 3);

  it("maxNorm bounds every class column after training", async () => {
    const model = new LinearClassifier({ backend: wasm, maxNorm: 0.5, epochs: 3, optimizer: { learningRate: 0.1 } });
    await model.fit(X, y);
    const { W } = model.weights;
    for (let j = 0; j < 3; j++) {
      const norm = Math.hypot(...Array.from({ length: 4 }, (_, k) => W.data[k * 3 + j]!));
      expect(norm).toBeLessThanOrEqual(0.5 * (1 + 1e-6));
    }
    model.dispose();
  });

  it("classWeight 'balanced' raises the recall of a rare class", async () => {
    // 270 of class 0, 30 of class 1, overlapping.
    const data = blobs(7, 0, 2, 2, 1.2, [270, 30]);
    const recall = async (classWeight?: "balanced") => {
      const model = new LinearClassifier({ backend: wasm, classWeight, epochs: 20, batchSize: 50, optimizer: { learningRate: 0.05 } });
      await model.fit(data.X, data.y);
      const p = model.predict(data.X);
      model.dispose();
      let hit = 0;
      for (let i = 270; i < 300; i++) hit += p[i] === 1 ? 1 : 0;
      return hit / 30;
    };
    const plain = await recall(), balanced = await recall("balanced");
    expect(balanced).toBeGreaterThan(plain + 0.2);
  });

  it("refuses bad options with errors naming them", async () => {
    expect(() => new LinearClassifier({ loss: "l2" as "softmax" })).toThrow(/loss/);
    expect(() => new LinearClassifier({ batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new LinearClassifier({ inputDropout: 1 })).toThrow(/inputDropout/);
    expect(() => new LinearClassifier({ optimizer: { rule: "adamw" as "adam" } })).toThrow(/optimizer\.rule/);
    expect(() => new LinearClassifier({ optimizer: { learningRate: -1 } })).toThrow(/optimizer\.learningRate/);
    expect(() => new LinearClassifier({ optimizer: { rule: "adam", momentumSchedule: { type: "ramp" } } })).toThrow(/momentumSchedule/);
    expect(() => new LinearClassifier({ epoch: 3 } as never)).toThrow(/unknown option 'epoch'/);
    expect(() => new LinearClassifier({ loss: "logistic", classWeight: "balanced" })).toThrow(/classWeight/);
    expect(() => new LinearClassifier({ backend: "gpu" as "wasm" })).toThrow(/backend/);
    expect(() => new LinearClassifier({ init: "glorot" as "he" })).toThrow(/init/);
    const model = new LinearClassifier({ backend: wasm, classWeight: [1, 2] });
    await expect(model.fit(X, y)).rejects.toThrow(/classWeight has 2 values but there are 3 classes/);
    await expect(model.fit(X, y.subarray(1))).rejects.toThrow(/length 119/);
    await expect(model.fit(X, Float32Array.from(y) as unknown as Int32Array)).rejects.toThrow(TypeError);
    expect(() => model.predict(X)).toThrow(/not fitted/);
  });

  it("partialFit continues the same model piece by piece", async () => {
    const model = new LinearClassifier({ backend: wasm, batchSize: 20, optimizer: { learningRate: 0.05 } });
    const pieces = [0, 60].map((at) => ({ X: { rows: 60, cols: 4, data: X.data.subarray(at * 4, (at + 60) * 4) }, y: y.subarray(at, at + 60) }));
    const first = await model.partialFit(pieces[0]!.X, pieces[0]!.y, { classes: [0, 1, 2] });
    expect(first.epochs[0]!.epoch).toBe(1);
    const early = model.score(X, y);
    for (let round = 0; round < 5; round++) for (const piece of pieces) await model.partialFit(piece.X, piece.y);
    expect(model.toJSON().epochs).toBe(11);
    expect(model.classes).toEqual([0, 1, 2]);
    expect(model.score(X, y)).toBeGreaterThan(Math.max(early, 0.85));
    await expect(model.partialFit(X, y, { classes: 4 })).rejects.toThrow(/classes/);
    const balanced = new LinearClassifier({ backend: wasm, classWeight: "balanced" });
    await expect(balanced.partialFit(X, y)).rejects.toThrow(/'balanced' needs the whole training set/);
    model.dispose();
  });

  it("seed 003: standardised data reaches a set loss in fewer epochs than raw data with far-off scales", async () => {
    // Two informative features, one in thousands and one in thousandths.
    const rng = new Rng(9), n = 400;
    const raw = { rows: n, cols: 2, data: new Float32Array(n * 2) }, labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const a = rng.normal(), b = rng.normal();
      labels[i] = a + b + 0.3 * rng.normal() > 0 ? 1 : 0;
      raw.data[i * 2] = 1000 * a;
      raw.data[i * 2 + 1] = 0.001 * b;
    }
    const scaled = standardize().fitTransform(raw);
    // Each dataset gets its best learning rate from the same grid: the claim is about conditioning, not tuning.
    const epochsTo = async (X: Matrix, target: number) => {
      let best = Infinity;
      for (let e = -8; e <= 1; e++) {
        const model = new LinearClassifier({ backend: wasm, loss: "softmax", epochs: 60, batchSize: 40, optimizer: { rule: "sgd", learningRate: 10 ** e } });
        const history = await model.fit(X, labels).catch(() => null);
        model.dispose();
        const reached = history ? history.loss.findIndex((l) => l < target) : -1;
        if (reached >= 0) best = Math.min(best, reached + 1);
      }
      return best;
    };
    const target = 0.35;
    const standardised = await epochsTo(scaled, target), unscaled = await epochsTo(raw, target);
    expect(standardised).toBeLessThan(10);
    expect(standardised).toBeLessThan(unscaled);
  });
});

describe("toJSON / fromJSON", () => {
  const { X, y } = blobs(10, 100, 5, 3);
  let json: ReturnType<LinearClassifier["toJSON"]>;
  let model: LinearClassifier;
  beforeAll(async () => {
    model = new LinearClassifier({ backend: wasm, epochs: 2, l2: 1e-3, optimizer: { rule: "momentum", schedule: { type: "cosine" } } });
    await model.fit(X, y);
    json = JSON.parse(JSON.stringify(model));
  });
  afterAll(() => model.dispose());

  it("round-trips the weights bit for bit and predicts the same", async () => {
    const copy = LinearClassifier.fromJSON(JSON.stringify(json), { backend: wasm });
    expect(bits(copy.weights.W.data).equals(bits(model.weights.W.data))).toBe(true);
    expect(bits(copy.weights.b).equals(bits(model.weights.b))).toBe(true);
    expect(copy.predict(X)).toEqual(model.predict(X));
    expect(copy.toJSON()).toEqual(json);
    // Without a backend, the synchronous reference backend serves predictions.
    expect(LinearClassifier.fromJSON(json).predict(X)).toEqual(model.predict(X));
    // A restored model trains on.
    await copy.partialFit(X, y);
    expect(copy.toJSON().epochs).toBe(3);
  });

  it("refuses malformed, truncated and newer models with a clear error", () => {
    const text = JSON.stringify(json);
    expect(() => LinearClassifier.fromJSON(text.slice(0, text.length / 2))).toThrow(/not valid JSON/);
    expect(() => LinearClassifier.fromJSON({ ...json, version: 2 })).toThrow(/newer simdlinear/);
    expect(() => LinearClassifier.fromJSON({ ...json, format: "other" })).toThrow(/json\.format/);
    expect(() => LinearClassifier.fromJSON({ ...json, model: "LinearRegressor" })).toThrow(/json\.model/);
    expect(() => LinearClassifier.fromJSON({ ...json, W: json.W.slice(1) })).toThrow(/json\.W has 14 values.*needs 15/);
    expect(() => LinearClassifier.fromJSON({ ...json, b: [1, null, 2] })).toThrow(/json\.b\[1\] is null/);
    expect(() => LinearClassifier.fromJSON({ ...json, W: json.W.map((w, i) => (i === 3 ? NaN : w)) })).toThrow(/json\.W\[3\]/);
    expect(() => LinearClassifier.fromJSON({ ...json, features: 0 })).toThrow(/json\.features/);
    const { W: _W, ...noW } = json;
    expect(() => LinearClassifier.fromJSON(noW)).toThrow(TypeError);
    expect(() => LinearClassifier.fromJSON(null)).toThrow(TypeError);
  });
});

describe("backends and disposal", () => {
  const { X, y } = blobs(11, 60, 3, 2);

  it("a borrowed Backend is left alone; the model's own WASM memory is freed", async () => {
    const heap = (wasm.ops as WasmOps).kernels.heap, blocks = heap.liveBlocks;
    const model = new LinearClassifier({ backend: wasm, epochs: 1 });
    await model.fit(X, y);
    expect(heap.liveBlocks).toBeGreaterThan(blocks);
    model.dispose();
    expect(heap.liveBlocks).toBe(blocks);
    expect(wasm.isDisposed).toBe(false);
    expect(() => model.predict(X)).toThrow(/has been disposed/);
    await expect(model.fit(X, y)).rejects.toThrow(/has been disposed/);
    model.dispose();
  });

  it("a model that loads its own backend disposes it", async () => {
    const model = new LinearClassifier({ epochs: 1 });
    expect(() => model.decisionFunction(X)).toThrow(/not fitted/);
    await model.fit(X, y);
    expect(model.predict(X).length).toBe(60);
    model.dispose();
  });

  it("a wasm model from JSON needs ready() before predicting", async () => {
    const source = new LinearClassifier({ backend: "reference", epochs: 1 });
    await source.fit(X, y);
    const model = LinearClassifier.fromJSON(source.toJSON(), { backend: "wasm" });
    expect(() => model.predict(X)).toThrow(/await model\.ready\(\)/);
    await model.ready();
    expect(model.predict(X)).toEqual(source.predict(X));
    model.dispose();
    source.dispose();
  });
});

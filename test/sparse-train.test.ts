// Training on CSR input: short runs of the sparse engines against the dense engines on the same data, every
// wasm build and the reference, sparsity 0.1 %–50 %; the lazy rules against their reference twin; restore.
import { afterAll, describe, expect, it } from "vitest";
import { type LossKind, type Matrix } from "../src/index.js";
import { DEFAULT_FIXED_HYPER } from "../src/backend/optimizer.js";
import { loadKernels } from "../src/wasm/loader.js";
import { csrFromDense, type CsrMatrix } from "../src/sparse/csr.js";
import { WasmSparseEngine } from "../src/sparse/wasm-engine.js";
import { ReferenceSparseEngine } from "../src/sparse/reference-engine.js";
import { ReferenceEngine } from "../src/train/reference-engine.js";
import type { EngineSpec, TrainingEngine, TrainRule } from "../src/train/engine.js";
import { Rng } from "../src/data/rng.js";
import { BUILDS, normError, randomLabels, WorstErrors } from "./helpers.js";
import { sparseGaussian } from "./sparse-helpers.js";

const errors = new WorstErrors();
afterAll(() => errors.report());

function spec(over: Partial<EngineSpec> & { d: number; c: number }): EngineSpec {
  return { loss: "softmax", delta: 1, classWeight: null, l2: 0, l1: 0, rule: "sgd", batchSize: 16, inputDropout: 0,
    hyper: DEFAULT_FIXED_HYPER, ...over };
}

/** `epochs` epochs of shuffled mini-batches; the learning rate of epoch e is rates[e]. Returns each step's loss. */
function train(engine: TrainingEngine, X: Matrix | CsrMatrix, y: Int32Array, rates: number[]): number[] {
  engine.load("train", X as Matrix, y);
  const rng = new Rng(99), n = X.rows, batch = engine.spec.batchSize, losses: number[] = [];
  for (const rate of rates) {
    engine.shuffle(rng);
    for (let start = 0; start < n; start += batch) {
      losses.push(engine.gradient(start, Math.min(batch, n - start), 0));
      engine.update(rate, 0.9);
    }
  }
  return losses;
}

async function sparseEngines(s: EngineSpec): Promise<[string, TrainingEngine][]> {
  const list: [string, TrainingEngine][] = [["reference", new ReferenceSparseEngine(s)]];
  for (const simd of BUILDS) list.push([`wasm-${simd}`, new WasmSparseEngine(await loadKernels(simd), s)]);
  return list;
}

function data(seed: number, n: number, d: number, c: number, density: number) {
  const rng = new Rng(seed);
  const M = sparseGaussian(rng, n, d, density);
  return { M, X: csrFromDense(M), y: randomLabels(rng, n, c) };
}

// Rules and penalties where the sparse update equals the dense one (lazy.ts).
const EXACT: { name: string; rule: TrainRule; l2: number; loss: LossKind }[] = [
  { name: "sgd", rule: "sgd", l2: 0, loss: "softmax" },
  { name: "sgd + l2 (lazy decay)", rule: "sgd", l2: 0.05, loss: "softmax" },
  { name: "sgd + l2, hinge", rule: "sgd", l2: 0.02, loss: "hinge" },
  { name: "adagrad", rule: "adagrad", l2: 0, loss: "softmax" },
];

describe.each([0.001, 0.01, 0.1, 0.5])("sparse training equals dense training at density %s", (density) => {
  it.each(EXACT)("$name", async ({ rule, l2, loss }) => {
    const n = 53, d = density < 0.01 ? 2000 : 120, c = 5;
    const { M, X, y } = data(Math.round(density * 1000) + d, n, d, c, density);
    const s = spec({ d, c, rule, l2, loss });
    // A learning-rate change mid-run: the lazy decay must use each step's own rate.
    const rates = [0.5, 0.5, 0.2];
    const dense = new ReferenceEngine(s);
    const denseLosses = train(dense, M, y, rates);
    const want = dense.getParams();
    const wantEval = dense.evaluate("train", () => {});
    for (const [name, engine] of await sparseEngines(s)) {
      const losses = train(engine, X, y, rates);
      const got = engine.getParams();
      const key = `${name} ${rule} l2=${l2} d=${density}`;
      expect(errors.record(`W ${key}`, normError(got.W.data, want.W.data)), key).toBeLessThan(1e-4);
      expect(errors.record(`b ${key}`, normError(got.b, want.b)), key).toBeLessThan(1e-4);
      expect(errors.record(`eval ${key}`, Math.abs(engine.evaluate("train", () => {}) - wantEval) / wantEval), key).toBeLessThan(1e-5);
      if (l2 === 0) expect(errors.record(`loss ${key}`, normError(losses, denseLosses)), key).toBeLessThan(1e-4);
      engine.dispose();
    }
  });
});

describe("lazy rules: wasm sparse engine against its reference twin", () => {
  it.each(["momentum", "nesterov", "rmsprop", "adam", "sgd", "rprop", "delta-bar-delta"] as const)("%s with l2 and l1", async (rule) => {
    const { X, y } = data(7, 40, 300, 3, 0.05);
    const s = spec({ d: 300, c: 3, rule, l2: 0.01, l1: 0.001, loss: "softmax" });
    const [[, oracle], ...rest] = await sparseEngines(s);
    const wantLosses = train(oracle!, X, y, [0.05, 0.05]);
    const want = oracle!.getParams();
    for (const [name, engine] of rest) {
      const losses = train(engine, X, y, [0.05, 0.05]);
      const got = engine.getParams();
      expect(errors.record(`lazy ${rule} ${name}`, normError(got.W.data, want.W.data)), name).toBeLessThan(1e-4);
      expect(normError(losses, wantLosses), name).toBeLessThan(1e-4);
      engine.dispose();
    }
  });

  it("untouched rows keep their weights under the lazy rules", async () => {
    const d = 50, M = { rows: 2, cols: d, data: new Float32Array(2 * d) };
    M.data[3] = 1;
    M.data[d + 7] = -2;
    const s = spec({ d, c: 2, rule: "adam", l2: 0.1, batchSize: 2 });
    for (const [name, engine] of await sparseEngines(s)) {
      const W0 = Float32Array.from({ length: d * 2 }, (_, e) => e / 100);
      engine.setParams({ rows: d, cols: 2, data: W0 }, new Float32Array(2));
      train(engine, csrFromDense(M), Int32Array.of(0, 1), [0.1]);
      const W = engine.getParams().W.data;
      for (let k = 0; k < d; k++) {
        const moved = W[2 * k] !== W0[2 * k] || W[2 * k + 1] !== W0[2 * k + 1];
        expect(moved, `${name} row ${k}`).toBe(k === 3 || k === 7);
      }
      engine.dispose();
    }
  });
});

describe("sparse engine bookkeeping", () => {
  it("restore puts back the parameters of before the last update, also under lazy decay", async () => {
    const { X, y } = data(3, 30, 80, 4, 0.1);
    const s = spec({ d: 80, c: 4, rule: "sgd", l2: 0.05, batchSize: 10 });
    for (const [name, engine] of await sparseEngines(s)) {
      engine.load("train", X as never, y);
      for (let step = 0; step < 3; step++) {
        engine.gradient(step * 10, 10, 0);
        engine.update(0.3, 0);
      }
      const before = engine.getParams();
      engine.gradient(0, 10, 0);
      engine.update(0.3, 0);
      engine.restore();
      const after = engine.getParams();
      expect(after.W.data, name).toEqual(before.W.data);
      expect(after.b, name).toEqual(before.b);
      engine.dispose();
    }
  });

  it("rejects random search and input dropout", async () => {
    const kernels = await loadKernels();
    for (const bad of [spec({ d: 3, c: 2, rule: "random-search" }), spec({ d: 3, c: 2, inputDropout: 0.5 })]) {
      expect(() => new ReferenceSparseEngine(bad)).toThrow(RangeError);
      expect(() => new WasmSparseEngine(kernels, bad)).toThrow(RangeError);
    }
  });

  it("a learning rate that would flip every weight's sign under lazy l2 is a RangeError", async () => {
    const { X, y } = data(4, 8, 10, 2, 0.5);
    for (const [, engine] of await sparseEngines(spec({ d: 10, c: 2, l2: 1 }))) {
      expect(() => train(engine, X, y, [0.1, 0.6])).toThrow(/learningRate·l2 = 0.6 must be < 0.5/);
      engine.dispose();
    }
  });
});

// Training with hierarchical softmax: the wasm engine against its float64 twin on every build, the exact
// distribution from `evaluate`, restore, and accuracy on a synthetic many-class task.
import { afterAll, describe, expect, it } from "vitest";
import { type Matrix } from "../src/index.js";
import { DEFAULT_FIXED_HYPER } from "../src/backend/optimizer.js";
import { loadKernels } from "../src/wasm/loader.js";
import { WasmHsmEngine } from "../src/hsoftmax/wasm-engine.js";
import { ReferenceHsmEngine } from "../src/hsoftmax/reference-engine.js";
import { balancedTree, huffmanTree, type HsmTree } from "../src/hsoftmax/tree.js";
import type { EngineSpec, HsmEngineSpec, TrainingEngine, TrainRule } from "../src/train/engine.js";
import { Rng } from "../src/data/rng.js";
import { BUILDS, gaussian, normError, randomLabels, WorstErrors } from "./helpers.js";

const errors = new WorstErrors();
afterAll(() => errors.report());

function spec(over: Partial<EngineSpec> & { d: number; c: number }): EngineSpec {
  return { loss: "softmax", delta: 1, classWeight: null, l2: 0, l1: 0, rule: "adam", batchSize: 32, inputDropout: 0,
    hyper: DEFAULT_FIXED_HYPER, ...over };
}

const withTree = (s: EngineSpec, tree: HsmTree): HsmEngineSpec => ({ ...s, loss: "hierarchical-softmax", tree });

function train(engine: TrainingEngine, X: Matrix, y: Int32Array, epochs: number, rate: number): number[] {
  engine.load("train", X, y);
  const rng = new Rng(17), n = X.rows, batch = engine.spec.batchSize, losses: number[] = [];
  for (let e = 0; e < epochs; e++) {
    engine.shuffle(rng);
    for (let start = 0; start < n; start += batch) {
      losses.push(engine.gradient(start, Math.min(batch, n - start), 0));
      engine.update(rate, 0.9);
    }
  }
  return losses;
}

async function engines(s: EngineSpec, tree: HsmTree): Promise<[string, TrainingEngine][]> {
  const list: [string, TrainingEngine][] = [["reference", new ReferenceHsmEngine(withTree(s, tree))]];
  for (const simd of BUILDS) list.push([`wasm-${simd}`, new WasmHsmEngine(await loadKernels(simd), withTree(s, tree))]);
  return list;
}

/** Gaussian clusters: class j's rows are center_j + noise. */
function clusters(seed: number, n: number, d: number, c: number, spread: number) {
  const rng = new Rng(seed), centers = gaussian(rng, c, d, spread), y = randomLabels(rng, n, c);
  const X = gaussian(rng, n, d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) X.data[i * d + k]! += centers.data[y[i]! * d + k]!;
  return { X, y };
}

describe("hierarchical softmax engines", () => {
  it.each([
    { rule: "adam", l2: 0, c: 7, tree: "huffman" },
    { rule: "sgd", l2: 0.01, c: 13, tree: "balanced" },
    { rule: "momentum", l2: 0, c: 2, tree: "balanced" },
    { rule: "rmsprop", l2: 0.001, c: 50, tree: "huffman" },
  ] as { rule: TrainRule; l2: number; c: number; tree: string }[])("wasm equals reference: $rule, l2 $l2, $c classes, $tree tree",
    async ({ rule, l2, c, tree: shape }) => {
      const d = 9, { X, y } = clusters(c, 150, d, c, 2);
      const counts = Array.from({ length: c }, (_, j) => y.filter((label) => label === j).length);
      const tree = shape === "huffman" ? huffmanTree(counts) : balancedTree(c);
      const s = spec({ d, c, rule, l2, classWeight: Float32Array.from({ length: c }, (_, j) => 1 + (j % 3) / 2) });
      const [[, oracle], ...rest] = await engines(s, tree);
      const wantLosses = train(oracle!, X, y, 2, 0.05), want = oracle!.getParams();
      const wantEval = oracle!.evaluate("train", () => {});
      for (const [name, engine] of rest) {
        const losses = train(engine, X, y, 2, 0.05), got = engine.getParams();
        const key = `${name} ${rule} c=${c}`;
        expect(got.W.cols).toBe(c - 1);
        expect(errors.record(`W ${key}`, normError(got.W.data, want.W.data)), key).toBeLessThan(1e-4);
        expect(errors.record(`b ${key}`, normError(got.b, want.b)), key).toBeLessThan(1e-4);
        expect(errors.record(`loss ${key}`, normError(losses, wantLosses)), key).toBeLessThan(1e-4);
        expect(errors.record(`eval ${key}`, Math.abs(engine.evaluate("train", () => {}) - wantEval) / wantEval), key).toBeLessThan(1e-5);
        engine.dispose();
      }
    });

  it("evaluate hands out log-probabilities of an exact distribution, and its loss is their mean −log P(y)", async () => {
    const c = 37, d = 6, { X, y } = clusters(3, 40, d, c, 1), tree = huffmanTree(Array.from({ length: c }, (_, j) => j + 1));
    for (const [name, engine] of await engines(spec({ d, c, batchSize: 16 }), tree)) {
      train(engine, X, y, 1, 0.1);
      let nll = 0;
      const loss = engine.evaluate("train", (S, stride, first, count) => {
        for (let i = 0; i < count; i++) {
          let total = 0;
          for (let j = 0; j < c; j++) total += Math.exp(S[i * stride + j]!);
          expect(Math.abs(total - 1), `${name} row ${first + i}`).toBeLessThan(1e-5);
          nll -= S[i * stride + y[first + i]!]!;
        }
      });
      expect(Math.abs(loss - nll / 40) / loss, name).toBeLessThan(1e-6);
      engine.dispose();
    }
  });

  it("restore puts back the nodes of the last update", async () => {
    const c = 11, d = 5, { X, y } = clusters(4, 60, d, c, 1), tree = balancedTree(c);
    for (const [name, engine] of await engines(spec({ d, c, batchSize: 20 }), tree)) {
      train(engine, X, y, 1, 0.1);
      const before = engine.getParams();
      engine.gradient(0, 20, 0);
      engine.update(0.1, 0);
      expect(engine.getParams().W.data, name).not.toEqual(before.W.data);
      engine.restore();
      expect(engine.getParams(), name).toEqual(before);
      engine.dispose();
    }
  });

  it("rejects sparse rows, a tree of another size, and rules it cannot run", async () => {
    const kernels = await loadKernels();
    expect(() => new WasmHsmEngine(kernels, withTree(spec({ d: 3, c: 4 }), balancedTree(5)))).toThrow(/tree has 5 classes/);
    expect(() => new ReferenceHsmEngine(withTree(spec({ d: 3, c: 4, rule: "random-search" }), balancedTree(4)))).toThrow(/hierarchical softmax/);
    const engine = new WasmHsmEngine(kernels, withTree(spec({ d: 3, c: 4 }), balancedTree(4)));
    expect(() => engine.load("train", { format: "csr" } as never, new Int32Array(0))).toThrow(TypeError);
    expect(() => engine.maxNorm(1)).toThrow(RangeError);
    engine.dispose();
  });

  // A linear node must split its classes' clusters into two groups that the tree fixes in advance (here by
  // frequency), which a linear model cannot always do: the ceiling is below full softmax's (bench/hsoftmax.ts).
  it("learns a 200-class task far above chance (1/200): Huffman tree, held-out rows", async () => {
    const c = 200, d = 128, { X, y } = clusters(9, 8000, d, c, 1);
    const counts = Array.from({ length: c }, (_, j) => y.filter((label) => label === j).length);
    const s = spec({ d, c, batchSize: 64, rule: "adam" });
    const engine = new WasmHsmEngine(await loadKernels(), withTree(s, huffmanTree(counts)));
    const trainX = { rows: 6000, cols: d, data: X.data.subarray(0, 6000 * d) }, testX = { rows: 2000, cols: d, data: X.data.subarray(6000 * d) };
    train(engine, trainX, y.subarray(0, 6000), 8, 0.02);
    engine.load("validation", testX, y.slice(6000));
    let right = 0;
    engine.evaluate("validation", (S, stride, first, count) => {
      for (let i = 0; i < count; i++) {
        let best = 0;
        for (let j = 1; j < c; j++) if (S[i * stride + j]! > S[i * stride + best]!) best = j;
        if (best === y[6000 + first + i]) right++;
      }
    });
    expect(errors.record("accuracy 200 classes (held out)", right / 2000)).toBeGreaterThan(0.5);
    engine.dispose();
  });
});

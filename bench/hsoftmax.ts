/**
 * Hierarchical softmax against the full softmax.
 * 1. Per-example cost of a training step at C = 10,000 classes (D = 128, batch 64, sgd): the full softmax's
 *    O(C·D) GEMMs and dense update against the O(log C·D) path of the hierarchical one.
 * 2. Accuracy on a synthetic many-class task (Gaussian clusters, C = 1,000, D = 128), same epochs for both.
 *
 *   node --experimental-wasm-relaxed-simd --import tsx bench/hsoftmax.ts
 */
import { DEFAULT_FIXED_HYPER } from "../src/backend/optimizer.js";
import { loadKernels, type Kernels } from "../src/wasm/loader.js";
import { WasmEngine } from "../src/train/wasm-engine.js";
import { WasmHsmEngine } from "../src/hsoftmax/wasm-engine.js";
import { balancedTree, centroidTree, classCounts, classMeans, huffmanTree, type HsmTree } from "../src/hsoftmax/tree.js";
import type { EngineSpec, HsmEngineSpec, TrainingEngine } from "../src/train/engine.js";
import { Rng } from "../src/data/rng.js";
import { zipfClusters } from "../test/clusters.js";

const spec = (d: number, c: number, batchSize: number, rule: "sgd" | "adam"): EngineSpec => ({
  loss: "softmax", d, c, delta: 1, classWeight: null, l2: 0, l1: 0, rule, hyper: DEFAULT_FIXED_HYPER,
  batchSize, inputDropout: 0,
});
const hsmSpec = (d: number, c: number, batchSize: number, rule: "sgd" | "adam", tree: HsmTree): HsmEngineSpec => ({
  ...spec(d, c, batchSize, rule), loss: "hierarchical-softmax", tree,
});

/** Median milliseconds of `reps` calls of step(i). */
function timeSteps(reps: number, step: (i: number) => void): number {
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    step(i);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[reps >> 1]!;
}

function costAt10k(kernels: Kernels): void {
  const c = 10_000, d = 128, batch = 64, n = 4096, rng = new Rng(1);
  const { X, y } = zipfClusters(rng, rng, n, d, c, 1);
  const full = new WasmEngine(kernels, spec(d, c, batch, "sgd"));
  const hier = new WasmHsmEngine(kernels, hsmSpec(d, c, batch, "sgd", huffmanTree(classCounts(y, c).map((k) => k + 1))));
  const rows: [string, number, number][] = [];
  for (const [name, engine] of [["full softmax", full], ["hierarchical softmax", hier]] as [string, TrainingEngine][]) {
    engine.load("train", X, y);
    const steps = n / batch;
    timeSteps(5, (i) => engine.gradient(i * batch, batch, 0)); // warm-up
    const gradient = timeSteps(25, (i) => engine.gradient((i % steps) * batch, batch, 0));
    const step = timeSteps(25, (i) => {
      engine.gradient((i % steps) * batch, batch, 0);
      engine.update(0.01, 0);
    });
    rows.push([name, gradient, step]);
    engine.dispose();
  }
  console.log(`C = ${c}, D = ${d}, batch ${batch}: microseconds per example (median of 25 steps)`);
  for (const [name, gradient, step] of rows) {
    console.log(`  ${name.padEnd(22)} forward+backward ${((gradient / batch) * 1e3).toFixed(2).padStart(9)} µs   with update ${((step / batch) * 1e3).toFixed(2).padStart(9)} µs`);
  }
  const [f, h] = rows as [[string, number, number], [string, number, number]];
  console.log(`  speed-up: ${(f[1] / h[1]).toFixed(0)}× forward+backward, ${(f[2] / h[2]).toFixed(0)}× per training step`);
}

function accuracy(engine: TrainingEngine, y: Int32Array, c: number): number {
  let right = 0;
  engine.evaluate("validation", (S, stride, first, count) => {
    for (let i = 0; i < count; i++) {
      let best = 0;
      for (let j = 1; j < c; j++) if (S[i * stride + j]! > S[i * stride + best]!) best = j;
      if (best === y[first + i]) right++;
    }
  });
  return right / y.length;
}

function manyClassAccuracy(kernels: Kernels): void {
  const c = 1000, d = 128, n = 30_000, test = 5_000, epochs = 5, batch = 64, rng = new Rng(2);
  const { X, y } = zipfClusters(rng, rng, n + test, d, c, 1);
  const trainX = { rows: n, cols: d, data: X.data.subarray(0, n * d) }, testX = { rows: test, cols: d, data: X.data.subarray(n * d) };
  const trainY = y.subarray(0, n), testY = y.slice(n);
  console.log(`\nGaussian clusters, C = ${c} (Zipf class frequencies), D = ${d}, ${n} training rows, ${epochs} epochs of adam:`);
  const contenders: [string, () => TrainingEngine][] = [
    ["full softmax", () => new WasmEngine(kernels, spec(d, c, batch, "adam"))],
    ["hierarchical, Huffman", () => new WasmHsmEngine(kernels, hsmSpec(d, c, batch, "adam", huffmanTree(classCounts(trainY, c))))],
    ["hierarchical, balanced", () => new WasmHsmEngine(kernels, hsmSpec(d, c, batch, "adam", balancedTree(c)))],
    ["hierarchical, centroids", () => new WasmHsmEngine(kernels, hsmSpec(d, c, batch, "adam", centroidTree(classMeans(trainX, trainY, c))))],
  ];
  for (const [name, make] of contenders) {
    const engine = make(), shuffle = new Rng(3);
    engine.load("train", trainX, trainY);
    engine.load("validation", testX, testY);
    const t0 = performance.now();
    for (let e = 0; e < epochs; e++) {
      engine.shuffle(shuffle);
      for (let start = 0; start < n; start += batch) {
        engine.gradient(start, Math.min(batch, n - start), 0);
        engine.update(0.01, 0);
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(`  ${name.padEnd(24)} held-out accuracy ${accuracy(engine, testY, c).toFixed(3)}   training ${seconds.toFixed(1)} s`);
    engine.dispose();
  }
}

const kernels = await loadKernels();
costAt10k(kernels);
manyClassAccuracy(kernels);

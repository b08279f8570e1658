// Threads bench: one CIFAR-shaped epoch (N = 10 000, D = 3072, C = 10) on 1 and 2 threads, side by side,
// and numpy + OpenBLAS on the same epoch when python3 has numpy.
//   node --import tsx bench/threads.ts [--epochs 5]
// (Node 20 runs the relaxed-SIMD build, with its fused multiply-add, only with --experimental-wasm-relaxed-simd.)
// The 1- and 2-thread engines run their epochs alternately, so that a change of machine load hits both. Each
// cell is "median (min)" over the epochs: on a shared machine the minimum is the better estimate of idle speed.
import { loadavg } from "node:os";
import { init, type Backend, type LossKind, type UpdateRule } from "../src/index.js";
import { DEFAULT_FIXED_HYPER, resolveUpdate } from "../src/backend/optimizer.js";
import { Rng } from "../src/data/rng.js";
import { createEngine } from "../src/train/create-engine.js";
import type { TrainingEngine } from "../src/train/engine.js";
import { ThreadedStep } from "../src/threads/step.js";
import { padCols, tailPackBytes } from "../src/wasm/scope.js";
import type { WasmOps } from "../src/backend/wasm-ops.js";
import { numpyEpoch } from "./numpy.js";

const N = 10_000, D = 3072, C = 10;
const epochsArg = process.argv.indexOf("--epochs");
const EPOCHS = epochsArg > 0 ? Number(process.argv[epochsArg + 1]) : 5;

const rng = new Rng(1);
const X = { rows: N, cols: D, data: Float32Array.from({ length: N * D }, () => rng.normal()) };
const y = Int32Array.from({ length: N }, () => rng.int(C));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const cell = (xs: number[], width: number): string =>
  `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)})`.padStart(width);
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(" ");

function engineFor(backend: Backend, loss: LossKind, rule: UpdateRule, batchSize: number): TrainingEngine {
  const engine = createEngine(backend, {
    loss, d: D, c: C, delta: 1, classWeight: null, l2: 1e-4, l1: 0, rule, batchSize, inputDropout: 0,
    hyper: DEFAULT_FIXED_HYPER,
  });
  engine.load("train", X, y);
  return engine;
}

function epoch(engine: TrainingEngine, batch: number, shuffle: Rng): number {
  const started = performance.now();
  engine.shuffle(shuffle);
  for (let start = 0; start < N; start += batch) {
    engine.gradient(start, Math.min(batch, N - start), start);
    engine.update(1e-3, 0.9);
  }
  return performance.now() - started;
}

const one = await init();
const two = await init({ threads: 2 });
console.log(`simdlinear threads bench: N=${N} D=${D} C=${C}, ${EPOCHS} epochs each, simd=${one.simd}, load ${load()}`);
console.log("loss     rule  batch  1 thread ms/epoch  2 threads ms/epoch  speed-up (median, min)");
const configs = [200, 32].flatMap((batch) => (["softmax", "hinge"] as const).flatMap((loss) =>
  (["sgd", "adam"] as const).map((rule) => ({ batch, loss, rule }))));
/** A fresh 1-thread and 2-thread engine of a config, each run for one epoch (its warm-up). */
function warmEngines({ batch, loss, rule }: (typeof configs)[number]): TrainingEngine[] {
  const engines = [engineFor(one, loss, rule, batch), engineFor(two, loss, rule, batch)];
  engines.forEach((e) => epoch(e, batch, new Rng(2)));
  return engines;
}
// V8 optimizes the JS around the kernels over the first few hundred steps, on a background thread that takes a
// core from the 2-thread engine: one epoch of every config first, so that the first config measured pays no more
// for it than the last.
for (const config of configs) warmEngines(config).forEach((e) => e.dispose());
for (const { batch, loss, rule } of configs) {
  const engines = warmEngines({ batch, loss, rule });
  const times: number[][] = [[], []];
  for (let e = 0; e < EPOCHS; e++) engines.forEach((engine, i) => times[i]!.push(epoch(engine, batch, new Rng(3 + e))));
  const [t1, t2] = times as [number[], number[]];
  console.log(`${loss.padEnd(8)} ${rule.padEnd(5)} ${String(batch).padStart(5)}  ${cell(t1, 17)}  ${cell(t2, 18)}  `
    + `${(median(t1) / median(t2)).toFixed(2)}×, ${(Math.min(...t1) / Math.min(...t2)).toFixed(2)}×`);
  engines.forEach((e) => e.dispose());
}

// Where two threads start to pay: one softmax + SGD step forced onto 1 or 2 threads, per batch size.
console.log(`\nper-step crossover (softmax + sgd, D=${D}, C=${C}), load ${load()}`);
console.log("batch  1 thread µs (min)  2 threads µs (min)");
{
  const kernels = (two.ops as WasmOps).kernels, heap = kernels.heap, cp = padCols(C);
  const block = (bytes: number) => heap.bytes(heap.alloc(bytes), bytes).fill(0).byteOffset;
  const x = heap.alloc(256 * D * 4), labels = heap.alloc(256 * 4), order = heap.alloc(256 * 4);
  heap.f32(x, 256 * D).set(X.data.subarray(0, 256 * D));
  heap.i32(labels, 256).set(y.subarray(0, 256));
  heap.u32(order, 256).set(Uint32Array.from({ length: 256 }, (_, i) => i));
  const layout = { loss: "softmax" as const, d: D, c: C, cp, delta: 1, cw: 0, l2: 0, l1: 0,
    params: block((D + 1) * cp * 4), grad: block((D + 1) * cp * 4), s: block(256 * cp * 4), ds: block(256 * cp * 4),
    partials: block((D + 1) * cp * 4), packs: block(2 * tailPackBytes(D, C)), chunks: 2 };
  const step = new ThreadedStep(two.pool!, layout);
  const hyper = resolveUpdate("sgd", { learningRate: 1e-3, momentum: 0 }, {});
  for (const n of [8, 16, 32, 64, 128, 200]) {
    const batch = { n, x, xStride: D * 4, rows: order, targets: labels, weights: 0, targetRows: order };
    const perStep = (threads: number): number[] => {
      const reps = Math.max(20, Math.round(4000 / n)), samples: number[] = [];
      for (let r = 0; r < 5; r++) {
        const started = performance.now();
        for (let i = 0; i < reps; i++) {
          step.gradient(batch, threads);
          step.update("sgd", [], 0, hyper, threads);
        }
        samples.push((performance.now() - started) / reps * 1000);
      }
      return samples;
    };
    perStep(1);
    perStep(2);
    const us = (xs: number[]) => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)})`;
    console.log(`${String(n).padStart(5)}  ${us(perStep(1)).padStart(17)}  ${us(perStep(2)).padStart(18)}`);
  }
}
one.dispose();
two.dispose();

// numpy + OpenBLAS, same epoch (bench/numpy.ts), on 1 thread and on 2.
for (const threads of [1, 2]) {
  const np = numpyEpoch(N, D, C, EPOCHS, threads);
  console.log(typeof np === "string" ? `\nnumpy: not measured (${np})`
    : `\nnumpy ${"softmax sgd 200".padEnd(16)} ${np.median.toFixed(1)} (${np.min.toFixed(1)}) ms/epoch (OpenBLAS, ${threads} thread${threads > 1 ? "s" : ""}), load ${load()}`);
}

// The threaded build: shared memory, worker pool, threaded steps against the one-thread backend, faults, exit.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { spawnSync } from "node:child_process";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { init, LinearClassifier, LOSSES, UPDATE_RULES, type Backend, type LossKind, type Matrix, type OptimizerState, type UpdateRule } from "../src/index.js";
import { Rng } from "../src/data/rng.js";
import {
  DEFAULT_FIXED_HYPER, OPTIMIZER_DEFAULTS, resolveUpdate, STARTS_AT_LEARNING_RATE, STATE_FIELDS,
} from "../src/backend/optimizer.js";
import type { WasmOps } from "../src/backend/wasm-ops.js";
import { padCols, readMatrix, Scope, tailPackBytes, writeMatrix } from "../src/wasm/scope.js";
import { kernelModule } from "../src/wasm/loader.js";
import { createSharedMemory } from "../src/threads/support.js";
import { call, type ThreadPool } from "../src/threads/pool.js";
import { split, ThreadedStep, type Batch, type StepLayout } from "../src/threads/step.js";
import { createEngine } from "../src/train/create-engine.js";
import type { EngineSpec } from "../src/train/engine.js";
import { ThreadTuner } from "../src/threads/engine.js";
import { gaussian, lossError, normError, randomLabels } from "./helpers.js";

const LOSS_TOL = 1e-5, GRAD_TOL = 1e-4;
const LABELLED: readonly LossKind[] = ["hinge", "squared-hinge", "softmax"];

const kernelsOf = (backend: Backend) => (backend.ops as WasmOps).kernels;

/** Targets of a loss for n rows and c classes: labels, or the target matrix of its kind. */
function targetsFor(rng: Rng, loss: LossKind, n: number, c: number): Int32Array | Matrix {
  if (LABELLED.includes(loss)) return randomLabels(rng, n, c);
  const data = Float32Array.from({ length: n * c }, () =>
    loss === "logistic" ? rng.int(2) : loss === "attribute-hinge" ? 2 * rng.int(2) - 1 : rng.normal());
  return { rows: n, cols: c, data };
}

const rowsOf = (m: Matrix, rows: ArrayLike<number>): Matrix => {
  const data = new Float32Array(rows.length * m.cols);
  for (let i = 0; i < rows.length; i++) data.set(m.data.subarray(rows[i]! * m.cols, (rows[i]! + 1) * m.cols), i * m.cols);
  return { rows: rows.length, cols: m.cols, data };
};
const pick = (t: Int32Array | Matrix, rows: ArrayLike<number>) => (t instanceof Int32Array ? Int32Array.from(rows, (r) => t[r]!) : rowsOf(t, rows));

/** A model resident in a threaded backend's memory, in the training engine's layout: W then b in one block. */
class Resident {
  readonly scope: Scope;
  readonly layout: StepLayout;
  readonly state: number[];
  readonly prev: number;
  readonly order: number;
  readonly x: number;
  readonly targets: number;

  constructor(backend: Backend, loss: LossKind, X: Matrix, targets: Int32Array | Matrix, W: Matrix, b: Float32Array,
              order: Uint32Array, rule: UpdateRule) {
    const heap = kernelsOf(backend).heap;
    this.scope = new Scope(heap);
    const sc = this.scope, d = X.cols, c = W.cols, cp = padCols(c), n = X.rows;
    const zeros = (len: number) => sc.f32(new Float32Array(len));
    const params = zeros((d + 1) * cp);
    writeMatrix(heap, params, W, cp);
    writeMatrix(heap, params + d * cp * 4, { rows: 1, cols: c, data: b }, cp);
    this.order = sc.alloc(order.length * 4);
    heap.u32(this.order, order.length).set(order);
    this.x = sc.matrix(X);
    this.targets = targets instanceof Int32Array ? sc.i32(targets) : sc.matrix(targets);
    this.layout = {
      loss, d, c, cp, delta: 1, cw: 0, l2: 0.01, l1: 0.001,
      params, grad: zeros((d + 1) * cp), s: zeros(n * cp), ds: zeros(n * cp),
      partials: zeros((backend.threads - 1) * (d + 1) * cp), packs: zeros(backend.threads * tailPackBytes(d, c) / 4),
      chunks: backend.threads,
    };
    // As Backend.optimizerStep starts them from {}: the step sizes at the default learning rate, the rest at 0.
    this.state = STATE_FIELDS[rule].map((field) => sc.f32(new Float32Array((d + 1) * cp)
      .fill(STARTS_AT_LEARNING_RATE.includes(field) ? OPTIMIZER_DEFAULTS.learningRate : 0)));
    this.prev = zeros((d + 1) * cp);
  }

  batch(start: number, n: number): Batch {
    const rows = this.order + start * 4;
    return { n, x: this.x, xStride: this.layout.d * 4, rows, targets: this.targets, weights: 0, targetRows: rows };
  }

  /** Rows 0..d−1 (W) or row d (b) of a block, unpadded. */
  read(block: number, what: "W" | "b"): Float32Array {
    const { d, c, cp } = this.layout;
    return what === "W" ? readMatrix(this.scope.heap, block, d, c, cp).data : this.scope.heap.f32(block + d * cp * 4, c).slice();
  }
}

describe("threaded build", () => {
  it("a second instance over the same shared memory leaves the memory as it was", async () => {
    const memory = createSharedMemory();
    const module = await kernelModule("simd", true);
    const env = { memory, abort: () => { throw new Error("abort"); } };
    const first = new WebAssembly.Instance(module, { env });
    const heapBase = (first.exports.heapBase as () => number)();
    memory.grow(1);
    const bytes = new Uint8Array(memory.buffer);
    for (let i = heapBase; i < bytes.length; i++) bytes[i] = (i * 7 + 3) & 255;
    const before = bytes.slice();
    new WebAssembly.Instance(module, { env });
    expect(Buffer.compare(new Uint8Array(memory.buffer), before)).toBe(0);
  });

  it("splits ranges into aligned contiguous parts covering everything", () => {
    expect(split(13, 3, 4)).toEqual([0, 8, 13, 13]);
    expect(split(2, 3, 4)).toEqual([0, 2, 2, 2]);
    expect(split(3072, 2, 4)).toEqual([0, 1536, 3072]);
  });
});

describe("init({ threads })", () => {
  it("reports the thread count it runs", async () => {
    const two = await init({ threads: 2 });
    const auto = await init({ threads: "auto" });
    const one = await init();
    try {
      expect(two.threads).toBe(2);
      expect(two.threadsFallback).toBeNull();
      expect(auto.threads).toBe(availableParallelism());
      expect(one.threads).toBe(1);
      expect(one.pool).toBeNull();
    } finally {
      for (const b of [two, auto, one]) b.dispose();
    }
  });

  it("rejects bad thread counts, naming the option", async () => {
    for (const bad of [0, -1, 1.5, 65, "2", null]) {
      await expect(init({ threads: bad as never })).rejects.toThrow(/threads must be 'auto' or an integer/);
    }
    await expect(init({ backend: "reference", threads: 2 })).rejects.toThrow(/threads: only the wasm backend/);
    const reference = await init({ backend: "reference", threads: "auto" });
    expect(reference.threads).toBe(1);
    await expect(init({ threads: 2, threadTimeout: -5 })).rejects.toThrow(/threadTimeout/);
  });

  it("falls back to one thread, and says why, where SharedArrayBuffer is missing", async () => {
    const saved = globalThis.SharedArrayBuffer;
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    // @ts-expect-error: an engine without SharedArrayBuffer (a page that is not cross-origin isolated)
    delete globalThis.SharedArrayBuffer;
    try {
      const backend = await init({ threads: 2 });
      expect(backend.threads).toBe(1);
      expect(backend.threadsFallback).toMatch(/SharedArrayBuffer/);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/running 1 thread instead of 2/));
      backend.dispose();
    } finally {
      globalThis.SharedArrayBuffer = saved;
      warn.mockRestore();
    }
  });

  it("names cross-origin isolation when a page is not isolated", async () => {
    const { threadsUnavailable } = await import("../src/threads/support.js");
    vi.stubGlobal("crossOriginIsolated", false);
    try {
      expect(threadsUnavailable(false)).toMatch(/Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe("threaded step = one-thread backend", () => {
  let threaded: Backend, single: Backend;
  beforeAll(async () => {
    threaded = await init({ threads: 3, simd: "simd" });
    single = await init({ simd: "simd" });
  });
  afterAll(() => {
    threaded.dispose();
    single.dispose();
  });

  // N = 23 rows seen as batches of 11 (not a multiple of 3 threads), 2 (fewer rows than threads) and 10;
  // D = 13 (not a multiple of 4 nor of 3), C = 5 (padded to 8).
  const N = 23, D = 13, C = 5, BATCHES = [11, 2, 10];

  function setup(loss: LossKind, seed: number) {
    const rng = new Rng(seed);
    const X = gaussian(rng, N, D), W = gaussian(rng, D, C, 0.1);
    const b = Float32Array.from({ length: C }, () => 0.1 * rng.normal());
    const targets = targetsFor(rng, loss, N, C);
    // A shuffled epoch: row i of the epoch is X[(7·i) mod N].
    const order = Uint32Array.from({ length: N }, (_, i) => (i * 7) % N);
    return { X, W, b, targets, order };
  }

  /** Runs the batches on `threads` threads, checking each step against the one-thread backend's API. */
  function compare(loss: LossKind, rule: UpdateRule, threads: number) {
    const { X, W, b, targets, order } = setup(loss, 7);
    const model = new Resident(threaded, loss, X, targets, W, b, order, rule);
    const engine = new ThreadedStep(threaded.pool!, model.layout);
    const w = W.data.slice(), bias = b.slice(), stateW: OptimizerState = {}, stateB: OptimizerState = {};
    try {
      let start = 0;
      BATCHES.forEach((n, step) => {
        const rows = order.subarray(start, start + n);
        const r = single.linearLoss(loss, rowsOf(X, rows), { rows: D, cols: C, data: w }, bias, pick(targets, rows),
          { delta: 1, l2: 0.01, l1: 0.001 });
        const got = engine.gradient(model.batch(start, n), threads);
        expect(lossError(got, r.loss)).toBeLessThanOrEqual(LOSS_TOL);
        // The gradient, completed on its own; at odd steps the update completes it (the training engine's way).
        if (step % 2 === 0) {
          engine.reduce(threads);
          expect(normError(model.read(model.layout.grad, "W"), r.dW.data)).toBeLessThanOrEqual(GRAD_TOL);
          expect(normError(model.read(model.layout.grad, "b"), r.db)).toBeLessThanOrEqual(GRAD_TOL);
        }
        const before = model.read(model.layout.params, "W");
        engine.update(rule, model.state, model.prev, resolveUpdate(rule, {}, { t: step }), threads);
        expect(model.read(model.prev, "W")).toEqual(before);
        single.optimizerStep(rule, w, r.dW.data, stateW);
        single.optimizerStep(rule, bias, r.db, stateB);
        expect(normError(model.read(model.layout.params, "W"), w)).toBeLessThanOrEqual(GRAD_TOL);
        expect(normError(model.read(model.layout.params, "b"), bias)).toBeLessThanOrEqual(GRAD_TOL);
        STATE_FIELDS[rule].forEach((field, i) => {
          expect(normError(model.read(model.state[i]!, "W"), stateW[field]!)).toBeLessThanOrEqual(GRAD_TOL);
          expect(normError(model.read(model.state[i]!, "b"), stateB[field]!)).toBeLessThanOrEqual(GRAD_TOL);
        });
        start += n;
      });
    } finally {
      model.scope.release();
    }
  }

  for (const loss of LOSSES) {
    for (const rule of UPDATE_RULES) {
      it(`${loss} + ${rule}, 3 threads, odd shapes`, () => compare(loss, rule, 3));
    }
  }

  it("two threads, and one (no fork)", () => {
    compare("hinge", "sgd", 2);
    compare("softmax", "adam", 1);
  });

  it("gives the same bits on 1, 2 and 3 threads, losses included (the partition is the pool's)", () => {
    const runs = [1, 2, 3].map((threads) => {
      const { X, W, b, targets, order } = setup("softmax", 11);
      const model = new Resident(threaded, "softmax", X, targets, W, b, order, "adam");
      const engine = new ThreadedStep(threaded.pool!, model.layout);
      try {
        let start = 0;
        const losses = BATCHES.map((n, step) => {
          const loss = engine.gradient(model.batch(start, n), threads);
          engine.update("adam", model.state, 0, resolveUpdate("adam", {}, { t: step }), threads);
          start += n;
          return loss;
        });
        const block = (ptr: number) => Buffer.from(model.scope.heap.bytes(ptr, (D + 1) * padCols(C) * 4));
        return { losses, params: block(model.layout.params), m: block(model.state[0]!), v: block(model.state[1]!) };
      } finally {
        model.scope.release();
      }
    });
    for (const run of runs.slice(1)) {
      expect(run.params.equals(runs[0]!.params)).toBe(true);
      expect(run.m.equals(runs[0]!.m)).toBe(true);
      expect(run.v.equals(runs[0]!.v)).toBe(true);
      expect(run.losses).toEqual(runs[0]!.losses); // the penalties too: their partial sums follow the pool's slices
    }
  });
});

describe("training engine on a threaded backend", () => {
  let threaded: Backend, single: Backend;
  beforeAll(async () => {
    threaded = await init({ threads: 3 });
    single = await init();
  });
  afterAll(() => {
    threaded.dispose();
    single.dispose();
  });

  // CIFAR-wide rows, so that both gradient (32·3073·12 multiply-adds) and update (3074·12 parameters) run on
  // several threads; 67 = 2·32 + 3 rows leave a last batch too small to fork.
  const N = 67, D = 3073, C = 10, BATCH = 32;
  const spec = (loss: LossKind, rule: UpdateRule, inputDropout = 0): EngineSpec => ({
    loss, d: D, c: C, delta: 1, classWeight: null, l2: 1e-3, l1: 1e-4, rule, batchSize: BATCH, inputDropout,
    hyper: DEFAULT_FIXED_HYPER,
  });

  function train(backend: Backend, loss: LossKind, rule: UpdateRule, inputDropout: number, weighted = false) {
    const rng = new Rng(5), data = new Rng(3);
    const X = gaussian(data, N, D, 0.1), targets = targetsFor(data, loss, N, C);
    const weights = weighted ? Float32Array.from({ length: N }, (_, i) => 0.5 + (i % 4)) : null;
    const heap = kernelsOf(backend).heap, blocksBefore = heap.liveBlocks;
    const engine = createEngine(backend, spec(loss, rule, inputDropout));
    try {
      engine.load("train", X, targets, weights);
      engine.setParams(gaussian(data, D, C, 0.01), new Float32Array(C));
      const losses: number[] = [];
      const scores = new Float32Array(N * C);
      const evaluate = () => engine.evaluate("train", (S, stride, first, count) => {
        for (let i = 0; i < count; i++) for (let j = 0; j < C; j++) scores[(first + i) * C + j] = S[i * stride + j]!;
      });
      for (let epoch = 0; epoch < 2; epoch++) {
        losses.push(evaluate());
        engine.shuffle(rng);
        for (let start = 0; start < N; start += BATCH) {
          losses.push(engine.gradient(start, Math.min(BATCH, N - start), 1000 * epoch + start));
          engine.update(rule === "adam" ? 1e-3 : 1e-2, 0.9);
        }
      }
      losses.push(evaluate());
      return { engine: engine.constructor.name, losses, scores, ...engine.getParams() };
    } finally {
      engine.dispose();
      expect(heap.liveBlocks).toBe(blocksBefore);
    }
  }

  for (const [loss, rule, dropout, weighted] of [["softmax", "adam", 0, false], ["hinge", "sgd", 0, false],
    ["logistic", "nesterov", 0.2, false], ["softmax", "sgd", 0, true], ["l2", "momentum", 0.2, true]] as const) {
    it(`${loss} + ${rule}${dropout ? " + input dropout" : ""}${weighted ? " + sample weights" : ""}: the one-thread engine's results, the same bits every run`, () => {
      const a = train(threaded, loss, rule, dropout, weighted), again = train(threaded, loss, rule, dropout, weighted);
      const r = train(single, loss, rule, dropout, weighted);
      expect(a.engine).toBe("ThreadedEngine");
      expect(r.engine).toBe("WasmEngine");
      a.losses.forEach((l, i) => expect(lossError(l, r.losses[i]!)).toBeLessThanOrEqual(LOSS_TOL));
      expect(normError(a.W.data, r.W.data)).toBeLessThanOrEqual(GRAD_TOL);
      expect(normError(a.b, r.b)).toBeLessThanOrEqual(GRAD_TOL);
      expect(normError(a.scores, r.scores)).toBeLessThanOrEqual(GRAD_TOL);
      // The tuner picks its thread counts by timing, so the two runs may differ in them, never in the numbers.
      expect(Buffer.from(again.W.data.buffer).equals(Buffer.from(a.W.data.buffer))).toBe(true);
      expect(Buffer.from(again.b.buffer).equals(Buffer.from(a.b.buffer))).toBe(true);
      expect(again.losses).toEqual(a.losses);
    });
  }
  it("a training step on the pool allocates under 4 KB of JS heap (it once built ~17 KB of call objects)", () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const youngBytes = () => getHeapSpaceStatistics().find((space) => space.space_name === "new_space")!.space_used_size;
    const engine = createEngine(threaded, spec("softmax", "adam", 0.2));
    try {
      const data = new Rng(8);
      engine.load("train", gaussian(data, N, D, 0.1), randomLabels(data, N, C));
      const rows = 2 * BATCH; // two full batches: both fork (the third, of 3 rows, never does)
      const epoch = (seed: number) => {
        engine.shuffle(new Rng(seed));
        for (let start = 0; start < rows; start += BATCH) {
          engine.gradient(start, BATCH, seed + start);
          engine.update(1e-3, 0.9);
        }
      };
      for (let e = 0; e < 300; e++) epoch(e); // until V8 has optimized the step's JS
      gc();
      const before = youngBytes(), steps = 400;
      for (let e = 0; e < steps / 2; e++) epoch(e);
      const perStep = (youngBytes() - before) / steps;
      expect(perStep).toBeGreaterThanOrEqual(0); // a scavenge in between would have meant far more garbage
      expect(perStep).toBeLessThan(4096); // measured ~1.4 KB: the JS-to-wasm calls box their f64 arguments
    } finally {
      engine.dispose();
    }
  });
});

describe("LinearClassifier({ threads })", () => {
  it("fits on a threaded backend it loads, to the one-thread model's weights, and disposes it", async () => {
    const data = new Rng(9), N = 300, D = 1200, C = 10;
    const X = gaussian(data, N, D, 0.1), y = randomLabels(data, N, C);
    // Momentum: an update linear in the gradient, so that float32 rounding differences do not grow over epochs
    // (Adam divides by √v and magnifies them where g ≈ 0; its steps are compared one by one above).
    const options = { loss: "softmax", epochs: 3, batchSize: 100, seed: 4, optimizer: { rule: "momentum" } } as const;
    const threaded = new LinearClassifier({ ...options, threads: 2 }), single = new LinearClassifier(options);
    try {
      const a = await threaded.fit(X, y), r = await single.fit(X, y);
      expect(lossError(a.loss.at(-1)!, r.loss.at(-1)!)).toBeLessThanOrEqual(LOSS_TOL);
      expect(normError(threaded.weights.W.data, single.weights.W.data)).toBeLessThanOrEqual(GRAD_TOL);
      expect(normError(threaded.weights.b, single.weights.b)).toBeLessThanOrEqual(GRAD_TOL);
    } finally {
      threaded.dispose();
      single.dispose();
    }
  });

  it("checks the option when the model is made", async () => {
    expect(() => new LinearClassifier({ threads: 0 })).toThrow(/threads must be 'auto' or an integer/);
    const backend = await init();
    try {
      expect(() => new LinearClassifier({ backend, threads: 2 })).toThrow(/threads: the Backend given/);
    } finally {
      backend.dispose();
    }
  });
});

describe("ThreadTuner", () => {
  /** Feeds `calls` calls whose time is `ms(threads, i)` (call i) and returns the thread counts it picked. */
  function drive(tuner: ThreadTuner, calls: number, ms: (threads: number, i: number) => number): number[] {
    return Array.from({ length: calls }, (_, i) => {
      const threads = tuner.pick("k");
      tuner.record("k", threads, ms(threads, i));
      return threads;
    });
  }

  /** The tuner compares each choice's fastest call among the last 16 calls of a kind. */
  const WINDOW = 16;

  /** Indices of the calls that ran on `threads`, from `from` on. */
  const callsOn = (picks: number[], threads: number, from: number) =>
    picks.map((t, i) => (t === threads && i >= from ? i : -1)).filter((i) => i >= 0);

  it("tries both, keeps the faster, and tries the other again less and less often", () => {
    const tuner = new ThreadTuner(4);
    const picks = drive(tuner, 200, (t) => (t === 1 ? 2 : 1));
    expect(picks.slice(0, 6)).toEqual([4, 4, 4, 1, 1, 1]); // a run of POOL_RUN calls on each
    const retries = callsOn(picks, 1, 6);
    expect(retries.length).toBeLessThanOrEqual(5);
    const gaps = retries.slice(1).map((r, i) => r - retries[i]!);
    expect(gaps).toEqual([...gaps].sort((a, b) => a - b));
    // The load changes: now one thread is faster, and the tuner follows within a few calls.
    const later = drive(tuner, 256, (t) => (t === 1 ? 1 : 5));
    // To see it (a window), then retries 8, 16, 32, 64, 64, … calls apart, each a run of 3 pool calls.
    const poolRuns = (picks: number[]) => picks.filter((t, i) => t === 4 && picks[i - 1] !== 4).length;
    expect(callsOn(later, 4, 0).length).toBeLessThanOrEqual(WINDOW + 3 * 6);
    expect(poolRuns(later.slice(WINDOW + 1))).toBeLessThanOrEqual(6);
    expect(later.slice(-100).filter((t) => t === 4).length).toBeLessThanOrEqual(2 * 3);
  });

  it("retries the pool in runs of calls, so that a pool whose first call after idling is slow still wins", () => {
    // The workers' caches are cold after calls on the caller alone: the pool's first call then takes 3, its
    // next ones 1, against 2 on the caller alone. Retried one call at a time, it would never win.
    const tuner = new ThreadTuner(2);
    let last = 0;
    const picks = drive(tuner, 60, (t) => {
      const ms = t === 1 ? 2 : last === 2 ? 1 : 3;
      last = t;
      return ms;
    });
    expect(picks.slice(0, 6)).toEqual([2, 2, 2, 1, 1, 1]);
    expect(picks.slice(-40).filter((t) => t === 2).length).toBeGreaterThanOrEqual(36);
  });

  it("is not fooled by one slow call nor by a short burst, and comes back soon after a long one", () => {
    const tuner = new ThreadTuner(2);
    // The pool is twice as fast as the caller alone, but slow while another process holds a core (calls
    // `from` to `to` of a drive), and on its very first call (a cold start).
    const load = (from: number, to: number) => (t: number, i: number) => (t === 1 ? 2 : i >= from && i < to ? 1000 : 1);
    const picks = drive(tuner, 40, load(0, 1));
    expect(callsOn(picks, 2, 6).length).toBeGreaterThanOrEqual(32);
    // A burst shorter than the window: the tuner stays with the pool.
    const burst = drive(tuner, 40, load(0, 10));
    expect(callsOn(burst, 1, 0).length).toBeLessThanOrEqual(2);
    // A longer one: it moves to the caller alone within the window, and back at the first retry after the
    // burst, which comes at most 64 calls later (the retries' longest interval).
    const long = drive(tuner, 140, load(0, 40));
    expect(callsOn(long, 1, 0).length).toBeGreaterThan(20);
    expect(callsOn(long, 1, 40 + 64).length).toBeLessThanOrEqual(1);
  });

  it("keeps separate books per kind of call", () => {
    const tuner = new ThreadTuner(2);
    drive(tuner, 8, (t) => (t === 1 ? 1 : 3));
    expect(tuner.pick("other")).toBe(2);
    expect(tuner.pick("k")).toBe(1);
  });
});

describe("faults", () => {
  /** A pool's workers, reached the way only a test should. */
  const workersOf = (pool: ThreadPool) => (pool as unknown as { workers: { terminate(): Promise<number> }[] }).workers;

  /** A program that keeps a thread busy for a while: scores of many rows. */
  function busy(backend: Backend, rows: number) {
    const heap = kernelsOf(backend).heap, d = 256, cp = 4;
    const x = heap.alloc(d * 4), w = heap.alloc(d * cp * 4), b = heap.alloc(cp * 4), s = heap.alloc(rows * cp * 4);
    const idx = heap.alloc(rows * 4);
    heap.u32(idx, rows).fill(0);
    heap.f32(w, d * cp).fill(0);
    heap.f32(b, cp).fill(0);
    heap.f32(x, d).fill(1);
    return [call("scores", rows, d, cp, cp, x, d * 4, idx, w, b, s)];
  }

  it("a worker killed during a fit fails the next step with an error naming it", async () => {
    const backend = await init({ threads: 2, threadTimeout: 200 });
    const pool = backend.pool!;
    try {
      pool.run([[], []]);
      await workersOf(pool)[0]!.terminate();
      expect(() => pool.run([[], []])).toThrow(/worker 1 (exited|did not finish)/);
      expect(() => pool.run([[], []])).toThrow(/worker 1/);
    } finally {
      backend.dispose();
    }
  });

  it("a worker that dies in the middle of a step fails it within the timeout instead of hanging", async () => {
    const backend = await init({ threads: 2, threadTimeout: 200 });
    const pool = backend.pool!;
    try {
      void workersOf(pool)[0]!.terminate();
      // The exit event cannot arrive while this thread waits: only the deadline can end the wait.
      expect(() => pool.run([[], []])).toThrow(/worker 1 did not finish its share of the work within \d+ ms: it died or hangs/);
    } finally {
      backend.dispose();
    }
  });

  it("a worker that hangs fails the step within the timeout", async () => {
    const backend = await init({ threads: 2, threadTimeout: 100 });
    try {
      expect(() => backend.pool!.run([[], busy(backend, 2_000_000)])).toThrow(/worker 1 did not finish/);
      expect(() => backend.pool!.run([[], []])).toThrow(/worker 1 did not finish/);
    } finally {
      backend.dispose();
    }
  });

  it("an error inside a worker comes back with its message", async () => {
    const backend = await init({ threads: 2 });
    const heap = kernelsOf(backend).heap;
    try {
      // An address past the end of the memory traps in the worker's kernel.
      const beyond = heap.memory.buffer.byteLength + 65536;
      expect(() => backend.pool!.run([[], [call("sgd", 4, beyond, beyond, 0.1)]])).toThrow(/worker 1 failed: .*out of bounds/);
    } finally {
      backend.dispose();
    }
  });
});

describe("process exit", () => {
  it("a Node process exits by itself after dispose()", () => {
    const script = `
      import { init } from ${JSON.stringify(fileURLToPath(new URL("../src/index.ts", import.meta.url)))};
      const backend = await init({ threads: 2 });
      backend.pool.run([[], []]);
      console.log("threads", backend.threads);
      backend.dispose();
    `;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script],
      { encoding: "utf8", timeout: 60_000, cwd: fileURLToPath(new URL("..", import.meta.url)) });
    expect(child.stderr).toBe("");
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
    expect(child.stdout).toContain("threads 2");
  });
});

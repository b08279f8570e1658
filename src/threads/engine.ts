/**
 * The training engine of a threaded backend: the WASM engine, whose `gradient` (input dropout's gather included),
 * `update` and `evaluate` run split over the pool's threads (step.ts). The rest (random search, max-norm) stays
 * on the caller. A batch's partition into row chunks depends on the pool's size only, so running a call on the
 * caller alone or on the whole pool gives the same bits: the thread count of each call is chosen by timing both
 * (ThreadTuner), and the results depend on the seed and the `threads` of init only. A batch too small to ever
 * pay for a fork-join runs the one-thread engine's step.
 */
import type { Kernels } from "../wasm/loader.js";
import type { EngineSpec, ScoreVisitor, Slot } from "../train/engine.js";
import { WasmEngine } from "../train/wasm-engine.js";
import { padCols, tailPackBytes } from "../wasm/scope.js";
import type { ThreadPool } from "./pool.js";
import { ThreadedStep, type Batch, type StepLayout } from "./step.js";
import { dropoutScale, dropoutThreshold } from "../reference/train.js";

/**
 * Least work for which a fork-join may pay (one costs a few µs on an idle machine, far more on a loaded one):
 * multiply-adds of the GEMMs (rows·d·cp) for `gradient` and `evaluate`, above which the tuner decides; and
 * parameters for `update`, above which it follows the thread count of the step's `gradient`.
 */
export const MIN_GEMM_WORK = 1 << 17;
export const MIN_UPDATE_WORK = 1 << 15;

/**
 * Calls between two tries of the choice that currently loses: FIRST_RETRY after the best choice changed, then
 * twice as many each time the try confirms it, up to a cap. A try of the caller alone, while the pool wins, costs
 * about a call's time (the pool is up to `size` times faster), so those tries back off to MAX_CALLER_RETRY. A try
 * of the pool, while the load of the machine makes it lose, costs only the little it loses by, and it is how the
 * pool comes back once the load is gone: at most MAX_POOL_RETRY calls later.
 */
const FIRST_RETRY = 8, MAX_POOL_RETRY = 64, MAX_CALLER_RETRY = 256;
/**
 * The choices compare by their fastest call among the last WINDOW calls of the kind (else by their latest):
 * noise (a preemption, another process's burst) only ever slows calls down, so a burst shorter than WINDOW
 * calls moves nothing, while a choice that got slower for good shows it within WINDOW calls.
 */
const WINDOW = 16;
/**
 * The pool is tried in runs of POOL_RUN calls, at warm-up (the pool's run, then as many calls on the caller
 * alone) and at every retry: the first pool call after calls on the caller alone wakes sleeping workers whose
 * caches have gone cold, and on this 2-core machine took 1.7–2× a warm one (670–750 µs against 330–450 for
 * the CIFAR-shaped step). Tried one call at a time, the pool lost every retry and a fit ran its first 4–5 epochs
 * on one thread.
 */
const POOL_RUN = 3, WARMUP = 2 * POOL_RUN;

/**
 * The timings of one kind of call, per choice (0: the caller alone, 1: the whole pool): a ring of its last
 * WINDOW calls (call number, ms) and how many it has taken; and when to try the loser again.
 */
interface Arms {
  at: [Float64Array, Float64Array];
  ms: [Float64Array, Float64Array];
  taken: [number, number];
  calls: number;
  best: number;
  interval: number;
  retryIn: number;
  /** Calls left in the current run of pool calls that a retry started. */
  poolRun: number;
}

/** A choice's time: its fastest call among the last WINDOW calls of the kind, else its latest call. */
function estimate(arms: Arms, choice: 0 | 1): number {
  const at = arms.at[choice], ms = arms.ms[choice], taken = arms.taken[choice];
  let fastest = Infinity;
  for (let i = 0; i < Math.min(taken, WINDOW); i++) if (at[i]! >= arms.calls - WINDOW) fastest = Math.min(fastest, ms[i]!);
  return fastest < Infinity ? fastest : ms[(taken - 1) % WINDOW]!;
}

/**
 * Chooses, per kind of call, between the caller alone and the whole pool by timing both: each in turn at first,
 * then the faster one, trying the other again now and then, since the load of the machine changes. Both
 * choices give the same bits, so the tuner moves only the speed, never the results.
 */
export class ThreadTuner {
  private readonly arms = new Map<string, Arms>();

  constructor(private readonly size: number) {}

  /** Threads for the next call of kind `key`. */
  pick(key: string): number {
    const arms = this.arms.get(key);
    if (!arms || arms.calls < WARMUP) return (arms?.calls ?? 0) < POOL_RUN ? this.size : 1;
    if (arms.poolRun > 0) {
      arms.poolRun--;
      return this.size;
    }
    const best = estimate(arms, 1) < estimate(arms, 0) ? 1 : 0;
    if (best !== arms.best) {
      arms.best = best;
      arms.interval = arms.retryIn = FIRST_RETRY;
    }
    let choice = best;
    if (--arms.retryIn <= 0) {
      arms.interval = arms.retryIn = Math.min(2 * arms.interval, best === 1 ? MAX_CALLER_RETRY : MAX_POOL_RETRY);
      choice = 1 - best;
      if (choice === 1) arms.poolRun = POOL_RUN - 1;
    }
    return choice === 1 ? this.size : 1;
  }

  /**
   * Runs `body` on the thread count picked for `key`, and records how long it took; `ready(threads)` runs first,
   * untimed.
   */
  timed<T>(key: string, body: (threads: number) => T, ready?: (threads: number) => void): T {
    const threads = this.pick(key);
    ready?.(threads);
    const started = performance.now();
    const result = body(threads);
    this.record(key, threads, performance.now() - started);
    return result;
  }

  /** Records how long a call of kind `key` took on `threads` threads. */
  record(key: string, threads: number, ms: number): void {
    let arms = this.arms.get(key);
    if (!arms) {
      const ring = (): Float64Array => new Float64Array(WINDOW);
      arms = { at: [ring(), ring()], ms: [ring(), ring()], taken: [0, 0], calls: 0, best: -1, interval: 0, retryIn: 0, poolRun: 0 };
      this.arms.set(key, arms);
    }
    const choice = threads === 1 ? 0 : 1, slot = arms.taken[choice] % WINDOW;
    arms.at[choice][slot] = arms.calls;
    arms.ms[choice][slot] = ms;
    arms.taken[choice]++;
    arms.calls++;
  }
}

/**
 * One tuner per pool, shared by the engines on it: a kind of call costs the same in every engine of the same
 * shape, so a new model (each fit of a hyper-parameter search) starts from what the last one measured.
 */
const tuners = new WeakMap<ThreadPool, ThreadTuner>();
const tunerOf = (pool: ThreadPool): ThreadTuner => {
  let tuner = tuners.get(pool);
  if (!tuner) tuners.set(pool, (tuner = new ThreadTuner(pool.size)));
  return tuner;
};

export class ThreadedEngine extends WasmEngine {
  private readonly layout: StepLayout;
  private readonly step: ThreadedStep;
  private readonly tuner: ThreadTuner;
  /** The partial-gradient blocks of row chunks 1..size−1 (step.ts), freed with the engine's other blocks. */
  private readonly partials: number;
  private readonly packs: number;
  /**
   * Threads of the last `gradient` (or evaluation chunk). The `update` after a gradient follows it: one choice
   * per step, so that the workers are busy for both or idle for both.
   */
  private stepThreads = 1;
  /** Whether the last gradient was the threaded step's, which leaves it for the step's `update` to complete. */
  private threadedGradient = false;
  /** The tuner's key of a gradient of `count` rows, made once per count. */
  private readonly gradientKeys = new Map<number, string>();
  private readonly batchArgs: Batch;

  constructor(kernels: Kernels, spec: EngineSpec, private readonly pool: ThreadPool) {
    super(kernels, spec);
    const { loss, d, c, delta, l2, l1 } = spec, engine = this, cp = padCols(c);
    this.partials = this.mem.zeroed((pool.size - 1) * (d + 1) * cp * 4);
    this.packs = this.mem.zeroed(pool.size * tailPackBytes(d, c));
    this.layout = {
      loss, d, c, cp, delta, cw: this.cw, l2, l1, grad: this.grad, s: this.s, ds: this.ds, partials: this.partials,
      packs: this.packs, chunks: pool.size,
      get params() {
        return engine.params; // random search swaps the parameter block
      },
    };
    this.step = new ThreadedStep(pool, this.layout);
    this.tuner = tunerOf(pool);
    const p = spec.inputDropout;
    this.batchArgs = { n: 0, x: this.batchX, xStride: d * 4, rows: this.batchIdentity, targets: 0, weights: 0, targetRows: 0 };
    if (p > 0) {
      this.batchArgs.dropout = { from: 0, fromStride: d * 4, fromRows: 0, threshold: dropoutThreshold(p), scale: dropoutScale(p), seed: 0 };
    }
  }

  override gradient(start: number, count: number, seed: number): number {
    const { d, cp } = this.layout;
    if (count * d * cp < MIN_GEMM_WORK) {
      this.stepThreads = 1;
      this.threadedGradient = false;
      return super.gradient(start, count, seed);
    }
    this.threadedGradient = true;
    // The tuner's calls spelt out (not `timed` with closures): a step allocates nothing.
    let key = this.gradientKeys.get(count);
    if (key === undefined) this.gradientKeys.set(count, (key = `gradient ${count}×${d}×${cp}`));
    const threads = this.tuner.pick(key);
    this.ready(threads);
    const started = performance.now();
    const loss = this.step.gradient(this.stepBatch(start, count, seed), threads);
    this.tuner.record(key, threads, performance.now() - started);
    return loss;
  }

  /**
   * Rows start..start+count−1 of the epoch order (in a Batch reused from step to step), which the step's threads
   * gather themselves under input dropout.
   */
  private stepBatch(start: number, count: number, seed: number): Batch {
    const train = this.data("train"), b = this.batchArgs, rows = (train.order + start * 4) >>> 0;
    b.n = count;
    b.targets = train.targets;
    b.weights = train.weights;
    b.targetRows = rows;
    if (!b.dropout) {
      b.x = train.x;
      b.rows = rows;
    } else {
      b.dropout.from = train.x;
      b.dropout.fromRows = rows;
      b.dropout.seed = seed >>> 0;
    }
    return b;
  }

  /** As the WASM engine's, with each chunk's scores and loss split over the rows when that pays. */
  override evaluate(slot: Slot, visit: ScoreVisitor): number {
    const data = this.data(slot), { d, cp } = this.layout, chunk = this.spec.batchSize;
    if (chunk * d * cp < MIN_GEMM_WORK) return super.evaluate(slot, visit);
    let sum = 0;
    for (let first = 0; first < data.n; first += chunk) {
      const count = Math.min(chunk, data.n - first), rows = data.identity + first * 4;
      const batch = { n: count, x: data.x, xStride: d * 4, rows, targets: data.targets, weights: data.weights, targetRows: rows };
      sum += this.tuner.timed(`forward ${count}×${d}×${cp}`, (threads) => this.step.forward(batch, threads), (threads) => this.ready(threads));
      visit(this.heap.f32(this.layout.s, count * cp), cp, first, count);
    }
    return sum / data.n + this.penalty(this.params);
  }

  /**
   * Before a call on `threads`: after calls on the caller alone, the workers have gone to sleep; wake them
   * with an empty run, or the call (and so the tuner's measure of the pool) would pay for their wake-up.
   */
  private ready(threads: number): void {
    if (threads > 1 && this.stepThreads === 1) {
      this.pool.begin(threads);
      this.pool.go();
    }
    this.stepThreads = threads;
  }

  override update(learningRate: number, momentum: number): void {
    const { d, cp } = this.layout, rule = this.spec.rule;
    const threads = (d + 1) * cp < MIN_UPDATE_WORK ? 1 : this.stepThreads;
    if ((threads === 1 && !this.threadedGradient) || rule === "random-search") return super.update(learningRate, momentum);
    const h = this.nextUpdate(learningRate, momentum);
    this.hasPrev = true;
    this.step.update(rule, this.state, this.prev, h, threads);
  }
}

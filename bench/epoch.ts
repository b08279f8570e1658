/**
 * One epoch of mini-batch training at the CIFAR-10 shape, by every contender, from the same data, initial weights
 * and shuffled batches: our library (LinearClassifier.fit, FitTrainer), our kernels driven by hand on resident
 * buffers (the "kernel loop", fused or not), the float64 reference, and a plain-JS Float32Array loop (tfjs is in
 * tfjs.ts).
 */
import type { Matrix } from "../src/types.js";
import type { UpdateHyper } from "../src/backend/ops.js";
import { resolveUpdate } from "../src/backend/optimizer.js";
import { updateKernel } from "../src/backend/wasm-ops.js";
import { ReferenceOps } from "../src/backend/reference-ops.js";
import * as optim from "../src/reference/optim.js";
import type { Kernels } from "../src/wasm/loader.js";
import { padCols, readMatrix, Scope, tailPackBytes } from "../src/wasm/scope.js";
import { Rng } from "../src/data/rng.js";
import { LOSSES } from "../src/types.js";
import { init } from "../src/init.js";
import type { Backend } from "../src/backend/backend.js";
import { LinearClassifier } from "../src/model/classifier.js";
import { relError } from "./problem.js";
import { median } from "./timing.js";

export type EpochLoss = "softmax" | "hinge";
export type EpochRule = "sgd" | "adam";

export interface EpochConfig {
  loss: EpochLoss;
  rule: EpochRule;
}

export interface EpochData {
  X: Matrix;
  y: Int32Array;
  classes: number;
  /** The epoch's shuffled row order; step s trains on order[s·batch, (s+1)·batch). */
  order: Uint32Array;
  batch: number;
  W0: Matrix;
  b0: Float32Array;
}

type Weights = { W: Float32Array; b: Float32Array };

/** What every contender offers the round-robin timer. */
export interface Trainer {
  /** Back to W0, b0 and a fresh optimizer state. */
  reset(): void;
  epoch(): void | Promise<void>;
  /** W (D×C, unpadded) and b after one epoch from the start. */
  weights(): Weights | Promise<Weights>;
  /** What the float64 reference computes for the same training, when it is not ReferenceTrainer's epoch. */
  reference?(): Promise<Weights>;
  /** ms of the last `epoch()`'s epoch when it is not the call's wall time (fit: without its fixed cost). */
  lastEpochMs?(): number;
  /** ms of the last `epoch()` call beyond its epochs (fit: validation, copy in and out). */
  lastOverheadMs?(): number;
  dispose(): void;
}

/** SGD's and Adam's learning rates (Adam's is SPEC.md's default). */
export const LEARNING_RATE: Record<EpochRule, number> = { sgd: 1e-3, adam: 1e-3 };

/** The step batches of an epoch: consecutive slices of the shuffled order. */
export function batchesOf(data: EpochData): Uint32Array[] {
  const out: Uint32Array[] = [];
  for (let start = 0; start < data.order.length; start += data.batch) out.push(data.order.subarray(start, start + data.batch));
  return out;
}

/**
 * CIFAR-10-shaped data: N rows of D standard-normal "pixels", uniform labels, W0 ~ N(0, 1e-3²), b0 = 0.
 * Each row is a window at a random offset into a pool of 2²⁰ N(0, 1) draws: 30.7M fresh draws would take seconds,
 * and the values do not change any kernel's speed.
 */
export function epochData(N: number, D: number, C: number, batch: number, seed = 0xc1fa): EpochData {
  const rng = new Rng(seed);
  const pool = new Float32Array(1 << 20);
  for (let e = 0; e < pool.length; e++) pool[e] = rng.normal();
  const X = new Float32Array(N * D);
  for (let i = 0; i < N; i++) {
    const start = rng.int(pool.length - D);
    X.set(pool.subarray(start, start + D), i * D);
  }
  const W0 = new Float32Array(D * C);
  for (let e = 0; e < W0.length; e++) W0[e] = 1e-3 * rng.normal();
  const order = rng.shuffle(Uint32Array.from({ length: N }, (_, i) => i));
  return {
    X: { rows: N, cols: D, data: X },
    y: Int32Array.from({ length: N }, () => rng.int(C)),
    classes: C, order, batch, W0: { rows: D, cols: C, data: W0 }, b0: new Float32Array(C),
  };
}

/** Hyper-parameters of a rule with SPEC.md's defaults and the bench's learning rate; `t` is set per step. */
function hyperOf(rule: EpochRule): UpdateHyper {
  return resolveUpdate(rule, { learningRate: LEARNING_RATE[rule] }, {});
}

/** The dataset in one build's memory: X (N×D), labels, and the shuffled index list; no reference to the JS copy. */
export class ResidentData {
  readonly scope: Scope;
  readonly x: number;
  readonly y: number;
  readonly order: number;
  readonly n: number;
  readonly d: number;
  readonly classes: number;
  readonly batch: number;
  readonly W0: Matrix;
  readonly b0: Float32Array;

  constructor(readonly kernels: Kernels, data: EpochData) {
    this.scope = new Scope(kernels.heap);
    this.x = this.scope.matrix(data.X);
    this.y = this.scope.i32(data.y);
    this.order = this.scope.alloc(data.order.length * 4);
    kernels.heap.u32(this.order, data.order.length).set(data.order);
    ({ rows: this.n, cols: this.d } = data.X);
    ({ classes: this.classes, batch: this.batch, W0: this.W0, b0: this.b0 } = data);
  }

  dispose(): void {
    this.scope.release();
  }
}

/**
 * Our epoch on resident buffers: per step one fusedStep (or, unfused, scores → loss → weightGradient →
 * biasGradient) and the update of W and b. W and b keep the padded class stride cp.
 */
export class KernelTrainer implements Trainer {
  private readonly scope: Scope;
  private readonly w: number;
  private readonly b: number;
  private readonly s: number;
  private readonly ds: number;
  private readonly dw: number;
  private readonly db: number;
  private readonly pack: number;
  /** Optimizer state of W and of b (Adam's m, v; 0 for SGD), and every state array with its length. */
  private readonly stateW: [number, number];
  private readonly stateB: [number, number];
  private readonly states: [ptr: number, floats: number][] = [];
  private readonly hyper: UpdateHyper;
  private t = 0;

  constructor(private readonly resident: ResidentData, private readonly config: EpochConfig, readonly fused: boolean) {
    const { kernels, d, batch } = resident;
    const cp = padCols(resident.classes);
    this.scope = new Scope(kernels.heap);
    const zeros = (floats: number): number => {
      const p = this.scope.alloc(floats * 4);
      kernels.heap.f32(p, floats).fill(0);
      return p;
    };
    const state = (floats: number): number => {
      const p = zeros(floats);
      this.states.push([p, floats]);
      return p;
    };
    this.w = zeros(d * cp);
    this.b = zeros(cp);
    this.s = zeros(batch * cp);
    this.ds = zeros(batch * cp);
    this.dw = zeros(d * cp);
    this.db = zeros(cp);
    this.pack = zeros(tailPackBytes(d, resident.classes) / 4);
    const stateful = config.rule === "adam";
    this.stateW = stateful ? [state(d * cp), state(d * cp)] : [0, 0];
    this.stateB = stateful ? [state(cp), state(cp)] : [0, 0];
    this.hyper = hyperOf(config.rule);
    this.reset();
  }

  reset(): void {
    const { kernels: { heap }, d, classes: c, W0, b0 } = this.resident, cp = padCols(c);
    const w = heap.f32(this.w, d * cp);
    for (let k = 0; k < d; k++) w.set(W0.data.subarray(k * c, (k + 1) * c), k * cp);
    heap.f32(this.b, cp).fill(0).set(b0);
    for (const [p, floats] of this.states) heap.f32(p, floats).fill(0);
    this.t = 0;
  }

  epoch(): void {
    const { kernels: { exports: k }, n: N, d, classes: c, batch, x, y, order } = this.resident;
    const cp = padCols(c), loss = this.config.loss;
    for (let start = 0; start < N; start += batch) {
      const n = Math.min(batch, N - start), idx = order + start * 4;
      if (this.fused) {
        k.fusedStep(LOSSES.indexOf(loss), n, d, c, cp, x, d * 4, idx, y, idx, 0, 0, 1, this.w, this.b, this.s, this.ds, 1 / n, this.dw, this.db, this.pack);
      } else {
        k.scores(n, d, c, cp, x, d * 4, idx, this.w, this.b, this.s);
        if (loss === "softmax") k.softmax(n, c, cp, this.s, y, idx, 0, 0, this.ds);
        else k.hinge(n, c, cp, this.s, y, idx, 0, 0, 1, this.ds);
        k.weightGradient(n, d, cp, x, d * 4, idx, this.ds, 1 / n, this.dw);
        k.biasGradient(n, cp, this.ds, 1 / n, this.db);
      }
      this.hyper.t = ++this.t;
      updateKernel(k, this.config.rule, d * cp, this.w, this.dw, this.stateW[0], this.stateW[1], this.hyper);
      updateKernel(k, this.config.rule, cp, this.b, this.db, this.stateB[0], this.stateB[1], this.hyper);
    }
  }

  weights(): { W: Float32Array; b: Float32Array } {
    const { kernels: { heap }, d, classes: c } = this.resident;
    return { W: readMatrix(heap, this.w, d, c, padCols(c)).data, b: heap.f32(this.b, c).slice() };
  }

  dispose(): void {
    this.scope.release();
  }
}

/** Epochs per fit call of FitTrainer: the per-epoch time is their median, the fixed cost is measured apart. */
export const FIT_EPOCHS = 3;

/**
 * Our library end to end: `LinearClassifier.fit(X, y)` on a backend, as a user calls it (default progressive
 * training metrics, no validation). The model draws its own initial weights and epoch order from its seed, so
 * its check is against the reference backend's fit with the same options (one epoch), not ReferenceTrainer.
 */
export class FitTrainer implements Trainer {
  private epochMs = 0;
  private overheadMs = 0;

  constructor(private readonly backend: Backend, private readonly data: EpochData, private readonly config: EpochConfig,
              private readonly referenceFit: () => Promise<Weights>) {}

  reset(): void {}

  async epoch(): Promise<void> {
    const seconds: number[] = [], started = performance.now();
    await fitWeights(this.backend, this.data, this.config, FIT_EPOCHS, (s) => seconds.push(s * 1000));
    this.epochMs = median(seconds);
    this.overheadMs = performance.now() - started - seconds.reduce((a, b) => a + b, 0);
  }

  lastEpochMs(): number {
    return this.epochMs;
  }

  lastOverheadMs(): number {
    return this.overheadMs;
  }

  weights(): Promise<Weights> {
    return fitWeights(this.backend, this.data, this.config, 1);
  }

  reference(): Promise<Weights> {
    return this.referenceFit();
  }

  dispose(): void {}
}

/** W and b after `fit` for `epochs` epochs with the bench's options; `onSeconds` gets each epoch's seconds. */
export async function fitWeights(backend: Backend, data: EpochData, config: EpochConfig, epochs: number,
                          onSeconds?: (seconds: number) => void): Promise<Weights> {
  const model = new LinearClassifier({
    backend, loss: config.loss, epochs, batchSize: data.batch,
    optimizer: { rule: config.rule, learningRate: LEARNING_RATE[config.rule] },
  });
  try {
    await model.fit(data.X, data.y, { onEpoch: onSeconds && ((info) => onSeconds(info.seconds)) });
    const { W, b } = model.weights;
    return { W: W.data, b };
  } finally {
    model.dispose();
  }
}

/** The reference backend's one-epoch fit per configuration, computed once and shared by every build's FitTrainer. */
export function referenceFits(data: EpochData): (config: EpochConfig) => () => Promise<Weights> {
  const cache = new Map<string, Promise<Weights>>();
  let backend: Promise<Backend> | null = null;
  return (config) => () => {
    const key = `${config.loss} + ${config.rule}`;
    if (!cache.has(key)) cache.set(key, (backend ??= init({ backend: "reference" })).then((b) => fitWeights(b, data, config, 1)));
    return cache.get(key)!;
  };
}

/** The float64 reference backend: each step gathers its rows (the reference has no index list) and composes Ops. */
export class ReferenceTrainer implements Trainer {
  private readonly ops = new ReferenceOps();
  private W!: Matrix;
  private b!: Float32Array;
  private state!: { W: Float32Array[]; b: Float32Array[] };
  private readonly hyper: UpdateHyper;

  constructor(private readonly data: EpochData, private readonly config: EpochConfig) {
    this.hyper = hyperOf(config.rule);
    this.reset();
  }

  reset(): void {
    const { W0, b0 } = this.data;
    this.W = { rows: W0.rows, cols: W0.cols, data: W0.data.slice() };
    this.b = b0.slice();
    const arrays = (len: number): Float32Array[] => (this.config.rule === "adam" ? [new Float32Array(len), new Float32Array(len)] : []);
    this.state = { W: arrays(this.W.data.length), b: arrays(this.b.length) };
    this.hyper.t = 0;
  }

  epoch(): void {
    const { X, y } = this.data;
    for (const rows of batchesOf(this.data)) {
      const Xb = gather(X, rows);
      const S = this.ops.scores(Xb, this.W, this.b);
      const { dS } = this.ops.labelLoss(this.config.loss, S, Int32Array.from(rows, (r) => y[r]!), 1, null, null);
      const dW = this.ops.weightGradient(Xb, dS, 1 / rows.length), db = this.ops.biasGradient(dS, 1 / rows.length);
      this.hyper.t++;
      this.ops.update(this.config.rule, this.W.data, dW.data, this.state.W, this.hyper);
      this.ops.update(this.config.rule, this.b, db, this.state.b, this.hyper);
    }
  }

  weights(): { W: Float32Array; b: Float32Array } {
    return { W: this.W.data.slice(), b: this.b.slice() };
  }

  dispose(): void {}
}

function gather(X: Matrix, rows: Uint32Array): Matrix {
  const data = new Float32Array(rows.length * X.cols);
  rows.forEach((r, i) => data.set(X.data.subarray(r * X.cols, (r + 1) * X.cols), i * X.cols));
  return { rows: rows.length, cols: X.cols, data };
}

/**
 * The plain-JS peer: what a careful JS programmer writes with Float32Arrays (row-major loops, buffers allocated
 * once, rows read in place through the order). The update rules are the reference's, which are such loops too.
 */
export class PlainJsTrainer implements Trainer {
  private readonly W: Float32Array;
  private readonly b: Float32Array;
  private readonly S: Float32Array;
  private readonly dS: Float32Array;
  private readonly dW: Float32Array;
  private readonly db: Float32Array;
  private readonly state: Float32Array[];
  private t = 0;

  constructor(private readonly data: EpochData, private readonly config: EpochConfig) {
    const D = data.X.cols, C = data.classes;
    this.W = new Float32Array(D * C);
    this.b = new Float32Array(C);
    this.S = new Float32Array(data.batch * C);
    this.dS = new Float32Array(data.batch * C);
    this.dW = new Float32Array(D * C);
    this.db = new Float32Array(C);
    this.state = config.rule === "adam" ? [D * C, D * C, C, C].map((len) => new Float32Array(len)) : [];
    this.reset();
  }

  reset(): void {
    this.W.set(this.data.W0.data);
    this.b.set(this.data.b0);
    for (const s of this.state) s.fill(0);
    this.t = 0;
  }

  epoch(): void {
    const { X: { data: X, cols: D }, y, classes: C, order, batch } = this.data;
    const { W, b, S, dS, dW, db } = this;
    for (let start = 0; start < order.length; start += batch) {
      const n = Math.min(batch, order.length - start);
      for (let i = 0; i < n; i++) {
        const row = order[start + i]! * D, s = i * C;
        for (let j = 0; j < C; j++) S[s + j] = b[j]!;
        for (let k = 0; k < D; k++) {
          const xk = X[row + k]!, wk = k * C;
          for (let j = 0; j < C; j++) S[s + j] = S[s + j]! + xk * W[wk + j]!;
        }
        if (this.config.loss === "softmax") softmaxRow(S, dS, s, C, y[order[start + i]!]!);
        else hingeRow(S, dS, s, C, y[order[start + i]!]!);
      }
      dW.fill(0);
      db.fill(0);
      const scale = 1 / n;
      for (let i = 0; i < n; i++) {
        const row = order[start + i]! * D, g = i * C;
        for (let j = 0; j < C; j++) db[j] = db[j]! + scale * dS[g + j]!;
        for (let k = 0; k < D; k++) {
          const xk = scale * X[row + k]!, wk = k * C;
          for (let j = 0; j < C; j++) dW[wk + j] = dW[wk + j]! + xk * dS[g + j]!;
        }
      }
      this.t++;
      if (this.config.rule === "sgd") {
        optim.sgd(W, dW, LEARNING_RATE.sgd);
        optim.sgd(b, db, LEARNING_RATE.sgd);
      } else {
        const [mW, vW, mb, vb] = this.state as [Float32Array, Float32Array, Float32Array, Float32Array];
        optim.adam(W, dW, mW, vW, LEARNING_RATE.adam, 0.9, 0.999, 1e-8, this.t);
        optim.adam(b, db, mb, vb, LEARNING_RATE.adam, 0.9, 0.999, 1e-8, this.t);
      }
    }
  }

  weights(): { W: Float32Array; b: Float32Array } {
    return { W: this.W.slice(), b: this.b.slice() };
  }

  dispose(): void {}
}

function softmaxRow(S: Float32Array, dS: Float32Array, s: number, C: number, label: number): void {
  let m = S[s]!;
  for (let j = 1; j < C; j++) m = Math.max(m, S[s + j]!);
  let sum = 0;
  for (let j = 0; j < C; j++) sum += (dS[s + j] = Math.exp(S[s + j]! - m));
  for (let j = 0; j < C; j++) dS[s + j] = dS[s + j]! / sum - (j === label ? 1 : 0);
}

function hingeRow(S: Float32Array, dS: Float32Array, s: number, C: number, label: number): void {
  const sy = S[s + label]!;
  let pull = 0;
  for (let j = 0; j < C; j++) {
    const active = j !== label && S[s + j]! - sy + 1 > 0;
    dS[s + j] = active ? 1 : 0;
    if (active) pull++;
  }
  dS[s + label] = -pull;
}

export interface EpochRow {
  config: string;
  backend: string;
  /** Threads of the backend's fit (1 but for the threaded rows). */
  threads: number;
  /** Median ms of an epoch over `reps` round-robin repetitions. */
  ms: number;
  reps: number;
  flop: number;
  /** ‖W − W_ref‖∞/‖W_ref‖∞ (and the same for b) after one epoch from W0, against the reference. */
  error: number;
  /** fit only: median ms of a fit call beyond its epochs (validation, copy in, weights out). */
  overheadMs?: number;
}

export interface Contender {
  backend: string;
  /** Threads it runs on; 1 when absent. */
  threads?: number;
  /** Slow contenders run fewer repetitions. */
  slow: boolean;
  make(config: EpochConfig): Trainer;
}

/**
 * Every configuration (softmax/hinge × sgd/adam) by every contender, round-robin: repetition r times each
 * contender once in turn, so that a burst of load on the shared machine hits all of them alike. The fast
 * contenders run untimed rounds first.
 */
export async function benchEpochs(data: EpochData, contenders: Contender[], reps: { fast: number; slow: number },
                                  log: (line: string) => void): Promise<EpochRow[]> {
  const rows: EpochRow[] = [];
  const flop = 4 * data.X.rows * data.X.cols * data.classes;
  for (const loss of ["softmax", "hinge"] as const) {
    for (const rule of ["sgd", "adam"] as const) {
      const config = `${loss} + ${rule}`;
      const trainers = contenders.map((c) => ({ c, trainer: c.make({ loss, rule }), times: [] as number[], overheads: [] as number[] }));
      const rounds = Math.max(reps.fast, reps.slow);
      // Untimed rounds warm the fast contenders up: V8 compiles their hot code on a background thread that takes
      // a core from a 2-thread contender, and the thread tuner learns the shape. The first configuration gets two,
      // as a process's first few hundred steps are still compiling.
      const warmup = rows.length === 0 ? 2 : 1;
      for (let r = -warmup; r < rounds; r++) {
        for (const t of trainers) {
          if (r >= (t.c.slow ? reps.slow : reps.fast) || (r < 0 && t.c.slow)) continue;
          if (r < 0) {
            t.trainer.reset();
            await t.trainer.epoch();
            continue;
          }
          t.trainer.reset();
          const t0 = performance.now();
          await t.trainer.epoch();
          t.times.push(t.trainer.lastEpochMs?.() ?? performance.now() - t0);
          if (t.trainer.lastOverheadMs) t.overheads.push(t.trainer.lastOverheadMs());
        }
      }
      const reference = await trainers.find((t) => t.c.backend === "reference")!.trainer.weights();
      for (const { c, trainer, times, overheads } of trainers) {
        const { W, b } = await trainer.weights(), want = trainer.reference ? await trainer.reference() : reference;
        rows.push({ config, backend: c.backend, threads: c.threads ?? 1, ms: median(times), reps: times.length, flop,
          error: Math.max(relError(W, want.W), relError(b, want.b)),
          ...(overheads.length ? { overheadMs: median(overheads) } : {}) });
        trainer.dispose();
      }
      log(`  epoch ${config} done`);
    }
  }
  return rows;
}

/**
 * The training engine for CSR input in plain TypeScript over the float64 twins (src/reference/sparse.ts): the
 * oracle of WasmSparseEngine, with the same update scheme (lazy.ts) and the same steps in the same order.
 */
import type { Matrix, UpdateRule } from "../types.js";
import type { LabelKernel, TargetKernel, UpdateHyper } from "../backend/ops.js";
import type { Rng } from "../data/rng.js";
import type { EngineSpec, EngineTargets, ScoreVisitor, Slot, TrainingEngine } from "../train/engine.js";
import type { CsrMatrix } from "./csr.js";
import { LABEL_LOSSES } from "../types.js";
import { STATE_FIELDS } from "../backend/optimizer.js";
import { ReferenceOps } from "../backend/reference-ops.js";
import * as ref from "../reference/sparse.js";
import { countHits, type HitRule } from "../reference/metrics.js";
import { catchesUp, checkSparseSpec, decayOf } from "./lazy.js";

interface Data {
  X: CsrMatrix;
  targets: EngineTargets;
  order: Uint32Array;
}

export class ReferenceSparseEngine implements TrainingEngine {
  private readonly ops = new ReferenceOps();
  private readonly rule: UpdateRule;
  private readonly W: Matrix;
  private readonly b: Float32Array;
  private readonly state: Float32Array[];
  private readonly bState: Float32Array[];
  private readonly last: Int32Array;
  private readonly lazy: boolean;
  private readonly hyper: UpdateHyper;
  private touched: Int32Array = new Int32Array(0);
  private G: Matrix = { rows: 0, cols: 0, data: new Float32Array(0) };
  private gb: Float32Array = new Float32Array(0);
  private prev: { rows: Int32Array; W: Float32Array[]; b: Float32Array } | null = null;
  private steps = 0;
  private clockRate = 0;
  private readonly slots = new Map<Slot, Data>();
  /** The scores and targets of the last `gradient` batch, for `hits`. */
  private lastBatch: { S: Matrix; targets: EngineTargets } | null = null;

  constructor(readonly spec: EngineSpec) {
    checkSparseSpec(spec);
    const { d, c } = spec;
    this.rule = spec.rule as UpdateRule;
    this.W = { rows: d, cols: c, data: new Float32Array(d * c) };
    this.b = new Float32Array(c);
    this.state = STATE_FIELDS[this.rule].map(() => new Float32Array(d * c));
    this.bState = STATE_FIELDS[this.rule].map(() => new Float32Array(c));
    this.lazy = catchesUp(spec);
    this.last = new Int32Array(d);
    this.hyper = { ...spec.hyper, learningRate: 0, momentum: 0, t: 0 };
  }

  load(slot: Slot, X: Matrix | CsrMatrix, targets: EngineTargets): void {
    if (!("format" in X)) throw new TypeError("the sparse engine takes CsrMatrix data");
    const copy = { ...X, indptr: X.indptr.slice(), indices: X.indices.slice(), values: X.values.slice() };
    const t = targets instanceof Int32Array ? targets.slice() : { ...targets, data: targets.data.slice() };
    this.slots.set(slot, { X: copy, targets: t, order: Uint32Array.from({ length: X.rows }, (_, i) => i) });
  }

  unload(slot: Slot): void {
    this.slots.delete(slot);
  }

  rows(slot: Slot): number {
    return this.slots.get(slot)?.X.rows ?? 0;
  }

  shuffle(rng: Rng): void {
    rng.shuffle(this.data("train").order);
  }

  gradient(start: number, count: number): number {
    const data = this.data("train"), batch = data.order.subarray(start, start + count), { c, l2, l1 } = this.spec;
    const rows = ref.touchedRows(data.X.indptr, data.X.indices, batch);
    this.touched = rows;
    if (this.lazy) this.catchUp(rows);
    const S = ref.sparseScores(data.X, this.W, this.b, batch);
    const targets = gatherTargets(data.targets, batch), { sum, dS } = this.loss(S, targets);
    this.lastBatch = { S, targets };
    this.G = ref.sparseWeightGradient(data.X, dS, 1 / count, rows, batch);
    this.gb = this.ops.biasGradient(dS, 1 / count);
    const penalty = l2 > 0 || l1 > 0 ? ref.penaltyRows(rows, c, this.W.data, l2, l1, this.G.data) : 0;
    return sum / count + penalty;
  }

  hits(rule: HitRule, _start: number, _count: number): number {
    return countHits(rule, this.lastBatch!.S, this.lastBatch!.targets);
  }

  update(learningRate: number, momentum: number): void {
    const h = this.hyper, c = this.spec.c, rows = this.touched;
    if (this.lazy && learningRate !== this.clockRate) {
      decayOf(learningRate, this.spec.l2); // throws before anything changes
      this.flush();
      this.clockRate = learningRate;
    }
    Object.assign(h, { learningRate, momentum, t: h.t + 1 });
    this.prev = { rows, W: Array.from(rows, (k) => this.W.data.slice(k * c, (k + 1) * c)), b: this.b.slice() };
    this.ops.update(this.rule, this.b, this.gb, this.bState, h);
    ref.updateRows(rows, c, this.W.data, this.G.data, this.state, (w, g, s) => this.ops.update(this.rule, w, g, s, h));
    this.steps += 1;
    for (const k of rows) this.last[k] = this.steps;
  }

  search(): number {
    throw new RangeError("rule: 'random-search' is not available with sparse input");
  }

  maxNorm(limit: number): void {
    this.flush();
    this.ops.maxNorm(this.W, limit);
  }

  restore(): void {
    if (this.prev) {
      const { rows, W, b } = this.prev, c = this.spec.c;
      rows.forEach((k, r) => this.W.data.set(W[r]!, k * c));
      this.b.set(b);
      this.steps -= 1;
      for (const k of rows) this.last[k] = this.steps;
      this.prev = null;
    }
    this.resetState();
  }

  evaluate(slot: Slot, visit: ScoreVisitor): number {
    this.flush();
    const data = this.data(slot), { batchSize, c, l2, l1 } = this.spec, n = data.X.rows;
    let sum = 0;
    for (let first = 0; first < n; first += batchSize) {
      const batch = Uint32Array.from({ length: Math.min(batchSize, n - first) }, (_, i) => first + i);
      const S = ref.sparseScores(data.X, this.W, this.b, batch);
      sum += this.loss(S, gatherTargets(data.targets, batch)).sum;
      visit(S.data, c, first, batch.length);
    }
    return sum / n + (l2 > 0 || l1 > 0 ? ref.penaltyRows(null, c, this.W.data, l2, l1, null) : 0);
  }

  getParams(): { W: Matrix; b: Float32Array } {
    this.flush();
    return { W: { ...this.W, data: this.W.data.slice() }, b: this.b.slice() };
  }

  setParams(W: Matrix, b: Float32Array): void {
    this.W.data.set(W.data);
    this.b.set(b);
    this.last.fill(this.steps);
    this.prev = null;
  }

  resetState(): void {
    for (const s of [...this.state, ...this.bState]) s.fill(0);
    this.hyper.t = 0;
  }

  dispose(): void {
    this.slots.clear();
  }

  private data(slot: Slot): Data {
    const data = this.slots.get(slot);
    if (!data) throw new Error(`the engine holds no ${slot} data`);
    return data;
  }

  private loss(S: Matrix, targets: EngineTargets) {
    const { loss, delta, classWeight } = this.spec;
    if (LABEL_LOSSES.includes(loss)) return this.ops.labelLoss(loss as LabelKernel, S, targets as Int32Array, delta, classWeight);
    return this.ops.targetLoss(loss as TargetKernel, S, targets as Matrix);
  }

  private catchUp(rows: Int32Array | null): void {
    const { l2, l1 } = this.spec, lr = this.clockRate;
    ref.catchUp(rows, this.spec.c, this.W.data, this.last, this.steps, decayOf(lr, l2), lr * l1);
  }

  private flush(): void {
    if (this.lazy) this.catchUp(null);
  }
}

function gatherTargets(targets: EngineTargets, rows: ArrayLike<number>): EngineTargets {
  if (targets instanceof Int32Array) return Int32Array.from(rows, (r) => targets[r]!);
  const c = targets.cols, data = new Float32Array(rows.length * c);
  for (let i = 0; i < rows.length; i++) data.set(targets.data.subarray(rows[i]! * c, (rows[i]! + 1) * c), i * c);
  return { rows: rows.length, cols: c, data };
}

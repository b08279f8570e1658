/**
 * The training engine for CSR input in plain TypeScript over the float64 twins (src/reference/sparse.ts): the
 * oracle of WasmSparseEngine, with the same update scheme (lazy.ts) and the same steps in the same order.
 */
import type { Matrix } from "../types.js";
import type { EngineSpec, EngineTargets, ScoreVisitor, Slot, TrainingEngine } from "../train/engine.js";
import type { CsrMatrix } from "./csr.js";
import * as ref from "../reference/sparse.js";
import { countHits, type HitRule } from "../reference/metrics.js";
import {
  gatherTargets, gatherWeights, range, ReferenceEngineBase, referenceLoss, type ReferenceSlot,
} from "../train/engine-common.js";
import { catchesUp, checkSparseSpec, decayOf } from "./lazy.js";

interface Data extends ReferenceSlot {
  X: CsrMatrix;
  targets: EngineTargets;
}

export class ReferenceSparseEngine extends ReferenceEngineBase<EngineSpec, Data> implements TrainingEngine {
  private readonly W: Matrix;
  private readonly b: Float32Array;
  private readonly state: Float32Array[];
  private readonly bState: Float32Array[];
  private readonly last: Int32Array;
  private readonly lazy: boolean;
  private touched: Int32Array = new Int32Array(0);
  private G: Matrix = { rows: 0, cols: 0, data: new Float32Array(0) };
  private gb: Float32Array = new Float32Array(0);
  private prev: { rows: Int32Array; W: Float32Array[]; b: Float32Array } | null = null;
  private steps = 0;
  private clockRate = 0;
  /** The scores and targets of the last `gradient` batch, for `hits`. */
  private lastBatch: { S: Matrix; targets: EngineTargets } | null = null;

  constructor(spec: EngineSpec) {
    checkSparseSpec(spec);
    super(spec);
    const { d, c } = spec;
    this.W = { rows: d, cols: c, data: new Float32Array(d * c) };
    this.b = new Float32Array(c);
    this.state = this.newState(d * c);
    this.bState = this.newState(c);
    this.lazy = catchesUp(spec);
    this.last = new Int32Array(d);
  }

  load(slot: Slot, X: Matrix | CsrMatrix, targets: EngineTargets, weights: Float32Array | null = null): void {
    if (!("format" in X)) throw new TypeError("the sparse engine takes CsrMatrix data");
    const copy = { ...X, indptr: X.indptr.slice(), indices: X.indices.slice(), values: X.values.slice() };
    const t = targets instanceof Int32Array ? targets.slice() : { ...targets, data: targets.data.slice() };
    this.slots.set(slot, { n: X.rows, X: copy, targets: t, weights: weights?.slice() ?? null, order: range(0, X.rows) });
  }

  gradient(start: number, count: number): number {
    const data = this.data("train"), batch = data.order.subarray(start, start + count), { c, l2, l1 } = this.spec;
    const rows = ref.touchedRows(data.X.indptr, data.X.indices, batch);
    this.touched = rows;
    if (this.lazy) this.catchUp(rows);
    const S = ref.sparseScores(data.X, this.W, this.b, batch);
    const targets = gatherTargets(data.targets, batch), { sum, dS } = this.loss(S, targets, data, batch);
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
    const c = this.spec.c, rows = this.touched;
    if (this.lazy && learningRate !== this.clockRate) {
      decayOf(learningRate, this.spec.l2); // throws before anything changes
      this.flush();
      this.clockRate = learningRate;
    }
    const h = this.nextUpdate(learningRate, momentum);
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
      const batch = range(first, Math.min(batchSize, n - first));
      const S = ref.sparseScores(data.X, this.W, this.b, batch);
      sum += this.loss(S, gatherTargets(data.targets, batch), data, batch).sum;
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

  private loss(S: Matrix, targets: EngineTargets, data: Data, batch: ArrayLike<number>) {
    return referenceLoss(this.ops, this.spec, S, targets, gatherWeights(data.weights, batch));
  }

  private catchUp(rows: Int32Array | null): void {
    const { l2, l1 } = this.spec, lr = this.clockRate;
    ref.catchUp(rows, this.spec.c, this.W.data, this.last, this.steps, decayOf(lr, l2), lr * l1);
  }

  private flush(): void {
    if (this.lazy) this.catchUp(null);
  }
}

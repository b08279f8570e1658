/**
 * The training engine in plain TypeScript over the float64 reference twins (src/reference/): the oracle for
 * the WASM engine. It takes the same steps in the same order with the same random numbers; it allocates freely.
 * The parameters are one (d+1)×c block, W then b, as in the WASM engine (without the pad lanes).
 */
import type { Matrix } from "../types.js";
import * as train from "../reference/train.js";
import { countHits, type HitRule } from "../reference/metrics.js";
import type { EngineSpec, EngineTargets, ScoreVisitor, Slot, TrainingEngine } from "./engine.js";
import {
  gatherRows, gatherTargets, gatherWeights, range, ReferenceEngineBase, referenceLoss, type ReferenceSlot,
} from "./engine-common.js";

interface Data extends ReferenceSlot {
  X: Matrix;
  targets: EngineTargets;
}

export class ReferenceEngine extends ReferenceEngineBase<EngineSpec, Data> implements TrainingEngine {
  private params: Float32Array;
  private prev: Float32Array | null = null;
  private grad: Float32Array;
  private readonly state: Float32Array[];
  /** The scores and targets of the last `gradient` batch, for `hits`. */
  private last: { S: Matrix; targets: EngineTargets } | null = null;

  constructor(spec: EngineSpec) {
    super(spec);
    const len = (spec.d + 1) * spec.c;
    this.params = new Float32Array(len);
    this.grad = new Float32Array(len);
    this.state = this.newState(len);
  }

  load(slot: Slot, X: Matrix, targets: EngineTargets, weights: Float32Array | null = null): void {
    const copy = (M: Matrix): Matrix => ({ rows: M.rows, cols: M.cols, data: M.data.slice() });
    this.slots.set(slot, {
      n: X.rows, X: copy(X), targets: targets instanceof Int32Array ? targets.slice() : copy(targets),
      weights: weights?.slice() ?? null, order: range(0, X.rows),
    });
  }

  gradient(start: number, count: number, seed: number): number {
    const { Xb, targets, weights } = this.batch(start, count, seed);
    const S = this.ops.scores(Xb, this.W(this.params), this.b(this.params)), { sum, dS } = this.loss(S, targets, weights);
    this.last = { S, targets };
    const dW = this.ops.weightGradient(Xb, dS, 1 / count), db = this.ops.biasGradient(dS, 1 / count);
    this.grad.set(dW.data);
    this.grad.set(db, dW.data.length);
    return sum / count + this.penalty(this.params);
  }

  hits(rule: HitRule, _start: number, _count: number): number {
    return countHits(rule, this.last!.S, this.last!.targets);
  }

  update(learningRate: number, momentum: number): void {
    const h = this.nextUpdate(learningRate, momentum);
    this.prev = this.params.slice();
    this.ops.update(this.rule, this.params, this.grad, this.state, h);
  }

  search(start: number, count: number, sigma: number, seed: number): number {
    const { Xb, targets, weights } = this.batch(start, count, seed);
    const lossOf = (P: Float32Array): number =>
      this.loss(this.ops.scores(Xb, this.W(P), this.b(P)), targets, weights).sum / count + this.penalty(P);
    const before = lossOf(this.params);
    const trial = train.perturb(this.params, sigma, seed >>> 0);
    const after = lossOf(trial);
    if (!(after < before)) return before;
    this.params = trial;
    return after;
  }

  maxNorm(limit: number): void {
    this.ops.maxNorm(this.W(this.params), limit);
  }

  restore(): void {
    if (this.prev) this.params.set(this.prev);
    this.resetState();
  }

  evaluate(slot: Slot, visit: ScoreVisitor): number {
    const data = this.data(slot), { batchSize, c } = this.spec;
    let sum = 0;
    for (let first = 0; first < data.X.rows; first += batchSize) {
      const rows = range(first, Math.min(batchSize, data.X.rows - first));
      const S = this.ops.scores(gatherRows(data.X, rows), this.W(this.params), this.b(this.params));
      sum += this.loss(S, gatherTargets(data.targets, rows), gatherWeights(data.weights, rows)).sum;
      visit(S.data, c, first, rows.length);
    }
    return sum / data.X.rows + this.penalty(this.params);
  }

  getParams(): { W: Matrix; b: Float32Array } {
    const W = this.W(this.params);
    return { W: { rows: W.rows, cols: W.cols, data: W.data.slice() }, b: this.b(this.params).slice() };
  }

  setParams(W: Matrix, b: Float32Array): void {
    this.params.set(W.data);
    this.params.set(b, W.data.length);
    this.prev = null;
  }

  private W(P: Float32Array): Matrix {
    return { rows: this.spec.d, cols: this.spec.c, data: P.subarray(0, this.spec.d * this.spec.c) };
  }

  private b(P: Float32Array): Float32Array {
    return P.subarray(this.spec.d * this.spec.c);
  }

  /** The batch's rows of the epoch order (with the input-dropout mask of `seed`), their targets and sample weights. */
  private batch(start: number, count: number, seed: number) {
    const data = this.data("train"), rows = data.order.subarray(start, start + count), p = this.spec.inputDropout;
    const Xb = p > 0 ? train.gatherDropout(data.X, rows, p, seed >>> 0) : gatherRows(data.X, rows);
    return { Xb, targets: gatherTargets(data.targets, rows), weights: gatherWeights(data.weights, rows) };
  }

  private loss(S: Matrix, targets: EngineTargets, weights: Float32Array | null) {
    return referenceLoss(this.ops, this.spec, S, targets, weights);
  }

  /** λ₂·ΣW² + λ₁·Σ|W|, adding the penalties' gradient into the gradient. */
  private penalty(P: Float32Array): number {
    const { l2, l1 } = this.spec, W = this.W(P).data, dW = this.grad.subarray(0, W.length);
    return (l2 > 0 ? this.ops.penalty("l2", W, l2, dW) : 0) + (l1 > 0 ? this.ops.penalty("l1", W, l1, dW) : 0);
  }
}

/**
 * The training engine on the WASM kernels. Everything a step touches is allocated once and stays resident:
 * the dataset (copied in by `load`), the epoch order, the parameters, their gradient and optimizer state, the
 * batch buffers. A step calls kernels with byte addresses only: no JS allocation, no copy, no typed-array view.
 *
 * Parameter layout: W (d×cp) followed by b (cp) as one (d+1)×cp block, so one update-rule call covers both and
 * the pad lanes stay zero (assembly/README.md). The gradient and each state array have the same layout.
 */
import { LOSSES, type Matrix } from "../types.js";
import type { Kernels } from "../wasm/loader.js";
import type { KernelExports } from "../wasm/abi.js";
import { updateKernel } from "../backend/wasm-ops.js";
import { padCols, readMatrix, tailPackBytes, writeMatrix } from "../wasm/scope.js";
import { dropoutScale, dropoutThreshold } from "../reference/train.js";
import { HIT_RULES, type HitRule } from "../reference/metrics.js";
import type { EngineSpec, EngineTargets, ScoreVisitor, Slot, TrainingEngine } from "./engine.js";
import { ResidentEngineBase, type ResidentSlot } from "./engine-common.js";

interface DenseRows {
  x: number;
  /** Labels (i32) or the n×c target matrix. */
  targets: number;
  /** Sample weights (n f32) or 0. */
  weights: number;
}

export type ResidentData = DenseRows & ResidentSlot;

export class WasmEngine extends ResidentEngineBase<EngineSpec, DenseRows> implements TrainingEngine {
  private readonly cp: number;
  /** Bytes of W; b starts there. */
  private readonly wBytes: number;
  /** Floats in the parameter block. */
  private readonly len: number;
  protected params: number;
  private trial: number;
  protected readonly prev: number;
  protected readonly grad: number;
  protected readonly state: number[];
  protected readonly cw: number;
  protected readonly s: number;
  protected readonly ds: number;
  /** fusedStep's scratch for the c & 3 tail classes. */
  private readonly pack: number;
  protected readonly batchX: number;
  protected readonly batchIdentity: number;
  /** Σ w_i·L_i of `count` rows of scores in s against the targets (and sample weights) picked by idx; writes ds. */
  private readonly lossSum: LossSum;
  /** The loss's id for fusedStep: its index in LOSSES. */
  private readonly lossId: number;
  /** Where the current batch's rows are read: X through the epoch order, or the dropout copy through 0..count−1. */
  protected batchFrom = 0;
  protected batchRows = 0;
  protected hasPrev = false;

  constructor(kernels: Kernels, spec: EngineSpec) {
    super(kernels, spec);
    const { d, batchSize } = spec;
    this.cp = padCols(spec.c);
    this.wBytes = d * this.cp * 4;
    this.len = (d + 1) * this.cp;
    const mem = this.mem, block = (): number => mem.zeroed(this.len * 4);
    this.params = block();
    this.prev = block();
    this.grad = block();
    this.trial = spec.rule === "random-search" ? block() : 0;
    this.state = this.newState(this.len);
    this.cw = this.uploadClassWeight();
    this.s = mem.zeroed(batchSize * this.cp * 4);
    this.ds = mem.zeroed(batchSize * this.cp * 4);
    this.pack = mem.zeroed(tailPackBytes(d, spec.c));
    this.batchX = spec.inputDropout > 0 ? mem.zeroed(batchSize * d * 4) : 0;
    this.batchIdentity = spec.inputDropout > 0 ? mem.identity(batchSize) : 0;
    this.lossSum = lossKernel(kernels.exports, spec, this.cp, this.s, this.ds, this.cw);
    this.lossId = LOSSES.indexOf(spec.loss);
  }

  load(slot: Slot, X: Matrix, targets: EngineTargets, weights: Float32Array | null = null): void {
    this.unload(slot);
    const x = this.mem.upload(X.data), t = this.mem.upload(targets instanceof Int32Array ? targets : targets.data);
    const w = weights ? this.mem.upload(weights) : 0;
    this.hold(slot, X.rows, { x, targets: t, weights: w }, w ? [x, t, w] : [x, t]);
  }

  gradient(start: number, count: number, seed: number): number {
    const { d, c, delta } = this.spec, p = this.params, g = this.grad, train = this.batch(start, count, seed);
    // One fused kernel (assembly/README.md "Fused step"): X is read once per step; the targets go through the
    // epoch order even when the rows come from the dropout copy.
    const sum = this.k.fusedStep(this.lossId, count, d, c, this.cp, this.batchFrom, d * 4, this.batchRows, train.targets,
      (train.order + start * 4) >>> 0, this.cw, train.weights, delta, p, p + this.wBytes, this.s, this.ds, 1 / count, g, g + this.wBytes, this.pack);
    return sum / count + this.penalty(p);
  }

  hits(rule: HitRule, start: number, count: number): number {
    const train = this.data("train");
    return this.k.countHits(HIT_RULES.indexOf(rule), count, this.spec.c, this.cp, this.s, train.targets,
      (train.order + start * 4) >>> 0);
  }

  update(learningRate: number, momentum: number): void {
    const h = this.nextUpdate(learningRate, momentum);
    this.k.copy(this.prev, this.params, this.len * 4);
    this.hasPrev = true;
    updateKernel(this.k, this.rule, this.len, this.params,
      this.grad, this.state[0] ?? 0, this.state[1] ?? 0, h);
  }

  search(start: number, count: number, sigma: number, seed: number): number {
    const train = this.batch(start, count, seed), idx = (train.order + start * 4) >>> 0;
    const before = this.batchLoss(this.params, count, train, idx);
    this.k.perturb(this.spec.d + 1, this.spec.c, this.cp, this.params, this.trial, sigma, seed >>> 0);
    const after = this.batchLoss(this.trial, count, train, idx);
    if (!(after < before)) return before;
    [this.params, this.trial] = [this.trial, this.params];
    return after;
  }

  maxNorm(limit: number): void {
    this.k.maxNorm(this.spec.d, this.spec.c, this.cp, this.params, limit);
  }

  restore(): void {
    if (this.hasPrev) this.k.copy(this.params, this.prev, this.len * 4);
    this.resetState();
  }

  evaluate(slot: Slot, visit: ScoreVisitor): number {
    const data = this.data(slot), k = this.k, { d, batchSize } = this.spec, cp = this.cp;
    let sum = 0;
    for (let first = 0; first < data.n; first += batchSize) {
      const count = Math.min(batchSize, data.n - first), idx = data.identity + first * 4;
      k.scores(count, d, this.spec.c, cp, data.x, d * 4, idx, this.params, this.params + this.wBytes, this.s);
      sum += this.lossSum(count, data.targets, idx, data.weights);
      visit(this.heap.f32(this.s, count * cp), cp, first, count);
    }
    return sum / data.n + this.penalty(this.params);
  }

  getParams(): { W: Matrix; b: Float32Array } {
    const { d, c } = this.spec;
    return { W: readMatrix(this.heap, this.params, d, c, this.cp), b: this.heap.f32(this.params + this.wBytes, c).slice() };
  }

  setParams(W: Matrix, b: Float32Array): void {
    writeMatrix(this.heap, this.params, W, this.cp);
    writeMatrix(this.heap, this.params + this.wBytes, { rows: 1, cols: b.length, data: b }, this.cp);
    this.hasPrev = false;
  }

  /** Points batchFrom/batchRows at the batch's rows (making the dropout copy if there is dropout). */
  protected batch(start: number, count: number, seed: number): ResidentData {
    const train = this.data("train"), d = this.spec.d, p = this.spec.inputDropout;
    const idx = (train.order + start * 4) >>> 0;
    if (p === 0) {
      this.batchFrom = train.x;
      this.batchRows = idx;
    } else {
      this.k.gatherDropout(count, d, train.x, d * 4, idx, dropoutThreshold(p), dropoutScale(p), seed >>> 0, this.batchX, 0);
      this.batchFrom = this.batchX;
      this.batchRows = this.batchIdentity;
    }
    return train;
  }

  /** λ₂·ΣW² + λ₁·Σ|W| of a parameter block; the penalties add their gradient into the gradient buffer. */
  protected penalty(params: number): number {
    const { l2, l1 } = this.spec, n = this.spec.d * this.cp;
    return (l2 > 0 ? this.k.l2Penalty(n, params, l2, this.grad) : 0) + (l1 > 0 ? this.k.l1Penalty(n, params, l1, this.grad) : 0);
  }

  /** Mean loss + penalty of the current batch under a parameter block, without the backward pass. */
  private batchLoss(params: number, count: number, train: ResidentData, idx: number): number {
    const d = this.spec.d;
    this.k.scores(count, d, this.spec.c, this.cp, this.batchFrom, d * 4, this.batchRows, params, params + this.wBytes, this.s);
    return this.lossSum(count, train.targets, idx, train.weights) / count + this.penalty(params);
  }
}

/** Σ w_i·L_i of `count` rows of scores against the targets and sample weights (or 0) picked by idx; writes dS. */
export type LossSum = (count: number, targets: number, idx: number, sw: number) => number;

/** The loss kernel of the spec, bound to the engine's score buffers and class weights. */
export function lossKernel(k: KernelExports, spec: Pick<EngineSpec, "loss" | "c" | "delta">, cp: number,
                           s: number, ds: number, cw: number): LossSum {
  const { c, delta } = spec;
  switch (spec.loss) {
    case "softmax": return (n, t, idx, sw) => k.softmax(n, c, cp, s, t, idx, cw, sw, ds);
    case "hinge": return (n, t, idx, sw) => k.hinge(n, c, cp, s, t, idx, cw, sw, delta, ds);
    case "squared-hinge": return (n, t, idx, sw) => k.squaredHinge(n, c, cp, s, t, idx, cw, sw, delta, ds);
    case "logistic": return (n, t, idx, sw) => k.logistic(n, c, cp, s, t, idx, sw, ds);
    case "attribute-hinge": return (n, t, idx, sw) => k.attributeHinge(n, c, cp, s, t, idx, sw, ds);
    case "l2": return (n, t, idx, sw) => k.l2(n, c, cp, s, t, idx, sw, ds);
    case "l1": return (n, t, idx, sw) => k.l1(n, c, cp, s, t, idx, sw, ds);
  }
}

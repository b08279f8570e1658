/**
 * The training engine for CSR input on the WASM kernels (the update scheme is described in lazy.ts). Like the
 * dense WasmEngine, everything a step touches is resident and a step calls kernels with byte addresses only.
 * A step costs O(nnz·cp) for the batch's non-zeros plus O(touched·cp) for the update; nothing is O(d) except
 * the flushes (evaluate, getParams, maxNorm, a change of learning rate).
 *
 * Layout: W (d×cp), b (cp) and each optimizer state array of W (d×cp) and of b (cp); the compact gradient G
 * (touched×cp) in the order of `touchedRows`; `last` (d i32): the step each row is current to (sgd + penalty).
 */
import type { Matrix } from "../types.js";
import type { Kernels } from "../wasm/loader.js";
import type { EngineSpec, EngineTargets, ScoreVisitor, Slot, TrainingEngine } from "../train/engine.js";
import type { CsrMatrix } from "./csr.js";
import { updateKernel } from "../backend/wasm-ops.js";
import { lossKernel, type LossSum } from "../train/wasm-engine.js";
import { ResidentEngineBase } from "../train/engine-common.js";
import { HIT_RULES, type HitRule } from "../reference/metrics.js";
import { padCols, readMatrix, writeMatrix } from "../wasm/scope.js";
import { updateRowsKernel } from "./ops.js";
import { catchesUp, checkSparseSpec, decayOf, maxTouched } from "./lazy.js";

interface ResidentCsr {
  indptr: number;
  indices: number;
  values: number;
  targets: number;
  /** Sample weights (n f32) or 0. */
  weights: number;
}

/** Buffers sized by the most rows a batch can touch. */
interface TouchBuffers {
  capacity: number;
  rows: number;
  prevRows: number;
  g: number;
  prevW: number;
}

export class WasmSparseEngine extends ResidentEngineBase<EngineSpec, ResidentCsr> implements TrainingEngine {
  private readonly cp: number;
  private readonly w: number;
  private readonly b: number;
  private readonly state: number[];
  private readonly bState: number[];
  private readonly gb: number;
  private readonly prevB: number;
  private readonly mark: number;
  private readonly last: number;
  private readonly cw: number;
  private readonly s: number;
  private readonly ds: number;
  private readonly lazy: boolean;
  private readonly lossSum: LossSum;
  private touch: TouchBuffers = { capacity: 0, rows: 0, prevRows: 0, g: 0, prevW: 0 };
  /** Rows touched by the last `gradient`, and by the last `update` (what `restore` puts back). */
  private touched = 0;
  private prevTouched = -1;
  /** Updates applied so far: the clock of the row stamps (Adam's t is reset with the state; this is not). */
  private steps = 0;
  /** The learning rate of the steps since the last flush. */
  private clockRate = 0;

  constructor(kernels: Kernels, spec: EngineSpec) {
    checkSparseSpec(spec);
    super(kernels, spec);
    const { d, c, batchSize } = spec;
    this.cp = padCols(c);
    const cp = this.cp;
    this.w = this.zeroed(d * cp * 4);
    this.b = this.zeroed(cp * 4);
    this.state = this.newState(d * cp);
    this.bState = this.newState(cp);
    this.gb = this.zeroed(cp * 4);
    this.prevB = this.zeroed(cp * 4);
    this.mark = this.zeroed(d * 4);
    this.lazy = catchesUp(spec);
    this.last = this.lazy ? this.zeroed(d * 4) : 0;
    this.cw = this.uploadClassWeight();
    this.s = this.zeroed(batchSize * cp * 4);
    this.ds = this.zeroed(batchSize * cp * 4);
    this.lossSum = lossKernel(kernels.exports, spec, cp, this.s, this.ds, this.cw);
  }

  private zeroed(bytes: number): number {
    return this.mem.zeroed(bytes);
  }

  load(slot: Slot, X: Matrix | CsrMatrix, targets: EngineTargets, weights: Float32Array | null = null): void {
    if (!("format" in X)) throw new TypeError("the sparse engine takes CsrMatrix data");
    this.unload(slot);
    const m = this.mem, t = m.upload(targets instanceof Int32Array ? targets : targets.data);
    const indptr = m.upload(X.indptr), indices = m.upload(X.indices), values = m.upload(X.values);
    const w = weights ? m.upload(weights) : 0;
    this.hold(slot, X.rows, { indptr, indices, values, targets: t, weights: w }, [t, indptr, indices, values, ...(w ? [w] : [])]);
    if (slot === "train") this.reserve(maxTouched(X.indptr, X.cols, this.spec.batchSize));
  }

  /** Grows the touched-row buffers to hold `capacity` rows. */
  private reserve(capacity: number): void {
    if (capacity <= this.touch.capacity) return;
    const old = this.touch, cp = this.cp;
    for (const ptr of [old.rows, old.prevRows, old.g, old.prevW]) this.mem.free(ptr);
    this.touch = { capacity, rows: this.zeroed(capacity * 4), prevRows: this.zeroed(capacity * 4),
      g: this.zeroed(capacity * cp * 4), prevW: this.zeroed(capacity * cp * 4) };
    this.prevTouched = -1;
  }

  gradient(start: number, count: number): number {
    const k = this.k, cp = this.cp, x = this.data("train"), { rows, g } = this.touch, { l2, l1 } = this.spec;
    const idx = (x.order + start * 4) >>> 0;
    const touched = k.touchedRows(count, x.indptr, x.indices, idx, 0, this.mark, rows);
    this.touched = touched;
    if (this.lazy) this.catchUp(touched, rows);
    k.sparseScores(count, cp, x.indptr, x.indices, x.values, idx, this.w, this.b, this.s);
    const sum = this.lossSum(count, x.targets, idx, x.weights);
    k.sparseWeightGradient(count, cp, x.indptr, x.indices, x.values, idx, this.ds, 1 / count, this.mark, touched, g);
    k.clearMarks(touched, rows, this.mark);
    k.biasGradient(count, cp, this.ds, 1 / count, this.gb);
    const penalty = l2 > 0 || l1 > 0 ? k.penaltyRows(touched, cp, rows, this.w, l2, l1, g) : 0;
    return sum / count + penalty;
  }

  hits(rule: HitRule, start: number, count: number): number {
    const x = this.data("train");
    return this.k.countHits(HIT_RULES.indexOf(rule), count, this.spec.c, this.cp, this.s, x.targets, (x.order + start * 4) >>> 0);
  }

  update(learningRate: number, momentum: number): void {
    const k = this.k, cp = this.cp, { rows, prevRows, g, prevW } = this.touch, touched = this.touched;
    if (this.lazy && learningRate !== this.clockRate) {
      decayOf(learningRate, this.spec.l2); // throws before anything changes
      this.flush();
      this.clockRate = learningRate;
    }
    const h = this.nextUpdate(learningRate, momentum);
    k.gatherRows(touched, cp, rows, this.w, prevW);
    k.copy(prevRows, rows, touched * 4);
    k.copy(this.prevB, this.b, cp * 4);
    this.prevTouched = touched;
    updateKernel(k, this.rule, cp, this.b, this.gb, this.bState[0] ?? 0, this.bState[1] ?? 0, h);
    updateRowsKernel(k, this.rule, touched, cp, rows, this.w, g, this.state[0] ?? 0, this.state[1] ?? 0, h);
    this.steps += 1;
    if (this.lazy) k.catchUp(touched, cp, rows, this.w, this.last, this.steps, 1, 0); // stamps only
  }

  search(): number {
    throw new RangeError("rule: 'random-search' is not available with sparse input");
  }

  maxNorm(limit: number): void {
    this.flush();
    this.k.maxNorm(this.spec.d, this.spec.c, this.cp, this.w, limit);
  }

  restore(): void {
    if (this.prevTouched >= 0) {
      const { prevRows, prevW } = this.touch;
      this.k.scatterRows(this.prevTouched, this.cp, prevRows, prevW, this.w);
      this.k.copy(this.b, this.prevB, this.cp * 4);
      this.steps -= 1;
      if (this.lazy) {
        const last = this.heap.i32(this.last, this.spec.d), saved = this.heap.i32(prevRows, this.prevTouched);
        for (const row of saved) last[row] = this.steps;
      }
      this.prevTouched = -1;
    }
    this.resetState();
  }

  evaluate(slot: Slot, visit: ScoreVisitor): number {
    this.flush();
    const data = this.data(slot), k = this.k, { d, batchSize, l2, l1 } = this.spec, cp = this.cp;
    let sum = 0;
    for (let first = 0; first < data.n; first += batchSize) {
      const count = Math.min(batchSize, data.n - first), idx = data.identity + first * 4;
      k.sparseScores(count, cp, data.indptr, data.indices, data.values, idx, this.w, this.b, this.s);
      sum += this.lossSum(count, data.targets, idx, data.weights);
      visit(this.heap.f32(this.s, count * cp), cp, first, count);
    }
    return sum / data.n + (l2 > 0 || l1 > 0 ? k.penaltyRows(d, cp, 0, this.w, l2, l1, 0) : 0);
  }

  getParams(): { W: Matrix; b: Float32Array } {
    this.flush();
    const { d, c } = this.spec;
    return { W: readMatrix(this.heap, this.w, d, c, this.cp), b: this.heap.f32(this.b, c).slice() };
  }

  setParams(W: Matrix, b: Float32Array): void {
    writeMatrix(this.heap, this.w, W, this.cp);
    writeMatrix(this.heap, this.b, { rows: 1, cols: b.length, data: b }, this.cp);
    if (this.lazy) this.heap.i32(this.last, this.spec.d).fill(this.steps);
    this.prevTouched = -1;
  }

  /** Brings the listed rows (every row when rows is 0) up to the current step. */
  private catchUp(count: number, rows: number): void {
    const { l2, l1 } = this.spec, lr = this.clockRate;
    this.k.catchUp(count, this.cp, rows, this.w, this.last, this.steps, decayOf(lr, l2), lr * l1);
  }

  private flush(): void {
    if (this.lazy) this.catchUp(this.spec.d, 0);
  }
}

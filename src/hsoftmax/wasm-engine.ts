/**
 * The training engine of hierarchical softmax on the WASM kernels (assembly/kernels/hsoftmax.ts), dense rows.
 * A step costs O(batch·depth·d): only the inner nodes on the batch's label paths are read and updated, with the
 * lazy row updates of src/sparse/lazy.ts (a node's weights and state change only when a path touches it; the
 * penalties act on touched nodes). Evaluation computes every node's score, O(c·d) a row, for the exact
 * distribution; the scores it hands to `visit` are log P(class | x) (n×cp).
 *
 * Parameters: V ((c−1)×dp, node-major, pad lanes zero) and the node biases b (c−1). `getParams` returns them
 * as W = Vᵀ (d×(c−1)) and b, so W has c − 1 columns, one per inner node, not one per class.
 */
import type { Matrix } from "../types.js";
import type { Kernels } from "../wasm/loader.js";
import type { EngineTargets, HsmEngineSpec, ScoreVisitor, Slot, TrainingEngine } from "../train/engine.js";
import type { CsrMatrix } from "../sparse/csr.js";
import { padCols } from "../wasm/scope.js";
import { updateRowsKernel } from "../sparse/ops.js";
import { ResidentEngineBase } from "../train/engine-common.js";
import { checkHsmSpec, maxPathNodes } from "./engine-common.js";

interface ResidentRows {
  x: number;
  labels: number;
  /** Sample weights (n f32) or 0. */
  weights: number;
}

export class WasmHsmEngine extends ResidentEngineBase<HsmEngineSpec, ResidentRows> implements TrainingEngine {
  private readonly m: number;
  private readonly dp: number;
  private readonly cp: number;
  private readonly v: number;
  private readonly b: number;
  private readonly state: number[];
  private readonly bState: number[];
  private readonly tree: { children: number; pathStart: number; pathNode: number; pathBit: number };
  private readonly mark: number;
  private readonly rowsBuf: number;
  private readonly prevRows: number;
  private readonly g: number;
  private readonly gb: number;
  private readonly prevV: number;
  private readonly prevB: number;
  private readonly cw: number;
  private readonly s: number;
  private readonly p: number;
  private readonly logp: number;
  private touched = 0;
  private prevTouched = -1;

  constructor(kernels: Kernels, spec: HsmEngineSpec) {
    checkHsmSpec(spec);
    super(kernels, spec);
    const hsm = spec.tree;
    const { d, c, batchSize } = spec, m = c - 1, mem = this.mem;
    this.m = m;
    this.dp = padCols(d);
    this.cp = padCols(c);
    const dp = this.dp, capacity = Math.min(m, batchSize * maxPathNodes(hsm));
    this.v = mem.zeroed(m * dp * 4);
    this.b = mem.zeroed(m * 4);
    this.state = this.newState(m * dp);
    this.bState = this.newState(m);
    this.tree = { children: mem.upload(hsm.children), pathStart: mem.upload(hsm.pathStart),
      pathNode: mem.upload(hsm.pathNode), pathBit: mem.upload(hsm.pathBit) };
    this.mark = mem.zeroed(m * 4);
    this.rowsBuf = mem.zeroed(capacity * 4);
    this.prevRows = mem.zeroed(capacity * 4);
    this.g = mem.zeroed(capacity * dp * 4);
    this.gb = mem.zeroed(capacity * 4);
    this.prevV = mem.zeroed(capacity * dp * 4);
    this.prevB = mem.zeroed(capacity * 4);
    this.cw = this.uploadClassWeight();
    this.s = mem.zeroed(batchSize * m * 4);
    this.p = mem.zeroed(batchSize * this.cp * 4);
    this.logp = mem.zeroed(m * 8);
  }

  load(slot: Slot, X: Matrix | CsrMatrix, targets: EngineTargets, weights: Float32Array | null = null): void {
    if ("format" in X) throw new TypeError("hierarchical softmax takes dense rows, not a CsrMatrix");
    if (!(targets instanceof Int32Array)) throw new TypeError("hierarchical softmax takes Int32Array labels");
    this.unload(slot);
    const x = this.mem.upload(X.data), labels = this.mem.upload(targets), w = weights ? this.mem.upload(weights) : 0;
    this.hold(slot, X.rows, { x, labels, weights: w }, w ? [x, labels, w] : [x, labels]);
  }

  gradient(start: number, count: number): number {
    const k = this.k, { d, l2, l1 } = this.spec, x = this.data("train"), t = this.tree, rows = this.rowsBuf;
    const idx = (x.order + start * 4) >>> 0;
    const touched = (this.touched = k.touchedRows(count, t.pathStart, t.pathNode, idx, x.labels, this.mark, rows));
    const sum = k.hsmLoss(count, d, this.dp, x.x, d * 4, idx, x.labels, this.cw, x.weights, this.v, this.b, t.pathStart, t.pathNode,
      t.pathBit, this.mark, 1 / count, touched, this.g, this.gb);
    k.clearMarks(touched, rows, this.mark);
    const penalty = l2 > 0 || l1 > 0 ? k.penaltyRows(touched, this.dp, rows, this.v, l2, l1, this.g) : 0;
    return sum / count + penalty;
  }

  update(learningRate: number, momentum: number): void {
    const k = this.k, h = this.nextUpdate(learningRate, momentum), touched = this.touched, rows = this.rowsBuf, dp = this.dp;
    k.gatherRows(touched, dp, rows, this.v, this.prevV);
    k.gatherRows(touched, 1, rows, this.b, this.prevB);
    k.copy(this.prevRows, rows, touched * 4);
    this.prevTouched = touched;
    updateRowsKernel(k, this.rule, touched, dp, rows, this.v, this.g, this.state[0] ?? 0, this.state[1] ?? 0, h);
    updateRowsKernel(k, this.rule, touched, 1, rows, this.b, this.gb, this.bState[0] ?? 0, this.bState[1] ?? 0, h);
  }

  search(): number {
    throw new RangeError("rule: 'random-search' is not available with hierarchical softmax");
  }

  maxNorm(): void {
    throw new RangeError("maxNorm is not available with hierarchical softmax");
  }

  restore(): void {
    if (this.prevTouched >= 0) {
      this.k.scatterRows(this.prevTouched, this.dp, this.prevRows, this.prevV, this.v);
      this.k.scatterRows(this.prevTouched, 1, this.prevRows, this.prevB, this.b);
      this.prevTouched = -1;
    }
    this.resetState();
  }

  evaluate(slot: Slot, visit: ScoreVisitor): number {
    const data = this.data(slot), k = this.k, { d, c, batchSize, l2, l1 } = this.spec, { m, cp } = this;
    const cw = this.spec.classWeight;
    let sum = 0;
    for (let first = 0; first < data.n; first += batchSize) {
      const count = Math.min(batchSize, data.n - first), idx = data.identity + first * 4;
      k.hsmNodeScores(count, d, this.dp, m, data.x, d * 4, idx, this.v, this.b, this.s);
      k.hsmProbabilities(count, c, cp, this.s, this.tree.children, this.logp, 1, this.p);
      const logP = this.heap.f32(this.p, count * cp), labels = this.heap.i32(data.labels + first * 4, count);
      const sw = data.weights ? this.heap.f32(data.weights + first * 4, count) : null;
      for (let i = 0; i < count; i++) sum -= (cw ? cw[labels[i]!]! : 1) * (sw ? sw[i]! : 1) * logP[i * cp + labels[i]!]!;
      visit(logP, cp, first, count);
    }
    return sum / data.n + (l2 > 0 || l1 > 0 ? k.penaltyRows(m, this.dp, 0, this.v, l2, l1, 0) : 0);
  }

  getParams(): { W: Matrix; b: Float32Array } {
    const { d } = this.spec, m = this.m, dp = this.dp, V = this.heap.f32(this.v, m * dp);
    const W = new Float32Array(d * m);
    for (let j = 0; j < m; j++) for (let k = 0; k < d; k++) W[k * m + j] = V[j * dp + k]!;
    return { W: { rows: d, cols: m, data: W }, b: this.heap.f32(this.b, m).slice() };
  }

  setParams(W: Matrix, b: Float32Array): void {
    const { d } = this.spec, m = this.m, dp = this.dp, V = this.heap.f32(this.v, m * dp);
    if (W.rows !== d || W.cols !== m || b.length !== m) throw new RangeError(`hierarchical softmax takes W ${d}×${m} and b of ${m}`);
    for (let j = 0; j < m; j++) for (let k = 0; k < d; k++) V[j * dp + k] = W.data[k * m + j]!;
    this.heap.f32(this.b, m).set(b);
    this.prevTouched = -1;
  }
}

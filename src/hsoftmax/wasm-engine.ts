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
import type { Matrix, UpdateRule } from "../types.js";
import type { UpdateHyper } from "../backend/ops.js";
import type { Kernels } from "../wasm/loader.js";
import type { Rng } from "../data/rng.js";
import type { EngineTargets, HsmEngineSpec, ScoreVisitor, Slot, TrainingEngine } from "../train/engine.js";
import type { CsrMatrix } from "../sparse/csr.js";
import { STATE_FIELDS } from "../backend/optimizer.js";
import { padCols } from "../wasm/scope.js";
import { updateRowsKernel } from "../sparse/ops.js";
import { Resident } from "../sparse/resident.js";
import { checkHsmSpec, maxPathNodes } from "./engine-common.js";

interface ResidentRows {
  n: number;
  x: number;
  labels: number;
  order: number;
  identity: number;
}

export class WasmHsmEngine implements TrainingEngine {
  private readonly m: number;
  private readonly dp: number;
  private readonly cp: number;
  private readonly rule: UpdateRule;
  private readonly mem: Resident;
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
  private readonly hyper: UpdateHyper;
  private touched = 0;
  private prevTouched = -1;
  private readonly slots = new Map<Slot, ResidentRows>();
  private disposed = false;

  constructor(private readonly kernels: Kernels, readonly spec: HsmEngineSpec) {
    checkHsmSpec(spec);
    const hsm = spec.tree;
    const { d, c, batchSize } = spec, m = c - 1, mem = (this.mem = new Resident(kernels.heap));
    this.m = m;
    this.dp = padCols(d);
    this.cp = padCols(c);
    this.rule = spec.rule as UpdateRule;
    const dp = this.dp, capacity = Math.min(m, batchSize * maxPathNodes(hsm));
    this.v = mem.zeroed(m * dp * 4);
    this.b = mem.zeroed(m * 4);
    this.state = STATE_FIELDS[this.rule].map(() => mem.zeroed(m * dp * 4));
    this.bState = STATE_FIELDS[this.rule].map(() => mem.zeroed(m * 4));
    this.tree = { children: mem.upload(hsm.children), pathStart: mem.upload(hsm.pathStart),
      pathNode: mem.upload(hsm.pathNode), pathBit: mem.upload(hsm.pathBit) };
    this.mark = mem.zeroed(m * 4);
    this.rowsBuf = mem.zeroed(capacity * 4);
    this.prevRows = mem.zeroed(capacity * 4);
    this.g = mem.zeroed(capacity * dp * 4);
    this.gb = mem.zeroed(capacity * 4);
    this.prevV = mem.zeroed(capacity * dp * 4);
    this.prevB = mem.zeroed(capacity * 4);
    this.cw = spec.classWeight ? mem.upload(spec.classWeight) : 0;
    this.s = mem.zeroed(batchSize * m * 4);
    this.p = mem.zeroed(batchSize * this.cp * 4);
    this.logp = mem.zeroed(m * 8);
    this.hyper = { ...spec.hyper, learningRate: 0, momentum: 0, t: 0 };
  }

  private get k() {
    return this.kernels.exports;
  }

  private get heap() {
    return this.kernels.heap;
  }

  load(slot: Slot, X: Matrix | CsrMatrix, targets: EngineTargets): void {
    if ("format" in X) throw new TypeError("hierarchical softmax takes dense rows, not a CsrMatrix");
    if (!(targets instanceof Int32Array)) throw new TypeError("hierarchical softmax takes Int32Array labels");
    this.unload(slot);
    const n = X.rows, mem = this.mem, identity = mem.identity(n);
    this.slots.set(slot, { n, x: mem.upload(X.data), labels: mem.upload(targets), identity,
      order: slot === "train" ? mem.identity(n) : identity });
  }

  unload(slot: Slot): void {
    const data = this.slots.get(slot);
    if (!data) return;
    this.slots.delete(slot);
    for (const ptr of new Set([data.x, data.labels, data.order, data.identity])) this.mem.free(ptr);
  }

  rows(slot: Slot): number {
    return this.slots.get(slot)?.n ?? 0;
  }

  shuffle(rng: Rng): void {
    const data = this.data("train");
    rng.shuffle(this.heap.u32(data.order, data.n));
  }

  gradient(start: number, count: number): number {
    const k = this.k, { d, l2, l1 } = this.spec, x = this.data("train"), t = this.tree, rows = this.rowsBuf;
    const idx = (x.order + start * 4) >>> 0;
    const touched = (this.touched = k.touchedRows(count, t.pathStart, t.pathNode, idx, x.labels, this.mark, rows));
    const sum = k.hsmLoss(count, d, this.dp, x.x, d * 4, idx, x.labels, this.cw, this.v, this.b, t.pathStart, t.pathNode,
      t.pathBit, this.mark, 1 / count, touched, this.g, this.gb);
    k.clearMarks(touched, rows, this.mark);
    const penalty = l2 > 0 || l1 > 0 ? k.penaltyRows(touched, this.dp, rows, this.v, l2, l1, this.g) : 0;
    return sum / count + penalty;
  }

  update(learningRate: number, momentum: number): void {
    const k = this.k, h = this.hyper, touched = this.touched, rows = this.rowsBuf, dp = this.dp;
    h.learningRate = learningRate;
    h.momentum = momentum;
    h.t += 1;
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
      for (let i = 0; i < count; i++) sum -= (cw ? cw[labels[i]!]! : 1) * logP[i * cp + labels[i]!]!;
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

  resetState(): void {
    for (const ptr of this.state) this.heap.f32(ptr, this.m * this.dp).fill(0);
    for (const ptr of this.bState) this.heap.f32(ptr, this.m).fill(0);
    this.hyper.t = 0;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.slots.clear();
    this.mem.dispose();
  }

  private data(slot: Slot): ResidentRows {
    const data = this.slots.get(slot);
    if (!data) throw new Error(`the engine holds no ${slot} data`);
    return data;
  }
}

/**
 * The hierarchical-softmax training engine in plain TypeScript over the float64 twins (src/reference/hsoftmax.ts):
 * the oracle of WasmHsmEngine, with the same steps, lazy node updates and parameter layout (V node-major).
 */
import type { Matrix } from "../types.js";
import type { EngineTargets, HsmEngineSpec, ScoreVisitor, Slot, TrainingEngine } from "../train/engine.js";
import type { CsrMatrix } from "../sparse/csr.js";
import type { HsmTree } from "./tree.js";
import * as ref from "../reference/sparse.js";
import * as hsm from "../reference/hsoftmax.js";
import { range, ReferenceEngineBase, type ReferenceSlot } from "../train/engine-common.js";
import { checkHsmSpec, transpose } from "./engine-common.js";

interface Data extends ReferenceSlot {
  X: Matrix;
  y: Int32Array;
}

export class ReferenceHsmEngine extends ReferenceEngineBase<HsmEngineSpec, Data> implements TrainingEngine {
  private readonly V: Matrix;
  private readonly b: Float32Array;
  private readonly state: Float32Array[];
  private readonly bState: Float32Array[];
  private touched: Int32Array = new Int32Array(0);
  private G: Float32Array = new Float32Array(0);
  private gb: Float32Array = new Float32Array(0);
  private prev: { rows: Int32Array; V: Float32Array[]; b: number[] } | null = null;
  private readonly tree: HsmTree;

  constructor(spec: HsmEngineSpec) {
    checkHsmSpec(spec);
    super(spec);
    this.tree = spec.tree;
    const { d, c } = spec, m = c - 1;
    this.V = { rows: m, cols: d, data: new Float32Array(m * d) };
    this.b = new Float32Array(m);
    this.state = this.newState(m * d);
    this.bState = this.newState(m);
  }

  load(slot: Slot, X: Matrix | CsrMatrix, targets: EngineTargets, weights: Float32Array | null = null): void {
    if ("format" in X) throw new TypeError("hierarchical softmax takes dense rows, not a CsrMatrix");
    if (!(targets instanceof Int32Array)) throw new TypeError("hierarchical softmax takes Int32Array labels");
    this.slots.set(slot, { n: X.rows, X: { ...X, data: X.data.slice() }, y: targets.slice(),
      weights: weights?.slice() ?? null, order: range(0, X.rows) });
  }

  gradient(start: number, count: number): number {
    const data = this.data("train"), batch = data.order.subarray(start, start + count), { d, l2, l1 } = this.spec;
    const rows = ref.touchedRows(this.tree.pathStart, this.tree.pathNode, Array.from(batch, (r) => data.y[r]!));
    const result = hsm.hsmLoss(data.X, data.y, this.spec.classWeight, data.weights, this.V, this.b, this.tree, 1 / count, rows, batch);
    this.touched = rows;
    this.G = result.G.data;
    this.gb = result.gb;
    const penalty = l2 > 0 || l1 > 0 ? ref.penaltyRows(rows, d, this.V.data, l2, l1, this.G) : 0;
    return result.sum / count + penalty;
  }

  update(learningRate: number, momentum: number): void {
    const h = this.nextUpdate(learningRate, momentum), d = this.spec.d, rows = this.touched;
    this.prev = { rows, V: Array.from(rows, (j) => this.V.data.slice(j * d, (j + 1) * d)), b: Array.from(rows, (j) => this.b[j]!) };
    const step = (w: Float32Array, g: Float32Array, s: Float32Array[]) => this.ops.update(this.rule, w, g, s, h);
    ref.updateRows(rows, d, this.V.data, this.G, this.state, step);
    ref.updateRows(rows, 1, this.b, this.gb, this.bState, step);
  }

  search(): number {
    throw new RangeError("rule: 'random-search' is not available with hierarchical softmax");
  }

  maxNorm(): void {
    throw new RangeError("maxNorm is not available with hierarchical softmax");
  }

  restore(): void {
    if (this.prev) {
      const { rows, V, b } = this.prev, d = this.spec.d;
      rows.forEach((j, r) => {
        this.V.data.set(V[r]!, j * d);
        this.b[j] = b[r]!;
      });
      this.prev = null;
    }
    this.resetState();
  }

  evaluate(slot: Slot, visit: ScoreVisitor): number {
    const data = this.data(slot), { batchSize, c, l2, l1, d, classWeight: cw } = this.spec, n = data.X.rows;
    let sum = 0;
    for (let first = 0; first < n; first += batchSize) {
      const batch = range(first, Math.min(batchSize, n - first));
      const logP = hsm.hsmLogProbabilities(hsm.hsmNodeScores(data.X, this.V, this.b, batch), this.tree);
      const sw = data.weights;
      batch.forEach((r, i) => (sum -= (cw ? cw[data.y[r]!]! : 1) * (sw ? sw[r]! : 1) * logP[i * c + data.y[r]!]!));
      visit(Float32Array.from(logP), c, first, batch.length);
    }
    return sum / n + (l2 > 0 || l1 > 0 ? ref.penaltyRows(null, d, this.V.data, l2, l1, null) : 0);
  }

  getParams(): { W: Matrix; b: Float32Array } {
    return { W: transpose(this.V), b: this.b.slice() };
  }

  setParams(W: Matrix, b: Float32Array): void {
    const { d } = this.spec, m = this.V.rows;
    if (W.rows !== d || W.cols !== m || b.length !== m) throw new RangeError(`hierarchical softmax takes W ${d}×${m} and b of ${m}`);
    this.V.data.set(transpose(W).data);
    this.b.set(b);
    this.prev = null;
  }
}

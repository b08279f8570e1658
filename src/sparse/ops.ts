/**
 * The sparse-input and hierarchical-softmax primitives of both backends, one call each (inputs copied in, results
 * copied out), like src/backend/ops.ts for the dense ones. Inputs are already validated. Training does not come
 * through here: the engines keep their buffers resident (src/sparse/wasm-engine.ts, src/hsoftmax/wasm-engine.ts).
 */
import type { Matrix, UpdateRule } from "../types.js";
import type { CsrMatrix } from "./csr.js";
import type { HsmTree } from "../hsoftmax/tree.js";
import type { Kernels } from "../wasm/loader.js";
import type { KernelExports } from "../wasm/abi.js";
import type { UpdateHyper } from "../backend/ops.js";
import type { Backend } from "../backend/backend.js";
import { WasmOps } from "../backend/wasm-ops.js";
import { padCols, readMatrix, withScope, type Scope } from "../wasm/scope.js";
import * as ref from "../reference/sparse.js";
import * as hsm from "../reference/hsoftmax.js";

/** A compact row gradient: row r of G belongs to row rows[r] of the full matrix. */
export interface RowGradient {
  rows: Int32Array;
  G: Matrix;
}

export interface HsmLossResult extends RowGradient {
  /** Σ_i w_i·L_i. */
  sum: number;
  gb: Float32Array;
}

export interface SparseOps {
  /** S = X[batch]·W + b. */
  scores(X: CsrMatrix, W: Matrix, b: Float32Array | null, batch: Int32Array): Matrix;
  /** scale·X[batch]ᵀ·dS on the rows of W that the batch touches. */
  weightGradient(X: CsrMatrix, dS: Matrix, scale: number, batch: Int32Array): RowGradient;
  /** Hierarchical softmax loss of X[batch] with the gradient of the touched nodes (V is (c−1)×d). */
  hsmLoss(X: Matrix, y: Int32Array, cw: Float32Array | null, V: Matrix, b: Float32Array, tree: HsmTree, scale: number,
          batch: Int32Array): HsmLossResult;
  /** P(class | x) for the rows of X (n×c), or log P with `log`. */
  hsmProbabilities(X: Matrix, V: Matrix, b: Float32Array, tree: HsmTree, log?: boolean): Matrix;
}

export const identityBatch = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);

export class ReferenceSparseOps implements SparseOps {
  scores(X: CsrMatrix, W: Matrix, b: Float32Array | null, batch: Int32Array): Matrix {
    return ref.sparseScores(X, W, b, batch);
  }

  weightGradient(X: CsrMatrix, dS: Matrix, scale: number, batch: Int32Array): RowGradient {
    const rows = ref.touchedRows(X.indptr, X.indices, batch);
    return { rows, G: ref.sparseWeightGradient(X, dS, scale, rows, batch) };
  }

  hsmLoss(X: Matrix, y: Int32Array, cw: Float32Array | null, V: Matrix, b: Float32Array, tree: HsmTree, scale: number,
          batch: Int32Array): HsmLossResult {
    const rows = ref.touchedRows(tree.pathStart, tree.pathNode, Array.from(batch, (r) => y[r]!));
    return { rows, ...hsm.hsmLoss(X, y, cw, null, V, b, tree, scale, rows, batch) };
  }

  hsmProbabilities(X: Matrix, V: Matrix, b: Float32Array, tree: HsmTree, log = false): Matrix {
    const S = hsm.hsmNodeScores(X, V, b, identityBatch(X.rows));
    const P = log ? hsm.hsmLogProbabilities(S, tree) : hsm.hsmProbabilities(S, tree);
    return { rows: X.rows, cols: tree.classes, data: Float32Array.from(P) };
  }
}

/** Copies a CSR matrix into wasm memory: pointers to indptr, indices and values. */
function csrPointers(sc: Scope, X: CsrMatrix): { indptr: number; indices: number; values: number } {
  return { indptr: sc.i32(X.indptr), indices: sc.i32(X.indices), values: sc.f32(X.values) };
}

/** Copies the tree's arrays into wasm memory. */
function treePointers(sc: Scope, tree: HsmTree): { children: number; pathStart: number; pathNode: number; pathBit: number } {
  return { children: sc.i32(tree.children), pathStart: sc.i32(tree.pathStart), pathNode: sc.i32(tree.pathNode),
    pathBit: sc.i32(tree.pathBit) };
}

/** A zero-filled block of n i32 (the mark array of touchedRows). */
function zeros(sc: Scope, n: number): number {
  const ptr = sc.alloc(n * 4);
  sc.heap.i32(ptr, n).fill(0);
  return ptr;
}

export class WasmSparseOps implements SparseOps {
  constructor(readonly kernels: Kernels) {}

  private get k() {
    return this.kernels.exports;
  }

  scores(X: CsrMatrix, W: Matrix, b: Float32Array | null, batch: Int32Array): Matrix {
    return withScope(this.kernels.heap, (sc) => {
      const n = batch.length, c = W.cols, cp = padCols(c);
      const x = csrPointers(sc, X), w = sc.matrix(W, cp);
      const bias = sc.matrix({ rows: 1, cols: c, data: b ?? new Float32Array(c) }, cp);
      const s = sc.alloc(n * cp * 4);
      this.k.sparseScores(n, cp, x.indptr, x.indices, x.values, sc.i32(batch), w, bias, s);
      return readMatrix(sc.heap, s, n, c, cp);
    });
  }

  weightGradient(X: CsrMatrix, dS: Matrix, scale: number, batch: Int32Array): RowGradient {
    return withScope(this.kernels.heap, (sc) => {
      const n = batch.length, c = dS.cols, cp = padCols(c);
      const x = csrPointers(sc, X), idx = sc.i32(batch), ds = sc.matrix(dS, cp);
      const mark = zeros(sc, X.cols), rows = sc.alloc(Math.min(X.cols, X.values.length) * 4);
      const count = this.k.touchedRows(n, x.indptr, x.indices, idx, 0, mark, rows);
      const g = sc.alloc(count * cp * 4);
      this.k.sparseWeightGradient(n, cp, x.indptr, x.indices, x.values, idx, ds, scale, mark, count, g);
      this.k.clearMarks(count, rows, mark);
      return { rows: sc.heap.i32(rows, count).slice(), G: readMatrix(sc.heap, g, count, c, cp) };
    });
  }

  hsmLoss(X: Matrix, y: Int32Array, cw: Float32Array | null, V: Matrix, b: Float32Array, tree: HsmTree, scale: number,
          batch: Int32Array): HsmLossResult {
    return withScope(this.kernels.heap, (sc) => {
      const n = batch.length, d = X.cols, dp = padCols(d), m = tree.classes - 1;
      const x = sc.matrix(X), idx = sc.i32(batch), labels = sc.i32(y), t = treePointers(sc, tree);
      const v = sc.matrix(V, dp), bias = sc.f32(b), weights = cw ? sc.f32(cw) : 0;
      const mark = zeros(sc, m), rows = sc.alloc(m * 4);
      const count = this.k.touchedRows(n, t.pathStart, t.pathNode, idx, labels, mark, rows);
      const g = sc.alloc(count * dp * 4), gb = sc.alloc(count * 4);
      const sum = this.k.hsmLoss(n, d, dp, x, d * 4, idx, labels, weights, 0, v, bias, t.pathStart, t.pathNode, t.pathBit,
        mark, scale, count, g, gb);
      this.k.clearMarks(count, rows, mark);
      return { sum, rows: sc.heap.i32(rows, count).slice(), G: readMatrix(sc.heap, g, count, d, dp),
        gb: sc.heap.f32(gb, count).slice() };
    });
  }

  hsmProbabilities(X: Matrix, V: Matrix, b: Float32Array, tree: HsmTree, log = false): Matrix {
    return withScope(this.kernels.heap, (sc) => {
      const n = X.rows, d = X.cols, dp = padCols(d), c = tree.classes, cp = padCols(c), m = c - 1;
      const x = sc.matrix(X), v = sc.matrix(V, dp), bias = sc.f32(b), t = treePointers(sc, tree);
      const s = sc.alloc(n * m * 4), logp = sc.alloc(m * 8), p = sc.alloc(n * cp * 4);
      this.k.hsmNodeScores(n, d, dp, m, x, d * 4, sc.identity(n), v, bias, s);
      this.k.hsmProbabilities(n, c, cp, s, t.children, logp, log ? 1 : 0, p);
      return readMatrix(sc.heap, p, n, c, cp);
    });
  }
}

/** The sparse primitives of a backend (its kernels for 'wasm'). */
export function sparseOpsOf(backend: Backend): SparseOps {
  const ops = backend.ops;
  return ops instanceof WasmOps ? new WasmSparseOps(ops.kernels) : new ReferenceSparseOps();
}

/**
 * Runs one row-sparse update-rule kernel on resident buffers: rows[0..count) of w (row length len) and of the
 * rule's state arrays s0, s1 (STATE_FIELDS order; 0 when unused) take the update with the compact gradient g.
 */
export function updateRowsKernel(k: KernelExports, rule: UpdateRule, count: number, len: number, rows: number,
                                 w: number, g: number, s0: number, s1: number, h: UpdateHyper): void {
  const lr = h.learningRate;
  switch (rule) {
    case "sgd": return k.sgdRows(count, len, rows, w, g, lr);
    case "momentum": return k.momentumRows(count, len, rows, w, g, s0, lr, h.momentum);
    case "nesterov": return k.nesterovRows(count, len, rows, w, g, s0, lr, h.momentum);
    case "adagrad": return k.adagradRows(count, len, rows, w, g, s0, lr, h.epsilon);
    case "rmsprop": return k.rmspropRows(count, len, rows, w, g, s0, lr, h.decayRate, h.epsilon);
    case "adam": return k.adamRows(count, len, rows, w, g, s0, s1, lr, h.beta1, h.beta2, h.epsilon,
      1 - h.beta1 ** h.t, 1 - h.beta2 ** h.t);
    case "rprop": return k.rpropRows(count, len, rows, w, g, s0, s1, h.etaPlus, h.etaMinus, h.stepMin, h.stepMax);
    case "delta-bar-delta": return k.deltaBarDeltaRows(count, len, rows, w, g, s0, s1, h.kappa, h.phi, h.theta);
  }
}

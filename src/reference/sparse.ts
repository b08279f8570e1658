// Reference twin of assembly/kernels/sparse.ts: plain float64 loops over CSR rows, rounded to float32 once.
// A batch is a list of CSR row numbers (the kernels' idx list); matrices are unpadded.
import type { Matrix } from "../types.js";
import type { CsrMatrix } from "../sparse/csr.js";
import * as reg from "./regularize.js";

/**
 * The distinct columns used by the listed CSR rows, in order of first use (the slot order of the compact
 * gradient). Hierarchical softmax passes the paths' CSR and the batch's labels.
 */
export function touchedRows(indptr: Int32Array, indices: Int32Array, rows: ArrayLike<number>): Int32Array {
  const seen = new Set<number>();
  for (let i = 0; i < rows.length; i++) {
    for (let e = indptr[rows[i]!]!; e < indptr[rows[i]! + 1]!; e++) seen.add(indices[e]!);
  }
  return Int32Array.from(seen);
}

/** S[i, :] = b + Σ_e values[e]·W[indices[e], :] over the entries of row batch[i]. */
export function sparseScores(X: CsrMatrix, W: Matrix, b: Float32Array | null, batch: ArrayLike<number>): Matrix {
  const c = W.cols, S = new Float32Array(batch.length * c);
  for (let i = 0; i < batch.length; i++) {
    const r = batch[i]!;
    for (let j = 0; j < c; j++) {
      let s = b ? b[j]! : 0;
      for (let e = X.indptr[r]!; e < X.indptr[r + 1]!; e++) s += X.values[e]! * W.data[X.indices[e]! * c + j]!;
      S[i * c + j] = s;
    }
  }
  return { rows: batch.length, cols: c, data: S };
}

/** The compact weight gradient: row r is scale·Σ_i Σ_{e: indices[e] = rows[r]} values[e]·dS[i, :]. */
export function sparseWeightGradient(X: CsrMatrix, dS: Matrix, scale: number, rows: Int32Array,
                                     batch: ArrayLike<number>): Matrix {
  const c = dS.cols, slot = new Map<number, number>();
  rows.forEach((k, r) => slot.set(k, r));
  const G = new Float64Array(rows.length * c);
  for (let i = 0; i < batch.length; i++) {
    const r = batch[i]!;
    for (let e = X.indptr[r]!; e < X.indptr[r + 1]!; e++) {
      const at = slot.get(X.indices[e]!)! * c;
      for (let j = 0; j < c; j++) G[at + j] = G[at + j]! + X.values[e]! * dS.data[i * c + j]!;
    }
  }
  return { rows: rows.length, cols: c, data: Float32Array.from(G, (g) => scale * g) };
}

/**
 * Lazy SGD regularization: brings row k of W (row length len) from step last[k] to step `now`:
 * w ← decay^(now − last)·w, then toward 0 by shrink·(now − last) without crossing it; last[k] = now.
 * rows null means every row.
 */
export function catchUp(rows: Int32Array | null, len: number, w: Float32Array, last: Int32Array, now: number,
                        decay: number, shrink: number): void {
  const count = rows ? rows.length : last.length;
  for (let r = 0; r < count; r++) {
    const k = rows ? rows[r]! : r, gap = now - last[k]!;
    if (gap <= 0) continue;
    last[k] = now;
    const factor = decay ** gap, cut = shrink * gap;
    for (let j = k * len; j < (k + 1) * len; j++) {
      const x = w[j]! * factor;
      w[j] = x > 0 ? Math.max(x - cut, 0) : Math.min(x + cut, 0);
    }
  }
}

/**
 * λ₂·Σw² + λ₁·Σ|w| over the listed rows (every row when rows is null), and when g is given their gradient
 * g[r] += 2λ₂·W[rows[r]] + λ₁·sign(W[rows[r]]) into the compact rows of g.
 */
export function penaltyRows(rows: Int32Array | null, len: number, w: Float32Array, l2: number, l1: number,
                            g: Float32Array | null): number {
  const count = rows ? rows.length : w.length / len;
  let total = 0;
  for (let r = 0; r < count; r++) {
    const k = rows ? rows[r]! : r, wr = w.subarray(k * len, (k + 1) * len);
    const gr = g ? g.subarray(r * len, (r + 1) * len) : new Float32Array(len);
    if (l2 > 0) total += reg.l2Penalty(wr, l2, gr);
    if (l1 > 0) total += reg.l1Penalty(wr, l1, gr);
  }
  return total;
}

/**
 * Applies a dense update rule to the listed rows only: `update(wRow, gRow, stateRows)` for row rows[r] of w and
 * of each state array (same layout as w) with row r of the compact gradient g.
 */
export function updateRows(rows: Int32Array, len: number, w: Float32Array, g: Float32Array, state: Float32Array[],
                           update: (w: Float32Array, g: Float32Array, state: Float32Array[]) => void): void {
  rows.forEach((k, r) => {
    const at = k * len;
    update(w.subarray(at, at + len), g.subarray(r * len, (r + 1) * len), state.map((s) => s.subarray(at, at + len)));
  });
}

/**
 * fit's `sampleWeight`: each row's loss counts w_i times, and the data loss is the weighted mean Σ w_i·L_i / Σ w_i.
 *
 * Rows of weight 0 are left out before anything else looks at the data (the default batch size, the class
 * weights 'balanced', the epoch order), so a weight of 0 is the same fit as dropping the row, bit for bit. The other
 * weights are rescaled to mean 1 over the rows kept: a mini-batch's mean Σ w_i·L_i / count is then an unbiased
 * estimate of the weighted mean, exact for a full batch, and the learning rate means what it means without
 * weights. Weights that are all equal are no weights at all (the engines run unweighted, same bits).
 */
import type { Matrix } from "../types.js";
import type { Rows } from "../sparse/csr.js";
import { isCsr } from "../sparse/csr.js";
import { gatherRows } from "../train/engine-common.js";
import * as v from "../validate.js";

export interface WeightedRows {
  /** The rows of positive weight (X itself when there is none of weight 0). */
  X: Rows;
  /** Their positions in the X given; null: all of them. */
  kept: number[] | null;
  /** Their weights rescaled to mean 1, or null for equal weights. */
  weights: Float32Array | null;
}

export function weightedRows(X: Rows, sampleWeight: unknown): WeightedRows {
  if (sampleWeight === undefined) return { X, kept: null, weights: null };
  const w = v.sampleWeights("sampleWeight", sampleWeight, X.rows);
  const kept: number[] = [];
  let sum = 0;
  for (let r = 0; r < w.length; r++) {
    if (w[r]! === 0) continue;
    kept.push(r);
    sum += w[r]!;
  }
  const first = w[kept[0]!]!, equal = kept.every((r) => w[r] === first);
  const weights = equal ? null : Float32Array.from(kept, (r) => (w[r]! * kept.length) / sum);
  if (kept.length === X.rows) return { X, kept: null, weights };
  return { X: selectRows(X, kept), kept, weights };
}

/** The listed rows of dense or CSR rows, copied. */
function selectRows(X: Rows, rows: number[]): Rows {
  if (!isCsr(X)) return gatherRows(X, rows);
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((r, i) => (indptr[i + 1] = indptr[i]! + X.indptr[r + 1]! - X.indptr[r]!));
  const indices = new Int32Array(indptr[rows.length]!), values = new Float32Array(indices.length);
  rows.forEach((r, i) => {
    indices.set(X.indices.subarray(X.indptr[r]!, X.indptr[r + 1]!), indptr[i]!);
    values.set(X.values.subarray(X.indptr[r]!, X.indptr[r + 1]!), indptr[i]!);
  });
  return { ...X, rows: rows.length, indptr, indices, values };
}

/**
 * The listed rows of targets as the user gave them (already checked by the model): an array or typed array of one
 * per row (labels, regression values), an array of rows, or a Matrix.
 */
export function selectTargets(y: unknown, rows: number[]): unknown {
  if (Array.isArray(y)) return rows.map((r) => y[r]);
  if (ArrayBuffer.isView(y) && !(y instanceof DataView)) {
    const typed = y as unknown as { constructor: { from(values: unknown[]): unknown }; [i: number]: unknown };
    return typed.constructor.from(rows.map((r) => typed[r]));
  }
  return gatherRows(y as Matrix, rows);
}

// Reference twin of assembly/kernels/metrics.ts: training metrics on a batch's scores.
import type { Matrix } from "../types.js";

/**
 * How a classifier's prediction is checked against the engine's targets: 'labels' (argmax of the scores = the
 * label), 'one-hot' (argmax = argmax of the target row: labels given as one-hot rows for the one-vs-rest losses)
 * or 'multilabel' (every label right: (s_j > 0) = (t_j > 0), exact match as sklearn). The kernel's mode is the index.
 */
export type HitRule = "labels" | "one-hot" | "multilabel";
export const HIT_RULES: readonly HitRule[] = ["labels", "one-hot", "multilabel"];

/** Index of the first largest of S[at..at+c−1] (a NaN in front never loses its place). */
export function argmax(S: ArrayLike<number>, at: number, c: number): number {
  let best = 0;
  for (let j = 1; j < c; j++) if (S[at + j]! > S[at + best]!) best = j;
  return best;
}

/** Rows of S (n×c) whose prediction matches their target: labels, or target rows (n×c) for the other rules. */
export function countHits(rule: HitRule, S: Matrix, targets: Int32Array | Matrix): number {
  const c = S.cols;
  let hits = 0;
  for (let i = 0; i < S.rows; i++) {
    if (rule === "labels") {
      if (argmax(S.data, i * c, c) === (targets as Int32Array)[i]) hits++;
      continue;
    }
    const T = (targets as Matrix).data;
    if (rule === "one-hot") {
      if (argmax(S.data, i * c, c) === argmax(T, i * c, c)) hits++;
      continue;
    }
    let all = true;
    for (let j = 0; j < c && all; j++) all = (S.data[i * c + j]! > 0) === (T[i * c + j]! > 0);
    if (all) hits++;
  }
  return hits;
}

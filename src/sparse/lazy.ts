/**
 * How the sparse engines update W: only the rows of the features that occur in a batch (the "touched" rows).
 *
 * - Every rule: a touched row gets the dense update of its rule, with the penalties' gradient 2λ₂w + λ₁·sign(w)
 *   added to its data gradient; b is updated densely. An untouched row keeps its weights and its optimizer state
 *   (the lazy semantics of TensorFlow's LazyAdam / sparse apply ops; Adam's bias correction uses the global t).
 *   Without a penalty this equals the dense update exactly for sgd and adagrad (a zero gradient moves nothing);
 *   momentum, nesterov, rmsprop and adam differ from dense, whose state keeps decaying on untouched rows.
 * - sgd with a penalty: dense SGD shrinks every row every step (w ← (1 − 2·lr·λ₂)·w for an untouched row). Each
 *   row carries the step up to which it is current, and is brought up to date when a batch touches it and before
 *   anything reads all of W (evaluate, getParams, maxNorm): decay^gap, which equals the dense steps exactly for l2;
 *   l1 is applied there as a clipped shrink by lr·λ₁ per skipped step (the truncated gradient of Langford et al.
 *   2009), which differs from the dense subgradient only where dense would step across 0. A change of learning
 *   rate first brings every row up to date, so each skipped step uses its own rate.
 * - The loss a step returns is the batch's mean data loss plus the penalty of the touched rows only (the full
 *   penalty would cost O(d·c) per step); `evaluate` reports the full penalty.
 */
import type { EngineSpec } from "../train/engine.js";

/** Whether the engine keeps per-row step stamps and catches rows up (sgd with a penalty). */
export const catchesUp = (spec: EngineSpec): boolean => spec.rule === "sgd" && (spec.l2 > 0 || spec.l1 > 0);

/** The per-step factor of an untouched row under sgd with l2: 1 − 2·lr·λ₂, which must stay positive. */
export function decayOf(learningRate: number, l2: number): number {
  const decay = 1 - 2 * learningRate * l2;
  if (!(decay > 0)) {
    throw new RangeError(`learningRate·l2 = ${learningRate * l2} must be < 0.5: sgd would flip the sign of every weight each step`);
  }
  return decay;
}

/** The sparse engines train with the update rules only: random search and input dropout act on every weight. */
export function checkSparseSpec(spec: Pick<EngineSpec, "rule" | "inputDropout">, what = "sparse input"): void {
  if (spec.rule === "random-search") throw new RangeError(`rule: 'random-search' is not available with ${what}`);
  if (spec.inputDropout > 0) throw new RangeError(`inputDropout: input dropout is not available with ${what}`);
}

/** Most distinct columns a batch of `batchSize` rows can touch: the largest rows' lengths added up, at most cols. */
export function maxTouched(indptr: Int32Array, cols: number, batchSize: number): number {
  const lengths = Int32Array.from({ length: indptr.length - 1 }, (_, i) => indptr[i + 1]! - indptr[i]!).sort();
  let total = 0;
  for (let i = lengths.length - 1; i >= Math.max(0, lengths.length - batchSize) && total < cols; i--) total += lengths[i]!;
  return Math.min(total, cols);
}

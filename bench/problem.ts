// The data every contender of the bench sees: one seeded problem per shape, shared by all backends and peers.
import type { LossKind, Matrix } from "../src/types.js";
import { Rng } from "../src/data/rng.js";
import type { Shape } from "../test/shapes.js";
import { gaussian } from "../test/helpers.js";

export { normError as relError, lossError } from "../test/helpers.js";

export interface Problem {
  shape: Shape;
  X: Matrix;
  W: Matrix;
  b: Float32Array;
  /** Labels for the label losses. */
  y: Int32Array;
  /** Target matrices of the target losses ({0,1}, {−1,+1}, reals). */
  T: Record<"logistic" | "attribute-hinge" | "regression", Matrix>;
  /** An upstream gradient for dW and for the update rules. */
  dS: Matrix;
}

/** X ~ N(0, 1) (standardized pixels), W ~ N(0, 1/D) so that scores are O(1), labels uniform. */
export function makeProblem(shape: Shape, seed = 0xbe4c): Problem {
  const { N, D, C } = shape;
  const rng = new Rng(seed + N * 7 + D * 13 + C);
  const X = gaussian(rng, N, D);
  const W = gaussian(rng, D, C, 1 / Math.sqrt(D));
  const signs = (): Matrix => ({ rows: N, cols: C, data: Float32Array.from({ length: N * C }, () => (rng.uniform() < 0.5 ? -1 : 1)) });
  return {
    shape, X, W,
    b: gaussian(rng, 1, C, 0.1).data,
    y: Int32Array.from({ length: N }, () => rng.int(C)),
    T: {
      logistic: { rows: N, cols: C, data: Float32Array.from({ length: N * C }, () => rng.int(2)) },
      "attribute-hinge": signs(),
      regression: gaussian(rng, N, C),
    },
    dS: gaussian(rng, N, C),
  };
}

/** Labels or the target matrix a loss takes. */
export function targetsOf(p: Problem, kind: LossKind): Int32Array | Matrix {
  if (kind === "hinge" || kind === "squared-hinge" || kind === "softmax") return p.y;
  return kind === "logistic" || kind === "attribute-hinge" ? p.T[kind] : p.T.regression;
}

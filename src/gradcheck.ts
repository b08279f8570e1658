/** Gradient checking and the initial-loss sanity values of SPEC.md ("Checks that a user runs"). */
import type { LossKind } from "./types.js";
import { LOSSES } from "./types.js";
import * as v from "./validate.js";

type Params = Float32Array | Float64Array;

/**
 * Centered difference (f(w + h) − f(w − h)) / 2h for every element of w, which is perturbed in place and
 * restored (also when f throws). The denominator is the step actually taken after rounding w ± h to w's
 * precision, so the estimate stays honest on a Float32Array; a step that rounds away entirely is a RangeError.
 */
export function numericalGradient(f: (w: Params) => number, w: Params, h = 1e-5): Float64Array {
  if (typeof f !== "function") throw new TypeError(`f must be a function, got ${v.describe(f)}`);
  if (!(w instanceof Float32Array || w instanceof Float64Array)) {
    throw new TypeError(`w must be a Float32Array or Float64Array, got ${v.describe(w)}`);
  }
  v.positive("h", h);
  const grad = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const old = w[i]!;
    try {
      w[i] = old + h;
      const up = w[i]!;
      const fPlus = f(w);
      w[i] = old - h;
      const down = w[i]!;
      if (up === down) throw new RangeError(`h = ${h} is below the resolution of w[${i}] = ${old}: take a larger h`);
      grad[i] = (fPlus - f(w)) / (up - down);
    } finally {
      w[i] = old;
    }
  }
  return grad;
}

/** cs231n's rel_error: max over elements of |a − b| / max(1e-8, |a| + |b|). */
export function relError(a: number | ArrayLike<number>, b: number | ArrayLike<number>): number {
  if (typeof a === "number" && typeof b === "number") return Math.abs(a - b) / Math.max(1e-8, Math.abs(a) + Math.abs(b));
  const isArray = (x: unknown): x is ArrayLike<number> => typeof x === "object" && x !== null
    && typeof (x as ArrayLike<number>).length === "number";
  if (!isArray(a) || !isArray(b)) {
    throw new TypeError(`relError: a and b must both be numbers or both arrays, got ${v.describe(a)} and ${v.describe(b)}`);
  }
  if (a.length !== b.length) throw new RangeError(`relError: a has length ${a.length} but b has length ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, relError(a[i]!, b[i]!));
  return worst;
}

/**
 * The loss expected at initialisation, when W is tiny and every score ≈ 0: hinge (C−1)·Δ, squared hinge
 * (C−1)·Δ², softmax ln C, logistic C·ln 2, attribute hinge C. Regression has no such value (it depends on the
 * targets) and throws.
 */
export function sanityCheck(kind: LossKind, C: number, opts: { delta?: number } = {}): number {
  v.oneOf("kind", kind, LOSSES);
  v.dimension("C", C, kind === "logistic" || kind === "attribute-hinge" ? 1 : 2);
  const delta = v.finiteNumber("delta", opts.delta ?? 1);
  switch (kind) {
    case "hinge": return (C - 1) * delta;
    case "squared-hinge": return (C - 1) * delta * delta;
    case "softmax": return Math.log(C);
    case "logistic": return C * Math.LN2;
    case "attribute-hinge": return C;
    default: throw new RangeError(`sanityCheck: '${kind}' regression has no target-free initial loss`);
  }
}

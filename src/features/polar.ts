import type { Matrix } from "../types.js";
import * as v from "../validate.js";

/**
 * Polar coordinates of 2-D points: row (x, y) becomes (r, θ) with r = √(x² + y²) and θ = atan2(y, x) in
 * radians, (−π, π]. Rings around the origin, which no line separates in (x, y), differ in r alone.
 */
export function polar(X: Matrix): Matrix {
  v.matrixArg("X", X);
  if (X.cols !== 2) throw new RangeError(`X must have 2 columns (x, y), got ${X.cols}`);
  const out = new Float32Array(X.rows * 2);
  for (let i = 0; i < X.rows; i++) {
    const x = X.data[2 * i]!, y = X.data[2 * i + 1]!;
    out[2 * i] = Math.hypot(x, y);
    out[2 * i + 1] = Math.atan2(y, x);
  }
  return { rows: X.rows, cols: 2, data: out };
}

// Reference twin of assembly/kernels/regularize.ts. Penalties add their gradient into dW (when given) and return
// their loss.
import type { Matrix } from "../types.js";

/** λ·ΣW², gradient 2λ·W (cs231n's convention, not λ/2). */
export function l2Penalty(W: Float32Array, lambda: number, dW?: Float32Array): number {
  let sum = 0;
  for (let k = 0; k < W.length; k++) {
    sum += W[k]! * W[k]!;
    if (dW) dW[k] = dW[k]! + 2 * lambda * W[k]!;
  }
  return lambda * sum;
}

/** λ·Σ|W|, gradient λ·sign(W), 0 at 0. */
export function l1Penalty(W: Float32Array, lambda: number, dW?: Float32Array): number {
  let sum = 0;
  for (let k = 0; k < W.length; k++) {
    sum += Math.abs(W[k]!);
    if (dW) dW[k] = dW[k]! + lambda * Math.sign(W[k]!);
  }
  return lambda * sum;
}

/** Every class column of W whose L2 norm exceeds `limit` is scaled down to norm `limit`, in place. */
export function maxNorm(W: Matrix, limit: number): void {
  for (let j = 0; j < W.cols; j++) {
    let sq = 0;
    for (let k = 0; k < W.rows; k++) sq += W.data[k * W.cols + j]! ** 2;
    const norm = Math.sqrt(sq);
    if (norm <= limit) continue;
    for (let k = 0; k < W.rows; k++) W.data[k * W.cols + j] = W.data[k * W.cols + j]! * (limit / norm);
  }
}

// Reference twin of assembly/kernels/gemm.ts: plain float64 loops, rounded to float32 once at the end.
import type { Matrix } from "../types.js";

/** S = X·W + b. */
export function scores(X: Matrix, W: Matrix, b: Float32Array | null): Matrix {
  const S = new Float32Array(X.rows * W.cols);
  for (let i = 0; i < X.rows; i++) {
    for (let j = 0; j < W.cols; j++) {
      let s = b ? b[j]! : 0;
      for (let k = 0; k < X.cols; k++) s += X.data[i * X.cols + k]! * W.data[k * W.cols + j]!;
      S[i * W.cols + j] = s;
    }
  }
  return { rows: X.rows, cols: W.cols, data: S };
}

/** dW = scale·Xᵀ·dS. */
export function weightGradient(X: Matrix, dS: Matrix, scale: number): Matrix {
  const dW = new Float32Array(X.cols * dS.cols);
  for (let k = 0; k < X.cols; k++) {
    for (let j = 0; j < dS.cols; j++) {
      let g = 0;
      for (let i = 0; i < X.rows; i++) g += X.data[i * X.cols + k]! * dS.data[i * dS.cols + j]!;
      dW[k * dS.cols + j] = scale * g;
    }
  }
  return { rows: X.cols, cols: dS.cols, data: dW };
}

/** db = scale·Σ_i dS_i. */
export function biasGradient(dS: Matrix, scale: number): Float32Array {
  const db = new Float32Array(dS.cols);
  for (let j = 0; j < dS.cols; j++) {
    let g = 0;
    for (let i = 0; i < dS.rows; i++) g += dS.data[i * dS.cols + j]!;
    db[j] = scale * g;
  }
  return db;
}

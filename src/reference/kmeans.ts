// Reference twin of assembly/kernels/kmeans.ts: the nearest codeword by direct float64 distances.
import type { Matrix } from "../types.js";

/** labels[i] = argmin_j ‖X_i − C_j‖² over the first n rows of X (row length C.cols), lowest index on ties. */
export function nearest(X: Float32Array, n: number, C: Matrix, labels: Int32Array): void {
  const d = C.cols;
  for (let i = 0; i < n; i++) {
    let best = Infinity, arg = 0;
    for (let j = 0; j < C.rows; j++) {
      let dist = 0;
      for (let t = 0; t < d; t++) {
        const diff = X[i * d + t]! - C.data[j * d + t]!;
        dist += diff * diff;
      }
      if (dist < best) {
        best = dist;
        arg = j;
      }
    }
    labels[i] = arg;
  }
}

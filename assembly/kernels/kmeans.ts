// Nearest codeword (the k-means assignment step and the bag-of-words encoder); the float64 twin is
// src/reference/kmeans.ts. argmin_j ‖p − c_j‖² = argmax_j (p·c_j − ½‖c_j‖²), so each tile of rows is one call
// of the scores GEMM with W = Cᵀ and b = −½‖c‖², followed by a row argmax.
import { scores } from "./gemm";

/**
 * labels[i] = index of the codeword nearest to row idx[i] of X (n×d, row stride xStride bytes), lowest index on
 * ties. ct is Cᵀ (d×kp, pad lanes zero), bias holds −½‖c_j‖² (kp), s is scratch for tile×kp scores.
 */
export function nearest(n: i32, d: i32, k: i32, kp: i32, x: usize, xStride: usize, idx: usize, ct: usize,
                        bias: usize, tile: i32, s: usize, labels: usize): void {
  assert(n >= 1 && d >= 1 && k >= 1 && kp == ((k + 3) & ~3) && tile >= 1, "nearest: bad sizes");
  const ldc = <usize>kp << 2;
  for (let i0 = 0; i0 < n; i0 += tile) {
    const rows = min(tile, n - i0);
    scores(rows, d, k, kp, x, xStride, idx + (<usize>i0 << 2), ct, bias, s);
    for (let i = 0; i < rows; i++) {
      const row = s + <usize>i * ldc;
      let best = load<f32>(row), arg = 0;
      for (let j = 1; j < k; j++) {
        const v = load<f32>(row + (<usize>j << 2));
        if (v > best) {
          best = v;
          arg = j;
        }
      }
      store<i32>(labels + (<usize>(i0 + i) << 2), arg);
    }
  }
}

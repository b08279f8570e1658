// One training step's forward and backward pass over a mini-batch, fused per block of 4 rows: the block's scores,
// its loss and dS (the loss kernels themselves, called on the block's rows), and its contribution to dW, while
// the block's rows of X are still in cache. X is read from memory once per step instead of twice (scores, then dW).
// The no-SIMD build runs the unfused sequence: its scalar kernels are compute-bound, so fusing gains nothing there.
// The results equal those of the unfused sequence scores → loss → weightGradient → biasGradient: each output
// element sums the same terms in the same order.
import { rowAt } from "./common";
import { biasGradient, packTail, rank4Update, scores, scoresRows4, tailColumnBytes, weightGradient } from "./gemm";
import { attributeHinge, hinge, squaredHinge } from "./hinge";
import { softmax } from "./softmax";
import { logistic } from "./logistic";
import { l1, l2 } from "./regression";

/**
 * Loss ids: the index of the loss in LOSSES (src/types.ts). `targets` holds i32 labels for 0–2 and f32 target rows
 * (stride c) for 3–6, read through their own index list `tidx` (the same as idx unless X's rows were gathered,
 * e.g. for input dropout); so are the sample weights sw (0 for none). cw and delta are used by the label losses only.
 * `pack` is scratch for the c & 3 tail classes: 2·(c & 3) columns of tailColumnBytes(d) (W's tail packed, dW's
 * tail summed); unused when c is a multiple of 4 or in the no-SIMD build.
 */
export function fusedStep(loss: i32, n: i32, d: i32, c: i32, cp: i32, x: usize, xStride: usize, idx: usize,
                          targets: usize, tidx: usize, cw: usize, sw: usize, delta: f32, w: usize, b: usize, s: usize, ds: usize,
                          scale: f32, dw: usize, db: usize, pack: usize): f64 {
  assert(loss >= 0 && loss <= 6, "fusedStep: loss must be a loss id 0..6");
  assert(n >= 0 && d >= 1 && c >= 1, "fusedStep: need n >= 0 rows, d >= 1 features and c >= 1 classes");
  assert(cp == ((c + 3) & ~3), "fusedStep: cp must be c rounded up to a multiple of 4");
  assert(xStride >= <usize>d << 2, "fusedStep: xStride must hold a row of d floats");
  const ldc = <usize>cp << 2;
  let total: f64 = 0;
  if (!ASC_FEATURE_SIMD) {
    scores(n, d, c, cp, x, xStride, idx, w, b, s);
    total = blockLoss(loss, n, c, cp, s, targets, tidx, cw, sw, delta, ds);
    weightGradient(n, d, cp, x, xStride, idx, ds, scale, dw);
  } else {
    if (n == 0) memory.fill(dw, 0, <usize>d * ldc);
    const wt = pack, dwt = pack + <usize>(c & 3) * tailColumnBytes(d);
    packTail(d, c, cp, w, wt);
    for (let i = 0; i < n; i += 4) {
      const rows = min(4, n - i), r1 = i + min(1, rows - 1), r2 = i + min(2, rows - 1), r3 = i + rows - 1;
      const a0 = rowAt(x, xStride, idx, i), a1 = rowAt(x, xStride, idx, r1), a2 = rowAt(x, xStride, idx, r2);
      const a3 = rowAt(x, xStride, idx, r3), si = s + <usize>i * ldc, gi = ds + <usize>i * ldc;
      scoresRows4(d, c, cp, a0, a1, a2, a3, w, b, si, s + <usize>r1 * ldc, s + <usize>r2 * ldc, s + <usize>r3 * ldc, wt);
      total += blockLoss(loss, rows, c, cp, si, targets, tidx + (<usize>i << 2), cw, sw, delta, gi);
      rank4Update(d, c, cp, a0, a1, a2, a3, gi, rows, i == 0, i + 4 >= n, scale, dw, dwt);
    }
  }
  biasGradient(n, cp, ds, scale, db);
  return total;
}

// @ts-ignore: decorator
@inline function blockLoss(loss: i32, n: i32, c: i32, cp: i32, s: usize, targets: usize, idx: usize, cw: usize,
                           sw: usize, delta: f32, ds: usize): f64 {
  switch (loss) {
    case 0: return hinge(n, c, cp, s, targets, idx, cw, sw, delta, ds);
    case 1: return squaredHinge(n, c, cp, s, targets, idx, cw, sw, delta, ds);
    case 2: return softmax(n, c, cp, s, targets, idx, cw, sw, ds);
    case 3: return logistic(n, c, cp, s, targets, idx, sw, ds);
    case 4: return attributeHinge(n, c, cp, s, targets, idx, sw, ds);
    case 5: return l2(n, c, cp, s, targets, idx, sw, ds);
    case 6: return l1(n, c, cp, s, targets, idx, sw, ds);
    default: unreachable();
  }
  return 0;
}

// f32 GEMM microkernels for S = X·W + b and dW = scale·Xᵀ·dS.
// W, b, S, dS and dW use a padded class stride cp (a multiple of 4, pad lanes zero), so no kernel has a class tail.
// Rows of X come through an index list (common.ts rowAt); a short row tile repeats its last row, so the inner
// loops have no branches and the repeated stores write identical values.
import { rowAt, madd } from "./common";

/** S[i, :] = b + Σ_k X[idx[i], k]·W[k, :] for i < n. Overwrites S (n×cp). */
export function scores(n: i32, d: i32, cp: i32, x: usize, xStride: usize, idx: usize, w: usize, b: usize, s: usize): void {
  const ldc = <usize>cp << 2;
  if (!ASC_FEATURE_SIMD) {
    for (let i = 0; i < n; i++) scoresRow1(d, cp, rowAt(x, xStride, idx, i), w, b, s + <usize>i * ldc);
    return;
  }
  for (let i = 0; i < n; i += 4) {
    const last = n - 1;
    const r1 = min(i + 1, last), r2 = min(i + 2, last), r3 = min(i + 3, last);
    const a0 = rowAt(x, xStride, idx, i), a1 = rowAt(x, xStride, idx, r1);
    const a2 = rowAt(x, xStride, idx, r2), a3 = rowAt(x, xStride, idx, r3);
    const c0 = s + <usize>i * ldc, c1 = s + <usize>r1 * ldc, c2 = s + <usize>r2 * ldc, c3 = s + <usize>r3 * ldc;
    let j: usize = 0;
    const cpBytes = ldc;
    for (; j + 32 <= cpBytes; j += 32) scores4x8(d, ldc, a0, a1, a2, a3, w + j, b + j, c0 + j, c1 + j, c2 + j, c3 + j);
    if (j < cpBytes) scores4x4(d, ldc, a0, a1, a2, a3, w + j, b + j, c0 + j, c1 + j, c2 + j, c3 + j);
  }
}

// @ts-ignore: decorator
@inline function scores4x8(d: i32, ldw: usize, a0: usize, a1: usize, a2: usize, a3: usize, w: usize, b: usize,
                            c0: usize, c1: usize, c2: usize, c3: usize): void {
  let acc00 = v128.load(b), acc01 = v128.load(b, 16);
  let acc10 = acc00, acc11 = acc01, acc20 = acc00, acc21 = acc01, acc30 = acc00, acc31 = acc01;
  const end = a0 + (<usize>d << 2);
  while (a0 < end) {
    const w0 = v128.load(w), w1 = v128.load(w, 16);
    const x0 = v128.load32_splat(a0), x1 = v128.load32_splat(a1);
    const x2 = v128.load32_splat(a2), x3 = v128.load32_splat(a3);
    acc00 = madd(x0, w0, acc00); acc01 = madd(x0, w1, acc01);
    acc10 = madd(x1, w0, acc10); acc11 = madd(x1, w1, acc11);
    acc20 = madd(x2, w0, acc20); acc21 = madd(x2, w1, acc21);
    acc30 = madd(x3, w0, acc30); acc31 = madd(x3, w1, acc31);
    a0 += 4; a1 += 4; a2 += 4; a3 += 4; w += ldw;
  }
  v128.store(c3, acc30); v128.store(c3, acc31, 16);
  v128.store(c2, acc20); v128.store(c2, acc21, 16);
  v128.store(c1, acc10); v128.store(c1, acc11, 16);
  v128.store(c0, acc00); v128.store(c0, acc01, 16);
}

// @ts-ignore: decorator
@inline function scores4x4(d: i32, ldw: usize, a0: usize, a1: usize, a2: usize, a3: usize, w: usize, b: usize,
                            c0: usize, c1: usize, c2: usize, c3: usize): void {
  let acc0 = v128.load(b);
  let acc1 = acc0, acc2 = acc0, acc3 = acc0;
  const end = a0 + (<usize>d << 2);
  while (a0 < end) {
    const w0 = v128.load(w);
    acc0 = madd(v128.load32_splat(a0), w0, acc0);
    acc1 = madd(v128.load32_splat(a1), w0, acc1);
    acc2 = madd(v128.load32_splat(a2), w0, acc2);
    acc3 = madd(v128.load32_splat(a3), w0, acc3);
    a0 += 4; a1 += 4; a2 += 4; a3 += 4; w += ldw;
  }
  v128.store(c3, acc3); v128.store(c2, acc2); v128.store(c1, acc1); v128.store(c0, acc0);
}

/** Scalar row for the no-SIMD build: the row starts from b and takes x_k·W[k, :] for each k. */
function scoresRow1(d: i32, cp: i32, a: usize, w: usize, b: usize, c: usize): void {
  memory.copy(c, b, <usize>cp << 2);
  const ldw = <usize>cp << 2;
  for (let k = 0; k < d; k++) {
    const xk = load<f32>(a + (<usize>k << 2));
    const wk = w + <usize>k * ldw;
    for (let j: usize = 0; j < ldw; j += 4) store<f32>(c + j, load<f32>(c + j) + xk * load<f32>(wk + j));
  }
}

/** dW[k, :] = scale·Σ_i X[idx[i], k]·dS[i, :] for k < d. Overwrites dW (d×cp); the output tile stays in registers. */
export function weightGradient(n: i32, d: i32, cp: i32, x: usize, xStride: usize, idx: usize, ds: usize,
                               scale: f32, dw: usize): void {
  const ldc = <usize>cp << 2;
  if (!ASC_FEATURE_SIMD) {
    memory.fill(dw, 0, <usize>d * ldc);
    for (let i = 0; i < n; i++) {
      const a = rowAt(x, xStride, idx, i), g = ds + <usize>i * ldc;
      for (let k = 0; k < d; k++) {
        const xk = load<f32>(a + (<usize>k << 2)) * scale;
        const o = dw + <usize>k * ldc;
        for (let j: usize = 0; j < ldc; j += 4) store<f32>(o + j, load<f32>(o + j) + xk * load<f32>(g + j));
      }
    }
    return;
  }
  const vscale = f32x4.splat(scale);
  for (let k = 0; k < d; k += 4) {
    const last = d - 1;
    const k1 = <usize>min(k + 1, last) << 2, k2 = <usize>min(k + 2, last) << 2, k3 = <usize>min(k + 3, last) << 2;
    const k0 = <usize>k << 2;
    let j: usize = 0;
    for (; j + 32 <= ldc; j += 32) {
      let acc00 = f32x4.splat(0), acc01 = acc00, acc10 = acc00, acc11 = acc00;
      let acc20 = acc00, acc21 = acc00, acc30 = acc00, acc31 = acc00;
      let g = ds + j;
      for (let i = 0; i < n; i++) {
        const a = rowAt(x, xStride, idx, i);
        const g0 = v128.load(g), g1 = v128.load(g, 16);
        const x0 = v128.load32_splat(a + k0), x1 = v128.load32_splat(a + k1);
        const x2 = v128.load32_splat(a + k2), x3 = v128.load32_splat(a + k3);
        acc00 = madd(x0, g0, acc00); acc01 = madd(x0, g1, acc01);
        acc10 = madd(x1, g0, acc10); acc11 = madd(x1, g1, acc11);
        acc20 = madd(x2, g0, acc20); acc21 = madd(x2, g1, acc21);
        acc30 = madd(x3, g0, acc30); acc31 = madd(x3, g1, acc31);
        g += ldc;
      }
      const o = dw + j;
      v128.store(o + (k3 >> 2) * ldc, f32x4.mul(acc30, vscale)); v128.store(o + (k3 >> 2) * ldc, f32x4.mul(acc31, vscale), 16);
      v128.store(o + (k2 >> 2) * ldc, f32x4.mul(acc20, vscale)); v128.store(o + (k2 >> 2) * ldc, f32x4.mul(acc21, vscale), 16);
      v128.store(o + (k1 >> 2) * ldc, f32x4.mul(acc10, vscale)); v128.store(o + (k1 >> 2) * ldc, f32x4.mul(acc11, vscale), 16);
      v128.store(o + (k0 >> 2) * ldc, f32x4.mul(acc00, vscale)); v128.store(o + (k0 >> 2) * ldc, f32x4.mul(acc01, vscale), 16);
    }
    if (j < ldc) {
      let acc0 = f32x4.splat(0), acc1 = acc0, acc2 = acc0, acc3 = acc0;
      let g = ds + j;
      for (let i = 0; i < n; i++) {
        const a = rowAt(x, xStride, idx, i);
        const g0 = v128.load(g);
        acc0 = madd(v128.load32_splat(a + k0), g0, acc0);
        acc1 = madd(v128.load32_splat(a + k1), g0, acc1);
        acc2 = madd(v128.load32_splat(a + k2), g0, acc2);
        acc3 = madd(v128.load32_splat(a + k3), g0, acc3);
        g += ldc;
      }
      const o = dw + j;
      v128.store(o + (k3 >> 2) * ldc, f32x4.mul(acc3, vscale));
      v128.store(o + (k2 >> 2) * ldc, f32x4.mul(acc2, vscale));
      v128.store(o + (k1 >> 2) * ldc, f32x4.mul(acc1, vscale));
      v128.store(o + (k0 >> 2) * ldc, f32x4.mul(acc0, vscale));
    }
  }
}

/** db[:] = scale·Σ_i dS[i, :]. Overwrites db (cp). */
export function biasGradient(n: i32, cp: i32, ds: usize, scale: f32, db: usize): void {
  const ldc = <usize>cp << 2;
  for (let j: usize = 0; j < ldc; j += 4) {
    let acc: f32 = 0;
    for (let i = 0; i < n; i++) acc += load<f32>(ds + <usize>i * ldc + j);
    store<f32>(db + j, acc * scale);
  }
}

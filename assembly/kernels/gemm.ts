// f32 GEMM microkernels for S = X·W + b and dW = scale·Xᵀ·dS, and the row-block pieces that fused.ts builds on.
// W, b, S, dS and dW use a padded class stride cp (a multiple of 4, pad lanes zero), so no kernel has a class tail.
// Rows of X come through an index list (common.ts rowAt); a short row tile repeats its last row, so the inner
// loops have no branches and the repeated stores write identical values.
//
// Tiles are 3 rows × 12 classes (9 accumulators). With the 3 W vectors, the x broadcast and the product temporary
// of the mul+add build, that is 14 of the 15 XMM registers V8 allocates on x64; 4×12 spilled and ran ~2× slower,
// and 4×8 + a 4-class tail reads X twice when cp = 12 (C = 10). Class tiles are 12 wide, with an 8- or 4-wide tail; cp = 16
// takes 8 + 8 rather than 12 + a lone 4-wide pass. bench/ measures these choices.
import { rowAt, madd } from "./common";

/** Vectors (4 classes each) in the class tile that starts `left` vectors before the end of the padded row. */
// @ts-ignore: decorator
@inline export function tileWidth(left: i32): i32 {
  return left == 1 ? 1 : left == 2 || left == 4 ? 2 : 3;
}

/** S[i, :] = b + Σ_k X[idx[i], k]·W[k, :] for i < n. Overwrites S (n×cp). */
export function scores(n: i32, d: i32, cp: i32, x: usize, xStride: usize, idx: usize, w: usize, b: usize, s: usize): void {
  assert(n >= 0 && d >= 1, "scores: need n >= 0 rows and d >= 1 features");
  assert(cp >= 4 && (cp & 3) == 0, "scores: cp must be a positive multiple of 4");
  assert(xStride >= <usize>d << 2, "scores: xStride must hold a row of d floats");
  const ldc = <usize>cp << 2;
  if (!ASC_FEATURE_SIMD) {
    scoresScalar(n, d, cp, x, xStride, idx, w, b, s);
    return;
  }
  const last = n - 1;
  for (let i = 0; i < n; i += 3) {
    const r1 = min(i + 1, last), r2 = min(i + 2, last);
    scoresRows3(d, cp, rowAt(x, xStride, idx, i), rowAt(x, xStride, idx, r1), rowAt(x, xStride, idx, r2), w, b,
                s + <usize>i * ldc, s + <usize>r1 * ldc, s + <usize>r2 * ldc);
  }
}

/** Score rows c0..c2 = b + a_r·W of three rows of X (SIMD builds); a repeated row pointer is allowed. */
// @ts-ignore: decorator
@inline export function scoresRows3(d: i32, cp: i32, a0: usize, a1: usize, a2: usize, w: usize, b: usize,
                                    c0: usize, c1: usize, c2: usize): void {
  const ldw = <usize>cp << 2, q = cp >> 2;
  for (let v = 0; v < q;) {
    const width = tileWidth(q - v), j = <usize>v << 4;
    if (width == 3) scoreTile(3, d, ldw, a0, a1, a2, w + j, b + j, c0 + j, c1 + j, c2 + j);
    else if (width == 2) scoreTile(2, d, ldw, a0, a1, a2, w + j, b + j, c0 + j, c1 + j, c2 + j);
    else scoreTile(1, d, ldw, a0, a1, a2, w + j, b + j, c0 + j, c1 + j, c2 + j);
    v += width;
  }
}

/** 3 rows × V vectors of S in registers over the whole k loop. V is a constant at every (inlined) call site. */
// @ts-ignore: decorator
@inline function scoreTile(V: i32, d: i32, ldw: usize, a0: usize, a1: usize, a2: usize, w: usize, b: usize,
                           c0: usize, c1: usize, c2: usize): void {
  let acc00 = v128.load(b);
  let acc01 = V > 1 ? v128.load(b, 16) : acc00, acc02 = V > 2 ? v128.load(b, 32) : acc00;
  let acc10 = acc00, acc11 = acc01, acc12 = acc02, acc20 = acc00, acc21 = acc01, acc22 = acc02;
  const end = a0 + (<usize>d << 2);
  while (a0 < end) {
    const w0 = v128.load(w);
    const w1 = V > 1 ? v128.load(w, 16) : w0, w2 = V > 2 ? v128.load(w, 32) : w0;
    const x0 = v128.load32_splat(a0);
    acc00 = madd(x0, w0, acc00);
    if (V > 1) acc01 = madd(x0, w1, acc01);
    if (V > 2) acc02 = madd(x0, w2, acc02);
    const x1 = v128.load32_splat(a1);
    acc10 = madd(x1, w0, acc10);
    if (V > 1) acc11 = madd(x1, w1, acc11);
    if (V > 2) acc12 = madd(x1, w2, acc12);
    const x2 = v128.load32_splat(a2);
    acc20 = madd(x2, w0, acc20);
    if (V > 1) acc21 = madd(x2, w1, acc21);
    if (V > 2) acc22 = madd(x2, w2, acc22);
    a0 += 4; a1 += 4; a2 += 4; w += ldw;
  }
  // Last row first: when rows repeat, the stores of the real row come last (they are identical anyway).
  storeTile(V, c2, acc20, acc21, acc22);
  storeTile(V, c1, acc10, acc11, acc12);
  storeTile(V, c0, acc00, acc01, acc02);
}

// @ts-ignore: decorator
@inline function storeTile(V: i32, c: usize, v0: v128, v1: v128, v2: v128): void {
  v128.store(c, v0);
  if (V > 1) v128.store(c, v1, 16);
  if (V > 2) v128.store(c, v2, 32);
}

/**
 * No-SIMD build: 3 rows × 4 classes of S in 12 scalar locals over the k loop (the same sums in the same order
 * as the SIMD tiles: b first, then k = 0, 1, …).
 */
function scoresScalar(n: i32, d: i32, cp: i32, x: usize, xStride: usize, idx: usize, w: usize, b: usize, s: usize): void {
  const ldc = <usize>cp << 2, last = n - 1;
  for (let i = 0; i < n; i += 3) {
    const r1 = min(i + 1, last), r2 = min(i + 2, last);
    const a0 = rowAt(x, xStride, idx, i), a1 = rowAt(x, xStride, idx, r1), a2 = rowAt(x, xStride, idx, r2);
    const c0 = s + <usize>i * ldc, c1 = s + <usize>r1 * ldc, c2 = s + <usize>r2 * ldc;
    for (let j: usize = 0; j < ldc; j += 16) {
      let s00 = load<f32>(b + j), s01 = load<f32>(b + j, 4), s02 = load<f32>(b + j, 8), s03 = load<f32>(b + j, 12);
      let s10 = s00, s11 = s01, s12 = s02, s13 = s03, s20 = s00, s21 = s01, s22 = s02, s23 = s03;
      let p0 = a0, p1 = a1, p2 = a2, wp = w + j;
      const end = a0 + (<usize>d << 2);
      while (p0 < end) {
        const w0 = load<f32>(wp), w1 = load<f32>(wp, 4), w2 = load<f32>(wp, 8), w3 = load<f32>(wp, 12);
        const x0 = load<f32>(p0), x1 = load<f32>(p1), x2 = load<f32>(p2);
        s00 += x0 * w0; s01 += x0 * w1; s02 += x0 * w2; s03 += x0 * w3;
        s10 += x1 * w0; s11 += x1 * w1; s12 += x1 * w2; s13 += x1 * w3;
        s20 += x2 * w0; s21 += x2 * w1; s22 += x2 * w2; s23 += x2 * w3;
        p0 += 4; p1 += 4; p2 += 4; wp += ldc;
      }
      store4(c2 + j, s20, s21, s22, s23);
      store4(c1 + j, s10, s11, s12, s13);
      store4(c0 + j, s00, s01, s02, s03);
    }
  }
}

// @ts-ignore: decorator
@inline function store4(c: usize, v0: f32, v1: f32, v2: f32, v3: f32): void {
  store<f32>(c, v0); store<f32>(c, v1, 4); store<f32>(c, v2, 8); store<f32>(c, v3, 12);
}

/** dW[k, :] = scale·Σ_i X[idx[i], k]·dS[i, :] for k < d. Overwrites dW (d×cp); the output tile stays in registers. */
export function weightGradient(n: i32, d: i32, cp: i32, x: usize, xStride: usize, idx: usize, ds: usize,
                               scale: f32, dw: usize): void {
  assert(n >= 0 && d >= 1, "weightGradient: need n >= 0 rows and d >= 1 features");
  assert(cp >= 4 && (cp & 3) == 0, "weightGradient: cp must be a positive multiple of 4");
  assert(xStride >= <usize>d << 2, "weightGradient: xStride must hold a row of d floats");
  const ldc = <usize>cp << 2;
  if (!ASC_FEATURE_SIMD) {
    gradientScalar(n, d, cp, x, xStride, idx, ds, scale, dw);
    return;
  }
  const q = cp >> 2, last = d - 1;
  for (let k = 0; k < d; k += 3) {
    const k0 = <usize>k << 2, k1 = <usize>min(k + 1, last) << 2, k2 = <usize>min(k + 2, last) << 2;
    for (let v = 0; v < q;) {
      const width = tileWidth(q - v), j = <usize>v << 4;
      if (width == 3) gradientTile(3, n, ldc, x, xStride, idx, k0, k1, k2, ds + j, scale, dw + j);
      else if (width == 2) gradientTile(2, n, ldc, x, xStride, idx, k0, k1, k2, ds + j, scale, dw + j);
      else gradientTile(1, n, ldc, x, xStride, idx, k0, k1, k2, ds + j, scale, dw + j);
      v += width;
    }
  }
}

/** dW rows k0..k2 (byte offsets into a row of X) × V vectors, summed over the n rows in registers. */
// @ts-ignore: decorator
@inline function gradientTile(V: i32, n: i32, ldc: usize, x: usize, xStride: usize, idx: usize,
                              k0: usize, k1: usize, k2: usize, g: usize, scale: f32, o: usize): void {
  let acc00 = f32x4.splat(0), acc01 = acc00, acc02 = acc00, acc10 = acc00, acc11 = acc00, acc12 = acc00;
  let acc20 = acc00, acc21 = acc00, acc22 = acc00;
  for (let i = 0; i < n; i++) {
    const a = rowAt(x, xStride, idx, i);
    const g0 = v128.load(g);
    const g1 = V > 1 ? v128.load(g, 16) : g0, g2 = V > 2 ? v128.load(g, 32) : g0;
    const x0 = v128.load32_splat(a + k0);
    acc00 = madd(x0, g0, acc00);
    if (V > 1) acc01 = madd(x0, g1, acc01);
    if (V > 2) acc02 = madd(x0, g2, acc02);
    const x1 = v128.load32_splat(a + k1);
    acc10 = madd(x1, g0, acc10);
    if (V > 1) acc11 = madd(x1, g1, acc11);
    if (V > 2) acc12 = madd(x1, g2, acc12);
    const x2 = v128.load32_splat(a + k2);
    acc20 = madd(x2, g0, acc20);
    if (V > 1) acc21 = madd(x2, g1, acc21);
    if (V > 2) acc22 = madd(x2, g2, acc22);
    g += ldc;
  }
  const vs = f32x4.splat(scale);
  storeTile(V, o + (k2 >> 2) * ldc, f32x4.mul(acc20, vs), f32x4.mul(acc21, vs), f32x4.mul(acc22, vs));
  storeTile(V, o + (k1 >> 2) * ldc, f32x4.mul(acc10, vs), f32x4.mul(acc11, vs), f32x4.mul(acc12, vs));
  storeTile(V, o + (k0 >> 2) * ldc, f32x4.mul(acc00, vs), f32x4.mul(acc01, vs), f32x4.mul(acc02, vs));
}

/**
 * No-SIMD build: dW rows k..k+2 × 4 classes in 12 scalar locals, summed over the n rows in order; each term is
 * (scale·x)·g, as the SIMD builds' terms are x·g with the scale applied at the end.
 */
function gradientScalar(n: i32, d: i32, cp: i32, x: usize, xStride: usize, idx: usize, ds: usize, scale: f32,
                        dw: usize): void {
  const ldc = <usize>cp << 2, last = d - 1;
  for (let k = 0; k < d; k += 3) {
    const k0 = <usize>k << 2, k1 = <usize>min(k + 1, last) << 2, k2 = <usize>min(k + 2, last) << 2;
    for (let j: usize = 0; j < ldc; j += 16) {
      let t00: f32 = 0, t01: f32 = 0, t02: f32 = 0, t03: f32 = 0, t10: f32 = 0, t11: f32 = 0, t12: f32 = 0;
      let t13: f32 = 0, t20: f32 = 0, t21: f32 = 0, t22: f32 = 0, t23: f32 = 0;
      let g = ds + j;
      for (let i = 0; i < n; i++) {
        const a = rowAt(x, xStride, idx, i);
        const g0 = load<f32>(g), g1 = load<f32>(g, 4), g2 = load<f32>(g, 8), g3 = load<f32>(g, 12);
        const x0 = load<f32>(a + k0) * scale, x1 = load<f32>(a + k1) * scale, x2 = load<f32>(a + k2) * scale;
        t00 += x0 * g0; t01 += x0 * g1; t02 += x0 * g2; t03 += x0 * g3;
        t10 += x1 * g0; t11 += x1 * g1; t12 += x1 * g2; t13 += x1 * g3;
        t20 += x2 * g0; t21 += x2 * g1; t22 += x2 * g2; t23 += x2 * g3;
        g += ldc;
      }
      store4(dw + (k2 >> 2) * ldc + j, t20, t21, t22, t23);
      store4(dw + (k1 >> 2) * ldc + j, t10, t11, t12, t13);
      store4(dw + (k0 >> 2) * ldc + j, t00, t01, t02, t03);
    }
  }
}

/**
 * dW[k, :] += Σ_r a_r[k]·dS[r, :] for the `rows` (1–3) rows of a block (SIMD builds). The block's dS stays in
 * registers while dW streams through once; each element takes the rows in order, so a sequence of these updates
 * sums in the same order as weightGradient's tile. Rows past `rows` repeat a row pointer with zero dS. The `first`
 * block starts from 0 instead of reading dW and the `last` one stores the sum times `scale`, as weightGradient's
 * tile does, so dW needs no zeroing or scaling pass.
 */
// @ts-ignore: decorator
@inline export function rank3Update(d: i32, cp: i32, a0: usize, a1: usize, a2: usize, g: usize, rows: i32,
                                    first: bool, last: bool, scale: f32, dw: usize): void {
  if (first && last) rank3Pass(true, true, d, cp, a0, a1, a2, g, rows, scale, dw);
  else if (first) rank3Pass(true, false, d, cp, a0, a1, a2, g, rows, scale, dw);
  else if (last) rank3Pass(false, true, d, cp, a0, a1, a2, g, rows, scale, dw);
  else rank3Pass(false, false, d, cp, a0, a1, a2, g, rows, scale, dw);
}

/** rank3Update with `first` and `last` constant at each call site. */
// @ts-ignore: decorator
@inline function rank3Pass(first: bool, last: bool, d: i32, cp: i32, a0: usize, a1: usize, a2: usize, g: usize,
                           rows: i32, scale: f32, dw: usize): void {
  const ldc = <usize>cp << 2, q = cp >> 2;
  const g1 = rows > 1 ? g + ldc : 0, g2 = rows > 2 ? g + 2 * ldc : 0;
  for (let v = 0; v < q;) {
    const width = tileWidth(q - v), j = <usize>v << 4;
    if (width == 3) rank3Tile(3, first, last, d, ldc, a0, a1, a2, g + j, g1, g2, j, scale, dw + j);
    else if (width == 2) rank3Tile(2, first, last, d, ldc, a0, a1, a2, g + j, g1, g2, j, scale, dw + j);
    else rank3Tile(1, first, last, d, ldc, a0, a1, a2, g + j, g1, g2, j, scale, dw + j);
    v += width;
  }
}

/** Loads V vectors of a dS row at `row + j`, or zeros when the row is absent (row = 0). */
// @ts-ignore: decorator
@inline function dsVector(row: usize, j: usize, lane: usize): v128 {
  return row ? v128.load(row + j + lane) : f32x4.splat(0);
}

// @ts-ignore: decorator
@inline function rank3Tile(V: i32, first: bool, last: bool, d: i32, ldc: usize, a0: usize, a1: usize, a2: usize,
                           g0: usize, g1: usize, g2: usize, j: usize, scale: f32, o: usize): void {
  const zero = f32x4.splat(0), vs = f32x4.splat(scale);
  const u0 = v128.load(g0), u1 = V > 1 ? v128.load(g0, 16) : zero, u2 = V > 2 ? v128.load(g0, 32) : zero;
  const h0 = dsVector(g1, j, 0), h1 = V > 1 ? dsVector(g1, j, 16) : zero, h2 = V > 2 ? dsVector(g1, j, 32) : zero;
  const e0 = dsVector(g2, j, 0), e1 = V > 1 ? dsVector(g2, j, 16) : zero, e2 = V > 2 ? dsVector(g2, j, 32) : zero;
  // k unrolled by 2 (in the mul+add build the loop overhead is a sixth of the instructions); an odd d takes one more.
  const pairs = a0 + (<usize>(d & ~1) << 2);
  while (a0 < pairs) {
    rank3Row(V, first, last, false, a0, a1, a2, u0, u1, u2, h0, h1, h2, e0, e1, e2, vs, o);
    rank3Row(V, first, last, true, a0, a1, a2, u0, u1, u2, h0, h1, h2, e0, e1, e2, vs, o + ldc);
    a0 += 8; a1 += 8; a2 += 8; o += ldc << 1;
  }
  if (d & 1) rank3Row(V, first, last, false, a0, a1, a2, u0, u1, u2, h0, h1, h2, e0, e1, e2, vs, o);
}

/** dW row o (V vectors) += x_r[k]·dS_r for the 3 rows; x_r[k] is at a_r, or at a_r + 4 when `second` of a pair. */
// @ts-ignore: decorator
@inline function rank3Row(V: i32, first: bool, last: bool, second: bool, a0: usize, a1: usize, a2: usize, u0: v128,
                          u1: v128, u2: v128, h0: v128, h1: v128, h2: v128, e0: v128, e1: v128, e2: v128, vs: v128,
                          o: usize): void {
  const zero = f32x4.splat(0);
  let acc0 = first ? zero : v128.load(o);
  let acc1 = V > 1 && !first ? v128.load(o, 16) : zero, acc2 = V > 2 && !first ? v128.load(o, 32) : zero;
  const x0 = second ? v128.load32_splat(a0, 4) : v128.load32_splat(a0);
  acc0 = madd(x0, u0, acc0);
  if (V > 1) acc1 = madd(x0, u1, acc1);
  if (V > 2) acc2 = madd(x0, u2, acc2);
  const x1 = second ? v128.load32_splat(a1, 4) : v128.load32_splat(a1);
  acc0 = madd(x1, h0, acc0);
  if (V > 1) acc1 = madd(x1, h1, acc1);
  if (V > 2) acc2 = madd(x1, h2, acc2);
  const x2 = second ? v128.load32_splat(a2, 4) : v128.load32_splat(a2);
  acc0 = madd(x2, e0, acc0);
  if (V > 1) acc1 = madd(x2, e1, acc1);
  if (V > 2) acc2 = madd(x2, e2, acc2);
  if (last) storeTile(V, o, f32x4.mul(acc0, vs), f32x4.mul(acc1, vs), f32x4.mul(acc2, vs));
  else storeTile(V, o, acc0, acc1, acc2);
}

/** db[:] = scale·Σ_i dS[i, :]. Overwrites db (cp). */
export function biasGradient(n: i32, cp: i32, ds: usize, scale: f32, db: usize): void {
  assert(n >= 0, "biasGradient: n must be >= 0");
  assert(cp >= 4 && (cp & 3) == 0, "biasGradient: cp must be a positive multiple of 4");
  const ldc = <usize>cp << 2;
  for (let j: usize = 0; j < ldc; j += 4) {
    let acc: f32 = 0;
    for (let i = 0; i < n; i++) acc += load<f32>(ds + <usize>i * ldc + j);
    store<f32>(db + j, acc * scale);
  }
}

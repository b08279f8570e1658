// f32 GEMM microkernels for S = X·W + b and dW = scale·Xᵀ·dS, and the row-block pieces that fused.ts builds on.
// W, b, S, dS and dW use a padded class stride cp (a multiple of 4, pad lanes zero). Rows of X come through an
// index list (common.ts rowAt); a short row tile repeats its last row, so the inner loops have no branches and
// the repeated stores write identical values.
//
// Scores and the fused step's rank update work on blocks of 4 rows. The c >> 2 whole class vectors take 4×8 tiles
// (8 accumulators; with the 2 W vectors, the x broadcast and the product temporary of the mul+add build, 12 of the
// 15 XMM registers V8 allocates on x64; 5×8 and 4×12 spill and run 2× slower), and a 4×4 tile for an odd count.
// The c & 3 tail classes put the features along the lanes instead, so C = 10 spends no multiply-add on its 2 pad
// lanes (a sixth of a 12-wide tile's), C = 2 none on its 2 (half). The unfused weightGradient keeps 3×12 tiles
// along the classes: every dW element sums the batch rows in order either way, so both give the same bits.
import { rowAt, madd } from "./common";

/** Vectors (4 classes each) in the class tile that starts `left` vectors before the end of the padded row. */
// @ts-ignore: decorator
@inline export function tileWidth(left: i32): i32 {
  return left == 1 ? 1 : left == 2 || left == 4 ? 2 : 3;
}

/** S[i, :] = b + Σ_k X[idx[i], k]·W[k, :] for i < n. Overwrites S (n×cp, pad lanes zero). */
export function scores(n: i32, d: i32, c: i32, cp: i32, x: usize, xStride: usize, idx: usize, w: usize, b: usize,
                       s: usize): void {
  assert(n >= 0 && d >= 1 && c >= 1, "scores: need n >= 0 rows, d >= 1 features and c >= 1 classes");
  assert(cp == ((c + 3) & ~3), "scores: cp must be c rounded up to a multiple of 4");
  assert(xStride >= <usize>d << 2, "scores: xStride must hold a row of d floats");
  const ldc = <usize>cp << 2;
  if (!ASC_FEATURE_SIMD) {
    scoresScalar(n, d, cp, x, xStride, idx, w, b, s);
    return;
  }
  const last = n - 1;
  for (let i = 0; i < n; i += 4) {
    const r1 = min(i + 1, last), r2 = min(i + 2, last), r3 = min(i + 3, last);
    scoresRows4(d, c, cp, rowAt(x, xStride, idx, i), rowAt(x, xStride, idx, r1), rowAt(x, xStride, idx, r2),
                rowAt(x, xStride, idx, r3), w, b, s + <usize>i * ldc, s + <usize>r1 * ldc, s + <usize>r2 * ldc,
                s + <usize>r3 * ldc, 0);
  }
}

/** Bytes of one packed tail column (packTail): d floats rounded up to a whole vector. */
// @ts-ignore: decorator
@inline export function tailColumnBytes(d: i32): usize {
  return <usize>((d + 3) & ~3) << 2;
}

/** Copies the c & 3 tail columns of W (d×cp) into `wt`, one contiguous column of tailColumnBytes(d) each. */
// @ts-ignore: decorator
@inline export function packTail(d: i32, c: i32, cp: i32, w: usize, wt: usize): void {
  const ldw = <usize>cp << 2, col = tailColumnBytes(d), from = w + (<usize>(c & ~3) << 2);
  for (let j = 0; j < (c & 3); j++) {
    for (let k = 0; k < d; k++) store<f32>(wt + <usize>j * col + (<usize>k << 2), load<f32>(from + ldw * k + (<usize>j << 2)));
  }
}

/**
 * Score rows c0..c3 = b + a_r·W of four rows of X (SIMD builds); a repeated row pointer is allowed. The c >> 2
 * whole class vectors take 4×8 and 4×4 tiles with the classes along the lanes; the c & 3 tail classes take the
 * features along the lanes (scoreTail), so no multiply-add is spent on pad lanes. `wt` holds the tail columns
 * packed (packTail), or is 0 to gather them from W: the same values, so the same sums.
 */
// @ts-ignore: decorator
@inline export function scoresRows4(d: i32, c: i32, cp: i32, a0: usize, a1: usize, a2: usize, a3: usize, w: usize,
                                    b: usize, c0: usize, c1: usize, c2: usize, c3: usize, wt: usize): void {
  const ldw = <usize>cp << 2, q = c >> 2;
  let v = 0;
  for (; v + 2 <= q; v += 2) {
    const j = <usize>v << 4;
    scoreTile(2, d, ldw, a0, a1, a2, a3, w + j, b + j, c0 + j, c1 + j, c2 + j, c3 + j);
  }
  if (v < q) {
    const j = <usize>v << 4;
    scoreTile(1, d, ldw, a0, a1, a2, a3, w + j, b + j, c0 + j, c1 + j, c2 + j, c3 + j);
  }
  const t = c & 3;
  if (t == 0) return;
  const m = <usize>q << 4, zero = f32x4.splat(0), col = tailColumnBytes(d);
  v128.store(c3 + m, zero); v128.store(c2 + m, zero); v128.store(c1 + m, zero); v128.store(c0 + m, zero);
  for (let j = 0; j + 2 <= t; j += 2) scoreTail(2, d, ldw, a0, a1, a2, a3, w + m, wt, col, j, b + m, c0 + m, c1 + m, c2 + m, c3 + m);
  if (t & 1) scoreTail(1, d, ldw, a0, a1, a2, a3, w + m, wt, col, t - 1, b + m, c0 + m, c1 + m, c2 + m, c3 + m);
}

/** 4 rows × V vectors of S in registers over the whole k loop. V is a constant at every (inlined) call site. */
// @ts-ignore: decorator
@inline function scoreTile(V: i32, d: i32, ldw: usize, a0: usize, a1: usize, a2: usize, a3: usize, w: usize, b: usize,
                           c0: usize, c1: usize, c2: usize, c3: usize): void {
  let acc00 = v128.load(b);
  let acc01 = V > 1 ? v128.load(b, 16) : acc00;
  let acc10 = acc00, acc11 = acc01, acc20 = acc00, acc21 = acc01, acc30 = acc00, acc31 = acc01;
  const end = a0 + (<usize>d << 2);
  while (a0 < end) {
    const w0 = v128.load(w);
    const w1 = V > 1 ? v128.load(w, 16) : w0;
    const x0 = v128.load32_splat(a0);
    acc00 = madd(x0, w0, acc00);
    if (V > 1) acc01 = madd(x0, w1, acc01);
    const x1 = v128.load32_splat(a1);
    acc10 = madd(x1, w0, acc10);
    if (V > 1) acc11 = madd(x1, w1, acc11);
    const x2 = v128.load32_splat(a2);
    acc20 = madd(x2, w0, acc20);
    if (V > 1) acc21 = madd(x2, w1, acc21);
    const x3 = v128.load32_splat(a3);
    acc30 = madd(x3, w0, acc30);
    if (V > 1) acc31 = madd(x3, w1, acc31);
    a0 += 4; a1 += 4; a2 += 4; a3 += 4; w += ldw;
  }
  // Last row first: when rows repeat, the stores of the real row come last (they are identical anyway).
  storeTile(V, c3, acc30, acc31);
  storeTile(V, c2, acc20, acc21);
  storeTile(V, c1, acc10, acc11);
  storeTile(V, c0, acc00, acc01);
}

// @ts-ignore: decorator
@inline function storeTile(V: i32, c: usize, v0: v128, v1: v128): void {
  v128.store(c, v0);
  if (V > 1) v128.store(c, v1, 16);
}

/** Features per block of a tail score: its lane sums are added into the score block by block, so rounding
 *  errors grow with the block and the block count rather than with d (one 4-lane sum over d = 3,073 broke the
 *  fused test's loss tolerance). */
const TAIL_BLOCK = 256;

/**
 * Tail classes j (and j + 1 when T = 2) of 4 score rows, with the features along the lanes. Per row and class:
 * the bias, plus for each block of TAIL_BLOCK features its 4 partial sums over k ≡ 0..3 (mod 4) added lane
 * 0..3, plus the d & 3 last features in order. `w` is the tail vector of W's first row; the column comes from
 * `wt` (packed) or, when wt = 0, is gathered from W: the same values, so the same sums.
 */
// @ts-ignore: decorator
@inline function scoreTail(T: i32, d: i32, ldw: usize, a0: usize, a1: usize, a2: usize, a3: usize, w: usize,
                           wt: usize, col: usize, j: i32, b: usize, c0: usize, c1: usize, c2: usize, c3: usize): void {
  const jb = <usize>j << 2, zero = f32x4.splat(0), whole = <usize>(d & ~3) << 2;
  const p0 = wt ? wt + <usize>j * col : w + jb, p1 = wt ? p0 + col : p0 + 4, step: usize = wt ? 16 : ldw << 2;
  const b0 = load<f32>(b + jb), b1 = T > 1 ? load<f32>(b + jb, 4) : b0;
  let s00 = b0, s01 = b1, s10 = b0, s11 = b1, s20 = b0, s21 = b1, s30 = b0, s31 = b1;
  let q0 = p0, q1 = p1;
  for (let k0: usize = 0; k0 < whole; k0 += TAIL_BLOCK << 2) {
    let acc00 = zero, acc01 = zero, acc10 = zero, acc11 = zero, acc20 = zero, acc21 = zero, acc30 = zero, acc31 = zero;
    const end = min(whole, k0 + (TAIL_BLOCK << 2));
    for (let k = k0; k < end; k += 16) {
      // Class by class, the 4 rows' features loaded once: the first class's W vector is dead before the second's.
      const x0 = v128.load(a0 + k), x1 = v128.load(a1 + k), x2 = v128.load(a2 + k), x3 = v128.load(a3 + k);
      const w0 = tailVector(wt, q0, ldw);
      acc00 = madd(x0, w0, acc00); acc10 = madd(x1, w0, acc10); acc20 = madd(x2, w0, acc20); acc30 = madd(x3, w0, acc30);
      if (T > 1) {
        const w1 = tailVector(wt, q1, ldw);
        acc01 = madd(x0, w1, acc01); acc11 = madd(x1, w1, acc11); acc21 = madd(x2, w1, acc21); acc31 = madd(x3, w1, acc31);
      }
      q0 += step; q1 += step;
    }
    s00 += lanesSum(acc00); s10 += lanesSum(acc10); s20 += lanesSum(acc20); s30 += lanesSum(acc30);
    if (T > 1) { s01 += lanesSum(acc01); s11 += lanesSum(acc11); s21 += lanesSum(acc21); s31 += lanesSum(acc31); }
  }
  for (let k = d & ~3; k < d; k++) {
    const kb = <usize>k << 2, w0 = tailScalar(wt, p0, ldw, k), w1 = T > 1 ? tailScalar(wt, p1, ldw, k) : w0;
    const x0 = load<f32>(a0 + kb), x1 = load<f32>(a1 + kb), x2 = load<f32>(a2 + kb), x3 = load<f32>(a3 + kb);
    s00 += x0 * w0; s10 += x1 * w0; s20 += x2 * w0; s30 += x3 * w0;
    if (T > 1) { s01 += x0 * w1; s11 += x1 * w1; s21 += x2 * w1; s31 += x3 * w1; }
  }
  store<f32>(c3 + jb, s30); store<f32>(c2 + jb, s20); store<f32>(c1 + jb, s10); store<f32>(c0 + jb, s00);
  if (T > 1) { store<f32>(c3 + jb, s31, 4); store<f32>(c2 + jb, s21, 4); store<f32>(c1 + jb, s11, 4); store<f32>(c0 + jb, s01, 4); }
}

// @ts-ignore: decorator
@inline function lanesSum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** W[k, j] of a tail column: from the packed column, or down W's column. */
// @ts-ignore: decorator
@inline function tailScalar(wt: usize, p: usize, ldw: usize, k: i32): f32 {
  return load<f32>(wt ? p + (<usize>k << 2) : p + ldw * k);
}

/** W[k..k+3, j] as a vector: one load from the packed column, or 4 lanes gathered down W's column. */
// @ts-ignore: decorator
@inline function tailVector(wt: usize, p: usize, ldw: usize): v128 {
  if (wt) return v128.load(p);
  let v = v128.load32_splat(p);
  v = v128.load32_lane(p + ldw, v, 1);
  v = v128.load32_lane(p + 2 * ldw, v, 2);
  return v128.load32_lane(p + 3 * ldw, v, 3);
}


/**
 * No-SIMD build: 3 rows × 4 classes of S in 12 scalar locals over the k loop (b first, then k = 0, 1, …, the
 * order of the SIMD builds' class tiles; their tail classes sum in blocks, scoreTail).
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
  storeTile3(V, o + (k2 >> 2) * ldc, f32x4.mul(acc20, vs), f32x4.mul(acc21, vs), f32x4.mul(acc22, vs));
  storeTile3(V, o + (k1 >> 2) * ldc, f32x4.mul(acc10, vs), f32x4.mul(acc11, vs), f32x4.mul(acc12, vs));
  storeTile3(V, o + (k0 >> 2) * ldc, f32x4.mul(acc00, vs), f32x4.mul(acc01, vs), f32x4.mul(acc02, vs));
}

// @ts-ignore: decorator
@inline function storeTile3(V: i32, c: usize, v0: v128, v1: v128, v2: v128): void {
  storeTile(V > 1 ? 2 : 1, c, v0, v1);
  if (V > 2) v128.store(c, v2, 32);
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
 * dW[k, :] += Σ_r a_r[k]·dS[r, :] for the `rows` (1–4) rows of a block (SIMD builds). The block's dS stays in
 * registers while dW streams through once; each element takes the rows in order, so a sequence of these updates
 * sums in the same order as weightGradient's tile. Rows past `rows` repeat a row pointer with zero dS. The `first`
 * block starts from 0 instead of reading dW and the `last` one stores the sum times `scale`, as weightGradient's
 * tile does, so dW needs no zeroing or scaling pass. The c & 3 tail classes take the features along the lanes
 * and sum in `dwt` (c & 3 columns of tailColumnBytes(d)) until the last block scatters them into dW.
 */
// @ts-ignore: decorator
@inline export function rank4Update(d: i32, c: i32, cp: i32, a0: usize, a1: usize, a2: usize, a3: usize, g: usize,
                                    rows: i32, first: bool, last: bool, scale: f32, dw: usize, dwt: usize): void {
  if (first && last) rank4Pass(true, true, d, c, cp, a0, a1, a2, a3, g, rows, scale, dw, dwt);
  else if (first) rank4Pass(true, false, d, c, cp, a0, a1, a2, a3, g, rows, scale, dw, dwt);
  else if (last) rank4Pass(false, true, d, c, cp, a0, a1, a2, a3, g, rows, scale, dw, dwt);
  else rank4Pass(false, false, d, c, cp, a0, a1, a2, a3, g, rows, scale, dw, dwt);
}

/** rank4Update with `first` and `last` constant at each call site. */
// @ts-ignore: decorator
@inline function rank4Pass(first: bool, last: bool, d: i32, c: i32, cp: i32, a0: usize, a1: usize, a2: usize,
                           a3: usize, g: usize, rows: i32, scale: f32, dw: usize, dwt: usize): void {
  const ldc = <usize>cp << 2, q = c >> 2;
  const g1 = rows > 1 ? g + ldc : 0, g2 = rows > 2 ? g + 2 * ldc : 0, g3 = rows > 3 ? g + 3 * ldc : 0;
  let v = 0;
  for (; v + 2 <= q; v += 2) rank4Tile(2, first, last, d, ldc, a0, a1, a2, a3, g, g1, g2, g3, <usize>v << 4, scale, dw);
  if (v < q) rank4Tile(1, first, last, d, ldc, a0, a1, a2, a3, g, g1, g2, g3, <usize>v << 4, scale, dw);
  const t = c & 3;
  if (t == 0) return;
  const m = <usize>q << 4, col = tailColumnBytes(d);
  if (last) for (let k = 0; k < d; k++) v128.store(dw + <usize>k * ldc + m, f32x4.splat(0));
  for (let j = 0; j + 2 <= t; j += 2) rank4Tail(2, first, last, d, ldc, a0, a1, a2, a3, g, g1, g2, g3, m + (<usize>j << 2), dwt + <usize>j * col, col, scale, dw);
  if (t & 1) rank4Tail(1, first, last, d, ldc, a0, a1, a2, a3, g, g1, g2, g3, m + (<usize>(t - 1) << 2), dwt + <usize>(t - 1) * col, col, scale, dw);
}

/** V vectors of a dS row at byte `j`, or zeros when the row is absent (row = 0). */
// @ts-ignore: decorator
@inline function dsVector(row: usize, j: usize): v128 {
  return row ? v128.load(row + j) : f32x4.splat(0);
}

/** One dS value of a row splatted, or zeros when the row is absent (row = 0). */
// @ts-ignore: decorator
@inline function dsSplat(row: usize, j: usize): v128 {
  return row ? v128.load32_splat(row + j) : f32x4.splat(0);
}

/** dW columns j.. (V vectors) over every k, the 4 rows' dS in registers. */
// @ts-ignore: decorator
@inline function rank4Tile(V: i32, first: bool, last: bool, d: i32, ldc: usize, a0: usize, a1: usize, a2: usize,
                           a3: usize, g0: usize, g1: usize, g2: usize, g3: usize, j: usize, scale: f32, dw: usize): void {
  const zero = f32x4.splat(0), vs = f32x4.splat(scale);
  const u0 = v128.load(g0 + j), u1 = V > 1 ? v128.load(g0 + j, 16) : zero;
  const h0 = dsVector(g1, j), h1 = V > 1 ? dsVector(g1, j + 16) : zero;
  const e0 = dsVector(g2, j), e1 = V > 1 ? dsVector(g2, j + 16) : zero;
  const f0 = dsVector(g3, j), f1 = V > 1 ? dsVector(g3, j + 16) : zero;
  // k unrolled by 2 (in the mul+add build the loop overhead is a sixth of the instructions); an odd d takes one more.
  const pairs = a0 + (<usize>(d & ~1) << 2);
  let o = dw + j;
  while (a0 < pairs) {
    rank4Row(V, first, last, 0, a0, a1, a2, a3, u0, u1, h0, h1, e0, e1, f0, f1, vs, o);
    rank4Row(V, first, last, 4, a0, a1, a2, a3, u0, u1, h0, h1, e0, e1, f0, f1, vs, o + ldc);
    a0 += 8; a1 += 8; a2 += 8; a3 += 8; o += ldc << 1;
  }
  if (d & 1) rank4Row(V, first, last, 0, a0, a1, a2, a3, u0, u1, h0, h1, e0, e1, f0, f1, vs, o);
}

/** dW row o (V vectors) += x_r[k]·dS_r for the 4 rows; x_r[k] is at a_r + at. */
// @ts-ignore: decorator
@inline function rank4Row(V: i32, first: bool, last: bool, at: usize, a0: usize, a1: usize, a2: usize, a3: usize,
                          u0: v128, u1: v128, h0: v128, h1: v128, e0: v128, e1: v128, f0: v128, f1: v128, vs: v128,
                          o: usize): void {
  const zero = f32x4.splat(0);
  let acc0 = first ? zero : v128.load(o);
  let acc1 = V > 1 && !first ? v128.load(o, 16) : zero;
  const x0 = v128.load32_splat(a0 + at);
  acc0 = madd(x0, u0, acc0);
  if (V > 1) acc1 = madd(x0, u1, acc1);
  const x1 = v128.load32_splat(a1 + at);
  acc0 = madd(x1, h0, acc0);
  if (V > 1) acc1 = madd(x1, h1, acc1);
  const x2 = v128.load32_splat(a2 + at);
  acc0 = madd(x2, e0, acc0);
  if (V > 1) acc1 = madd(x2, e1, acc1);
  const x3 = v128.load32_splat(a3 + at);
  acc0 = madd(x3, f0, acc0);
  if (V > 1) acc1 = madd(x3, f1, acc1);
  if (last) storeTile(V, o, f32x4.mul(acc0, vs), f32x4.mul(acc1, vs));
  else storeTile(V, o, acc0, acc1);
}

/**
 * Tail class at byte `j` of a dS row (and the next when T = 2), with the features along the lanes: the column
 * sums in `dwt` (T columns `col` bytes apart); the last block scatters it, times scale, into dW's column j.
 * The d & 3 last features take the same multiply-add one lane at a time, so every element rounds as madd does.
 */
// @ts-ignore: decorator
@inline function rank4Tail(T: i32, first: bool, last: bool, d: i32, ldc: usize, a0: usize, a1: usize, a2: usize,
                           a3: usize, g0: usize, g1: usize, g2: usize, g3: usize, j: usize, dwt: usize, col: usize,
                           scale: f32, dw: usize): void {
  const zero = f32x4.splat(0), vs = f32x4.splat(scale), whole = <usize>(d & ~3) << 2;
  const u0 = v128.load32_splat(g0 + j), u1 = T > 1 ? v128.load32_splat(g0 + j, 4) : zero;
  const h0 = dsSplat(g1, j), h1 = T > 1 ? dsSplat(g1, j + 4) : zero;
  const e0 = dsSplat(g2, j), e1 = T > 1 ? dsSplat(g2, j + 4) : zero;
  const f0 = dsSplat(g3, j), f1 = T > 1 ? dsSplat(g3, j + 4) : zero;
  let k: usize = 0;
  for (; k < whole; k += 16) rank4TailStep(4, T, first, last, k, ldc, a0, a1, a2, a3, u0, u1, h0, h1, e0, e1, f0, f1, dwt, col, vs, dw + j);
  for (; k < <usize>d << 2; k += 4) rank4TailStep(1, T, first, last, k, ldc, a0, a1, a2, a3, u0, u1, h0, h1, e0, e1, f0, f1, dwt, col, vs, dw + j);
}

/** One step of rank4Tail at byte k of the rows: L = 4 features (vectors), or L = 1 (lane 0 of splats). */
// @ts-ignore: decorator
@inline function rank4TailStep(L: i32, T: i32, first: bool, last: bool, k: usize, ldc: usize, a0: usize, a1: usize,
                               a2: usize, a3: usize, u0: v128, u1: v128, h0: v128, h1: v128, e0: v128, e1: v128,
                               f0: v128, f1: v128, dwt: usize, col: usize, vs: v128, dw: usize): void {
  const zero = f32x4.splat(0);
  let acc0 = first ? zero : laneLoad(L, dwt + k);
  let acc1 = T > 1 && !first ? laneLoad(L, dwt + col + k) : zero;
  // Each class re-reads the rows' features (L1 hits): loads are cheaper here than registers.
  acc0 = rowsMadd(L, k, a0, a1, a2, a3, u0, h0, e0, f0, acc0);
  if (T > 1) acc1 = rowsMadd(L, k, a0, a1, a2, a3, u1, h1, e1, f1, acc1);
  if (last) {
    const o = dw + (k >> 2) * ldc;
    scatterColumn(L, o, ldc, f32x4.mul(acc0, vs));
    if (T > 1) scatterColumn(L, o + 4, ldc, f32x4.mul(acc1, vs));
  } else {
    laneStore(L, dwt + k, acc0);
    if (T > 1) laneStore(L, dwt + col + k, acc1);
  }
}

/** acc + x_0[k]·u + x_1[k]·h + x_2[k]·e + x_3[k]·f, added in row order. */
// @ts-ignore: decorator
@inline function rowsMadd(L: i32, k: usize, a0: usize, a1: usize, a2: usize, a3: usize, u: v128, h: v128, e: v128,
                          f: v128, acc: v128): v128 {
  return madd(laneLoad(L, a3 + k), f, madd(laneLoad(L, a2 + k), e, madd(laneLoad(L, a1 + k), h, madd(laneLoad(L, a0 + k), u, acc))));
}

// @ts-ignore: decorator
@inline function laneLoad(L: i32, p: usize): v128 {
  return L == 4 ? v128.load(p) : v128.load32_splat(p);
}

// @ts-ignore: decorator
@inline function laneStore(L: i32, p: usize, v: v128): void {
  if (L == 4) v128.store(p, v);
  else v128.store32_lane(p, v, 0);
}

/** Lanes 0..L−1 of v to dW rows k..k+L−1 of one column (o is row k's element, ldc the row stride). */
// @ts-ignore: decorator
@inline function scatterColumn(L: i32, o: usize, ldc: usize, v: v128): void {
  v128.store32_lane(o, v, 0);
  if (L == 4) {
    v128.store32_lane(o + ldc, v, 1);
    v128.store32_lane(o + 2 * ldc, v, 2);
    v128.store32_lane(o + 3 * ldc, v, 3);
  }
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

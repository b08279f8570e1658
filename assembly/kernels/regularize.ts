// Regularization of W (never b). Adds the penalty's gradient into dw, which already holds the data gradient,
// and returns the penalty; dw = 0 asks for the penalty alone (a threaded step sums it before dw is reduced).
// Pad lanes of W are zero, so they add nothing. Each gradient element is computed in f64 and rounded once, as in
// the reference twin; the SIMD builds sum the penalty in four interleaved partial sums.
import { abs, add, ld, lanesSum, mul, sign, splat, st } from "./lanes";
import { tileWidth } from "./gemm";

/** λ·Σw², dw += 2λ·w (the cs231n convention). */
export function l2Penalty(len: i32, w: usize, lambda: f64, dw: usize): f64 {
  assert(len >= 0 && lambda >= 0, "l2Penalty: need len >= 0 and lambda >= 0");
  return lambda * penaltySum(false, len, w, lambda, dw);
}

/** λ·Σ|w|, dw += λ·sign(w), 0 at 0. */
export function l1Penalty(len: i32, w: usize, lambda: f64, dw: usize): f64 {
  assert(len >= 0 && lambda >= 0, "l1Penalty: need len >= 0 and lambda >= 0");
  return lambda * penaltySum(true, len, w, lambda, dw);
}

/** Σw² (or Σ|w| when `l1`, a constant at each call site), adding the penalty's gradient into dw unless dw is 0. */
// @ts-ignore: decorator
@inline function penaltySum(l1: bool, len: i32, w: usize, lambda: f64, dw: usize): f64 {
  let sum: f64 = 0, o: usize = 0;
  if (ASC_FEATURE_SIMD) {
    // Two pairs per iteration into two sums: one sum's chain of adds would bound the loop, not the loads.
    let even = splat<v128>(0), odd = even;
    for (const quads = (<usize>len >> 2) << 4; o < quads; o += 16) {
      even = add<v128>(even, penaltyAt<v128>(l1, w + o, lambda, dw && dw + o));
      odd = add<v128>(odd, penaltyAt<v128>(l1, w + o + 8, lambda, dw && dw + o + 8));
    }
    sum = lanesSum<v128>(add<v128>(even, odd));
  }
  for (const end = <usize>len << 2; o < end; o += 4) sum += penaltyAt<f64>(l1, w + o, lambda, dw && dw + o);
  return sum;
}

/** w² (or |w|) of the element(s) at w, after adding 2λ·w (or λ·sign(w)) into dw unless dw is 0. */
// @ts-ignore: decorator
@inline function penaltyAt<T>(l1: bool, w: usize, lambda: f64, dw: usize): T {
  const wi = ld<T>(w);
  if (dw) st<T>(dw, add<T>(ld<T>(dw), l1 ? mul<T>(splat<T>(lambda), sign<T>(wi)) : mul<T>(splat<T>(2 * lambda), wi)));
  return l1 ? abs<T>(wi) : mul<T>(wi, wi);
}

/** Scales every class column of W (d×cp, first c columns) whose L2 norm exceeds limit down to norm limit. */
export function maxNorm(d: i32, c: i32, cp: i32, w: usize, limit: f64): void {
  assert(d >= 1 && c >= 1 && limit > 0, "maxNorm: need d >= 1, c >= 1 and limit > 0");
  assert(cp == ((c + 3) & ~3), "maxNorm: cp must be c rounded up to a multiple of 4");
  const ldw = <usize>cp << 2;
  if (!ASC_FEATURE_SIMD) {
    for (let j = 0; j < c; j++) limitColumn(d, ldw, w + (<usize>j << 2), columnSquares(d, ldw, w + (<usize>j << 2)), limit);
    return;
  }
  // Up to 12 columns per pass down the rows, in six f64x2 sums: one pass over W instead of one per column, and
  // each column's sum still takes the rows in order, as the scalar loop (and the reference) does.
  for (let v = 0, q = cp >> 2; v < q;) {
    const width = tileWidth(q - v), j = v << 2, at = w + (<usize>j << 2);
    if (width == 3) normTile(3, d, ldw, at, c - j, limit);
    else if (width == 2) normTile(2, d, ldw, at, c - j, limit);
    else normTile(1, d, ldw, at, c - j, limit);
    v += width;
  }
}

/** Σ_k W[k, j]² in f64, rows in order, for the column at `col`. */
function columnSquares(d: i32, ldw: usize, col: usize): f64 {
  let sq: f64 = 0;
  for (let k = 0; k < d; k++) {
    const v = <f64>load<f32>(col + <usize>k * ldw);
    sq += v * v;
  }
  return sq;
}

/** Scales the column at `col` down to norm limit if its sum of squares says it is longer. */
function limitColumn(d: i32, ldw: usize, col: usize, sq: f64, limit: f64): void {
  const norm = Math.sqrt(sq);
  if (norm <= limit) return;
  const scale = limit / norm;
  for (let k = 0; k < d; k++) {
    const at = col + <usize>k * ldw;
    store<f32>(at, <f32>(<f64>load<f32>(at) * scale));
  }
}

/** The squares of V f32x4 vectors of columns (4·V columns from `at`, of which `columns` are real), then their limits. */
// @ts-ignore: decorator
@inline function normTile(V: i32, d: i32, ldw: usize, at: usize, columns: i32, limit: f64): void {
  let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0;
  for (let k = 0, row = at; k < d; k++, row += ldw) {
    const v0 = v128.load(row);
    s0 = squaresLow(v0, s0);
    s1 = squaresLow(v128.shuffle<f32>(v0, v0, 2, 3, 0, 1), s1);
    if (V > 1) {
      const v1 = v128.load(row, 16);
      s2 = squaresLow(v1, s2);
      s3 = squaresLow(v128.shuffle<f32>(v1, v1, 2, 3, 0, 1), s3);
    }
    if (V > 2) {
      const v2 = v128.load(row, 32);
      s4 = squaresLow(v2, s4);
      s5 = squaresLow(v128.shuffle<f32>(v2, v2, 2, 3, 0, 1), s5);
    }
  }
  limitPair(d, ldw, at, 0, s0, columns, limit);
  limitPair(d, ldw, at, 2, s1, columns, limit);
  if (V > 1) {
    limitPair(d, ldw, at, 4, s2, columns, limit);
    limitPair(d, ldw, at, 6, s3, columns, limit);
  }
  if (V > 2) {
    limitPair(d, ldw, at, 8, s4, columns, limit);
    limitPair(d, ldw, at, 10, s5, columns, limit);
  }
}

/** sum + (the low two f32 lanes of v, promoted)². */
// @ts-ignore: decorator
@inline function squaresLow(v: v128, sum: v128): v128 {
  const p = f64x2.promote_low_f32x4(v);
  return f64x2.add(sum, f64x2.mul(p, p));
}

/** limitColumn for columns first and first + 1 of the tile, whose sums of squares are the lanes of `sums`. */
// @ts-ignore: decorator
@inline function limitPair(d: i32, ldw: usize, at: usize, first: i32, sums: v128, columns: i32, limit: f64): void {
  if (first < columns) limitColumn(d, ldw, at + (<usize>first << 2), f64x2.extract_lane(sums, 0), limit);
  if (first + 1 < columns) limitColumn(d, ldw, at + (<usize>(first + 1) << 2), f64x2.extract_lane(sums, 1), limit);
}

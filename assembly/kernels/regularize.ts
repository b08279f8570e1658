// Regularization of W (never b). Adds the penalty's gradient into dw, which already holds the data gradient,
// and returns the penalty; dw = 0 asks for the penalty alone (a threaded step sums it before dw is reduced).
// Pad lanes of W are zero, so they add nothing. Each gradient element is computed in f64 and rounded once, as in
// the reference twin; the SIMD builds sum the penalty in four interleaved partial sums.
import { abs, add, ld, lanesSum, mul, sign, splat, st } from "./lanes";

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
  for (let j: usize = 0, end = <usize>c << 2; j < end; j += 4) {
    let sq: f64 = 0;
    for (let k = 0; k < d; k++) {
      const v = <f64>load<f32>(w + <usize>k * ldw + j);
      sq += v * v;
    }
    const norm = Math.sqrt(sq);
    if (norm <= limit) continue;
    const scale = limit / norm;
    for (let k = 0; k < d; k++) {
      const at = w + <usize>k * ldw + j;
      store<f32>(at, <f32>(<f64>load<f32>(at) * scale));
    }
  }
}

// Element-wise f64 arithmetic on f32 arrays, generic over the lane type T: v128 holds two elements as f64x2
// (promoted from f32, computed, demoted with one rounding), f64 holds one. A kernel written once over T computes
// each element with the same operations as its scalar reference twin, on either lane type.

// @ts-ignore: decorator
@inline export function ld<T>(p: usize): T {
  if (isVector<T>()) return f64x2.promote_low_f32x4(v128.load64_zero(p));
  return <f64>load<f32>(p);
}

// @ts-ignore: decorator
@inline export function st<T>(p: usize, x: T): void {
  if (isVector<T>()) v128.store64_lane(p, f32x4.demote_f64x2_zero(x), 0);
  else store<f32>(p, <f32>x);
}

// @ts-ignore: decorator
@inline export function splat<T>(x: f64): T {
  if (isVector<T>()) return f64x2.splat(x);
  return x;
}

// @ts-ignore: decorator
@inline export function add<T>(a: T, b: T): T {
  if (isVector<T>()) return f64x2.add(a, b);
  return a + b;
}

// @ts-ignore: decorator
@inline export function sub<T>(a: T, b: T): T {
  if (isVector<T>()) return f64x2.sub(a, b);
  return a - b;
}

// @ts-ignore: decorator
@inline export function mul<T>(a: T, b: T): T {
  if (isVector<T>()) return f64x2.mul(a, b);
  return a * b;
}

// @ts-ignore: decorator
@inline export function div<T>(a: T, b: T): T {
  if (isVector<T>()) return f64x2.div(a, b);
  return a / b;
}

// @ts-ignore: decorator
@inline export function sqrt<T>(a: T): T {
  if (isVector<T>()) return f64x2.sqrt(a);
  return Math.sqrt(a);
}

/** Byte length of the part the v128 body covers (whole pairs; none in the no-SIMD build). */
// @ts-ignore: decorator
@inline export function pairBytes(len: i32): usize {
  return ASC_FEATURE_SIMD ? (<usize>len >> 1) << 3 : 0;
}

// @ts-ignore: decorator
@inline export function abs<T>(a: T): T {
  if (isVector<T>()) return f64x2.abs(a);
  return Math.abs(a);
}

/** 1, −1 or 0 (also for NaN). */
// @ts-ignore: decorator
@inline export function sign<T>(a: T): T {
  if (isVector<T>()) {
    const zero = f64x2.splat(0);
    return v128.or(v128.and(f64x2.gt(a, zero), f64x2.splat(1)), v128.and(f64x2.lt(a, zero), f64x2.splat(-1)));
  }
  return a > 0 ? 1 : a < 0 ? -1 : 0;
}

/** The sum of the lanes. */
// @ts-ignore: decorator
@inline export function lanesSum<T>(a: T): f64 {
  if (isVector<T>()) return f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
  return a;
}

// @ts-ignore: decorator
@inline export function min<T>(a: T, b: T): T {
  if (isVector<T>()) return f64x2.min(a, b);
  return Math.min(a, b);
}

// @ts-ignore: decorator
@inline export function max<T>(a: T, b: T): T {
  if (isVector<T>()) return f64x2.max(a, b);
  return Math.max(a, b);
}

/** Per lane: s > 0 ? pos : s < 0 ? neg : zero (zero also for NaN), as the sign-agreement rules branch. */
// @ts-ignore: decorator
@inline export function bySign<T>(s: T, pos: T, neg: T, zero: T): T {
  if (isVector<T>()) {
    const z = f64x2.splat(0);
    return v128.bitselect(pos, v128.bitselect(neg, zero, f64x2.lt(s, z)), f64x2.gt(s, z));
  }
  return s > 0 ? pos : s < 0 ? neg : zero;
}

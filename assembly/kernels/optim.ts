// Update rules of cs231n optim.py over flat f32 arrays, in place. Each element is computed in f64 and rounded
// once, with the same operations in the same order as the reference twin (src/reference/optim.ts), so the
// state and the weights equal the twin's bit for bit.
// Pointers are byte addresses of len f32 values; the state arrays have the same length.
//
// Each rule is written once, generic over its lane type (lanes.ts); the SIMD builds run the v128 body two
// elements at a time and the f64 body for the odd tail; the no-SIMD build runs the f64 body throughout.
import { add, bySign, div, ld, max, min, mul, pairBytes, sign, splat, sqrt, st, sub } from "./lanes";

// w −= lr·g
// @ts-ignore: decorator
@inline function sgdAt<T>(o: usize, w: usize, g: usize, lr: f64): void {
  st<T>(w + o, sub<T>(ld<T>(w + o), mul<T>(splat<T>(lr), ld<T>(g + o))));
}

export function sgd(len: i32, w: usize, g: usize, lr: f64): void {
  assert(len >= 0, "sgd: len must be >= 0");
  const pairs = pairBytes(len), end = <usize>len << 2;
  let o: usize = 0;
  if (ASC_FEATURE_SIMD) for (; o < pairs; o += 8) sgdAt<v128>(o, w, g, lr);
  for (; o < end; o += 4) sgdAt<f64>(o, w, g, lr);
}

// v = μv − lr·g; w += v
// @ts-ignore: decorator
@inline function momentumAt<T>(o: usize, w: usize, g: usize, velocity: usize, lr: f64, mu: f64): void {
  const v = sub<T>(mul<T>(splat<T>(mu), ld<T>(velocity + o)), mul<T>(splat<T>(lr), ld<T>(g + o)));
  st<T>(velocity + o, v);
  st<T>(w + o, add<T>(ld<T>(w + o), v));
}

/** v = μv − lr·g; w += v. */
export function momentum(len: i32, w: usize, g: usize, velocity: usize, lr: f64, mu: f64): void {
  assert(len >= 0, "momentum: len must be >= 0");
  const pairs = pairBytes(len), end = <usize>len << 2;
  let o: usize = 0;
  if (ASC_FEATURE_SIMD) for (; o < pairs; o += 8) momentumAt<v128>(o, w, g, velocity, lr, mu);
  for (; o < end; o += 4) momentumAt<f64>(o, w, g, velocity, lr, mu);
}

// v_prev = v; v = μv − lr·g; w += −μ·v_prev + (1 + μ)·v
// @ts-ignore: decorator
@inline function nesterovAt<T>(o: usize, w: usize, g: usize, velocity: usize, lr: f64, mu: f64): void {
  const prev = ld<T>(velocity + o), vmu = splat<T>(mu);
  const v = sub<T>(mul<T>(vmu, prev), mul<T>(splat<T>(lr), ld<T>(g + o)));
  st<T>(velocity + o, v);
  st<T>(w + o, add<T>(sub<T>(ld<T>(w + o), mul<T>(vmu, prev)), mul<T>(splat<T>(1 + mu), v)));
}

/** v_prev = v; v = μv − lr·g; w += −μ·v_prev + (1 + μ)·v. */
export function nesterov(len: i32, w: usize, g: usize, velocity: usize, lr: f64, mu: f64): void {
  assert(len >= 0, "nesterov: len must be >= 0");
  const pairs = pairBytes(len), end = <usize>len << 2;
  let o: usize = 0;
  if (ASC_FEATURE_SIMD) for (; o < pairs; o += 8) nesterovAt<v128>(o, w, g, velocity, lr, mu);
  for (; o < end; o += 4) nesterovAt<f64>(o, w, g, velocity, lr, mu);
}

// The step of adagrad and rmsprop once the cache is updated: w −= lr·g / (√cache + ε)
// @ts-ignore: decorator
@inline function scaledStep<T>(o: usize, w: usize, gi: T, cache: T, lr: f64, eps: f64): void {
  st<T>(w + o, sub<T>(ld<T>(w + o), div<T>(mul<T>(splat<T>(lr), gi), add<T>(sqrt<T>(cache), splat<T>(eps)))));
}

// cache += g²
// @ts-ignore: decorator
@inline function adagradAt<T>(o: usize, w: usize, g: usize, cache: usize, lr: f64, eps: f64): void {
  const gi = ld<T>(g + o);
  const c = add<T>(ld<T>(cache + o), mul<T>(gi, gi));
  st<T>(cache + o, c);
  scaledStep<T>(o, w, gi, c, lr, eps);
}

/** cache += g²; w −= lr·g / (√cache + ε). */
export function adagrad(len: i32, w: usize, g: usize, cache: usize, lr: f64, eps: f64): void {
  assert(len >= 0, "adagrad: len must be >= 0");
  const pairs = pairBytes(len), end = <usize>len << 2;
  let o: usize = 0;
  if (ASC_FEATURE_SIMD) for (; o < pairs; o += 8) adagradAt<v128>(o, w, g, cache, lr, eps);
  for (; o < end; o += 4) adagradAt<f64>(o, w, g, cache, lr, eps);
}

// cache = ρ·cache + (1 − ρ)·g²
// @ts-ignore: decorator
@inline function rmspropAt<T>(o: usize, w: usize, g: usize, cache: usize, lr: f64, rho: f64, eps: f64): void {
  const gi = ld<T>(g + o);
  const c = add<T>(mul<T>(splat<T>(rho), ld<T>(cache + o)), mul<T>(mul<T>(splat<T>(1 - rho), gi), gi));
  st<T>(cache + o, c);
  scaledStep<T>(o, w, gi, c, lr, eps);
}

/** cache = ρ·cache + (1 − ρ)·g²; w −= lr·g / (√cache + ε). */
export function rmsprop(len: i32, w: usize, g: usize, cache: usize, lr: f64, rho: f64, eps: f64): void {
  assert(len >= 0, "rmsprop: len must be >= 0");
  const pairs = pairBytes(len), end = <usize>len << 2;
  let o: usize = 0;
  if (ASC_FEATURE_SIMD) for (; o < pairs; o += 8) rmspropAt<v128>(o, w, g, cache, lr, rho, eps);
  for (; o < end; o += 4) rmspropAt<f64>(o, w, g, cache, lr, rho, eps);
}

// m = β₁m + (1 − β₁)g; v = β₂v + (1 − β₂)g²; w −= lr·(m / bc1) / (√(v / bc2) + ε)
// @ts-ignore: decorator
@inline function adamAt<T>(o: usize, w: usize, g: usize, m: usize, v: usize, lrc: f64, beta1: f64, beta2: f64,
                           eps: f64, ib2: f64): void {
  const gi = ld<T>(g + o);
  const mi = add<T>(mul<T>(splat<T>(beta1), ld<T>(m + o)), mul<T>(splat<T>(1 - beta1), gi));
  const vi = add<T>(mul<T>(splat<T>(beta2), ld<T>(v + o)), mul<T>(mul<T>(splat<T>(1 - beta2), gi), gi));
  st<T>(m + o, mi);
  st<T>(v + o, vi);
  const step = div<T>(mul<T>(splat<T>(lrc), mi), add<T>(sqrt<T>(mul<T>(vi, splat<T>(ib2))), splat<T>(eps)));
  st<T>(w + o, sub<T>(ld<T>(w + o), step));
}

/**
 * m = β₁m + (1 − β₁)g; v = β₂v + (1 − β₂)g²; w −= (lr/bc1)·m / (√(v·(1/bc2)) + ε), with the bias corrections
 * bc1 = 1 − β₁ᵗ and bc2 = 1 − β₂ᵗ computed by the caller for the step's t. The factors lr/bc1 and 1/bc2 are
 * taken once per call, leaving one divide and one square root per element (the update's cost).
 */
export function adam(len: i32, w: usize, g: usize, m: usize, v: usize, lr: f64, beta1: f64, beta2: f64, eps: f64,
                     bc1: f64, bc2: f64): void {
  assert(len >= 0, "adam: len must be >= 0");
  const pairs = pairBytes(len), end = <usize>len << 2, lrc = lr / bc1, ib2 = 1 / bc2;
  let o: usize = 0;
  if (ASC_FEATURE_SIMD) {
    // Two pairs per iteration: independent divide and square-root chains overlap.
    for (; o + 16 <= pairs; o += 16) {
      adamAt<v128>(o, w, g, m, v, lrc, beta1, beta2, eps, ib2);
      adamAt<v128>(o + 8, w, g, m, v, lrc, beta1, beta2, eps, ib2);
    }
    for (; o < pairs; o += 8) adamAt<v128>(o, w, g, m, v, lrc, beta1, beta2, eps, ib2);
  }
  for (; o < end; o += 4) adamAt<f64>(o, w, g, m, v, lrc, beta1, beta2, eps, ib2);
}

// iRprop− (torch.optim.Rprop): the step grows while the gradient keeps its sign and shrinks when it flips, and a
// flipped gradient is dropped for this update (and remembered as 0, so the next step neither grows nor shrinks).
// @ts-ignore: decorator
@inline function rpropAt<T>(o: usize, w: usize, g: usize, prev: usize, step: usize, etaPlus: f64, etaMinus: f64,
                            stepMin: f64, stepMax: f64): void {
  const gi = ld<T>(g + o), si = ld<T>(step + o), s = mul<T>(gi, ld<T>(prev + o)), zero = splat<T>(0);
  const st1 = bySign<T>(s, min<T>(mul<T>(si, splat<T>(etaPlus)), splat<T>(stepMax)),
                        max<T>(mul<T>(si, splat<T>(etaMinus)), splat<T>(stepMin)), si);
  const ge = bySign<T>(s, gi, zero, gi);
  st<T>(step + o, st1);
  st<T>(prev + o, ge);
  st<T>(w + o, sub<T>(ld<T>(w + o), mul<T>(sign<T>(ge), st1)));
}

/**
 * s = g·prev; s > 0: step = min(step·η⁺, stepMax); s < 0: step = max(step·η⁻, stepMin) and g = 0;
 * w −= sign(g)·step; prev = g.
 */
export function rprop(len: i32, w: usize, g: usize, prev: usize, step: usize, etaPlus: f64, etaMinus: f64,
                      stepMin: f64, stepMax: f64): void {
  assert(len >= 0, "rprop: len must be >= 0");
  const pairs = pairBytes(len), end = <usize>len << 2;
  let o: usize = 0;
  if (ASC_FEATURE_SIMD) for (; o < pairs; o += 8) rpropAt<v128>(o, w, g, prev, step, etaPlus, etaMinus, stepMin, stepMax);
  for (; o < end; o += 4) rpropAt<f64>(o, w, g, prev, step, etaPlus, etaMinus, stepMin, stepMax);
}

// Delta-bar-delta (Jacobs 1988): the rate grows by κ while the gradient agrees with its running average δ̄ and
// shrinks by the factor 1 − φ when it disagrees.
// @ts-ignore: decorator
@inline function deltaBarDeltaAt<T>(o: usize, w: usize, g: usize, bar: usize, rate: usize, kappa: f64, phi: f64,
                                    theta: f64): void {
  const gi = ld<T>(g + o), bi = ld<T>(bar + o), ri = ld<T>(rate + o);
  const r = bySign<T>(mul<T>(bi, gi), add<T>(ri, splat<T>(kappa)), mul<T>(ri, splat<T>(1 - phi)), ri);
  st<T>(rate + o, r);
  st<T>(w + o, sub<T>(ld<T>(w + o), mul<T>(r, gi)));
  st<T>(bar + o, add<T>(mul<T>(splat<T>(1 - theta), gi), mul<T>(splat<T>(theta), bi)));
}

/** δ̄·g > 0: rate += κ; δ̄·g < 0: rate ·= (1 − φ); w −= rate·g; δ̄ = (1 − θ)·g + θ·δ̄. */
export function deltaBarDelta(len: i32, w: usize, g: usize, bar: usize, rate: usize, kappa: f64, phi: f64,
                              theta: f64): void {
  assert(len >= 0, "deltaBarDelta: len must be >= 0");
  const pairs = pairBytes(len), end = <usize>len << 2;
  let o: usize = 0;
  if (ASC_FEATURE_SIMD) for (; o < pairs; o += 8) deltaBarDeltaAt<v128>(o, w, g, bar, rate, kappa, phi, theta);
  for (; o < end; o += 4) deltaBarDeltaAt<f64>(o, w, g, bar, rate, kappa, phi, theta);
}

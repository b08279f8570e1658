// Update rules of cs231n optim.py over flat f32 arrays, in place. Each element is computed in f64 and rounded
// once, so the result is the float32 rounding of the exact update (the reference twin's answer).
// Pointers are byte addresses of len f32 values; the state arrays have the same length.

export function sgd(len: i32, w: usize, g: usize, lr: f64): void {
  for (let o: usize = 0, end = <usize>len << 2; o < end; o += 4) {
    store<f32>(w + o, <f32>(<f64>load<f32>(w + o) - lr * <f64>load<f32>(g + o)));
  }
}

/** v = μv − lr·g; w += v. */
export function momentum(len: i32, w: usize, g: usize, velocity: usize, lr: f64, mu: f64): void {
  for (let o: usize = 0, end = <usize>len << 2; o < end; o += 4) {
    const v = mu * <f64>load<f32>(velocity + o) - lr * <f64>load<f32>(g + o);
    store<f32>(velocity + o, <f32>v);
    store<f32>(w + o, <f32>(<f64>load<f32>(w + o) + v));
  }
}

/** v_prev = v; v = μv − lr·g; w += −μ·v_prev + (1 + μ)·v. */
export function nesterov(len: i32, w: usize, g: usize, velocity: usize, lr: f64, mu: f64): void {
  for (let o: usize = 0, end = <usize>len << 2; o < end; o += 4) {
    const prev = <f64>load<f32>(velocity + o);
    const v = mu * prev - lr * <f64>load<f32>(g + o);
    store<f32>(velocity + o, <f32>v);
    store<f32>(w + o, <f32>(<f64>load<f32>(w + o) - mu * prev + (1 + mu) * v));
  }
}

/** cache += g²; w −= lr·g / (√cache + ε). */
export function adagrad(len: i32, w: usize, g: usize, cache: usize, lr: f64, eps: f64): void {
  for (let o: usize = 0, end = <usize>len << 2; o < end; o += 4) {
    const gi = <f64>load<f32>(g + o);
    const c = <f64>load<f32>(cache + o) + gi * gi;
    store<f32>(cache + o, <f32>c);
    store<f32>(w + o, <f32>(<f64>load<f32>(w + o) - lr * gi / (Math.sqrt(c) + eps)));
  }
}

/** cache = ρ·cache + (1 − ρ)·g²; w −= lr·g / (√cache + ε). */
export function rmsprop(len: i32, w: usize, g: usize, cache: usize, lr: f64, rho: f64, eps: f64): void {
  for (let o: usize = 0, end = <usize>len << 2; o < end; o += 4) {
    const gi = <f64>load<f32>(g + o);
    const c = rho * <f64>load<f32>(cache + o) + (1 - rho) * gi * gi;
    store<f32>(cache + o, <f32>c);
    store<f32>(w + o, <f32>(<f64>load<f32>(w + o) - lr * gi / (Math.sqrt(c) + eps)));
  }
}

/**
 * m = β₁m + (1 − β₁)g; v = β₂v + (1 − β₂)g²; w −= lr·(m·c1) / (√(v·c2) + ε),
 * with the bias corrections c1 = 1/(1 − β₁ᵗ), c2 = 1/(1 − β₂ᵗ) computed by the caller for the step's t.
 */
export function adam(len: i32, w: usize, g: usize, m: usize, v: usize, lr: f64, beta1: f64, beta2: f64, eps: f64,
                     c1: f64, c2: f64): void {
  for (let o: usize = 0, end = <usize>len << 2; o < end; o += 4) {
    const gi = <f64>load<f32>(g + o);
    const mi = beta1 * <f64>load<f32>(m + o) + (1 - beta1) * gi;
    const vi = beta2 * <f64>load<f32>(v + o) + (1 - beta2) * gi * gi;
    store<f32>(m + o, <f32>mi);
    store<f32>(v + o, <f32>vi);
    store<f32>(w + o, <f32>(<f64>load<f32>(w + o) - lr * (mi * c1) / (Math.sqrt(vi * c2) + eps)));
  }
}

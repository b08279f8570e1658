// Reference twin of assembly/kernels/optim.ts: cs231n optim.py, element by element in float64, in place.

export function sgd(w: Float32Array, g: Float32Array, lr: number): void {
  for (let k = 0; k < w.length; k++) w[k] = w[k]! - lr * g[k]!;
}

/** v = μv − lr·g; w += v. */
export function momentum(w: Float32Array, g: Float32Array, velocity: Float32Array, lr: number, mu: number): void {
  for (let k = 0; k < w.length; k++) {
    const v = mu * velocity[k]! - lr * g[k]!;
    velocity[k] = v;
    w[k] = w[k]! + v;
  }
}

/** v_prev = v; v = μv − lr·g; w += −μ·v_prev + (1 + μ)·v. */
export function nesterov(w: Float32Array, g: Float32Array, velocity: Float32Array, lr: number, mu: number): void {
  for (let k = 0; k < w.length; k++) {
    const prev = velocity[k]!;
    const v = mu * prev - lr * g[k]!;
    velocity[k] = v;
    w[k] = w[k]! - mu * prev + (1 + mu) * v;
  }
}

/** cache += g²; w −= lr·g / (√cache + ε). */
export function adagrad(w: Float32Array, g: Float32Array, cache: Float32Array, lr: number, eps: number): void {
  for (let k = 0; k < w.length; k++) {
    const c = cache[k]! + g[k]! * g[k]!;
    cache[k] = c;
    w[k] = w[k]! - (lr * g[k]!) / (Math.sqrt(c) + eps);
  }
}

/** cache = ρ·cache + (1 − ρ)·g²; w −= lr·g / (√cache + ε). */
export function rmsprop(w: Float32Array, g: Float32Array, cache: Float32Array, lr: number, rho: number, eps: number): void {
  for (let k = 0; k < w.length; k++) {
    const c = rho * cache[k]! + (1 - rho) * g[k]! * g[k]!;
    cache[k] = c;
    w[k] = w[k]! - (lr * g[k]!) / (Math.sqrt(c) + eps);
  }
}

/**
 * Adam at step t (already incremented): bias-corrected m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ); w −= lr·m̂/(√v̂ + ε),
 * computed as (lr/(1 − β₁ᵗ))·m / (√(v·(1/(1 − β₂ᵗ))) + ε) with both factors taken once, as the kernel does.
 */
export function adam(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lr: number, beta1: number,
                     beta2: number, eps: number, t: number): void {
  const lrc = lr / (1 - beta1 ** t), ib2 = 1 / (1 - beta2 ** t);
  for (let k = 0; k < w.length; k++) {
    const mk = beta1 * m[k]! + (1 - beta1) * g[k]!;
    const vk = beta2 * v[k]! + (1 - beta2) * g[k]! * g[k]!;
    m[k] = mk;
    v[k] = vk;
    w[k] = w[k]! - (lrc * mk) / (Math.sqrt(vk * ib2) + eps);
  }
}

/**
 * iRprop− (as torch.optim.Rprop): s = g·prev; s > 0: step = min(step·η⁺, stepMax); s < 0: step = max(step·η⁻,
 * stepMin) and g = 0 for this update; w −= sign(g)·step; prev = g.
 */
export function rprop(w: Float32Array, g: Float32Array, prev: Float32Array, step: Float32Array, etaPlus: number,
                      etaMinus: number, stepMin: number, stepMax: number): void {
  for (let k = 0; k < w.length; k++) {
    const s = g[k]! * prev[k]!;
    let size = step[k]!, gk = g[k]!;
    if (s > 0) size = Math.min(size * etaPlus, stepMax);
    else if (s < 0) {
      size = Math.max(size * etaMinus, stepMin);
      gk = 0;
    }
    step[k] = size;
    prev[k] = gk;
    w[k] = w[k]! - Math.sign(gk) * size;
  }
}

/** Delta-bar-delta (Jacobs 1988): δ̄·g > 0: rate += κ; δ̄·g < 0: rate ·= (1 − φ); w −= rate·g; δ̄ = (1 − θ)·g + θ·δ̄. */
export function deltaBarDelta(w: Float32Array, g: Float32Array, bar: Float32Array, rate: Float32Array, kappa: number,
                              phi: number, theta: number): void {
  for (let k = 0; k < w.length; k++) {
    const agree = bar[k]! * g[k]!;
    let r = rate[k]!;
    if (agree > 0) r = r + kappa;
    else if (agree < 0) r = r * (1 - phi);
    rate[k] = r;
    w[k] = w[k]! - r * g[k]!;
    bar[k] = (1 - theta) * g[k]! + theta * bar[k]!;
  }
}

// Regularization of W (never b). Adds the penalty's gradient into dw, which already holds the data gradient,
// and returns the penalty. Pad lanes of W are zero, so they add nothing.

/** λ·Σw², dw += 2λ·w (the cs231n convention). */
export function l2Penalty(len: i32, w: usize, lambda: f64, dw: usize): f64 {
  assert(len >= 0 && lambda >= 0, "l2Penalty: need len >= 0 and lambda >= 0");
  let sum: f64 = 0;
  const twoLambda = 2 * lambda;
  for (let o: usize = 0, end = <usize>len << 2; o < end; o += 4) {
    const wi = <f64>load<f32>(w + o);
    sum += wi * wi;
    store<f32>(dw + o, <f32>(<f64>load<f32>(dw + o) + twoLambda * wi));
  }
  return lambda * sum;
}

/** λ·Σ|w|, dw += λ·sign(w), 0 at 0. */
export function l1Penalty(len: i32, w: usize, lambda: f64, dw: usize): f64 {
  assert(len >= 0 && lambda >= 0, "l1Penalty: need len >= 0 and lambda >= 0");
  let sum: f64 = 0;
  for (let o: usize = 0, end = <usize>len << 2; o < end; o += 4) {
    const wi = <f64>load<f32>(w + o);
    sum += Math.abs(wi);
    const sign: f64 = wi > 0 ? 1 : wi < 0 ? -1 : 0;
    store<f32>(dw + o, <f32>(<f64>load<f32>(dw + o) + lambda * sign));
  }
  return lambda * sum;
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

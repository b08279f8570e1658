// Logistic loss on each score with targets t ∈ {0, 1} (binary or multi-label), written with softplus so that
// no exponential overflows: L = max(s, 0) − s·t + log(1 + e^{−|s|}), dS = σ(s) − t.
import { targetLoss } from "./common";

// @ts-ignore: decorator
@inline function sigmoid(z: f64): f64 {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

@final class Logistic {
  // @ts-ignore: decorator
  @inline at(s: f32, t: f32, out: usize): f64 {
    const z = <f64>s, tj = <f64>t;
    store<f32>(out, <f32>(sigmoid(z) - tj));
    return max(z, 0) - z * tj + Math.log1p(Math.exp(-Math.abs(z)));
  }
}

export function logistic(n: i32, c: i32, cp: i32, s: usize, t: usize, idx: usize, sw: usize, ds: usize): f64 {
  return targetLoss<Logistic>(n, c, cp, s, t, idx, sw, ds);
}

/** P = σ(S) on the first c lanes of each row, pad lanes zero. */
export function sigmoidProbabilities(n: i32, c: i32, cp: i32, s: usize, p: usize): void {
  assert(n >= 0 && c >= 1, "sigmoidProbabilities: need n >= 0 rows and c >= 1 classes");
  assert(cp == ((c + 3) & ~3), "sigmoidProbabilities: cp must be c rounded up to a multiple of 4");
  const ldc = <usize>cp << 2, ldr = <usize>c << 2;
  for (let i = 0; i < n; i++) {
    const row = s + <usize>i * ldc, out = p + <usize>i * ldc;
    memory.fill(out, 0, ldc);
    for (let j: usize = 0; j < ldr; j += 4) store<f32>(out + j, <f32>sigmoid(<f64>load<f32>(row + j)));
  }
}

// Logistic loss on each score with targets t ∈ {0, 1} (binary or multi-label), written with softplus so that
// no exponential overflows: L = max(s, 0) − s·t + log(1 + e^{−|s|}), dS = σ(s) − t.
import { rowAt } from "./common";

// @ts-ignore: decorator
@inline function sigmoid(z: f64): f64 {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

export function logistic(n: i32, c: i32, cp: i32, s: usize, t: usize, idx: usize, ds: usize): f64 {
  assert(n >= 0 && c >= 1, "logistic: need n >= 0 rows and c >= 1 classes");
  assert(cp == ((c + 3) & ~3), "logistic: cp must be c rounded up to a multiple of 4");
  const ldc = <usize>cp << 2, ldt = <usize>c << 2;
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const row = s + <usize>i * ldc, out = ds + <usize>i * ldc, tr = rowAt(t, ldt, idx, i);
    memory.fill(out, 0, ldc);
    for (let j: usize = 0; j < ldt; j += 4) {
      const z = <f64>load<f32>(row + j), tj = <f64>load<f32>(tr + j);
      total += max(z, 0) - z * tj + Math.log1p(Math.exp(-Math.abs(z)));
      store<f32>(out + j, <f32>(sigmoid(z) - tj));
    }
  }
  return total;
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

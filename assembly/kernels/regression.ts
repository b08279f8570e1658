// Regression losses on each score against real targets t (n×c rows picked by idx).
// l2: L = Σ (s − t)², dS = 2(s − t).  l1: L = Σ |s − t|, dS = sign(s − t), 0 at 0.
import { rowAt } from "./common";

function regressionLoss(absolute: bool, n: i32, c: i32, cp: i32, s: usize, t: usize, idx: usize, ds: usize): f64 {
  assert(n >= 0 && c >= 1, "regressionLoss: need n >= 0 rows and c >= 1 outputs");
  assert(cp == ((c + 3) & ~3), "regressionLoss: cp must be c rounded up to a multiple of 4");
  const ldc = <usize>cp << 2, ldt = <usize>c << 2;
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const row = s + <usize>i * ldc, out = ds + <usize>i * ldc, tr = rowAt(t, ldt, idx, i);
    memory.fill(out, 0, ldc);
    for (let j: usize = 0; j < ldt; j += 4) {
      const r = load<f32>(row + j) - load<f32>(tr + j);
      if (absolute) {
        total += Math.abs(<f64>r);
        store<f32>(out + j, r > 0 ? 1 : r < 0 ? -1 : 0);
      } else {
        total += <f64>r * r;
        store<f32>(out + j, 2 * r);
      }
    }
  }
  return total;
}

export function l2(n: i32, c: i32, cp: i32, s: usize, t: usize, idx: usize, ds: usize): f64 {
  return regressionLoss(false, n, c, cp, s, t, idx, ds);
}

export function l1(n: i32, c: i32, cp: i32, s: usize, t: usize, idx: usize, ds: usize): f64 {
  return regressionLoss(true, n, c, cp, s, t, idx, ds);
}

// Regression losses on each score against real targets t (n×c rows picked by idx).
// l2: L = Σ (s − t)², dS = 2(s − t).  l1: L = Σ |s − t|, dS = sign(s − t), 0 at 0.
import { targetLoss } from "./common";

@final class Squared {
  // @ts-ignore: decorator
  @inline at(s: f32, t: f32, out: usize): f64 {
    const r = s - t;
    store<f32>(out, 2 * r);
    return <f64>r * r;
  }
}

@final class Absolute {
  // @ts-ignore: decorator
  @inline at(s: f32, t: f32, out: usize): f64 {
    const r = s - t;
    store<f32>(out, r > 0 ? 1 : r < 0 ? -1 : 0);
    return Math.abs(<f64>r);
  }
}

export function l2(n: i32, c: i32, cp: i32, s: usize, t: usize, idx: usize, sw: usize, ds: usize): f64 {
  return targetLoss<Squared>(n, c, cp, s, t, idx, sw, ds);
}

export function l1(n: i32, c: i32, cp: i32, s: usize, t: usize, idx: usize, sw: usize, ds: usize): f64 {
  return targetLoss<Absolute>(n, c, cp, s, t, idx, sw, ds);
}

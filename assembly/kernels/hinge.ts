// Margin losses: multiclass SVM hinge, squared hinge, and the multi-label attribute hinge.
// Each returns Σ_i w_i·L_i over the n rows (f64) and overwrites dS (n×cp) with w_i·∂L_i/∂s, pad lanes zero; w_i is
// the row's class weight (cw, by label) times its sample weight (sw, by row through idx); 0 for either means 1.
// A margin exactly 0 is a kink and takes the subgradient 0.
import { classWeight, rowAt, sampleWeight, targetLoss } from "./common";

/** L_i = Σ_{j≠y} max(0, s_j − s_y + Δ)^p for p = 1 (hinge) or 2 (squared hinge). */
function marginLoss(squared: bool, n: i32, c: i32, cp: i32, s: usize, y: usize, idx: usize, cw: usize, sw: usize,
                    delta: f32, ds: usize): f64 {
  assert(n >= 0 && c >= 1, "marginLoss: need n >= 0 rows and c >= 1 classes");
  assert(cp == ((c + 3) & ~3), "marginLoss: cp must be c rounded up to a multiple of 4");
  const ldc = <usize>cp << 2;
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const row = s + <usize>i * ldc, out = ds + <usize>i * ldc;
    const label = load<i32>(rowAt(y, 4, idx, i));
    assert(<u32>label < <u32>c, "marginLoss: label out of range 0..c-1");
    const weight = classWeight(cw, label) * sampleWeight(sw, idx, i);
    const sy = load<f32>(row + (<usize>label << 2));
    let rowLoss: f64 = 0;
    let pull: f32 = 0;
    memory.fill(out, 0, ldc);
    for (let j = 0; j < c; j++) {
      if (j == label) continue;
      const margin = load<f32>(row + (<usize>j << 2)) - sy + delta;
      if (margin <= 0) continue;
      const g: f32 = squared ? 2 * margin : 1;
      rowLoss += squared ? <f64>margin * margin : <f64>margin;
      pull += g;
      store<f32>(out + (<usize>j << 2), weight * g);
    }
    store<f32>(out + (<usize>label << 2), -weight * pull);
    total += weight * rowLoss;
  }
  return total;
}

export function hinge(n: i32, c: i32, cp: i32, s: usize, y: usize, idx: usize, cw: usize, sw: usize, delta: f32,
                      ds: usize): f64 {
  return marginLoss(false, n, c, cp, s, y, idx, cw, sw, delta, ds);
}

export function squaredHinge(n: i32, c: i32, cp: i32, s: usize, y: usize, idx: usize, cw: usize, sw: usize,
                             delta: f32, ds: usize): f64 {
  return marginLoss(true, n, c, cp, s, y, idx, cw, sw, delta, ds);
}

@final class AttributeHinge {
  // @ts-ignore: decorator
  @inline at(s: f32, t: f32, out: usize): f64 {
    const margin: f32 = <f32>1 - t * s;
    store<f32>(out, margin > 0 ? -t : 0);
    return margin > 0 ? margin : 0;
  }
}

/** L_i = Σ_j max(0, 1 − t_j·s_j) with targets t ∈ {−1, +1} (n×c rows picked by idx). */
export function attributeHinge(n: i32, c: i32, cp: i32, s: usize, t: usize, idx: usize, sw: usize, ds: usize): f64 {
  return targetLoss<AttributeHinge>(n, c, cp, s, t, idx, sw, ds);
}

// Softmax cross-entropy, max-shifted: L_i = log Σ_j e^{s_j − m} − (s_y − m), dS = w_i·(p − onehot(y)), w_i the class
// weight (cw, by label) times the sample weight (sw, by row through idx).
// Exponentials run in f64 per row: the loss is O(n·c) next to the O(n·d·c) GEMMs, so accuracy costs nothing here.
import { classWeight, rowAt, sampleWeight } from "./common";

export function softmax(n: i32, c: i32, cp: i32, s: usize, y: usize, idx: usize, cw: usize, sw: usize, ds: usize): f64 {
  assert(n >= 0 && c >= 1, "softmax: need n >= 0 rows and c >= 1 classes");
  assert(cp == ((c + 3) & ~3), "softmax: cp must be c rounded up to a multiple of 4");
  const ldc = <usize>cp << 2, ldr = <usize>c << 2;
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const row = s + <usize>i * ldc, out = ds + <usize>i * ldc;
    const label = load<i32>(rowAt(y, 4, idx, i));
    assert(<u32>label < <u32>c, "softmax: label out of range 0..c-1");
    const weight = <f64>(classWeight(cw, label) * sampleWeight(sw, idx, i));
    let m = load<f32>(row);
    for (let j: usize = 4; j < ldr; j += 4) m = max(m, load<f32>(row + j));
    let sum: f64 = 0;
    for (let j: usize = 0; j < ldr; j += 4) sum += Math.exp(<f64>load<f32>(row + j) - m);
    const inv = weight / sum;
    memory.fill(out, 0, ldc);
    for (let j: usize = 0; j < ldr; j += 4) store<f32>(out + j, <f32>(Math.exp(<f64>load<f32>(row + j) - m) * inv));
    // p_y − 1 in f64, not from the rounded p_y: a confident row has p_y − 1 ≈ −1e-15, which f32(p_y) = 1 loses.
    const sy = <f64>load<f32>(row + (<usize>label << 2)) - m;
    store<f32>(out + (<usize>label << 2), <f32>((Math.exp(sy) * inv) - weight));
    total += weight * (Math.log(sum) - sy);
  }
  return total;
}

/** Probabilities only (predictProba): P[i, :] = softmax(S[i, :]), pad lanes zero. */
export function softmaxProbabilities(n: i32, c: i32, cp: i32, s: usize, p: usize): void {
  assert(n >= 0 && c >= 1, "softmaxProbabilities: need n >= 0 rows and c >= 1 classes");
  assert(cp == ((c + 3) & ~3), "softmaxProbabilities: cp must be c rounded up to a multiple of 4");
  const ldc = <usize>cp << 2, ldr = <usize>c << 2;
  for (let i = 0; i < n; i++) {
    const row = s + <usize>i * ldc, out = p + <usize>i * ldc;
    let m = load<f32>(row);
    for (let j: usize = 4; j < ldr; j += 4) m = max(m, load<f32>(row + j));
    let sum: f64 = 0;
    for (let j: usize = 0; j < ldr; j += 4) sum += Math.exp(<f64>load<f32>(row + j) - m);
    memory.fill(out, 0, ldc);
    for (let j: usize = 0; j < ldr; j += 4) store<f32>(out + j, <f32>(Math.exp(<f64>load<f32>(row + j) - m) / sum));
  }
}

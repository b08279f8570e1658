// Shared by every kernel family. See assembly/README.md for the kernel contract.

/** Address of batch row `i`: rows are picked through a u32 index list so that a mini-batch needs no gather copy. */
// @ts-ignore: decorator
@inline export function rowAt(base: usize, stride: usize, idx: usize, i: i32): usize {
  return base + <usize>load<u32>(idx + (<usize>i << 2)) * stride;
}

/** a·b + c; fused only in the relaxed-simd build, where the engine may pick either rounding. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Label weight of a row: 1 when no class weights are given (cw = 0). */
// @ts-ignore: decorator
@inline export function classWeight(cw: usize, label: i32): f32 {
  return cw ? load<f32>(cw + (<usize>label << 2)) : 1;
}

/** Sample weight of batch row `i`, read through idx like its target: 1 when no sample weights are given (sw = 0). */
// @ts-ignore: decorator
@inline export function sampleWeight(sw: usize, idx: usize, i: i32): f32 {
  return sw ? load<f32>(rowAt(sw, 4, idx, i)) : 1;
}

/**
 * The row loop of the losses taken on each score against a target matrix (logistic, attribute hinge, l2, l1):
 * the Σ, over the n rows picked by idx and their c real lanes, of `term.at(s, t, out)`, which returns the lane's
 * loss and stores its dS at `out`, each row's times its sample weight (sw, 0 for none); pad lanes of dS are zeroed. T is a stateless @final class whose inline `at` is
 * the loss's formula: AssemblyScript resolves and inlines it per T, as a template would, so no call is left.
 */
// @ts-ignore: decorator
@inline export function targetLoss<T>(n: i32, c: i32, cp: i32, s: usize, t: usize, idx: usize, sw: usize, ds: usize): f64 {
  assert(n >= 0 && c >= 1, "targetLoss: need n >= 0 rows and c >= 1 columns");
  assert(cp == ((c + 3) & ~3), "targetLoss: cp must be c rounded up to a multiple of 4");
  const term = changetype<T>(0), ldc = <usize>cp << 2, ldt = <usize>c << 2;
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const row = s + <usize>i * ldc, out = ds + <usize>i * ldc, tr = rowAt(t, ldt, idx, i);
    const weight = sampleWeight(sw, idx, i);
    memory.fill(out + ldt, 0, ldc - ldt);
    // Times 1 is exact: without sample weights the results are those of the unweighted formula, bit for bit.
    for (let j: usize = 0; j < ldt; j += 4) {
      total += <f64>weight * term.at(load<f32>(row + j), load<f32>(tr + j), out + j);
      store<f32>(out + j, load<f32>(out + j) * weight);
    }
  }
  return total;
}

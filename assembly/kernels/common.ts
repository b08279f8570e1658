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

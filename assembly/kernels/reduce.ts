// Reduction of per-thread partial results (src/threads/step.ts): each thread's share of a mini-batch leaves a
// partial gradient, and the partials are summed into the first one in a fixed order, slice by slice.

/** dst[i] += src[i] for i < len, in f32 (as the GEMMs accumulate). In place; src is left alone. */
export function accumulate(len: i32, dst: usize, src: usize): void {
  assert(len >= 0, "accumulate: len must be >= 0");
  const end = <usize>len << 2;
  let o: usize = 0;
  if (ASC_FEATURE_SIMD) {
    for (; o + 16 <= end; o += 16) v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; o < end; o += 4) store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
}

// Reduction of per-thread partial results (src/threads/step.ts): each thread's share of a mini-batch leaves a
// partial gradient, and the partials are summed into the first one in a fixed order, slice by slice.

/**
 * dst[i] = (((dst[i] + src_0[i]) + src_1[i]) + …) for i < len, in f32 (as the GEMMs accumulate), where src_j
 * starts at src + j·stride bytes, j < count. One pass over dst; the sources are left alone.
 */
export function accumulate(len: i32, dst: usize, src: usize, count: i32, stride: usize): void {
  assert(len >= 0 && count >= 0, "accumulate: len and count must be >= 0");
  const end = <usize>len << 2;
  let o: usize = 0;
  if (ASC_FEATURE_SIMD) {
    for (; o + 16 <= end; o += 16) {
      let sum = v128.load(dst + o);
      for (let j = 0, from = src + o; j < count; j++, from += stride) sum = f32x4.add(sum, v128.load(from));
      v128.store(dst + o, sum);
    }
  }
  for (; o < end; o += 4) {
    let sum = load<f32>(dst + o);
    for (let j = 0, from = src + o; j < count; j++, from += stride) sum += load<f32>(from);
    store<f32>(dst + o, sum);
  }
}

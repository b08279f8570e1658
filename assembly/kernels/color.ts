// Hue histogram (HSV) of RGB images; the float64 twin is src/reference/color.ts.
// Scalar on purpose: channels are interleaved and every pixel ends in a scattered increment, so f32x4 lanes
// would buy a few subtractions and cost a transpose.

/**
 * out[i, b] = (pixels of image i whose hue falls in bin b) / (h·w), for n images of `pixels` pixels with c ≥ 3
 * interleaved channels (R, G, B first; u8 ≠ 0: bytes, else f32). Grey pixels (max = min) have no hue and count in
 * no bin. The hue in sixths of a turn is num/Δ with num ∈ [0, 6Δ), so the bin ⌊bins·num / 6Δ⌋ needs no angle;
 * for bytes num·bins and 6Δ are exact integers, so the bin is exact.
 */
export function colorHistogram(n: i32, pixels: i32, c: i32, src: usize, u8: i32, bins: i32, out: usize): void {
  assert(n >= 1 && pixels >= 1 && c >= 3 && bins >= 1, "colorHistogram: bad sizes");
  for (let i = 0; i < n; i++) {
    const row = out + (<usize>i * <usize>bins << 2), image = <usize>i * <usize>pixels * <usize>c;
    if (u8) countHues<u8>(pixels, c, src + image, bins, row);
    else countHues<f32>(pixels, c, src + (image << 2), bins, row);
    const total = <f32>pixels;
    for (let j = 0; j < bins; j++) store<f32>(row + (<usize>j << 2), load<f32>(row + (<usize>j << 2)) / total);
  }
}

/** Overwrites row (bins) with the hue counts of one image whose channels are of type T. */
function countHues<T>(pixels: i32, c: i32, img: usize, bins: i32, row: usize): void {
  memory.fill(row, 0, <usize>bins << 2);
  const fbins = <f32>bins, step = <usize>c * sizeof<T>();
  for (let k = 0; k < pixels; k++, img += step) {
    const r = <f32>load<T>(img), g = <f32>load<T>(img, sizeof<T>()), b = <f32>load<T>(img, 2 * sizeof<T>());
    const hi = max(r, max(g, b)), delta = hi - min(r, min(g, b));
    if (!(delta > 0)) continue;
    let num: f32;
    if (hi == r) num = g >= b ? g - b : g - b + 6 * delta;
    else if (hi == g) num = b - r + 2 * delta;
    else num = r - g + 4 * delta;
    const bin = min(<i32>Mathf.floor(num * fbins / (6 * delta)), bins - 1);
    const at = row + (<usize>bin << 2);
    store<f32>(at, load<f32>(at) + 1);
  }
}

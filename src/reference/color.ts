// Reference twin of assembly/kernels/color.ts: float64.
import type { Matrix } from "../types.js";
import type { ImageBatch } from "../features/images.js";

/** Per image, the share of its pixels whose hue falls in each of `bins` equal sectors of the hue circle. */
export function colorHistogram(images: ImageBatch, bins: number): Matrix {
  const { count, height, width, channels, data } = images;
  const pixels = height * width;
  const out = new Float32Array(count * bins);
  for (let i = 0; i < count; i++) {
    const counts = new Array<number>(bins).fill(0);
    for (let k = 0; k < pixels; k++) {
      const at = (i * pixels + k) * channels;
      const bin = hueBin(data[at]!, data[at + 1]!, data[at + 2]!, bins);
      if (bin !== null) counts[bin]!++;
    }
    counts.forEach((c, b) => { out[i * bins + b] = c / pixels; });
  }
  return { rows: count, cols: bins, data: out };
}

/**
 * HSV hue bin of (r, g, b), or null for a grey pixel (max = min: no hue). The hue in sixths of a turn is
 * num/Δ (red 0, yellow 1, green 2, cyan 3, blue 4, magenta 5); the bin is ⌊bins·num / 6Δ⌋.
 */
export function hueBin(r: number, g: number, b: number, bins: number): number | null {
  const hi = Math.max(r, g, b), delta = hi - Math.min(r, g, b);
  if (!(delta > 0)) return null;
  let num: number;
  if (hi === r) num = g >= b ? g - b : g - b + 6 * delta;
  else if (hi === g) num = b - r + 2 * delta;
  else num = r - g + 4 * delta;
  return Math.min(bins - 1, Math.floor((num * bins) / (6 * delta)));
}

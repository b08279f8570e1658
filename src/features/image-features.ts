/** HoG and colour histograms of image batches, on the WASM kernels or the float64 reference. */
import type { Matrix } from "../types.js";
import { featureOps, type BackendOption, type BlockNorm } from "./ops.js";
import { imageBatch, type ImageBatch } from "./images.js";
import { optionsArg } from "./args.js";
import * as v from "../validate.js";

export interface HogOptions extends BackendOption {
  /** Cell side in pixels. Default 8. */
  cellSize?: number;
  /** Orientation bins over [0°, 180°), 1..180. Default 9 (20° each). */
  orientations?: number;
  /** Normalisation of 2×2-cell blocks: 'l2-hys' (default), 'l2', or 'none' (raw cell histograms). */
  blockNormalize?: BlockNorm;
}

/**
 * Histogram of oriented gradients (Dalal–Triggs), one row per image:
 * - centered [−1, 0, 1] gradients, 0 on the image border; with several channels, per pixel the channel of
 *   largest gradient magnitude. Bytes are read as value/255.
 * - unsigned orientation θ = atan2(gy, gx) folded into [0°, 180°) (y points down), hard-assigned to bin
 *   ⌊θ·orientations/180°⌋ (no interpolation between bins or cells); the vote is the gradient magnitude.
 *   A vertical edge (horizontal gradient) votes into bin 0.
 * - cells of cellSize² pixels from the top-left corner; pixels past the last whole cell are not used.
 * - 'none': the cy×cx cell histograms, row-major (cy = ⌊height/cellSize⌋). Otherwise blocks of 2×2 cells at a
 *   stride of one cell, (cy−1)×(cx−1) of them, each its 4 cell histograms (row-major) as one vector v,
 *   'l2': v/√(‖v‖²+ε²), 'l2-hys': that clipped at 0.2 and normalised again; ε = 1e-5.
 */
export function hog(images: ImageBatch, options: HogOptions = {}): Matrix {
  const batch = imageBatch("images", images);
  options = optionsArg("options", options);
  const ops = featureOps(options.backend);
  const cell = v.dimension("cellSize", options.cellSize ?? 8);
  const bins = v.dimension("orientations", options.orientations ?? 9);
  if (bins > 180) throw new RangeError(`orientations must be at most 180, got ${bins}`);
  const norm = v.oneOf("blockNormalize", options.blockNormalize ?? "l2-hys", ["l2-hys", "l2", "none"] as const);
  const cells = norm === "none" ? 1 : 2;
  for (const side of ["height", "width"] as const) {
    if (batch[side] < cells * cell) {
      throw new RangeError(`images.${side} is ${batch[side]} but cellSize ${cell}${cells > 1 ? " with 2×2-cell blocks" : ""} needs at least ${cells * cell}`);
    }
  }
  return ops.hog(batch, { cell, bins, norm });
}

export interface ColorHistogramOptions extends BackendOption {
  /** Hue bins over the colour circle, 1..360; bin 0 starts at red. Default 12 (30° each). */
  bins?: number;
}

/**
 * Hue histogram (HSV) of RGB images, one row per image (channels 3, or 4 with alpha ignored). A pixel's hue
 * falls in bin ⌊hue·bins/360°⌋: pure red in bin 0, green at 120°, blue at 240°. Values are counts / (height·width),
 * the share of all pixels; grey pixels (R = G = B: no hue, including black and white) count in no bin, so a
 * row sums to the share of coloured pixels. Hue ignores brightness, so floats need no particular range.
 */
export function colorHistogram(images: ImageBatch, options: ColorHistogramOptions = {}): Matrix {
  const batch = imageBatch("images", images, [3, 4]);
  options = optionsArg("options", options);
  const ops = featureOps(options.backend);
  const bins = v.dimension("bins", options.bins ?? 12);
  if (bins > 360) throw new RangeError(`bins must be at most 360, got ${bins}`);
  return ops.colorHistogram(batch, bins);
}

/**
 * The lectures' picture of what a linear classifier learned: each class's weight column W[:, j] drawn as an
 * image (cs231n's template visualisation), as RGBA bytes that a canvas takes as ImageData and the CLI writes as PNG.
 */
import type { Matrix } from "../types.js";
import * as v from "../validate.js";

/** How a row of X lays out as an image: height × width pixels of `channels` values, the channels of a pixel adjacent. */
export interface TemplateShape {
  height: number;
  width: number;
  /** 1 (gray) or 3 (RGB). */
  channels: number;
}

/** One class's template: RGBA bytes, row-major (as a canvas ImageData). */
export interface TemplateImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/**
 * Class j's template is W[:, j] read as an image in the layout of the input rows (pixel (y, x), channel c is
 * feature (y·width + x)·channels + c, as cs231n's reshape), scaled as cs231n does with one min and one max over
 * all classes: 255·(w − min)/(max − min), so templates compare across classes; rounded to the nearest byte (ties
 * to even, as Uint8ClampedArray rounds). Gray templates repeat the value in R, G and B; alpha is 255. When every
 * weight is equal (a model trained from zeros for no steps) there is no contrast and every pixel is 0.
 */
export function templates(model: { readonly weights: { W: Matrix } }, shape: TemplateShape): TemplateImage[] {
  if (typeof model !== "object" || model === null || !("weights" in model)) {
    throw new TypeError(`model must be a fitted model with weights, got ${v.describe(model)}`);
  }
  if (typeof shape !== "object" || shape === null) throw new TypeError(`shape must be an object {height, width, channels}, got ${v.describe(shape)}`);
  const height = v.dimension("shape.height", shape.height), width = v.dimension("shape.width", shape.width);
  const channels = v.dimension("shape.channels", shape.channels);
  if (channels !== 1 && channels !== 3) throw new RangeError(`shape.channels must be 1 (gray) or 3 (RGB), got ${channels}`);
  const { W } = model.weights;
  if (height * width * channels !== W.rows) {
    throw new RangeError(`shape ${height}×${width}×${channels} = ${height * width * channels} values, but the model has ${W.rows} features`);
  }
  let min = Infinity, max = -Infinity;
  for (const w of W.data) {
    if (w < min) min = w;
    if (w > max) max = w;
  }
  const scale = max > min ? 255 / (max - min) : 0, c = W.cols, pixels = height * width;
  return Array.from({ length: c }, (_, j) => {
    const data = new Uint8ClampedArray(pixels * 4);
    for (let p = 0; p < pixels; p++) {
      for (let k = 0; k < 3; k++) data[p * 4 + k] = scale * (W.data[(p * channels + (channels === 1 ? 0 : k)) * c + j]! - min);
      data[p * 4 + 3] = 255;
    }
    return { width, height, data };
  });
}

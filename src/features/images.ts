/** Image batches: the input of the image feature transforms. */
import type { Matrix } from "../types.js";
import { Backend } from "../backend/backend.js";
import * as v from "../validate.js";

/** Pixel storage: floats (any finite values, [0, 1] by convention) or bytes 0..255 (read as value/255). */
export type Pixels = Float32Array | Uint8Array | Uint8ClampedArray;

/**
 * `count` images of height × width × channels values each, row-major with the channels of a pixel adjacent
 * (image i, row y, column x, channel c is data[((i·height + y)·width + x)·channels + c]).
 */
export interface ImageBatch {
  readonly data: Pixels;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

export const isBytes = (data: Pixels): boolean => !(data instanceof Float32Array);

/** Checks every field of an image batch; `channels` may be restricted to an allowed list. */
export function imageBatch(name: string, value: unknown, channels?: readonly number[]): ImageBatch {
  if (value instanceof Backend) {
    throw new TypeError(`${name} must be an image batch, got a Backend: the backend is an option, as in hog(images, { backend })`);
  }
  if (typeof value !== "object" || value === null) {
    throw new TypeError(`${name} must be an image batch {data, count, height, width, channels}, got ${v.describe(value)}`);
  }
  const b = value as Partial<ImageBatch>;
  const data: unknown = b.data;
  if (!(data instanceof Float32Array || data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    throw new TypeError(`${name}.data must be a Float32Array, Uint8Array or Uint8ClampedArray, got ${v.describe(data)}`);
  }
  const count = v.dimension(`${name}.count`, b.count), height = v.dimension(`${name}.height`, b.height);
  const width = v.dimension(`${name}.width`, b.width), ch = v.dimension(`${name}.channels`, b.channels);
  if (channels && !channels.includes(ch)) {
    throw new RangeError(`${name}.channels must be ${channels.join(" or ")}, got ${ch}`);
  }
  const expected = count * height * width * ch;
  if (data.length !== expected) {
    throw new RangeError(`${name}.data has length ${data.length} but ${count} images of ${height}×${width}×${ch} need ${expected}`);
  }
  if (data instanceof Float32Array) v.allFinite(`${name}.data`, data);
  return { data, count, height, width, channels: ch };
}

/** Images [start, end) of a batch, sharing its data. */
export function slice(images: ImageBatch, start: number, end: number): ImageBatch {
  const size = images.height * images.width * images.channels;
  return { ...images, data: images.data.subarray(start * size, end * size), count: end - start };
}

/** Views each row of X (e.g. MNIST's 784 pixels) as a height × width × channels image; shares X.data. */
export function asImages(X: Matrix, height: number, width: number, channels = 1): ImageBatch {
  v.matrixArg("X", X);
  v.dimension("height", height);
  v.dimension("width", width);
  v.dimension("channels", channels);
  if (X.cols !== height * width * channels) {
    throw new RangeError(`X has ${X.cols} columns but ${height}×${width}×${channels} images need ${height * width * channels}`);
  }
  return { data: X.data, count: X.rows, height, width, channels };
}

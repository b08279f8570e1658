// Reference twin of assembly/kernels/train.ts: the same counter-based random numbers, so the twin and the kernel
// drop the same inputs and draw the same perturbation.
import type { Matrix } from "../types.js";

/** murmur3's fmix32 of seed ^ (e·0x9e3779b9): a uniform u32 per element e. */
export function hash(seed: number, e: number): number {
  let h = (seed ^ Math.imul(e, 0x9e3779b9)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The kernel's integer threshold for dropout probability p: an input is kept when its hash is ≥ it. */
export const dropoutThreshold = (p: number): number => Math.floor(p * 2 ** 32);

/** The inverted-dropout scale 1/(1 − p), as the f32 the kernel multiplies by. */
export const dropoutScale = (p: number): number => Math.fround(1 / (1 - p));

/**
 * Rows `rows` of X with each input kept (and scaled by 1/(1 − p)) or zeroed, element e = (row0 + i)·d + k of the
 * batch (row0: the batch row of rows[0], when `rows` is a chunk of a batch).
 */
export function gatherDropout(X: Matrix, rows: ArrayLike<number>, p: number, seed: number, row0 = 0): Matrix {
  const d = X.cols, threshold = dropoutThreshold(p), scale = dropoutScale(p);
  const out = new Float32Array(rows.length * d);
  for (let i = 0; i < rows.length; i++) {
    for (let k = 0; k < d; k++) {
      const keep = hash(seed, (row0 + i) * d + k) >= threshold;
      out[i * d + k] = keep ? X.data[rows[i]! * d + k]! * scale : 0;
    }
  }
  return { rows: rows.length, cols: d, data: out };
}

/** w + σ·z element-wise (w is rows×c, unpadded), z = (hash(seed, e)/2³² − ½)·√12: uniform, mean 0, variance 1. */
export function perturb(w: Float32Array, sigma: number, seed: number): Float32Array {
  const root12 = Math.sqrt(12);
  return w.map((value, e) => value + sigma * ((hash(seed, e) / 2 ** 32 - 0.5) * root12));
}

/**
 * Bag of visual words: k-means on random image patches learns a codebook (fit, on training images only); an
 * image is then the histogram of the nearest codewords of its patches on a regular grid (transform). The
 * nearest-codeword search, which is the hot loop of both, runs on the backend (WASM: assembly/kernels/kmeans.ts).
 */
import type { Matrix } from "../types.js";
import { Rng } from "../data/rng.js";
import { featureOps, type BackendOption, type FeatureBackend, type PatchBuffer } from "./ops.js";
import { imageBatch, isBytes, type ImageBatch } from "./images.js";
import { optionsArg } from "./args.js";
import * as v from "../validate.js";

export interface BagOfWordsOptions extends BackendOption {
  /** Side of the square patches in pixels. Default 6. */
  patchSize?: number;
  /** Number of codewords k, the length of the encoded vectors. Default 64. */
  codebookSize?: number;
  /** Step of the encoding grid in pixels. Default ⌈patchSize/2⌉. */
  stride?: number;
  /** Random patches that k-means is fitted on. Default 10,000; at least codebookSize. */
  samples?: number;
  /** Most Lloyd iterations; fitting stops earlier once no assignment changes. Default 20. */
  iterations?: number;
  /** Seed of the patch sampling, the k-means++ initialisation and reseeding. Default 0. */
  seed?: number;
}

/** ε of the patch normalisation (x − mean)/√(var + ε), in units of [0, 1] pixels: flat patches stay small. */
const CONTRAST_EPS = 0.01;
/** Patches encoded per call of the nearest-codeword search (bounds the buffer at ~14 MB for 108-value patches). */
const ENCODE_ROWS = 1 << 15;

/** A bag-of-words encoder; fit it on training images, then transform any images with the same channels. */
export class BagOfWords {
  readonly patchSize: number;
  readonly codebookSize: number;
  readonly stride: number;
  readonly samples: number;
  readonly iterations: number;
  readonly seed: number;
  /** Lloyd iterations the last fit ran. */
  iterationsRun = 0;
  private words: Matrix | null = null;
  private channels = 0;
  private readonly backend: FeatureBackend | undefined;

  constructor(options: BagOfWordsOptions = {}) {
    options = optionsArg("options", options);
    featureOps(options.backend);
    this.backend = options.backend;
    this.patchSize = v.dimension("patchSize", options.patchSize ?? 6);
    this.codebookSize = v.dimension("codebookSize", options.codebookSize ?? 64);
    this.stride = v.dimension("stride", options.stride ?? Math.ceil(this.patchSize / 2));
    this.samples = v.dimension("samples", options.samples ?? 10_000);
    if (this.samples < this.codebookSize) {
      throw new RangeError(`samples (${this.samples}) must be at least codebookSize (${this.codebookSize})`);
    }
    this.iterations = v.dimension("iterations", options.iterations ?? 20);
    this.seed = v.dimension("seed", options.seed ?? 0, 0);
  }

  get fitted(): boolean {
    return this.words !== null;
  }

  /** A copy of the codewords, codebookSize × (patchSize²·channels), in normalised-patch units. */
  get codebook(): Matrix {
    const words = this.fittedWords();
    return { rows: words.rows, cols: words.cols, data: words.data.slice() };
  }

  /** Learns the codebook from `samples` random patches of these images. */
  fit(images: ImageBatch): this {
    const batch = this.checkImages(images);
    const p = this.patchSize, d = p * p * batch.channels, rng = new Rng(this.seed);
    const buffer = featureOps(this.backend).patchBuffer(this.samples, d);
    try {
      const view = buffer.view();
      for (let s = 0; s < this.samples; s++) {
        const i = rng.int(batch.count), y = rng.int(batch.height - p + 1), x = rng.int(batch.width - p + 1);
        writePatch(batch, i, y, x, p, view, s * d);
      }
      const { codebook, iterations } = kmeans(buffer, this.codebookSize, this.iterations, rng);
      this.words = codebook;
      this.channels = batch.channels;
      this.iterationsRun = iterations;
    } finally {
      buffer.dispose();
    }
    return this;
  }

  /**
   * One row per image: the share of its grid patches (stride `stride`, from the top-left corner) whose nearest
   * codeword is j, for j < codebookSize; each row sums to 1. Images may differ in size from the training ones.
   */
  transform(images: ImageBatch): Matrix {
    const words = this.fittedWords();
    const batch = this.checkImages(images, [this.channels]);
    const p = this.patchSize, s = this.stride, k = this.codebookSize, d = words.cols;
    const ny = Math.floor((batch.height - p) / s) + 1, nx = Math.floor((batch.width - p) / s) + 1, per = ny * nx;
    const chunk = Math.max(1, Math.min(batch.count, Math.floor(ENCODE_ROWS / per)));
    const out = new Float32Array(batch.count * k), labels = new Int32Array(chunk * per);
    const buffer = featureOps(this.backend).patchBuffer(chunk * per, d);
    try {
      for (let start = 0; start < batch.count; start += chunk) {
        const end = Math.min(batch.count, start + chunk), view = buffer.view();
        for (let i = start, row = 0; i < end; i++) {
          for (let gy = 0; gy < ny; gy++) {
            for (let gx = 0; gx < nx; gx++, row++) writePatch(batch, i, gy * s, gx * s, p, view, row * d);
          }
        }
        buffer.nearest((end - start) * per, words, labels);
        for (let i = start; i < end; i++) {
          const counts = new Array<number>(k).fill(0);
          for (let q = 0; q < per; q++) counts[labels[(i - start) * per + q]!]!++;
          counts.forEach((c, j) => { out[i * k + j] = c / per; });
        }
      }
    } finally {
      buffer.dispose();
    }
    return { rows: batch.count, cols: k, data: out };
  }

  fitTransform(images: ImageBatch): Matrix {
    return this.fit(images).transform(images);
  }

  private fittedWords(): Matrix {
    if (!this.words) throw new Error("BagOfWords: call fit() on training images before transform()");
    return this.words;
  }

  private checkImages(images: ImageBatch, channels?: readonly number[]): ImageBatch {
    const batch = imageBatch("images", images, channels);
    for (const side of ["height", "width"] as const) {
      if (batch[side] < this.patchSize) {
        throw new RangeError(`images.${side} is ${batch[side]}, smaller than patchSize ${this.patchSize}`);
      }
    }
    return batch;
  }
}

/** `new BagOfWords(options)`. */
export const bagOfWords = (options?: BagOfWordsOptions): BagOfWords => new BagOfWords(options);

/**
 * Writes the p×p patch at (y, x) of image i (all channels, row-major) to out[at…], brightness- and
 * contrast-normalised: (x − mean)/√(var + ε), so that codewords describe texture rather than exposure.
 */
function writePatch(images: ImageBatch, i: number, y: number, x: number, p: number, out: Float32Array, at: number): void {
  const { height, width, channels, data } = images;
  const scale = isBytes(data) ? 1 / 255 : 1, rowLen = p * channels, d = p * rowLen;
  let sum = 0, sq = 0;
  for (let r = 0; r < p; r++) {
    const from = ((i * height + y + r) * width + x) * channels;
    for (let e = 0; e < rowLen; e++) {
      const value = data[from + e]! * scale;
      sum += value;
      sq += value * value;
    }
  }
  const mean = sum / d, inv = 1 / Math.sqrt(Math.max(0, sq / d - mean * mean) + CONTRAST_EPS);
  for (let r = 0; r < p; r++) {
    const from = ((i * height + y + r) * width + x) * channels;
    for (let e = 0; e < rowLen; e++) out[at + r * rowLen + e] = (data[from + e]! * scale - mean) * inv;
  }
}

/**
 * Lloyd's k-means on the buffer's rows from a k-means++ start: the assignment runs on the backend, the means in
 * float64 here. A cluster left empty restarts at a random row.
 */
function kmeans(buffer: PatchBuffer, k: number, maxIterations: number, rng: Rng): { codebook: Matrix; iterations: number } {
  const n = buffer.rows, d = buffer.cols;
  const codebook: Matrix = { rows: k, cols: d, data: kmeansPlusPlus(buffer.view(), n, d, k, rng) };
  const labels = new Int32Array(n), previous = new Int32Array(n).fill(-1);
  let iterations = 0;
  while (iterations < maxIterations) {
    buffer.nearest(n, codebook, labels);
    if (labels.every((label, i) => label === previous[i])) break;
    previous.set(labels);
    updateMeans(buffer.view(), n, d, labels, codebook.data, rng);
    iterations++;
  }
  return { codebook, iterations };
}

/** Arthur & Vassilvitskii's seeding: each next centre is a row drawn with probability ∝ its squared distance. */
function kmeansPlusPlus(X: Float32Array, n: number, d: number, k: number, rng: Rng): Float32Array {
  const C = new Float32Array(k * d), dist = new Float64Array(n).fill(Infinity);
  for (let j = 0; j < k; j++) {
    const total = j === 0 ? 0 : dist.reduce((s, e) => s + e, 0);
    let pick = 0;
    if (total > 0) {
      // The first row whose cumulative distance passes r.
      for (let r = rng.uniform() * total; pick < n - 1 && (r -= dist[pick]!) >= 0; pick++);
    } else {
      pick = rng.int(n);
    }
    C.set(X.subarray(pick * d, (pick + 1) * d), j * d);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += (X[i * d + t]! - C[j * d + t]!) ** 2;
      if (s < dist[i]!) dist[i] = s;
    }
  }
  return C;
}

function updateMeans(X: Float32Array, n: number, d: number, labels: Int32Array, C: Float32Array, rng: Rng): void {
  const k = C.length / d, sums = new Float64Array(k * d), counts = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const j = labels[i]!;
    counts[j]!++;
    for (let t = 0; t < d; t++) sums[j * d + t]! += X[i * d + t]!;
  }
  for (let j = 0; j < k; j++) {
    if (counts[j] === 0) {
      const i = rng.int(n);
      C.set(X.subarray(i * d, (i + 1) * d), j * d);
    } else {
      for (let t = 0; t < d; t++) C[j * d + t] = sums[j * d + t]! / counts[j]!;
    }
  }
}

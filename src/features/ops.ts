/**
 * The feature transforms' primitives on either backend: the WASM kernels (assembly/kernels/{hog,color,kmeans}.ts)
 * or their float64 twins (src/reference/). Inputs are validated by the caller (src/features/*.ts).
 */
import { Backend } from "../backend/backend.js";
import { WasmOps } from "../backend/wasm-ops.js";
import type { Matrix } from "../types.js";
import { sharedKernelsSync, type Kernels } from "../wasm/loader.js";
import type { WasmMemory } from "../wasm/memory.js";
import { padCols, withScope, type Scope } from "../wasm/scope.js";
import { isBytes, slice, type ImageBatch } from "./images.js";
import { hog as hogReference, hogLength, type BlockNorm, type HogParams } from "../reference/hog.js";
import { colorHistogram as colorReference } from "../reference/color.js";
import { nearest as nearestReference } from "../reference/kmeans.js";
import * as v from "../validate.js";

export type { BlockNorm, HogParams };

/**
 * Patches (rows × cols f32) where the backend computes on them, for the nearest-codeword search: k-means and
 * the bag-of-words encoder fill it once and query it many times without copying it.
 */
export interface PatchBuffer {
  readonly rows: number;
  readonly cols: number;
  /** Writable view of the rows; take it again after any other call (WASM memory may grow and detach it). */
  view(): Float32Array;
  /** labels[i] = index of the row of `codebook` (k × cols) nearest to row i, for i < n; lowest index on ties. */
  nearest(n: number, codebook: Matrix, labels: Int32Array): void;
  dispose(): void;
}

export interface FeatureOps {
  hog(images: ImageBatch, p: HogParams): Matrix;
  colorHistogram(images: ImageBatch, bins: number): Matrix;
  patchBuffer(rows: number, cols: number): PatchBuffer;
}

/** Where a feature transform computes, as for the models: a Backend from `init()`, 'wasm' or 'reference'. */
export type FeatureBackend = Backend | "wasm" | "reference";

export interface BackendOption {
  /**
   * A Backend from `init()` (borrowed: the transform never disposes it), 'reference' (the float64 twins), or
   * 'wasm' (default): one WASM instance of the best build, shared by every transform in the page or process and
   * compiled synchronously on first use, so that transforms stay synchronous. Its memory holds a transform's
   * working set (about 8 MB of images at a time) only while the call runs.
   */
  backend?: FeatureBackend;
}

/** The feature primitives of a backend option; throws if it is none, or a disposed Backend. */
export function featureOps(backend: unknown): FeatureOps {
  if (backend === undefined || backend === "wasm") return new WasmFeatureOps(sharedKernelsSync());
  if (backend === "reference") return REFERENCE;
  if (!(backend instanceof Backend)) {
    throw new TypeError(`backend must be a Backend from init(), 'wasm' or 'reference', got ${v.describe(backend)}`);
  }
  const ops = backend.ops;
  return ops instanceof WasmOps ? new WasmFeatureOps(ops.kernels) : REFERENCE;
}

const REFERENCE: FeatureOps = {
  hog: hogReference,
  colorHistogram: colorReference,
  patchBuffer(rows, cols) {
    const data = new Float32Array(rows * cols);
    return { rows, cols, view: () => data, nearest: (n, C, labels) => nearestReference(data, n, C, labels), dispose() {} };
  },
};

/** Image bytes copied into WASM per chunk: large batches (60,000 MNIST digits) never sit in WASM memory whole. */
const CHUNK_BYTES = 1 << 23;
const NORMS: Record<BlockNorm, number> = { none: 0, l2: 1, "l2-hys": 2 };
/** Rows per call of the scores GEMM inside `nearest`: the tile's scores stay in cache for the argmax. */
const NEAREST_TILE = 64;

class WasmFeatureOps implements FeatureOps {
  constructor(private readonly kernels: Kernels) {}

  hog(images: ImageBatch, p: HogParams): Matrix {
    const { height: h, width: w, channels: c } = images;
    const cy = Math.floor(h / p.cell), cx = Math.floor(w / p.cell), row = Math.ceil((cx * p.cell) / 4) * 4;
    const len = hogLength(h, w, p);
    return withScope(this.kernels.heap, (sc) => {
      const dirs = sc.f32(Float32Array.from({ length: 2 * (p.bins - 1) }, (_, e) => {
        const angle = ((Math.floor(e / 2) + 1) * Math.PI) / p.bins;
        return e % 2 === 0 ? Math.cos(angle) : Math.sin(angle);
      }));
      const planes = sc.alloc((c * (h + 2) * (w + 2) + 4) * 4);
      const binRow = sc.alloc(row * 4), magRow = sc.alloc(row * 4), hist = sc.alloc(cy * cx * p.bins * 4);
      const scale = isBytes(images.data) ? 1 / 255 : 1;
      return this.chunked(sc, images, len, (n, src, u8, out) => this.kernels.exports.hog(
        n, h, w, c, src, u8, scale, p.cell, p.bins, dirs, NORMS[p.norm], planes, binRow, magRow, hist, out));
    });
  }

  colorHistogram(images: ImageBatch, bins: number): Matrix {
    const { height, width, channels } = images;
    return withScope(this.kernels.heap, (sc) => this.chunked(sc, images, bins, (n, src, u8, out) =>
      this.kernels.exports.colorHistogram(n, height * width, channels, src, u8, bins, out)));
  }

  /** Copies the images in chunk by chunk and runs `kernel(n, src, u8, out)`, which writes n rows of `cols`. */
  private chunked(sc: Scope, images: ImageBatch, cols: number,
                  kernel: (n: number, src: number, u8: number, out: number) => void): Matrix {
    const heap = this.kernels.heap, bytes = isBytes(images.data);
    const imageBytes = images.height * images.width * images.channels * (bytes ? 1 : 4);
    const per = Math.max(1, Math.min(images.count, Math.floor(CHUNK_BYTES / imageBytes)));
    const src = sc.alloc(per * imageBytes), out = sc.alloc(per * cols * 4);
    const result = new Float32Array(images.count * cols);
    for (let start = 0; start < images.count; start += per) {
      const end = Math.min(images.count, start + per), chunk = slice(images, start, end).data;
      if (bytes) heap.bytes(src, chunk.length).set(chunk);
      else heap.f32(src, chunk.length).set(chunk);
      kernel(end - start, src, bytes ? 1 : 0, out);
      result.set(heap.f32(out, (end - start) * cols), start * cols);
    }
    return { rows: images.count, cols, data: result };
  }

  patchBuffer(rows: number, cols: number): PatchBuffer {
    return new WasmPatchBuffer(this.kernels, rows, cols);
  }
}

/** One WASM block: the rows, then the identity index list the kernel reads them through, then the labels. */
class WasmPatchBuffer implements PatchBuffer {
  private readonly heap: WasmMemory;
  private readonly x: number;
  private readonly idx: number;
  private readonly labels: number;
  private disposed = false;

  constructor(private readonly kernels: Kernels, readonly rows: number, readonly cols: number) {
    this.heap = kernels.heap;
    const xBytes = Math.ceil((rows * cols) / 4) * 16;
    this.x = this.heap.alloc(xBytes + 8 * rows);
    this.idx = this.x + xBytes;
    this.labels = this.idx + 4 * rows;
    const idx = this.heap.u32(this.idx, rows);
    for (let i = 0; i < rows; i++) idx[i] = i;
  }

  view(): Float32Array {
    return this.heap.f32(this.x, this.rows * this.cols);
  }

  nearest(n: number, codebook: Matrix, labels: Int32Array): void {
    const k = codebook.rows, kp = padCols(k), d = this.cols;
    withScope(this.heap, (sc) => {
      const ct = sc.alloc(d * kp * 4), bias = sc.alloc(kp * 4), tile = Math.min(n, NEAREST_TILE);
      const s = sc.alloc(tile * kp * 4);
      const ctView = this.heap.f32(ct, d * kp).fill(0), biasView = this.heap.f32(bias, kp).fill(0);
      for (let j = 0; j < k; j++) {
        let sq = 0;
        for (let t = 0; t < d; t++) {
          const e = codebook.data[j * d + t]!;
          ctView[t * kp + j] = e;
          sq += e * e;
        }
        biasView[j] = -0.5 * sq;
      }
      this.kernels.exports.nearest(n, d, k, kp, this.x, d * 4, this.idx, ct, bias, tile, s, this.labels);
      labels.set(this.heap.i32(this.labels, n));
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.heap.release(this.x);
  }
}

// Reference twin of assembly/kernels/hog.ts: float64, the orientation from atan2, every step its own function.
import type { Matrix } from "../types.js";
import { isBytes, type ImageBatch } from "../features/images.js";

export type BlockNorm = "l2-hys" | "l2" | "none";

export interface HogParams {
  /** Cell side in pixels. */
  cell: number;
  /** Orientation bins over [0°, 180°). */
  bins: number;
  norm: BlockNorm;
}

const EPS = 1e-5;
const HYS_CLIP = 0.2;

/** Length of one image's HoG vector. */
export function hogLength(height: number, width: number, p: HogParams): number {
  const cy = Math.floor(height / p.cell), cx = Math.floor(width / p.cell);
  return p.norm === "none" ? cy * cx * p.bins : (cy - 1) * (cx - 1) * 4 * p.bins;
}

export function hog(images: ImageBatch, p: HogParams): Matrix {
  const len = hogLength(images.height, images.width, p);
  const out = new Float32Array(images.count * len);
  for (let i = 0; i < images.count; i++) {
    const cells = cellHistograms(images, i, p);
    const cy = Math.floor(images.height / p.cell), cx = Math.floor(images.width / p.cell);
    out.set(p.norm === "none" ? cells.flat() : blocks(cells, cy, cx, p.norm), i * len);
  }
  return { rows: images.count, cols: len, data: out };
}

/** Value of pixel (y, x), channel ch of image i; bytes stay 0..255 (the magnitude is scaled instead). */
function pixel(images: ImageBatch, i: number, y: number, x: number, ch: number): number {
  const { height, width, channels } = images;
  return images.data[((i * height + y) * width + x) * channels + ch]!;
}

/** Centered differences, 0 on the border; for several channels, the one of largest magnitude (first on ties). */
function gradient(images: ImageBatch, i: number, y: number, x: number): { gx: number; gy: number } {
  const { height, width } = images;
  let best = { gx: 0, gy: 0 }, bestSq = -1;
  for (let ch = 0; ch < images.channels; ch++) {
    const gx = x === 0 || x === width - 1 ? 0 : pixel(images, i, y, x + 1, ch) - pixel(images, i, y, x - 1, ch);
    const gy = y === 0 || y === height - 1 ? 0 : pixel(images, i, y + 1, x, ch) - pixel(images, i, y - 1, x, ch);
    if (gx * gx + gy * gy > bestSq) {
      best = { gx, gy };
      bestSq = gx * gx + gy * gy;
    }
  }
  return best;
}

/** Unsigned orientation in degrees, [0, 180); y points down the image. */
function orientation(gx: number, gy: number): number {
  let deg = (Math.atan2(gy, gx) * 180) / Math.PI;
  if (deg < 0) deg += 180;
  if (deg >= 180) deg -= 180;
  return deg;
}

/** Row-major cy×cx cells of `bins` magnitude sums each; pixels past the last whole cell are not counted. */
function cellHistograms(images: ImageBatch, i: number, p: HogParams): number[][] {
  const cy = Math.floor(images.height / p.cell), cx = Math.floor(images.width / p.cell);
  const scale = isBytes(images.data) ? 1 / 255 : 1;
  const cells = Array.from({ length: cy * cx }, () => new Array<number>(p.bins).fill(0));
  for (let y = 0; y < cy * p.cell; y++) {
    for (let x = 0; x < cx * p.cell; x++) {
      const { gx, gy } = gradient(images, i, y, x);
      const bin = Math.min(p.bins - 1, Math.floor(orientation(gx, gy) / (180 / p.bins)));
      cells[Math.floor(y / p.cell) * cx + Math.floor(x / p.cell)]![bin]! += Math.hypot(gx, gy) * scale;
    }
  }
  return cells;
}

/** 2×2-cell blocks at a stride of one cell, each the concatenation of its 4 cells (row-major), normalised. */
function blocks(cells: number[][], cy: number, cx: number, norm: "l2" | "l2-hys"): number[] {
  const out: number[] = [];
  for (let by = 0; by + 1 < cy; by++) {
    for (let bx = 0; bx + 1 < cx; bx++) {
      const v = [cells[by * cx + bx]!, cells[by * cx + bx + 1]!, cells[(by + 1) * cx + bx]!, cells[(by + 1) * cx + bx + 1]!].flat();
      const unit = l2Normalize(v);
      out.push(...(norm === "l2" ? unit : l2Normalize(unit.map((e) => Math.min(e, HYS_CLIP)))));
    }
  }
  return out;
}

/** v / √(‖v‖² + ε²). */
function l2Normalize(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, e) => s + e * e, 0) + EPS * EPS);
  return v.map((e) => e / norm);
}

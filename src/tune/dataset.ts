/**
 * A search's dataset, written once into one shared WebAssembly.Memory that every lane of the search computes in:
 * the workers, or this thread when the search runs serially. Each lane instantiates the threaded build over that
 * memory with an allocator confined to its own arena, and its trials read their rows in place (markResident):
 * no trial copies X, and the rows sit in the cache once for all lanes, not once per lane. A shared memory never
 * detaches its views when it grows, which is what lets a trial hold a view of its rows across a fit.
 *
 * The rows are laid out so that every trial's training and validation rows are windows of consecutive rows:
 * - with a validation set: the training rows, then the validation rows;
 * - with k folds: the folds' blocks B0 … Bk−1 (each its rows in their order in X), then B0 … Bk−2 again, so that
 *   fold f holds out Bf and trains on the k−1 blocks that follow it.
 */
import type { Matrix } from "../types.js";
import { Backend } from "../backend/backend.js";
import { WasmOps } from "../backend/wasm-ops.js";
import { instantiateKernels, kernelModule, supportedSimd, type SimdLevel } from "../wasm/loader.js";
import { markResident } from "../wasm/resident.js";
import { sharedMemoryWithMaximum, threadsUnavailable } from "../threads/support.js";

const PAGE = 65536;
/** Rows are 16-byte aligned and the block padded by 16 bytes, as every WasmMemory block is (v128 loads). */
const ALIGN = 16;

/** Rows [first, first + count) of the dataset. */
export interface RowWindow {
  first: number;
  count: number;
}

/** What a lane needs to compute on the dataset: posted once to each worker, with the memory and the module. */
export interface DatasetLayout {
  simd: SimdLevel;
  cols: number;
  /** Byte address of row 0. */
  x: number;
  /** Where the lanes' arenas start, and the bytes of each. */
  arenas: number;
  arenaBytes: number;
}

export interface DatasetHandle {
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  layout: DatasetLayout;
}

/** Rows of a matrix, in order: all of them, or those listed. */
export interface RowBlock {
  X: Matrix;
  rows?: ArrayLike<number>;
}

/**
 * Writes the blocks' rows (of one width), block after block, into a fresh shared memory with room for `lanes`
 * arenas, or returns null where this engine has no shared memories (a search then copies X into each trial).
 */
export async function createDataset(blocks: readonly RowBlock[], lanes: number): Promise<DatasetHandle | null> {
  if (threadsUnavailable() !== null) return null;
  const simd = supportedSimd()[0]!, { memory, maximum } = sharedMemoryWithMaximum();
  const module = await kernelModule(simd, true);
  // The kernels' static data ends at heapBase; the rows start after it.
  const probe = await instantiateKernels(module, simd, memory);
  const cols = blocks[0]!.X.cols, x = Math.ceil(probe.exports.heapBase() / ALIGN) * ALIGN;
  const floats = blocks.reduce((n, b) => n + (b.rows?.length ?? b.X.rows) * cols, 0);
  const arenas = Math.ceil((x + floats * 4 + ALIGN) / PAGE) * PAGE;
  const arenaBytes = Math.floor((maximum * PAGE - arenas) / lanes / PAGE) * PAGE;
  if (arenaBytes < 16 * PAGE) {
    throw new RangeError(`search: the dataset (${floats * 4} bytes) leaves no room in a WebAssembly memory for ${lanes} lanes`);
  }
  memory.grow(arenas / PAGE - memory.buffer.byteLength / PAGE);
  let at = x / 4;
  const view = new Float32Array(memory.buffer);
  for (const { X, rows } of blocks) {
    if (!rows) view.set(X.data, at);
    else for (let i = 0; i < rows.length; i++) view.set(X.data.subarray(rows[i]! * cols, (rows[i]! + 1) * cols), at + i * cols);
    at += (rows?.length ?? X.rows) * cols;
  }
  return { memory, module, layout: { simd, cols, x, arenas, arenaBytes } };
}

/** A backend for lane `lane`: the dataset's kernels over its memory, allocating only in the lane's arena. */
export async function laneBackend({ memory, module, layout }: DatasetHandle, lane: number): Promise<Backend> {
  const start = layout.arenas + lane * layout.arenaBytes;
  const kernels = await instantiateKernels(module, layout.simd, memory, { start, end: start + layout.arenaBytes });
  return new Backend(new WasmOps(kernels), layout.simd);
}

/** The rows of a window as a Matrix that engines over the dataset's memory read in place. */
export function windowRows({ memory, layout }: DatasetHandle, { first, count }: RowWindow): Matrix {
  const data = new Float32Array(memory.buffer, layout.x + first * layout.cols * 4, count * layout.cols);
  return { rows: count, cols: layout.cols, data: markResident(data, memory) };
}

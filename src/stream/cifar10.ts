// CIFAR-10, binary version (data_batch_1..5.bin, test_batch.bin), split and centred as cs231n's
// get_CIFAR10_data does. Node only (node:fs).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { matrix } from "../matrix.js";
import type { Matrix } from "../types.js";
import { dimension } from "../validate.js";

const PIXELS = 32 * 32;
const ROW = 1 + 3 * PIXELS; // a label byte, then the R, G and B planes, each 32×32 row-major
export const CIFAR10_DIM = 3 * PIXELS;

export interface Cifar10Options {
  /** Rows of the training split: the first rows of data_batch_1..5 (default 49,000). */
  train?: number;
  /** Rows of the validation split: the `validation` rows after the training split (default 1,000). */
  validation?: number;
  /** Rows of the test split: the first rows of test_batch.bin (default 1,000). */
  test?: number;
  /**
   * Stream the training split instead of loading it (`train` is then a chunk source for `fitStream`): one batch
   * file (30 MB) in memory at a time instead of 49,000 float32 rows (600 MB). Default false.
   */
  stream?: boolean;
  /** Rows per chunk of the stream (default 1,000). */
  chunkRows?: number;
}

export interface Cifar10Split { X: Matrix; y: Int32Array }
export interface Cifar10 {
  train: Cifar10Split;
  validation: Cifar10Split;
  test: Cifar10Split;
  /** The mean image of the training split (HWC, 3,072 values), already subtracted from all three splits. */
  mean: Float32Array;
}

/** With `stream: true`: the training split as chunks, read from the files on each call (one call per epoch). */
export interface Cifar10Streamed extends Omit<Cifar10, "train"> {
  train: () => AsyncIterable<Cifar10Split>;
  /** Rows of the training split. */
  trainRows: number;
}

async function rowsOf(path: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(await readFile(path));
  if (bytes.length % ROW !== 0) {
    throw new RangeError(`${path} is truncated: ${bytes.length} bytes is not a whole number of ${ROW}-byte rows`);
  }
  return bytes;
}

/** Copies `n` rows from `files` (starting at row `skip` of their concatenation) into HWC float32 rows. */
function take(files: Uint8Array[], skip: number, n: number): Cifar10Split {
  const X = matrix(n, CIFAR10_DIM);
  const y = new Int32Array(n);
  let row = 0;
  let at = skip;
  for (const f of files) {
    const count = f.length / ROW;
    for (; row < n && at < count; row++, at++) {
      const src = at * ROW;
      y[row] = f[src]!;
      const dst = row * CIFAR10_DIM;
      // The file is CHW; cs231n transposes to HWC before flattening: value (h,w,c) goes to (h·32+w)·3+c.
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < PIXELS; p++) X.data[dst + p * 3 + c] = f[src + 1 + c * PIXELS + p]!;
      }
    }
    at -= count;
  }
  return { X, y };
}

/** Adds rows of HWC values into the per-position sums, in row order (the same sums for a stream as for the whole). */
function addRows(sum: Float64Array, X: Float32Array): void {
  for (let r = 0; r < X.length / CIFAR10_DIM; r++) for (let j = 0; j < CIFAR10_DIM; j++) sum[j]! += X[r * CIFAR10_DIM + j]!;
}

function centre(split: Cifar10Split, mean: Float32Array): Cifar10Split {
  const d = split.X.data;
  for (let i = 0; i < d.length; i++) d[i]! -= mean[i % CIFAR10_DIM]!;
  return split;
}

const batchFiles = (dir: string): string[] => [1, 2, 3, 4, 5].map((i) => join(dir, `data_batch_${i}.bin`));

/**
 * Loads CIFAR-10's binary files from `dir` as cs231n does: 49,000 training rows, the next 1,000 training rows as
 * validation, the first 1,000 test rows, as float32 HWC rows of 3,072, the training split's mean image subtracted
 * from all three. Labels are 0..9. With `stream: true` the training split is a chunk source for `fitStream`
 * whose rows equal the loaded ones bit for bit (the mean comes from a first pass over the files).
 */
export async function loadCifar10(dir: string, options?: Cifar10Options & { stream?: false }): Promise<Cifar10>;
export async function loadCifar10(dir: string, options: Cifar10Options & { stream: true }): Promise<Cifar10Streamed>;
export async function loadCifar10(dir: string, options: Cifar10Options = {}): Promise<Cifar10 | Cifar10Streamed> {
  if (typeof dir !== "string" || dir === "") throw new TypeError("dir must be a non-empty path string");
  const { train = 49_000, validation = 1_000, test = 1_000, stream = false, chunkRows = 1_000 } = options;
  dimension("train", train);
  dimension("validation", validation);
  dimension("test", test);
  dimension("chunkRows", chunkRows);
  if (typeof stream !== "boolean") throw new TypeError(`stream must be a boolean, got ${typeof stream}`);
  const testSplit = async (): Promise<Cifar10Split> => {
    const file = await rowsOf(join(dir, "test_batch.bin"));
    if (test > file.length / ROW) throw new RangeError(`test is ${test} rows but test_batch.bin holds ${file.length / ROW}`);
    return take([file], 0, test);
  };
  if (!stream) {
    const batches = await Promise.all(batchFiles(dir).map(rowsOf));
    checkAvailable(batches.reduce((s, b) => s + b.length / ROW, 0), train + validation);
    const out = { train: take(batches, 0, train), validation: take(batches, train, validation), test: await testSplit() };
    const sum = new Float64Array(CIFAR10_DIM);
    addRows(sum, out.train.X.data);
    const mean = Float32Array.from(sum, (s) => s / train);
    for (const split of [out.train, out.validation, out.test]) centre(split, mean);
    return { ...out, mean };
  }
  // First pass, one file at a time: the mean of the training rows, and the validation rows that follow them.
  const sum = new Float64Array(CIFAR10_DIM), held: Uint8Array[] = [];
  let first = 0;
  for (const path of batchFiles(dir)) {
    const file = await rowsOf(path), count = file.length / ROW;
    if (first < train) addRows(sum, take([file], 0, Math.min(count, train - first)).X.data);
    if (first + count > train && first < train + validation) held.push(file.subarray(Math.max(0, train - first) * ROW));
    first += count;
  }
  checkAvailable(first, train + validation);
  const mean = Float32Array.from(sum, (s) => s / train);
  const files = batchFiles(dir);
  async function* chunks(): AsyncGenerator<Cifar10Split> {
    let start = 0;
    for (const path of files) {
      if (start >= train) return;
      const file = await rowsOf(path), rows = Math.min(file.length / ROW, train - start);
      for (let r = 0; r < rows; r += chunkRows) {
        yield centre(take([file.subarray(r * ROW)], 0, Math.min(chunkRows, rows - r)), mean);
      }
      start += rows;
    }
  }
  return {
    train: chunks, trainRows: train, mean,
    validation: centre(take(held, 0, validation), mean), test: centre(await testSplit(), mean),
  };
}

function checkAvailable(available: number, wanted: number): void {
  if (wanted > available) throw new RangeError(`train + validation is ${wanted} rows but data_batch_1..5.bin hold ${available}`);
}

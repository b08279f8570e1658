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
}

export interface Cifar10Split { X: Matrix; y: Int32Array }
export interface Cifar10 {
  train: Cifar10Split;
  validation: Cifar10Split;
  test: Cifar10Split;
  /** The mean image of the training split (HWC, 3,072 values), already subtracted from all three splits. */
  mean: Float32Array;
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

/**
 * Loads CIFAR-10's binary files from `dir` as cs231n does: 49,000 training rows, the next 1,000 training rows as
 * validation, the first 1,000 test rows, as float32 HWC rows of 3,072, the training split's mean image subtracted
 * from all three. Labels are 0..9.
 */
export async function loadCifar10(dir: string, options: Cifar10Options = {}): Promise<Cifar10> {
  if (typeof dir !== "string" || dir === "") throw new TypeError("dir must be a non-empty path string");
  const { train = 49_000, validation = 1_000, test = 1_000 } = options;
  dimension("train", train);
  dimension("validation", validation);
  dimension("test", test);
  const batches = await Promise.all([1, 2, 3, 4, 5].map((i) => rowsOf(join(dir, `data_batch_${i}.bin`))));
  const available = batches.reduce((s, b) => s + b.length / ROW, 0);
  if (train + validation > available) {
    throw new RangeError(`train + validation is ${train + validation} rows but data_batch_1..5.bin hold ${available}`);
  }
  const testFile = await rowsOf(join(dir, "test_batch.bin"));
  if (test > testFile.length / ROW) throw new RangeError(`test is ${test} rows but test_batch.bin holds ${testFile.length / ROW}`);
  const out = { train: take(batches, 0, train), validation: take(batches, train, validation), test: take([testFile], 0, test) };
  const sum = new Float64Array(CIFAR10_DIM);
  const X = out.train.X.data;
  for (let r = 0; r < train; r++) for (let j = 0; j < CIFAR10_DIM; j++) sum[j]! += X[r * CIFAR10_DIM + j]!;
  const mean = Float32Array.from(sum, (s) => s / train);
  for (const split of [out.train, out.validation, out.test]) {
    const d = split.X.data;
    for (let i = 0; i < d.length; i++) d[i]! -= mean[i % CIFAR10_DIM]!;
  }
  return { ...out, mean };
}

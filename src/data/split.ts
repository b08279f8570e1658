/** Seeded train/test splits: the same seed gives the same split on every machine (integer-only Rng). */
import type { Matrix } from "../types.js";
import { Rng } from "./rng.js";
import * as v from "../validate.js";

export interface SplitOptions {
  /** Share of the rows that goes to the test set, in (0, 1). Default 0.2. */
  testFraction?: number;
  /** Seed of the shuffle. Default 0. */
  seed?: number;
  /** Keep each class's share in both parts (y must then be Int32Array labels). Default false. */
  stratify?: boolean;
}

/** One part of a split: rows of X with the matching labels (Int32Array) or target rows (Matrix). */
export interface Dataset<Y extends Int32Array | Matrix = Int32Array> {
  X: Matrix;
  y: Y;
}

/**
 * Splits rows into a shuffled train and test part, sizes N − round(N·testFraction) and round(N·testFraction)
 * (at least one row each). With `stratify`, each class gets its share of the test rows by largest remainder
 * (ties to the lower class), so the test size stays exact and class proportions agree to within one row.
 * Inputs are copied, never mutated.
 */
export function trainTestSplit<Y extends Int32Array | Matrix>(X: Matrix, y: Y, options: SplitOptions = {}):
  { train: Dataset<Y>; test: Dataset<Y> } {
  if (typeof options !== "object" || options === null) throw new TypeError(`options must be an object, got ${v.describe(options)}`);
  v.matrixArg("X", X, false);
  if (X.rows < 2) throw new RangeError(`X has ${X.rows} row; a split needs at least 2`);
  checkTargets(y, X.rows);
  const fraction = v.inRange("testFraction", options.testFraction ?? 0.2, 0, 1);
  if (fraction === 0) throw new RangeError("testFraction must be > 0, got 0");
  const rng = new Rng(v.dimension("seed", options.seed ?? 0, 0));
  const nTest = Math.min(X.rows - 1, Math.max(1, Math.round(X.rows * fraction)));

  const stratify = options.stratify ?? false;
  if (typeof stratify !== "boolean") throw new TypeError(`stratify must be a boolean, got ${v.describe(stratify)}`);
  let testIdx: Int32Array, trainIdx: Int32Array;
  if (stratify) {
    if (!(y instanceof Int32Array)) throw new TypeError(`y must be Int32Array labels to stratify, got ${v.describe(y)}`);
    [trainIdx, testIdx] = stratified(y, nTest, rng);
  } else {
    const order = rng.shuffle(Int32Array.from({ length: X.rows }, (_, i) => i));
    testIdx = order.slice(0, nTest);
    trainIdx = order.slice(nTest);
  }
  return { train: takeRows(X, y, trainIdx), test: takeRows(X, y, testIdx) };
}

/** Rows `idx` of X and y, copied. */
function takeRows<Y extends Int32Array | Matrix>(X: Matrix, y: Y, idx: Int32Array): Dataset<Y> {
  return { X: gather(X, idx), y: (y instanceof Int32Array ? Int32Array.from(idx, (i) => y[i]!) : gather(y as Matrix, idx)) as Y };
}

function gather(M: Matrix, idx: Int32Array): Matrix {
  const out = new Float32Array(idx.length * M.cols);
  idx.forEach((row, r) => out.set(M.data.subarray(row * M.cols, (row + 1) * M.cols), r * M.cols));
  return { rows: idx.length, cols: M.cols, data: out };
}

function checkTargets(y: unknown, n: number): void {
  if (y instanceof Int32Array) {
    if (y.length !== n) throw new RangeError(`y has length ${y.length} but X has ${n} rows`);
    y.forEach((label, i) => { if (label < 0) throw new RangeError(`y[${i}] = ${label}: labels must be ≥ 0`); });
  } else if (y instanceof Object && "data" in y) {
    const T = v.matrixArg("y", y, false);
    if (T.rows !== n) throw new RangeError(`y has ${T.rows} rows but X has ${n}`);
  } else {
    throw new TypeError(`y must be Int32Array labels or a target Matrix, got ${v.describe(y)}`);
  }
}

/** Per-class shuffles; class c gives its largest-remainder quota of the nTest test rows. */
function stratified(y: Int32Array, nTest: number, rng: Rng): [Int32Array, Int32Array] {
  const members: number[][] = [];
  y.forEach((label, i) => (members[label] ??= []).push(i));
  const exact = Array.from(members, (m = []) => (m.length * nTest) / y.length);
  const quota = exact.map(Math.floor);
  const order = exact.map((_, c) => c).sort((a, b) => (exact[b]! - quota[b]!) - (exact[a]! - quota[a]!) || a - b);
  const left = nTest - quota.reduce((s, q) => s + q, 0);
  for (let k = 0; k < left; k++) quota[order[k]!] = quota[order[k]!]! + 1;

  const train = new Int32Array(y.length - nTest), test = new Int32Array(nTest);
  let nTrain = 0, nTested = 0;
  for (let c = 0; c < members.length; c++) {
    const shuffled = rng.shuffle(Int32Array.from(members[c] ?? [])), q = quota[c]!;
    test.set(shuffled.subarray(0, q), nTested);
    train.set(shuffled.subarray(q), nTrain);
    nTested += q;
    nTrain += shuffled.length - q;
  }
  // Shuffled again so that neither part comes out grouped by class.
  return [rng.shuffle(train), rng.shuffle(test)];
}

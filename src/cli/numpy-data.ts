/**
 * numpy input of the CLI's `--data`: an .npz holding features and labels by name (`--x-key`, `--y-key`), or an
 * .npy of features with the labels in `--labels` (an .npy of a 1-D integer array). Errors name the option.
 */
import { readFileSync } from "node:fs";
import { loadNpy, loadNpz, type NpyArray } from "../interop/index.js";
import type { Matrix } from "../types.js";
import { MAX_CLASSES } from "./csv.js";

export interface NumpyOptions {
  labels?: string;
  xKey: string;
  yKey: string;
}

/** True when `--data` names a numpy file rather than a CSV. */
export const isNumpy = (file: string): boolean => /\.np[yz]$/i.test(file);

const isNpz = (file: string): boolean => /\.npz$/i.test(file);

/** The features of `--data`: a 2-D array (loadNpy refuses 3-D and more). */
export function numpyFeatures(file: string, xKey: string): Matrix {
  const X = isNpz(file) ? member(file, loadNpz(readFileSync(file)), xKey, "--x-key") : loadNpy(readFileSync(file), file);
  if (X instanceof Int32Array) throw new Error(`--data ${file}: the features must be a 2-D array, got a 1-D array of ${X.length}`);
  return X;
}

/** The features and labels of `--data` (and `--labels` for an .npy of features). */
export function readNumpy(file: string, opts: NumpyOptions): { X: Matrix; y: Int32Array } {
  const X = numpyFeatures(file, opts.xKey);
  let y: NpyArray, where: string;
  if (isNpz(file)) {
    y = member(file, loadNpz(readFileSync(file)), opts.yKey, "--y-key");
    where = `--data ${file} array ${JSON.stringify(opts.yKey)}`;
  } else {
    if (opts.labels === undefined) throw new Error(`--data ${file} is an .npy of features: give the labels with --labels y.npy`);
    y = loadNpy(readFileSync(opts.labels), opts.labels);
    where = `--labels ${opts.labels}`;
  }
  if (!(y instanceof Int32Array)) throw new Error(`${where}: labels must be a 1-D integer array, got a ${y.rows}×${y.cols} float array`);
  if (y.length !== X.rows) throw new Error(`${where}: ${y.length} labels for the ${X.rows} rows of --data ${file}`);
  for (const label of y) {
    if (label < 0 || label >= MAX_CLASSES) throw new Error(`${where}: label ${label} is not a class index 0..${MAX_CLASSES - 1}`);
  }
  return { X, y };
}

function member(file: string, arrays: Record<string, NpyArray>, key: string, option: string): NpyArray {
  const found = arrays[key];
  if (found) return found;
  const names = Object.keys(arrays).map((k) => JSON.stringify(k)).join(", ");
  throw new Error(`--data ${file}: no array ${JSON.stringify(key)} (${option}); it holds ${names}`);
}

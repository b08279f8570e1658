/**
 * A raw binary matrix file, streamed in chunks (Node only). The format, little-endian:
 *
 *   offset  size  field
 *   0       4     magic "SLMB" (simdlinear matrix binary)
 *   4       4     u32 version = 1
 *   8       4     u32 dtype of X: 1 = float32 (the only one)
 *   12      4     u32 targets: 0 = none, 1 = int32 label per row, 2 = float32 target per row
 *   16      8     u64 N, rows
 *   24      4     u32 D, features
 *   28      4     u32 reserved, 0
 *   32      …     N rows, each [target (4 bytes, if any)] [D float32]
 *
 * So a file is 32 + N·(4·D + 4) bytes with targets; the reader checks that before it yields anything.
 */
import { open, type FileHandle } from "node:fs/promises";
import type { Matrix } from "../types.js";
import * as v from "../validate.js";

export const BINARY_MAGIC = "SLMB";
export const BINARY_VERSION = 1;
export const HEADER_BYTES = 32;

export type TargetType = "none" | "int32" | "float32";
const TARGET_CODES: Record<TargetType, number> = { none: 0, int32: 1, float32: 2 };

export interface BinaryHeader {
  rows: number;
  features: number;
  targets: TargetType;
}

/** A chunk of rows: X, and the targets when the file has them (labels Int32Array, or Float32Array). */
export interface BinaryChunk {
  X: Matrix;
  y: Int32Array | Float32Array | null;
}

export function encodeHeader(h: BinaryHeader): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.write(BINARY_MAGIC, 0, "ascii");
  b.writeUInt32LE(BINARY_VERSION, 4);
  b.writeUInt32LE(1, 8);
  b.writeUInt32LE(TARGET_CODES[h.targets], 12);
  b.writeBigUInt64LE(BigInt(h.rows), 16);
  b.writeUInt32LE(h.features, 24);
  return b;
}

export function decodeHeader(b: Buffer, path: string): BinaryHeader {
  if (b.length < HEADER_BYTES || b.toString("ascii", 0, 4) !== BINARY_MAGIC) {
    throw new RangeError(`${path}: not a simdlinear binary file (no "${BINARY_MAGIC}" header)`);
  }
  const version = b.readUInt32LE(4), dtype = b.readUInt32LE(8), code = b.readUInt32LE(12);
  if (version !== BINARY_VERSION) throw new RangeError(`${path}: format version ${version}, this reader knows ${BINARY_VERSION}`);
  if (dtype !== 1) throw new RangeError(`${path}: dtype ${dtype} is not 1 (float32)`);
  const targets = (Object.keys(TARGET_CODES) as TargetType[]).find((t) => TARGET_CODES[t] === code);
  if (!targets) throw new RangeError(`${path}: targets code ${code} is not 0, 1 or 2`);
  const rows = Number(b.readBigUInt64LE(16)), features = b.readUInt32LE(24);
  if (features < 1) throw new RangeError(`${path}: D is 0`);
  return { rows, features, targets };
}

const rowBytes = (h: BinaryHeader): number => 4 * h.features + (h.targets === "none" ? 0 : 4);

export interface ReadBinaryOptions {
  /** Rows per chunk. Default 10,000. */
  rowsPerChunk?: number;
}

/** Reads the header of a binary file (and checks its size against it). */
export async function readBinaryHeader(path: string): Promise<BinaryHeader> {
  const file = await open(path, "r");
  try {
    return await header(file, path);
  } finally {
    await file.close();
  }
}

async function header(file: FileHandle, path: string): Promise<BinaryHeader> {
  const head = Buffer.alloc(HEADER_BYTES);
  const { bytesRead } = await file.read(head, 0, HEADER_BYTES, 0);
  const h = decodeHeader(head.subarray(0, bytesRead), path);
  const want = HEADER_BYTES + h.rows * rowBytes(h), size = (await file.stat()).size;
  if (size !== want) throw new RangeError(`${path}: ${size} bytes, but its header (${h.rows}×${h.features}) needs ${want}: truncated?`);
  return h;
}

/**
 * Yields the file's rows in chunks of `rowsPerChunk` (the last one shorter). One read buffer is reused; each
 * chunk's arrays are fresh, so memory holds about two chunks however large the file is.
 */
export async function* readBinaryChunks(path: string, options: ReadBinaryOptions = {}): AsyncGenerator<BinaryChunk> {
  if (typeof path !== "string") throw new TypeError(`path must be a string, got ${v.describe(path)}`);
  const rowsPerChunk = v.dimension("rowsPerChunk", options.rowsPerChunk ?? 10_000);
  const file = await open(path, "r");
  try {
    const h = await header(file, path), stride = rowBytes(h), d = h.features, labelled = h.targets !== "none";
    const buffer = Buffer.alloc(Math.min(rowsPerChunk, Math.max(h.rows, 1)) * stride);
    let position = HEADER_BYTES;
    for (let first = 0; first < h.rows; first += rowsPerChunk) {
      const n = Math.min(rowsPerChunk, h.rows - first), bytes = n * stride;
      let got = 0;
      while (got < bytes) {
        const { bytesRead } = await file.read(buffer, got, bytes - got, position + got);
        if (bytesRead === 0) throw new RangeError(`${path}: ended inside row ${first + Math.floor(got / stride)}`);
        got += bytesRead;
      }
      position += bytes;
      const view = new DataView(buffer.buffer, buffer.byteOffset, bytes);
      const X = new Float32Array(n * d);
      const y = h.targets === "int32" ? new Int32Array(n) : h.targets === "float32" ? new Float32Array(n) : null;
      for (let i = 0; i < n; i++) {
        let at = i * stride;
        if (y) {
          y[i] = h.targets === "int32" ? view.getInt32(at, true) : view.getFloat32(at, true);
          at += 4;
        }
        // The features are a contiguous float32 run: copy them at once when aligned, else value by value.
        if ((buffer.byteOffset + at) % 4 === 0) X.set(new Float32Array(buffer.buffer, buffer.byteOffset + at, d), i * d);
        else for (let k = 0; k < d; k++) X[i * d + k] = view.getFloat32(at + 4 * k, true);
      }
      yield { X: { rows: n, cols: d, data: X }, y: labelled ? y : null };
    }
  } finally {
    await file.close();
  }
}

/** Writes rows to a binary file chunk by chunk; `close` fills in the row count of the header. */
export class BinaryWriter {
  private rows = 0;

  private constructor(private readonly file: FileHandle, readonly features: number, readonly targets: TargetType,
                      private position: number) {}

  static async create(path: string, features: number, targets: TargetType = "int32"): Promise<BinaryWriter> {
    v.dimension("features", features);
    v.oneOf("targets", targets, ["none", "int32", "float32"] as const);
    const file = await open(path, "w");
    await file.write(encodeHeader({ rows: 0, features, targets }), 0, HEADER_BYTES, 0);
    return new BinaryWriter(file, features, targets, HEADER_BYTES);
  }

  /** Appends the rows of X (with their targets when the file has them). */
  async write(X: Matrix, y?: Int32Array | Float32Array): Promise<void> {
    v.matrixArg("X", X);
    if (X.cols !== this.features) throw new RangeError(`X has ${X.cols} columns but the file has ${this.features}`);
    if ((this.targets === "none") !== (y === undefined)) {
      throw new TypeError(this.targets === "none" ? "y must be omitted: the file has no targets" : "y is required: the file has targets");
    }
    if (y && y.length !== X.rows) throw new RangeError(`y has length ${y.length} but X has ${X.rows} rows`);
    const stride = rowBytes({ rows: 0, features: this.features, targets: this.targets }), out = Buffer.alloc(X.rows * stride);
    for (let i = 0; i < X.rows; i++) {
      let at = i * stride;
      if (y) {
        if (this.targets === "int32") out.writeInt32LE(y[i]!, at);
        else out.writeFloatLE(y[i]!, at);
        at += 4;
      }
      Buffer.from(X.data.buffer, X.data.byteOffset + i * X.cols * 4, X.cols * 4).copy(out, at);
    }
    await this.file.write(out, 0, out.length, this.position);
    this.position += out.length;
    this.rows += X.rows;
  }

  async close(): Promise<void> {
    await this.file.write(encodeHeader({ rows: this.rows, features: this.features, targets: this.targets }), 0, HEADER_BYTES, 0);
    await this.file.close();
  }
}

/**
 * The hashing trick (Weinberger et al. 2009) as in scikit-learn's FeatureHasher / HashingVectorizer: each token
 * is hashed with MurmurHash3 x86 32-bit (seed 0) over its UTF-8 bytes; column = |h| mod nFeatures with h read as
 * a signed int32 (|−2³¹| = 2³¹, as sklearn special-cases it), and with `alternateSign` the value is −1 when
 * h < 0, so that collisions cancel in expectation. Repeated tokens and collisions add up; with `norm: 'l2'`
 * each row is scaled to unit length (HashingVectorizer's default). Same tokens and options give the same
 * columns as sklearn's `HashingVectorizer(analyzer=lambda x: x, n_features=…, alternate_sign=…, norm=…)`.
 */
import { csrMatrix, type CsrMatrix } from "./csr.js";
import * as v from "../validate.js";

const C1 = 0xcc9e2d51, C2 = 0x1b873593;

const rotl32 = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

/** MurmurHash3's finalizer: every input bit affects every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const encoder = new TextEncoder();
/** Scratch for the UTF-8 bytes of a string key (a string of n UTF-16 units takes at most 3n bytes). */
let scratch = new Uint8Array(256);

/**
 * MurmurHash3_x86_32 (Austin Appleby, public domain; github.com/aappleby/smhasher, src/MurmurHash3.cpp), as an
 * unsigned 32-bit value. Strings are hashed as their UTF-8 bytes.
 */
export function murmurhash3(key: string | Uint8Array, seed = 0): number {
  if (typeof key !== "string" && !(key instanceof Uint8Array)) {
    throw new TypeError(`key must be a string or a Uint8Array, got ${v.describe(key)}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in 0..2^32−1, got ${v.describe(seed)}`);
  }
  let data = key as Uint8Array, len = data.length;
  if (typeof key === "string") {
    if (scratch.length < 3 * key.length) scratch = new Uint8Array(3 * key.length);
    data = scratch;
    len = encoder.encodeInto(key, scratch).written;
  }
  const blocks = len & ~3;
  let h = seed >>> 0;
  for (let i = 0; i < blocks; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(rotl32(Math.imul(k, C1), 15), C2);
    h = Math.imul(rotl32(h ^ k, 13), 5) + 0xe6546b64;
  }
  let k = 0;
  switch (len & 3) {
    case 3: k ^= data[blocks + 2]! << 16; // falls through
    case 2: k ^= data[blocks + 1]! << 8; // falls through
    case 1:
      k ^= data[blocks]!;
      h ^= Math.imul(rotl32(Math.imul(k, C1), 15), C2);
  }
  return fmix32(h ^ len) >>> 0;
}

export interface HashingOptions {
  /** Columns of the output. Default 2^20 (sklearn's). */
  nFeatures?: number;
  /** Sign each value by the hash's sign bit. Default true. */
  alternateSign?: boolean;
  /** 'l2': scale each non-empty row to unit Euclidean norm (sklearn HashingVectorizer's default); 'none': counts. */
  norm?: "l2" | "none";
}

/** Token lists (one string[] per row) to a CSR matrix of hashed token counts. */
export function hashing(tokensPerRow: readonly (readonly string[])[], options: HashingOptions = {}): CsrMatrix {
  if (!Array.isArray(tokensPerRow)) throw new TypeError(`tokensPerRow must be an array of string arrays, got ${v.describe(tokensPerRow)}`);
  if (typeof options !== "object" || options === null) throw new TypeError(`options must be an object, got ${v.describe(options)}`);
  const nFeatures = v.dimension("nFeatures", options.nFeatures ?? 2 ** 20);
  if (nFeatures > 2 ** 31) throw new RangeError(`nFeatures must be ≤ 2^31, got ${nFeatures}`);
  const alternateSign = options.alternateSign ?? true;
  if (typeof alternateSign !== "boolean") throw new TypeError(`alternateSign must be a boolean, got ${v.describe(alternateSign)}`);
  const norm = v.oneOf("norm", options.norm ?? "l2", ["l2", "none"] as const);
  const indptr = new Int32Array(tokensPerRow.length + 1), indices: number[] = [], values: number[] = [];
  tokensPerRow.forEach((tokens, i) => {
    if (!Array.isArray(tokens)) throw new TypeError(`tokensPerRow[${i}] must be an array of strings, got ${v.describe(tokens)}`);
    const row = new Map<number, number>();
    tokens.forEach((token, j) => {
      if (typeof token !== "string") throw new TypeError(`tokensPerRow[${i}][${j}] must be a string, got ${v.describe(token)}`);
      const h = murmurhash3(token) | 0;
      const column = Math.abs(h) % nFeatures;
      row.set(column, (row.get(column) ?? 0) + (alternateSign && h < 0 ? -1 : 1));
    });
    const columns = [...row.keys()].filter((k) => row.get(k) !== 0).sort((a, b) => a - b);
    const scale = norm === "l2" ? 1 / Math.sqrt(columns.reduce((acc, k) => acc + row.get(k)! ** 2, 0)) : 1;
    for (const k of columns) {
      indices.push(k);
      values.push(row.get(k)! * scale);
    }
    indptr[i + 1] = indices.length;
  });
  return csrMatrix(indptr, Int32Array.from(indices), Float32Array.from(values), nFeatures);
}

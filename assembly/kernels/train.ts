// Helpers of the training engine (src/train/wasm-engine.ts): buffer copies, the input-dropout batch and the
// random-search perturbation. Their random numbers come from a counter-based hash of (seed, element index), so
// the reference twin (src/reference/train.ts) draws the same numbers and any row range can be done on its own.
import { rowAt } from "./common";

const GOLDEN: u32 = 0x9e3779b9;

/** murmur3's fmix32 of seed ^ (e·golden): a uniform u32 per element e. */
// @ts-ignore: decorator
@inline function hash(seed: u32, e: u32): u32 {
  let h = seed ^ (e * GOLDEN);
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  return h ^ (h >> 16);
}

// @ts-ignore: decorator
@inline function hash4(seed: v128, e: v128): v128 {
  let h = v128.xor(seed, i32x4.mul(e, i32x4.splat(GOLDEN)));
  h = v128.xor(h, i32x4.shr_u(h, 16));
  h = i32x4.mul(h, i32x4.splat(0x85ebca6b));
  h = v128.xor(h, i32x4.shr_u(h, 13));
  h = i32x4.mul(h, i32x4.splat(0xc2b2ae35));
  return v128.xor(h, i32x4.shr_u(h, 16));
}

/** Copies `bytes` bytes from src to dst (the regions may overlap). */
export function copy(dst: usize, src: usize, bytes: i32): void {
  assert(bytes >= 0, "copy: bytes must be >= 0");
  memory.copy(dst, src, <usize>bytes);
}

/**
 * Inverted input dropout of a batch: out[i, k] = X[idx[i], k]·scale where hash(seed, (row0 + i)·d + k) ≥ threshold,
 * else 0. threshold = ⌊p·2³²⌋ drops each input with probability p; scale = 1/(1 − p) keeps the expectation. out
 * is n×d with row stride d (4·d bytes). row0 is the batch row of the call's first row (a thread's chunk of a
 * batch: its rows get the masks they get in the whole batch's call).
 */
export function gatherDropout(n: i32, d: i32, x: usize, xStride: usize, idx: usize, threshold: u32, scale: f32,
                              seed: u32, out: usize, row0: i32): void {
  assert(n >= 0 && d >= 1 && row0 >= 0, "gatherDropout: need n >= 0, d >= 1 and row0 >= 0");
  const rowBytes = <usize>d << 2;
  for (let i = 0; i < n; i++) {
    const src = rowAt(x, xStride, idx, i), dst = out + <usize>i * rowBytes;
    const first = <u32>(row0 + i) * <u32>d;
    const k: usize = ASC_FEATURE_SIMD ? dropoutRow4(rowBytes, src, dst, threshold, scale, seed, first) : 0;
    for (let o = k; o < rowBytes; o += 4) {
      const keep = hash(seed, first + <u32>(o >> 2)) >= threshold;
      store<f32>(dst + o, keep ? load<f32>(src + o) * scale : 0);
    }
  }
}

/** The whole f32x4 vectors of one dropout row; returns the bytes done. */
// @ts-ignore: decorator
@inline function dropoutRow4(rowBytes: usize, src: usize, dst: usize, threshold: u32, scale: f32, seed: u32,
                             first: u32): usize {
  const vscale = f32x4.splat(scale), vthreshold = i32x4.splat(threshold), vseed = i32x4.splat(seed);
  let e = i32x4(first, first + 1, first + 2, first + 3);
  let k: usize = 0;
  for (; k + 16 <= rowBytes; k += 16) {
    const keep = i32x4.ge_u(hash4(vseed, e), vthreshold);
    v128.store(dst + k, v128.and(f32x4.mul(v128.load(src + k), vscale), keep));
    e = i32x4.add(e, i32x4.splat(4));
  }
  return k;
}

/**
 * out = w + σ·z on the first c lanes of each of the `rows` rows (stride cp, pad lanes copied), z uniform with
 * mean 0 and variance 1: z = (hash(seed, r·c + j)/2³² − ½)·√12. Computed in f64, rounded once.
 */
export function perturb(rows: i32, c: i32, cp: i32, w: usize, out: usize, sigma: f64, seed: u32): void {
  assert(rows >= 0 && c >= 1 && cp >= c, "perturb: need rows >= 0 and cp >= c >= 1");
  const ld = <usize>cp << 2;
  const root12 = Math.sqrt(12);
  memory.copy(out, w, <usize>rows * ld);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < c; j++) {
      const at = <usize>r * ld + (<usize>j << 2);
      const u = <f64>hash(seed, <u32>r * <u32>c + <u32>j) / 4294967296.0;
      store<f32>(out + at, <f32>(<f64>load<f32>(w + at) + sigma * ((u - 0.5) * root12)));
    }
  }
}

/**
 * `init({ threads })`: the requested thread count, and the threaded kernels with their pool, or the reason why
 * this engine runs one thread instead.
 */
import { loadKernels, type Kernels, type SimdLevel } from "../wasm/loader.js";
import * as v from "../validate.js";
import { ThreadPool } from "./pool.js";
import { createSharedMemory, hardwareThreads, threadsUnavailable } from "./support.js";

/** More threads than this would only queue on the cores of any machine we target. */
export const MAX_THREADS = 64;

/** Checks a `threads` option: 'auto', an integer in 1..MAX_THREADS, or undefined (one thread). */
export function threadsOption(value: unknown): "auto" | number | undefined {
  if (value === undefined || value === "auto") return value;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_THREADS) {
    throw new RangeError(`threads must be 'auto' or an integer in 1..${MAX_THREADS}, got ${v.describe(value)}`);
  }
  return value;
}

/** `threads` of InitOptions as a count: 'auto' is the machine's logical cores. */
export async function threadCount(value: unknown): Promise<number> {
  const threads = threadsOption(value);
  if (threads === "auto") return Math.min(MAX_THREADS, await hardwareThreads());
  return threads ?? 1;
}

export type Threaded = { kernels: Kernels; pool: ThreadPool } | { fallback: string };

/** Loads the threaded build over a fresh shared memory and starts `threads − 1` workers on it. */
export async function startThreads(simd: SimdLevel | undefined, threads: number, timeout?: number): Promise<Threaded> {
  if (timeout !== undefined) v.positive("threadTimeout", timeout);
  const unavailable = simd === "none" ? "the threaded builds need SIMD and simd: 'none' was requested" : threadsUnavailable();
  if (unavailable) return { fallback: unavailable };
  const kernels = await loadKernels(simd, createSharedMemory());
  return { kernels, pool: await ThreadPool.start(kernels, threads, { timeout }) };
}

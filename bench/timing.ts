/**
 * Timing: kernel rows go through benchmark.js (adaptive repeat counts, per-sample times); whole epochs are too
 * long for its calibration and are timed round-robin instead (epoch.ts), so that every contender of a
 * configuration sees the same machine load.
 */
import Benchmark from "benchmark";

export type Mode = "quick" | "full";

export interface Timing {
  /** Median milliseconds per call. */
  ms: number;
  /** Samples behind the median. */
  samples: number;
}

const OPTIONS: Record<Mode, { minSamples: number; minTime: number; maxTime: number }> = {
  quick: { minSamples: 5, minTime: 0.01, maxTime: 0.04 },
  full: { minSamples: 10, minTime: 0.05, maxTime: 0.5 },
};

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median time per call of `fn`, measured by benchmark.js. */
export function measure(name: string, fn: () => void, mode: Mode): Timing {
  const bench = new Benchmark(name, fn, OPTIONS[mode]).run({ async: false });
  if (bench.error) throw bench.error;
  return { ms: median(bench.stats.sample) * 1e3, samples: bench.stats.sample.length };
}

/** Milliseconds of one call, for the calls too slow for benchmark.js (and to decide what to skip). */
export function once(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

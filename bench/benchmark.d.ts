// The part of benchmark.js (2.1) that bench/ uses; the package ships no types.
declare module "benchmark" {
  interface Options {
    minSamples?: number;
    minTime?: number;
    maxTime?: number;
    initCount?: number;
  }
  class Benchmark {
    constructor(name: string, fn: () => void, options?: Options);
    run(options?: { async?: boolean }): Benchmark;
    readonly error?: Error;
    /** Seconds per operation of each sample. */
    readonly stats: { sample: number[]; mean: number; rme: number };
  }
  export default Benchmark;
}

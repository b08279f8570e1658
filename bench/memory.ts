/**
 * Peak memory of our training, in a process of its own (run.ts starts it) so that tfjs, the other builds and
 * the reference's data are not in its RSS: LinearClassifier.fit as a user calls it, the caller holding X.
 * Prints one JSON MemoryReport line.
 * Run: node --expose-gc --import tsx bench/memory.ts [relaxed|simd|none]
 */
import type { SimdLevel } from "../src/wasm/loader.js";
import { init } from "../src/init.js";
import { WasmOps } from "../src/backend/wasm-ops.js";
import { epochData, fitWeights } from "./epoch.js";

export interface MemoryReport {
  build: string;
  epochs: number;
  /** X and the labels, as the caller holds them (fit copies them into wasm memory once more). */
  datasetBytes: number;
  /** RSS with the backend loaded and the caller's data made, before fit. */
  rssBase: number;
  /** Highest RSS sampled after each training epoch. */
  rssPeak: number;
  wasmBytes: number;
}

const EPOCHS = 3;

async function main(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc");
  const build = (process.argv[2] ?? "relaxed") as SimdLevel;
  const backend = await init({ simd: build });
  const data = epochData(10_000, 3072, 10, 200);
  const datasetBytes = data.X.data.byteLength + data.y.byteLength;
  gc();
  const rssBase = process.memoryUsage.rss();
  let rssPeak = 0;
  await fitWeights(backend, data, { loss: "softmax", rule: "adam" }, EPOCHS,
    () => void (rssPeak = Math.max(rssPeak, process.memoryUsage.rss())));
  const report: MemoryReport = {
    build, epochs: EPOCHS, datasetBytes, rssBase, rssPeak, wasmBytes: (backend.ops as WasmOps).kernels.heap.memory.buffer.byteLength,
  };
  backend.dispose();
  process.stdout.write(JSON.stringify(report) + "\n");
}

await main();

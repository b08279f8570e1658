/**
 * Peak memory of our training, in a process of its own (run.ts starts it) so that tfjs, the other builds and
 * the reference's data are not in its RSS. Prints one JSON MemoryReport line.
 * Run: node --expose-gc --import tsx bench/memory.ts [relaxed|simd|none]
 */
import { loadKernels, type SimdLevel } from "../src/wasm/loader.js";
import { epochData, ourTrainer, ResidentData } from "./epoch.js";

export interface MemoryReport {
  build: string;
  epochs: number;
  /** X, labels and the index list, as resident in wasm memory. */
  datasetBytes: number;
  /** RSS with the kernels loaded and no data. */
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
  const kernels = await loadKernels(build);
  gc();
  const rssBase = process.memoryUsage.rss();
  let data: ReturnType<typeof epochData> | null = epochData(10_000, 3072, 10, 200);
  const resident = new ResidentData(kernels, data);
  const datasetBytes = data.X.data.byteLength + data.y.byteLength + data.order.byteLength;
  const trainer = ourTrainer(resident, { loss: "softmax", rule: "adam" });
  data = null; // the JS copy of X goes; W0 and the labels stay reachable through the trainer (0.1 MB)
  gc();
  let rssPeak = 0;
  for (let e = 0; e < EPOCHS; e++) {
    trainer.epoch();
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }
  const report: MemoryReport = { build, epochs: EPOCHS, datasetBytes, rssBase, rssPeak, wasmBytes: kernels.heap.memory.buffer.byteLength };
  trainer.dispose();
  resident.dispose();
  process.stdout.write(JSON.stringify(report) + "\n");
}

await main();

/**
 * Out-of-core training: writes a 2 GB binary training file to os.tmpdir() (deleted at the end, whatever
 * happens), streams it through LinearClassifier.fitStream in chunks, and reports the peak resident set size,
 * which stays bounded by the chunk size (target < 300 MB) whatever the file's size.
 *
 *   node --experimental-wasm-relaxed-simd --import tsx bench/stream.ts [gigabytes] [rowsPerChunk]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LinearClassifier } from "../src/index.js";
import { BinaryWriter, readBinaryChunks, readBinaryHeader } from "../src/stream/index.js";
import { Rng } from "../src/data/rng.js";

const GB = Number(process.argv[2] ?? 2), ROWS_PER_CHUNK = Number(process.argv[3] ?? 10_000);
const D = 256, C = 4, WRITE_ROWS = 8_192;

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const peakRss = (): number => process.resourceUsage().maxRSS * 1024;

/** Features uniform in [−1, 1); the label is the argmax of C fixed random projections (a linear task). */
async function generate(path: string, rows: number): Promise<void> {
  const rng = new Rng(7), P = Float32Array.from({ length: D * C }, () => rng.normal());
  const writer = await BinaryWriter.create(path, D, "int32");
  const X = new Float32Array(WRITE_ROWS * D), y = new Int32Array(WRITE_ROWS);
  for (let first = 0; first < rows; first += WRITE_ROWS) {
    const n = Math.min(WRITE_ROWS, rows - first);
    for (let i = 0; i < n; i++) {
      const s = new Float64Array(C);
      for (let k = 0; k < D; k++) {
        const x = (X[i * D + k] = 2 * rng.uniform() - 1);
        for (let j = 0; j < C; j++) s[j]! += x * P[k * C + j]!;
      }
      y[i] = s.indexOf(Math.max(...s));
    }
    await writer.write({ rows: n, cols: D, data: X.subarray(0, n * D) }, y.subarray(0, n));
  }
  await writer.close();
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "simdlinear-bench-stream-"));
  try {
    const path = join(dir, "train.bin"), rows = Math.floor((GB * 1e9) / (4 * D + 4));
    let t0 = performance.now();
    await generate(path, rows);
    const header = await readBinaryHeader(path);
    console.log(`file: ${header.rows} rows × ${header.features} features (${(rows * (4 * D + 4) / 1e9).toFixed(2)} GB), `
      + `written in ${((performance.now() - t0) / 1000).toFixed(1)} s; peak RSS so far ${mb(peakRss())}`);
    const model = new LinearClassifier({ batchSize: 256, optimizer: { rule: "adam", learningRate: 0.01 } });
    t0 = performance.now();
    const history = await model.fitStream(
      () => readBinaryChunks(path, { rowsPerChunk: ROWS_PER_CHUNK }) as AsyncIterable<{ X: { rows: number; cols: number; data: Float32Array }; y: Int32Array }>,
      { classes: C });
    const seconds = (performance.now() - t0) / 1000;
    console.log(`fitStream, 1 epoch, ${ROWS_PER_CHUNK} rows a chunk: ${seconds.toFixed(1)} s `
      + `(${(rows / seconds / 1e3).toFixed(0)} k rows/s), progressive loss ${history.loss[0]!.toFixed(4)}, `
      + `progressive accuracy ${history.trainAccuracy[0]!.toFixed(4)}`);
    console.log(`peak RSS: ${mb(peakRss())} (target < 300 MB; file ${mb(rows * (4 * D + 4))}, one chunk ${mb(ROWS_PER_CHUNK * (4 * D + 4))})`);
    model.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();

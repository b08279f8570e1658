/**
 * Sparse training on text-like data: synthetic Zipf-distributed tokens hashed into 2^18 features, 100,000 rows of
 * ~100 tokens, 4 classes; one epoch of mini-batch SGD by the CSR engine, against what the dense engine costs.
 *
 * The dense engine cannot hold the full set (100,000 × 2^18 float32 = 105 GB), so its cost is (a) estimated from
 * the FLOP counts of one step and (b) measured on a slice of rows that fits, and extrapolated per row.
 *
 *   node --experimental-wasm-relaxed-simd --import tsx bench/sparse.ts [rows]
 */
import { hashing } from "../src/sparse/hashing.js";
import { csrMatrix, csrToDense, type CsrMatrix } from "../src/sparse/csr.js";
import { WasmSparseEngine } from "../src/sparse/wasm-engine.js";
import { WasmEngine } from "../src/train/wasm-engine.js";
import type { EngineSpec, TrainingEngine } from "../src/train/engine.js";
import { loadKernels } from "../src/wasm/loader.js";
import { DEFAULT_FIXED_HYPER } from "../src/backend/optimizer.js";
import { padCols } from "../src/wasm/scope.js";
import { Rng } from "../src/data/rng.js";

const ROWS = Number(process.argv[2] ?? 100_000), FEATURES = 2 ** 18, TOKENS = 100, VOCAB = 100_000, CLASSES = 4;
const BATCH = 128, SLICE = 256, LR = 0.5;

/** Zipf(1.0) over the vocabulary: token ids by inverse CDF; each class also prefers its own 1,000 words. */
function corpus(rng: Rng): { X: CsrMatrix; y: Int32Array; hashSeconds: number } {
  const cdf = new Float64Array(VOCAB);
  let total = 0;
  for (let r = 0; r < VOCAB; r++) cdf[r] = total += 1 / (r + 1);
  const draw = (): number => {
    const u = rng.uniform() * total;
    let lo = 0, hi = VOCAB - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const y = new Int32Array(ROWS), parts: CsrMatrix[] = [];
  let hashSeconds = 0;
  for (let first = 0; first < ROWS; first += 10_000) {
    const docs: string[][] = [];
    for (let i = first; i < Math.min(ROWS, first + 10_000); i++) {
      const label = (y[i] = rng.int(CLASSES)), words: string[] = [];
      for (let t = 0; t < TOKENS; t++) words.push(rng.uniform() < 0.1 ? `class${label}_${rng.int(1000)}` : `w${draw()}`);
      docs.push(words);
    }
    const t0 = performance.now();
    parts.push(hashing(docs, { nFeatures: FEATURES }));
    hashSeconds += (performance.now() - t0) / 1000;
  }
  return { X: concatRows(parts), y, hashSeconds };
}

function concatRows(parts: CsrMatrix[]): CsrMatrix {
  const nnz = parts.reduce((a, p) => a + p.values.length, 0), rows = parts.reduce((a, p) => a + p.rows, 0);
  const indptr = new Int32Array(rows + 1), indices = new Int32Array(nnz), values = new Float32Array(nnz);
  let r = 0, e = 0;
  for (const p of parts) {
    for (let i = 0; i < p.rows; i++) indptr[r + i + 1] = e + p.indptr[i + 1]!;
    indices.set(p.indices, e);
    values.set(p.values, e);
    r += p.rows;
    e += p.values.length;
  }
  return csrMatrix(indptr, indices, values, parts[0]!.cols);
}

function rowsOf(X: CsrMatrix, count: number): CsrMatrix {
  const end = X.indptr[count]!;
  return csrMatrix(X.indptr.slice(0, count + 1), X.indices.subarray(0, end), X.values.subarray(0, end), X.cols);
}

/**
 * Seconds of one epoch of steps (no evaluation), after a first warm-up step; with `flush`, the sparse engine's
 * end-of-epoch catch-up of every row (O(d·cp), once per epoch) is included.
 */
function epochSeconds(engine: TrainingEngine, n: number, flush: boolean): number {
  engine.gradient(0, Math.min(BATCH, n), 0);
  engine.update(LR, 0);
  const t0 = performance.now();
  for (let start = 0; start < n; start += BATCH) {
    engine.gradient(start, Math.min(BATCH, n - start), 0);
    engine.update(LR, 0);
  }
  if (flush) engine.getParams();
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const { X, y, hashSeconds } = corpus(new Rng(1));
  const nnz = X.values.length, perRow = nnz / ROWS;
  console.log(`corpus: ${ROWS} rows, ${FEATURES} hashed features, ${nnz} non-zeros (${perRow.toFixed(1)} a row), `
    + `hashing ${hashSeconds.toFixed(2)} s (${((ROWS * TOKENS) / hashSeconds / 1e6).toFixed(2)} M tokens/s)`);
  const kernels = await loadKernels();
    const spec: EngineSpec = { loss: "softmax", d: FEATURES, c: CLASSES, delta: 1, classWeight: null, l2: 1e-6, l1: 0,
    rule: "sgd", hyper: DEFAULT_FIXED_HYPER, batchSize: BATCH, inputDropout: 0 };

  const sparse = new WasmSparseEngine(kernels, spec);
  sparse.load("train", X, y);
  const sparseEpoch = epochSeconds(sparse, ROWS, true);
  const accuracy = trainAccuracy(sparse, y);
  sparse.dispose();

  // The same rows, dense, on a slice that fits; and the sparse engine on the same slice.
  const slice = rowsOf(X, SLICE), denseSlice = csrToDense(slice);
  const dense = new WasmEngine(kernels, spec);
  dense.load("train", denseSlice, y.subarray(0, SLICE));
  const denseSliceSeconds = epochSeconds(dense, SLICE, false);
  dense.dispose();
  const sparseOnSlice = new WasmSparseEngine(kernels, spec);
  sparseOnSlice.load("train", slice, y.subarray(0, SLICE));
  const sparseSliceSeconds = epochSeconds(sparseOnSlice, SLICE, false);
  sparseOnSlice.dispose();

  // FLOPs of one step of BATCH rows (multiply-adds count 2): dense X·W and Xᵀ·dS over all d·cp, the l2 penalty
  // and the update over d·cp; sparse: the same products over the non-zeros, penalty and update on touched rows.
  const cp = padCols(CLASSES), steps = Math.ceil(ROWS / BATCH), touched = Math.min(FEATURES, BATCH * perRow);
  const denseFlops = steps * (2 * 2 * BATCH * FEATURES * cp + 4 * FEATURES * cp);
  const sparseFlops = steps * (2 * 2 * BATCH * perRow * cp + 6 * touched * cp);
  const denseEpochEstimate = (denseSliceSeconds / SLICE) * ROWS;
  const row = (name: string, value: string) => console.log(`${name.padEnd(48)} ${value}`);
  row("sparse epoch, measured (100,000 rows)", `${sparseEpoch.toFixed(3)} s (train accuracy ${accuracy.toFixed(3)})`);
  row(`dense, measured on ${SLICE} rows`, `${(denseSliceSeconds * 1e3).toFixed(1)} ms = ${((denseSliceSeconds / SLICE) * 1e6).toFixed(0)} µs a row`);
  row(`sparse, same ${SLICE} rows (no end-of-epoch flush)`, `${(sparseSliceSeconds * 1e3).toFixed(2)} ms = ${((sparseSliceSeconds / SLICE) * 1e6).toFixed(1)} µs a row`);
  row("dense epoch, extrapolated from the slice", `${denseEpochEstimate.toFixed(1)} s`);
  row("speed-up, measured (dense slice / sparse epoch)", `${(denseEpochEstimate / sparseEpoch).toFixed(0)}×`);
  row("speed-up, on the slice alone", `${(denseSliceSeconds / sparseSliceSeconds).toFixed(0)}×`);
  row("speed-up, FLOP count", `${(denseFlops / sparseFlops).toFixed(0)}× (${(denseFlops / 1e12).toFixed(2)} TFLOP vs ${(sparseFlops / 1e9).toFixed(2)} GFLOP)`);
}

function trainAccuracy(engine: TrainingEngine, y: Int32Array): number {
  let right = 0;
  engine.evaluate("train", (S, stride, first, count) => {
    for (let i = 0; i < count; i++) {
      let best = 0;
      for (let j = 1; j < CLASSES; j++) if (S[i * stride + j]! > S[i * stride + best]!) best = j;
      if (best === y[first + i]) right++;
    }
  });
  return right / y.length;
}

await main();

// Streaming: the binary format and the CSV reader round-trip their data chunk by chunk; fitStream trains from
// chunks like partialFit does, with progressive metrics, and rejects bad sources.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { csrFromDense, LinearClassifier, matrix, type Matrix } from "../src/index.js";
import { BinaryWriter, HEADER_BYTES, readBinaryChunks, readBinaryHeader, readCsvChunks } from "../src/stream/index.js";
import { Rng } from "../src/data/rng.js";
import { gaussian, normError, randomLabels } from "./helpers.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "simdlinear-stream-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const rowsOf = (M: Matrix, from: number, to: number): Matrix => matrix(to - from, M.cols, M.data.slice(from * M.cols, to * M.cols));

/** Two separable classes: the sign of a fixed direction. */
function task(seed: number, n: number, d: number) {
  const rng = new Rng(seed), X = gaussian(rng, n, d), w = Float32Array.from({ length: d }, () => rng.normal());
  const y = Int32Array.from({ length: n }, (_, i) => (X.data.subarray(i * d, (i + 1) * d).reduce((a, x, k) => a + x * w[k]!, 0) > 0 ? 1 : 0));
  return { X, y };
}

describe("binary format", () => {
  it("writes in pieces and reads back in chunks of any size, bit for bit", async () => {
    const rng = new Rng(1), X = gaussian(rng, 23, 5), y = randomLabels(rng, 23, 3), path = join(dir, "a.bin");
    const writer = await BinaryWriter.create(path, 5, "int32");
    await writer.write(rowsOf(X, 0, 10), y.subarray(0, 10));
    await writer.write(rowsOf(X, 10, 23), y.subarray(10));
    await writer.close();
    expect(await readBinaryHeader(path)).toEqual({ rows: 23, features: 5, targets: "int32" });
    for (const rowsPerChunk of [1, 7, 23, 100]) {
      const chunks = await collect(readBinaryChunks(path, { rowsPerChunk }));
      expect(chunks.map((c) => c.X.rows)).toEqual(
        Array.from({ length: Math.ceil(23 / rowsPerChunk) }, (_, i) => Math.min(rowsPerChunk, 23 - i * rowsPerChunk)));
      expect(Float32Array.from(chunks.flatMap((c) => Array.from(c.X.data)))).toEqual(X.data);
      expect(Int32Array.from(chunks.flatMap((c) => Array.from(c.y!)))).toEqual(y);
    }
  });

  it("float32 targets and no targets", async () => {
    const X = matrix(2, 2, [1, 2, 3, 4]), t = Float32Array.of(0.5, -1.5);
    const withT = join(dir, "t.bin"), without = join(dir, "n.bin");
    let w = await BinaryWriter.create(withT, 2, "float32");
    await w.write(X, t);
    await w.close();
    w = await BinaryWriter.create(without, 2, "none");
    await w.write(X);
    await w.close();
    expect((await collect(readBinaryChunks(withT)))[0]!.y).toEqual(t);
    const [chunk] = await collect(readBinaryChunks(without));
    expect(chunk!.y).toBeNull();
    expect(chunk!.X.data).toEqual(X.data);
  });

  it("rejects a foreign file, a truncated one and bad writes", async () => {
    const foreign = join(dir, "foreign.bin"), truncated = join(dir, "trunc.bin");
    await writeFile(foreign, Buffer.from("hello, this is not a matrix file at all"));
    await expect(collect(readBinaryChunks(foreign))).rejects.toThrow(/not a simdlinear binary file/);
    const w = await BinaryWriter.create(truncated, 3, "int32");
    await w.write(matrix(4, 3), new Int32Array(4));
    await w.close();
    const { truncate } = await import("node:fs/promises");
    await truncate(truncated, HEADER_BYTES + 16 * 3 + 5);
    await expect(collect(readBinaryChunks(truncated))).rejects.toThrow(/truncated/);
    const w2 = await BinaryWriter.create(join(dir, "bad.bin"), 3, "int32");
    await expect(w2.write(matrix(1, 2), new Int32Array(1))).rejects.toThrow(/X has 2 columns but the file has 3/);
    await expect(w2.write(matrix(1, 3))).rejects.toThrow(/y is required/);
    await w2.close();
    await expect(collect(readBinaryChunks(foreign, { rowsPerChunk: 0 }))).rejects.toThrow(/rowsPerChunk/);
  });
});

describe("CSV reader", () => {
  it("reads features and the label column in chunks", async () => {
    const path = join(dir, "a.csv");
    await writeFile(path, "a,b,label\n1,2,0\n3.5,-4,1\n\n5,6e-1,2\n7,8,1\n");
    const chunks = await collect(readCsvChunks(path, { rowsPerChunk: 3, header: true }));
    expect(chunks.map((c) => c.X.rows)).toEqual([3, 1]);
    expect(Array.from(chunks[0]!.X.data)).toEqual(Array.from(Float32Array.of(1, 2, 3.5, -4, 5, 0.6)));
    expect(Array.from(chunks[0]!.y!)).toEqual([0, 1, 2]);
    expect(chunks[0]!.y).toBeInstanceOf(Int32Array);
    const first = await collect(readCsvChunks(path, { header: true, labelColumn: 0, labels: "float32" }));
    expect(Array.from(first[0]!.y!)).toEqual([1, 3.5, 5, 7]);
    const none = await collect(readCsvChunks(path, { header: true, labelColumn: null }));
    expect(none[0]!.X.cols).toBe(3);
    expect(none[0]!.y).toBeNull();
  });

  it.each([
    ["a non-number", "1,2,0\n1,x,1\n", {}, /line 2, column 2: "x" is not a finite number/],
    ["a ragged row", "1,2,0\n1,1\n", {}, /line 2: 2 fields, expected 3/],
    ["a fractional label", "1,2,0.5\n", {}, /label 0.5 is not an integer/],
    ["a label column out of range", "1,2,0\n", { labelColumn: 5 }, /labelColumn 5 is outside the 3 columns/],
  ])("rejects %s", async (_, text, options, message) => {
    const path = join(dir, "bad.csv");
    await writeFile(path, text);
    await expect(collect(readCsvChunks(path, options))).rejects.toThrow(message);
  });
});

describe("fitStream", () => {
  it("over chunks equals partialFit chunk by chunk, and reports progressive loss and accuracy", async () => {
    const { X, y } = task(3, 300, 8);
    const chunks = [0, 100, 200].map((f) => ({ X: rowsOf(X, f, f + 100), y: y.slice(f, f + 100) }));
    const options = { backend: "reference", batchSize: 25, optimizer: { rule: "sgd", learningRate: 0.1 } } as const;
    const streamed = new LinearClassifier(options), stepwise = new LinearClassifier(options);
    const history = await streamed.fitStream(chunks, { classes: 2 });
    for (const c of chunks) await stepwise.partialFit(c.X, c.y, { classes: 2 });
    expect(streamed.weights.W.data).toEqual(stepwise.weights.W.data);
    expect(history.epochs).toHaveLength(1);
    expect(history.epochs[0]!.steps).toBe(12);
    // Progressive accuracy: chunk 1 is scored by the initial (near-zero) model, the later ones after training.
    expect(history.trainAccuracy[0]).toBeGreaterThan(0.6);
    expect(history.loss[0]).toBeLessThan(Math.log(2));
    streamed.dispose();
    stepwise.dispose();
  });

  it("reads a binary file for several epochs through a source function, dense and CSR chunks alike", async () => {
    const { X, y } = task(5, 600, 6), path = join(dir, "train.bin");
    const w = await BinaryWriter.create(path, 6, "int32");
    await w.write(X, y);
    await w.close();
    const model = new LinearClassifier({ batchSize: 50, optimizer: { rule: "adam", learningRate: 0.05 } });
    const source = () => readBinaryChunks(path, { rowsPerChunk: 128 }) as AsyncIterable<{ X: Matrix; y: Int32Array }>;
    const history = await model.fitStream(source, { epochs: 3, classes: 2 });
    expect(history.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(history.trainAccuracy[2]).toBeGreaterThan(0.9);
    expect(model.score(X, y)).toBeGreaterThan(0.9);
    const sparse = new LinearClassifier({ batchSize: 50, optimizer: { rule: "adam", learningRate: 0.05 } });
    await sparse.fitStream(async function* () {
      for await (const c of source()) yield { X: csrFromDense(c.X), y: c.y };
    }, { epochs: 3, classes: 2 });
    expect(normError(sparse.weights.W.data, model.weights.W.data)).toBeLessThan(1e-3);
    model.dispose();
    sparse.dispose();
  });

  it("rejects a one-shot iterator for several epochs, a source that yields nothing, and malformed chunks", async () => {
    const { X, y } = task(6, 20, 3), model = new LinearClassifier({ backend: "reference" });
    async function* once() {
      yield { X, y };
    }
    await expect(model.fitStream(once(), { epochs: 2 })).rejects.toThrow(/one-shot iterator but epochs is 2/);
    await expect(model.fitStream([], {})).rejects.toThrow(/yielded no chunk in epoch 1/);
    await expect(model.fitStream(5 as never)).rejects.toThrow(TypeError);
    await expect(model.fitStream([{ X }] as never)).rejects.toThrow(/chunk 0 must be an object \{ X, y \}/);
    await expect(model.fitStream([{ X: matrix(2, 3, [1, 2, 3, 4, 5, NaN]), y: Int32Array.of(0, 1) }]))
      .rejects.toThrow(/chunk 0 X\[5\] is NaN/);
    await model.fitStream([{ X, y }], { classes: 2 });
    await expect(model.fitStream([{ X: matrix(1, 4), y: Int32Array.of(0) }])).rejects.toThrow(/chunk 0: X has 4 columns/);
    await expect(model.fitStream([{ X, y }], { epochs: 0 })).rejects.toThrow(/options.epochs/);
    model.dispose();
  });
});

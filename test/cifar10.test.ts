// loadCifar10 on small files in CIFAR-10's binary format, made here (3 rows per training batch, 4 test rows).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCifar10 } from "../src/stream/index.js";
import { LinearClassifier } from "../src/index.js";

const PER_BATCH = 3;
/** Pixel value of channel c at (h, w) of global row r: distinct enough to catch a CHW/HWC mix-up. */
const pixel = (r: number, c: number, h: number, w: number): number => (r * 37 + c * 101 + h * 7 + w * 3) % 256;
const label = (r: number): number => r % 10;

function batch(first: number, n: number): Uint8Array {
  const out = new Uint8Array(n * 3073);
  for (let i = 0; i < n; i++) {
    const r = first + i;
    out[i * 3073] = label(r);
    for (let c = 0; c < 3; c++) for (let h = 0; h < 32; h++) for (let w = 0; w < 32; w++) {
      out[i * 3073 + 1 + c * 1024 + h * 32 + w] = pixel(r, c, h, w);
    }
  }
  return out;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cifar-"));
  for (let b = 1; b <= 5; b++) writeFileSync(join(dir, `data_batch_${b}.bin`), batch((b - 1) * PER_BATCH, PER_BATCH));
  writeFileSync(join(dir, "test_batch.bin"), batch(1000, 4));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("loadCifar10", () => {
  it("cs231n split: train then validation rows across batch files, HWC rows, training mean subtracted from all", async () => {
    const train = 11, validation = 2, test = 3; // validation spans batches 4 and 5, as rows 49,000.. do in the real set
    const d = await loadCifar10(dir, { train, validation, test });
    const mean = (c: number, h: number, w: number): number => {
      let s = 0;
      for (let r = 0; r < train; r++) s += pixel(r, c, h, w);
      return s / train;
    };
    const check = (X: Float32Array, y: Int32Array, rows: number[]): void => {
      expect(Array.from(y)).toEqual(rows.map(label));
      rows.forEach((r, i) => {
        for (const [h, w] of [[0, 0], [0, 1], [5, 17], [31, 31]] as const) {
          for (let c = 0; c < 3; c++) {
            expect(X[i * 3072 + (h * 32 + w) * 3 + c]).toBeCloseTo(pixel(r, c, h, w) - mean(c, h, w), 4);
          }
        }
      });
    };
    expect([d.train.X.rows, d.train.X.cols, d.validation.X.rows, d.test.X.rows]).toEqual([train, 3072, validation, test]);
    check(d.train.X.data, d.train.y, Array.from({ length: train }, (_, i) => i));
    check(d.validation.X.data, d.validation.y, [11, 12]);
    check(d.test.X.data, d.test.y, [1000, 1001, 1002]);
    expect(d.mean[(5 * 32 + 17) * 3 + 2]).toBeCloseTo(mean(2, 5, 17), 4);
  });

  it("stream: true gives the loaded rows bit for bit, in chunks of chunkRows within each file, on every call", async () => {
    const opts = { train: 11, validation: 2, test: 3 };
    const whole = await loadCifar10(dir, opts), streamed = await loadCifar10(dir, { ...opts, stream: true, chunkRows: 2 });
    expect(streamed.trainRows).toBe(11);
    for (let pass = 0; pass < 2; pass++) {
      const X: number[] = [], y: number[] = [], sizes: number[] = [];
      for await (const chunk of streamed.train()) {
        sizes.push(chunk.X.rows);
        X.push(...chunk.X.data);
        y.push(...chunk.y);
      }
      expect(sizes).toEqual([2, 1, 2, 1, 2, 1, 2]); // 3 rows per file, the last file holds 2 of the 11
      expect(Float32Array.from(X)).toEqual(whole.train.X.data);
      expect(Int32Array.from(y)).toEqual(whole.train.y);
    }
    expect(streamed.mean).toEqual(whole.mean);
    expect(streamed.validation).toEqual(whole.validation);
    expect(streamed.test).toEqual(whole.test);
  });

  it("stream: true feeds fitStream, which trains on every row", async () => {
    const streamed = await loadCifar10(dir, { train: 11, validation: 2, test: 3, stream: true, chunkRows: 4 });
    const model = new LinearClassifier({ backend: "reference", batchSize: 2, optimizer: { rule: "sgd", learningRate: 1e-4 } });
    const history = await model.fitStream(streamed.train, { epochs: 2, classes: 10 });
    expect(history.epochs.map((e) => e.steps)).toEqual([7, 7]); // chunks of 3, 3, 3, 2 rows (one per file), batches of 2
    expect(model.predict(streamed.validation.X)).toHaveLength(2);
    await expect(loadCifar10(dir, { stream: "yes" as never })).rejects.toThrow(/stream must be a boolean/);
    await expect(loadCifar10(dir, { stream: true, chunkRows: 0 })).rejects.toThrow(/chunkRows/);
  });

  it("defaults (49,000 / 1,000 / 1,000) on files too small throw RangeError naming the rows held", async () => {
    await expect(loadCifar10(dir)).rejects.toThrow(/train \+ validation is 50000 rows but data_batch_1\.\.5\.bin hold 15/);
  });

  it("more test rows than test_batch.bin holds throws RangeError", async () => {
    await expect(loadCifar10(dir, { train: 1, validation: 1, test: 5 })).rejects.toThrow(/test is 5 rows but test_batch\.bin holds 4/);
  });

  it("truncated file throws RangeError", async () => {
    const bad = mkdtempSync(join(tmpdir(), "cifar-bad-"));
    try {
      for (let b = 1; b <= 5; b++) writeFileSync(join(bad, `data_batch_${b}.bin`), batch(0, 2).subarray(0, b === 3 ? 5000 : 6146));
      writeFileSync(join(bad, "test_batch.bin"), batch(0, 1));
      await expect(loadCifar10(bad, { train: 1, validation: 1, test: 1 })).rejects.toThrow(/data_batch_3\.bin is truncated: 5000 bytes/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it("missing directory rejects with the file system's ENOENT; bad arguments throw TypeError/RangeError", async () => {
    await expect(loadCifar10(join(dir, "nope"), { train: 1, validation: 1, test: 1 })).rejects.toThrow(/ENOENT/);
    await expect(loadCifar10("")).rejects.toThrow(TypeError);
    await expect(loadCifar10(dir, { train: 0 })).rejects.toThrow(/train must be an integer ≥ 1, got 0/);
  });
});

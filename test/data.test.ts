import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import {
  loadMnist, matrix, minMax, oneHot, preprocessorFromJSON, standardize, trainTestSplit, type Matrix,
} from "../src/index.js";
import { Rng } from "../src/data/rng.js";

const rowsOf = (M: Matrix): number[][] =>
  Array.from({ length: M.rows }, (_, i) => Array.from(M.data.subarray(i * M.cols, (i + 1) * M.cols)));
const copyOf = (M: Matrix): Matrix => ({ ...M, data: M.data.slice() });
const randomMatrix = (rows: number, cols: number, seed: number): Matrix => {
  const rng = new Rng(seed);
  return matrix(rows, cols, Float32Array.from({ length: rows * cols }, () => 3 + 2 * rng.normal()));
};

describe("standardize", () => {
  // Column 0: mean 3, population std √(8/3), so ±2 ↦ ±√1.5. Column 1 constant. Column 2: mean 7, same std.
  const train = matrix(3, 3, [1, 10, 5, 3, 10, 7, 5, 10, 9]);

  it("matches the hand computation on the training data", () => {
    const out = standardize().fitTransform(train);
    const r = Math.sqrt(1.5);
    rowsOf(out).flat().forEach((x, e) => expect(x).toBeCloseTo([-r, 0, -r, 0, 0, 0, r, 0, r][e]!, 6));
  });

  it("applies the training statistics unchanged to new data, and a constant feature is shifted, never NaN", () => {
    const s = standardize().fit(train);
    const out = s.transform(matrix(2, 3, [7, 11, 7, 3, 10, 4]));
    // (7 − 3)/√(8/3) = √6; (11 − 10)/1; (4 − 7)/√(8/3) = −1.5·√1.5.
    const expected = [Math.sqrt(6), 1, 0, 0, 0, -1.5 * Math.sqrt(1.5)];
    Array.from(out.data).forEach((x, e) => expect(x).toBeCloseTo(expected[e]!, 6));
  });

  it("gives mean 0 and std 1 per feature on random data, without touching its input", () => {
    const X = randomMatrix(200, 7, 1), before = copyOf(X);
    const out = standardize().fitTransform(X);
    expect(X).toEqual(before);
    for (let j = 0; j < 7; j++) {
      const col = rowsOf(out).map((row) => row[j]!);
      const mean = col.reduce((s, x) => s + x, 0) / col.length;
      const variance = col.reduce((s, x) => s + (x - mean) ** 2, 0) / col.length;
      expect(Math.abs(mean)).toBeLessThan(1e-6);
      expect(variance).toBeCloseTo(1, 5);
    }
  });

  it("round-trips through JSON text exactly", () => {
    const X = randomMatrix(50, 5, 2), Xt = randomMatrix(9, 5, 3);
    const s = standardize().fit(X);
    const restored = preprocessorFromJSON(JSON.parse(JSON.stringify(s)));
    expect(restored.transform(Xt).data).toEqual(s.transform(Xt).data);
  });

  it("refuses transform before fit, a width mismatch, and non-finite input", () => {
    expect(() => standardize().transform(train)).toThrow("Standardizer: call fit() on training data before transform()");
    expect(() => oneHot({ columns: [0] }).toJSON()).toThrow("OneHotEncoder: call fit() on training data before toJSON()");
    expect(() => standardize().fit(train).transform(matrix(1, 2, [1, 2]))).toThrow(RangeError);
    expect(() => standardize().fit(matrix(1, 2, [1, NaN]))).toThrow(/X\[1\] is NaN/);
  });
});

describe("minMax", () => {
  const train = matrix(3, 2, [0, 2, 5, 2, 10, 2]);

  it("maps the training range to [0, 1] and applies it unchanged (unclipped) to new data", () => {
    const m = minMax().fit(train);
    expect(Array.from(m.transform(train).data)).toEqual([0, 0, 0.5, 0, 1, 0]);
    // 15 is past the training max: (15 − 0)/10; the constant column has range 0, so scale 1: 3 − 2.
    expect(Array.from(m.transform(matrix(1, 2, [15, 3])).data)).toEqual([1.5, 1]);
  });

  it("round-trips through JSON, keeping min and max exactly", () => {
    const X = randomMatrix(40, 4, 4);
    const m = minMax().fit(X);
    const json = JSON.parse(JSON.stringify(m));
    expect(json.max).toEqual(Array.from({ length: 4 }, (_, j) => Math.max(...rowsOf(X).map((r) => r[j]!))));
    expect(preprocessorFromJSON(json).transform(X).data).toEqual(m.transform(X).data);
    expect(() => preprocessorFromJSON({ ...json, max: json.min.map((x: number) => x - 1) })).toThrow(/max\[0\]/);
  });
});

describe("oneHot", () => {
  // Column 1 has categories {0, 1, 2}, column 2 has {7, 8}; column 0 passes through.
  const train = matrix(3, 3, [1.5, 2, 7, 0.5, 0, 7, 1.5, 1, 8]);

  it("replaces each nominal column in place by its indicator block, in category order", () => {
    const enc = oneHot({ columns: [2, 1] }).fit(train);
    expect(enc.outputCols).toBe(6);
    expect(rowsOf(enc.transform(train))).toEqual([
      [1.5, 0, 0, 1, 1, 0],
      [0.5, 1, 0, 0, 1, 0],
      [1.5, 0, 1, 0, 0, 1],
    ]);
  });

  it("an unknown category throws naming row, column and value, or is all zeros when asked", () => {
    const test = matrix(1, 3, [0, 5, 8]);
    expect(() => oneHot({ columns: [1, 2] }).fit(train).transform(test))
      .toThrow("X[0][1] = 5: column 1 had no category 5 when the encoder was fitted (known: 0, 1, 2)");
    expect(Array.from(oneHot({ columns: [1, 2], unknown: "zeros" }).fit(train).transform(test).data)).toEqual([0, 0, 0, 0, 0, 1]);
  });

  it("round-trips through JSON and checks its columns", () => {
    const enc = oneHot({ columns: [1] }).fit(train);
    expect(preprocessorFromJSON(JSON.parse(JSON.stringify(enc))).transform(train).data).toEqual(enc.transform(train).data);
    expect(() => oneHot({ columns: [3] }).fit(train)).toThrow(/column 3 is out of range/);
    expect(() => oneHot({ columns: [1, 1] })).toThrow(/duplicates/);
    expect(() => preprocessorFromJSON({ kind: "pca" })).toThrow(/json.kind/);
  });
});

describe("trainTestSplit", () => {
  // Row i holds i, so each part tells which rows it took.
  const N = 10, X = matrix(N, 2, Array.from({ length: 2 * N }, (_, e) => Math.floor(e / 2)));
  const y = Int32Array.of(0, 0, 0, 0, 0, 0, 1, 1, 1, 1);

  it("partitions the rows, round(N·f) to test, labels following their rows, inputs untouched", () => {
    const before = copyOf(X), yBefore = y.slice();
    const { train, test } = trainTestSplit(X, y, { testFraction: 0.25, seed: 7 });
    expect(X).toEqual(before);
    expect(y).toEqual(yBefore);
    expect([train.X.rows, test.X.rows]).toEqual([7, 3]);
    const ids = [...rowsOf(train.X), ...rowsOf(test.X)].map((r) => r[0]!);
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    [...train.y, ...test.y].forEach((label, k) => expect(label).toBe(y[ids[k]!]));
  });

  it("is deterministic in the seed", () => {
    const a = trainTestSplit(X, y, { seed: 3 }), b = trainTestSplit(X, y, { seed: 3 }), c = trainTestSplit(X, y, { seed: 4 });
    expect(b).toEqual(a);
    expect(c.test.X.data).not.toEqual(a.test.X.data);
  });

  it("stratifies by largest remainder: 6 and 4 rows, 3 to test, give 2 and 1", () => {
    for (let seed = 0; seed < 5; seed++) {
      const { test } = trainTestSplit(X, y, { testFraction: 0.3, seed, stratify: true });
      expect(Array.from(test.y).sort()).toEqual([0, 0, 1]);
    }
  });

  it("splits target matrices row for row", () => {
    const T = matrix(N, 1, Array.from({ length: N }, (_, i) => -i));
    const { train, test } = trainTestSplit(X, T, { seed: 1 });
    [train, test].forEach((part) => rowsOf(part.X).forEach((r, k) => expect(part.y.data[k]).toBe(-r[0]!)));
  });

  it("rejects bad arguments by name", () => {
    expect(() => trainTestSplit(X, y, { testFraction: 1 })).toThrow(/testFraction/);
    expect(() => trainTestSplit(X, y.subarray(1))).toThrow(/y has length 9/);
    expect(() => trainTestSplit(X, matrix(N, 1), { stratify: true })).toThrow(/Int32Array labels to stratify/);
  });
});

describe("built-in MNIST", () => {
  const require = createRequire(import.meta.url);
  // Digits per class in the mnist package, and their 20% test shares by largest remainder (all but one round).
  const PACKAGE_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
  const TEST_COUNTS = [200, 225, 198, 206, 196, 173, 203, 214, 189, 196];
  const countLabels = (y: Int32Array): number[] => y.reduce((c, label) => (c[label]!++, c), new Array<number>(10).fill(0));

  it("is 8,000 + 2,000 digits of 784 pixels in [0, 1], stratified", async () => {
    const { train, test } = await loadMnist();
    expect([train.X.rows, train.X.cols, train.y.length]).toEqual([8000, 784, 8000]);
    expect([test.X.rows, test.X.cols, test.y.length]).toEqual([2000, 784, 2000]);
    expect(countLabels(test.y)).toEqual(TEST_COUNTS);
    expect(countLabels(train.y)).toEqual(PACKAGE_COUNTS.map((n, c) => n - TEST_COUNTS[c]!));
    for (const X of [train.X, test.X]) {
      expect(X.data.reduce((lo, x) => Math.min(lo, x))).toBe(0);
      expect(X.data.reduce((hi, x) => Math.max(hi, x))).toBe(1);
    }
  });

  it("decodes every pixel to the package's value exactly, each digit with its label", async () => {
    const key = (label: number, pixels: Float32Array): string => `${label}:${Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength).toString("latin1")}`;
    const expected = new Map<string, number>();
    for (let c = 0; c < 10; c++) {
      const { data } = JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${c}.json`), "utf8")) as { data: number[] };
      const pixels = Float32Array.from(data);
      for (let r = 0; r * 784 < data.length; r++) {
        const k = key(c, pixels.subarray(r * 784, (r + 1) * 784));
        expected.set(k, (expected.get(k) ?? 0) + 1);
      }
    }
    const { train, test } = await loadMnist();
    for (const { X, y } of [train, test]) {
      for (let i = 0; i < X.rows; i++) {
        const k = key(y[i]!, X.data.subarray(i * 784, (i + 1) * 784));
        const left = expected.get(k);
        expect(left, `digit ${i} (label ${y[i]}) is not one of the package's`).toBeGreaterThan(0);
        expected.set(k, left! - 1);
      }
    }
    expect([...expected.values()].every((n) => n === 0)).toBe(true);
  });

  it("gives the same split on every load, from the default file or from bytes", async () => {
    const bytes = readFileSync(new URL("../build/mnist.bin", import.meta.url));
    const a = await loadMnist(), b = await loadMnist(new Uint8Array(bytes).buffer);
    expect(b.test.y).toEqual(a.test.y);
    // Compared as bytes: toEqual on 6.3 million elements takes tens of seconds.
    const bytesOf = (M: Matrix): Buffer => Buffer.from(M.data.buffer, M.data.byteOffset, M.data.byteLength);
    expect(bytesOf(b.train.X).equals(bytesOf(a.train.X))).toBe(true);
    expect(bytesOf(b.test.X).equals(bytesOf(a.test.X))).toBe(true);
  });

  it("rejects what is not an mnist.bin, and says how to build a missing one", async () => {
    await expect(loadMnist(new Uint8Array(100))).rejects.toThrow(/not an mnist.bin.*magic/);
    await expect(loadMnist("/nonexistent/mnist.bin")).rejects.toThrow(/npm run build:data/);
    await expect(loadMnist(42 as never)).rejects.toThrow(TypeError);
  });

  it("keeps Node built-ins out of the top level of the browser-safe data modules", () => {
    for (const file of ["mnist", "split", "preprocess", "rng"]) {
      const source = readFileSync(new URL(`../src/data/${file}.ts`, import.meta.url), "utf8");
      expect(source, file).not.toMatch(/^import[^;]*from\s+["'](node:|fs|path|url)/m);
    }
  });
});

// Bag of visual words: the nearest-codeword kernel against its twin, the fit/transform object, pipelines, and
// the lecture's point: on textures, a linear classifier on BoW features beats one on raw pixels.
import { describe, expect, it } from "vitest";
import { features, LinearClassifier, matrix, standardize, type Backend, type Matrix } from "../src/index.js";
import { Rng } from "../src/data/rng.js";
import { featureOps } from "../src/features/ops.js";
import { nearest as nearestReference } from "../src/reference/kmeans.js";
import { WasmOps } from "../src/backend/wasm-ops.js";
import type { ImageBatch } from "../src/features/index.js";
import { everyBackend } from "./backends.js";

const backends = everyBackend();
const { wasm } = backends;

const liveBlocks = (b: Backend): number => (b.ops as WasmOps).kernels.heap.liveBlocks;

describe("nearest codeword (the k-means assignment step)", () => {
  it("every wasm build picks the reference's codeword, up to float32 near-ties", () => {
    // n, d and k fall on no tile size (4-row tiles, 64-row blocks, 4-lane codeword padding).
    const rng = new Rng(9), n = 1001, d = 27, k = 13;
    const X = Float32Array.from({ length: n * d }, () => rng.normal());
    const C: Matrix = matrix(k, d, Float32Array.from({ length: k * d }, () => rng.normal()));
    const expected = new Int32Array(n);
    nearestReference(X, n, C, expected);
    const dist = (i: number, j: number): number => {
      let s = 0;
      for (let t = 0; t < d; t++) s += (X[i * d + t]! - C.data[j * d + t]!) ** 2;
      return s;
    };
    const sq = (a: Float32Array): number => a.reduce((s, e) => s + e * e, 0);
    for (const [simd, b] of wasm) {
      const before = liveBlocks(b);
      const buffer = featureOps(b).patchBuffer(n, d);
      buffer.view().set(X);
      const labels = new Int32Array(n);
      buffer.nearest(n, C, labels);
      buffer.dispose();
      expect(liveBlocks(b), simd).toBe(before);
      let differ = 0;
      labels.forEach((label, i) => {
        if (label === expected[i]) return;
        differ++;
        // p·c − ½‖c‖² in float32 is off by ~ε·(‖p‖² + ‖c‖²): a different pick must be that close to the best.
        const slack = 1e-5 * (sq(X.subarray(i * d, (i + 1) * d)) + sq(C.data.subarray(label * d, (label + 1) * d)));
        expect(dist(i, label) - dist(i, expected[i]!), `${simd} row ${i}`).toBeLessThanOrEqual(slack);
      });
      expect(differ, simd).toBeLessThanOrEqual(2);
    }
  });

  it("a codebook that contains the points assigns each point to itself", () => {
    const rng = new Rng(2), n = 37, d = 5;
    const X = Float32Array.from({ length: n * d }, () => rng.normal());
    const C = matrix(n, d, X.slice());
    for (const b of [backends.reference, ...wasm.values()]) {
      const buffer = featureOps(b).patchBuffer(n, d);
      buffer.view().set(X);
      const labels = new Int32Array(n);
      buffer.nearest(n, C, labels);
      buffer.dispose();
      expect(Array.from(labels)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
  });
});

/**
 * n textures per class, 24×24 grey floats, random phase, period, contrast and brightness plus pixel noise:
 * 0 horizontal stripes, 1 vertical stripes, 2 diagonal stripes, 3 checkerboards, 4 smooth noise blobs.
 */
function textures(rng: Rng, perClass: number): { images: ImageBatch; y: Int32Array } {
  const size = 24, classes = 5, count = perClass * classes;
  const data = new Float32Array(count * size * size), y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % classes;
    y[i] = label;
    const period = 4 + 4 * rng.uniform(), phase = 2 * Math.PI * rng.uniform(), phase2 = 2 * Math.PI * rng.uniform();
    const contrast = 0.2 + 0.3 * rng.uniform(), brightness = 0.3 + 0.4 * rng.uniform();
    const w = (2 * Math.PI) / period;
    const blobs = Array.from({ length: 4 }, () => [size * rng.uniform(), size * rng.uniform(), 2 + 3 * rng.uniform(), rng.uniform() < 0.5 ? -1 : 1]);
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        let t: number;
        if (label === 0) t = Math.sin(w * r + phase);
        else if (label === 1) t = Math.sin(w * c + phase);
        else if (label === 2) t = Math.sin((w * (r + c)) / Math.SQRT2 + phase);
        else if (label === 3) t = Math.sign(Math.sin(w * r + phase) * Math.sin(w * c + phase2));
        else t = blobs.reduce((s, [by, bx, sd, sign]) => s + sign! * Math.exp(-((r - by!) ** 2 + (c - bx!) ** 2) / (2 * sd! ** 2)), 0);
        data[(i * size + r) * size + c] = brightness + contrast * t + 0.05 * rng.normal();
      }
    }
  }
  return { images: { data, count, height: size, width: size, channels: 1 }, y };
}

const pixels = (im: ImageBatch): Matrix => matrix(im.count, im.height * im.width * im.channels, im.data as Float32Array);

describe("bag of words on synthetic textures", () => {
  const rng = new Rng(21);
  const train = textures(rng, 60), test = textures(rng, 40);

  for (const name of ["wasm", "reference"] as const) {
    it(`${name}: a linear classifier on BoW features beats one on raw pixels`, async () => {
      const b = name === "wasm" ? wasm.get("simd")! : backends.reference;
      const bowPipeline = features.pipeline(features.bagOfWords({ backend: b, patchSize: 6, codebookSize: 32, stride: 2, samples: 4000, seed: 1 }), standardize());
      const rawPipeline = features.pipeline((im: ImageBatch) => pixels(im), standardize());
      const result: Record<string, number> = {};
      for (const [label, pipe] of [["bow", bowPipeline], ["raw", rawPipeline]] as const) {
        const model = new LinearClassifier({ epochs: 40, batchSize: 50, l2: 1e-3, optimizer: { learningRate: 1e-2 }, backend: b });
        await model.fit(pipe.fitTransform(train.images), train.y);
        result[label] = model.score(pipe.transform(test.images), test.y);
        model.dispose();
      }
      if (process.env.SIMDLINEAR_REPORT_ERRORS) console.log(name, result);
      expect(result.bow).toBeGreaterThanOrEqual(0.9);
      expect(result.raw).toBeLessThan(0.5);
    });
  }

  it("fit is seeded, rows are shares of patches, and transform replays the training codebook", () => {
    const b = wasm.get("relaxed")!, before = liveBlocks(b);
    const opts = { patchSize: 5, codebookSize: 16, samples: 1000, seed: 7 };
    const bow = features.bagOfWords({ ...opts, backend: b }).fit(train.images);
    expect(liveBlocks(b)).toBe(before);
    expect(bow.codebook.rows).toBe(16);
    expect(bow.codebook.cols).toBe(25);
    expect(features.bagOfWords({ ...opts, backend: b }).fit(train.images).codebook.data).toEqual(bow.codebook.data);
    expect(features.bagOfWords({ backend: b, ...opts, seed: 8 }).fit(train.images).codebook.data).not.toEqual(bow.codebook.data);
    const H = bow.transform(test.images);
    expect(H.rows).toBe(test.images.count);
    expect(H.cols).toBe(16);
    // ⌈5/2⌉ = 3: (24 − 5)/3 + 1 = 7 positions a side, 49 patches: every share is a multiple of 1/49.
    for (let i = 0; i < H.rows; i++) {
      const row = Array.from(H.data.subarray(i * 16, (i + 1) * 16));
      expect(row.reduce((s, e) => s + e, 0)).toBeCloseTo(1, 6);
      for (const e of row) expect(Math.abs(e * 49 - Math.round(e * 49))).toBeLessThan(1e-4);
    }
    expect(bow.transform(test.images).data).toEqual(H.data);
    expect(liveBlocks(b)).toBe(before);
  });

  it("bytes encode like the same images as floats value/255", () => {
    const b = wasm.get("simd")!;
    const bytes = Uint8Array.from(train.images.data, (e) => Math.max(0, Math.min(255, Math.round(e * 255))));
    const asBytes: ImageBatch = { ...train.images, data: bytes };
    const asFloats: ImageBatch = { ...train.images, data: Float32Array.from(bytes, (e) => e / 255) };
    const bow = features.bagOfWords({ backend: b, patchSize: 6, codebookSize: 16, samples: 1000 }).fit(asFloats);
    const a = bow.transform(asBytes).data, f = bow.transform(asFloats).data;
    // The same patches up to one rounding: at most a near-tie or two may pick another codeword.
    let moved = 0;
    a.forEach((e, j) => { moved += Math.abs(e - f[j]!); });
    expect(moved).toBeLessThan(0.05);
  });
});

describe("concat and pipelines", () => {
  const rng = new Rng(8);
  const make = (n: number): ImageBatch => ({ data: Float32Array.from({ length: n * 16 * 16 * 3 }, () => rng.uniform()), count: n, height: 16, width: 16, channels: 3 });
  const trainImages = make(30), testImages = make(10);

  it("concat joins blocks side by side", () => {
    const A = matrix(2, 2, [1, 2, 3, 4]), B = matrix(2, 1, [5, 6]);
    expect(Array.from(features.concat(A, B).data)).toEqual([1, 2, 5, 3, 4, 6]);
    expect(() => features.concat(A, matrix(3, 1))).toThrow(/blocks\[1\] has 3 rows but blocks\[0\] has 2/);
    expect(() => features.concat()).toThrow(RangeError);
  });

  it("fits every step on training data only and replays them on test data", () => {
    const b = wasm.get("simd")!;
    const hog = (im: ImageBatch) => features.hog(im, { backend: b, cellSize: 4 });
    const colour = (im: ImageBatch) => features.colorHistogram(im, { backend: b, bins: 6 });
    const bow = features.bagOfWords({ backend: b, patchSize: 4, codebookSize: 8, samples: 500, seed: 3 });
    const pipe = features.pipeline(features.union(hog, colour, bow), standardize());
    const Xtrain = pipe.fitTransform(trainImages), Xtest = pipe.transform(testImages);
    // By hand: the same blocks, a standardizer fitted on the training blocks, applied to the test blocks.
    const blocks = (im: ImageBatch) => features.concat(hog(im), colour(im), bow.transform(im));
    const scaler = standardize().fit(blocks(trainImages));
    expect(Xtest.cols).toBe(hog(testImages).cols + 6 + 8);
    expect(Xtest.data).toEqual(scaler.transform(blocks(testImages)).data);
    expect(Xtrain.data).toEqual(scaler.transform(blocks(trainImages)).data);
  });

  it("rejects steps that are not transforms", () => {
    expect(() => features.pipeline(3 as never)).toThrow(/steps\[0\] must be a function or an object with fit\(\) and transform\(\)/);
    expect(() => features.union((x: Matrix) => x, { fit() {} } as never)).toThrow(/steps\[1\]/);
  });
});

describe("bag of words: bad input", () => {
  const im: ImageBatch = { data: new Float32Array(2 * 8 * 8), count: 2, height: 8, width: 8, channels: 1 };
  it("options, fit order, channels and sizes are checked", () => {
    const b = wasm.get("simd")!;
    expect(() => features.bagOfWords({ backend: b, patchSize: 0 })).toThrow(/patchSize must be an integer ≥ 1/);
    expect(() => features.bagOfWords({ backend: b, codebookSize: 64, samples: 10 })).toThrow(/samples \(10\) must be at least codebookSize \(64\)/);
    expect(() => features.bagOfWords({ backend: b, seed: -1 })).toThrow(/seed/);
    expect(() => features.bagOfWords(null as never)).toThrow(TypeError);
    expect(() => features.bagOfWords({ backend: b }).transform(im)).toThrow(/call fit\(\)/);
    expect(() => features.bagOfWords({ backend: b, patchSize: 9 }).fit(im)).toThrow(/images\.height is 8, smaller than patchSize 9/);
    const bow = features.bagOfWords({ backend: b, patchSize: 3, codebookSize: 4, samples: 50 }).fit(im);
    expect(() => bow.transform({ ...im, data: new Float32Array(2 * 8 * 8 * 3), channels: 3 })).toThrow(/images\.channels must be 1/);
  });
});

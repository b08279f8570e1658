// HoG, colour histograms and polar features: hand-computed cases, agreement with the float64 twins, bad input.
import { afterAll, describe, expect, it } from "vitest";
import { features, init, matrix, type Backend } from "../src/index.js";
import { Rng } from "../src/data/rng.js";
import { WasmOps } from "../src/backend/wasm-ops.js";
import { sharedKernelsSync, supportedSimd } from "../src/wasm/loader.js";
import type { ImageBatch } from "../src/features/index.js";
import { WorstErrors } from "./helpers.js";
import { everyBackend } from "./backends.js";

const worst = new WorstErrors();
const backends = everyBackend();
const { wasm } = backends;
afterAll(() => worst.report());

const all = (): [string, Backend][] => [["reference", backends.reference], ...[...wasm].map(([k, b]) => [`wasm-${k}`, b] as [string, Backend])];
const liveBlocks = (b: Backend): number => (b.ops as WasmOps).kernels.heap.liveBlocks;

/** count images of h×w×c from f(i, y, x, ch). */
function images(count: number, h: number, w: number, c: number, f: (i: number, y: number, x: number, ch: number) => number,
                bytes = false): ImageBatch {
  const data = bytes ? new Uint8Array(count * h * w * c) : new Float32Array(count * h * w * c);
  for (let i = 0; i < count; i++) {
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) data[((i * h + y) * w + x) * c + ch] = f(i, y, x, ch);
  }
  return { data, count, height: h, width: w, channels: c };
}

const randomImages = (rng: Rng, count: number, h: number, w: number, c: number, bytes: boolean): ImageBatch =>
  images(count, h, w, c, () => (bytes ? rng.int(256) : rng.uniform()), bytes);

/** max |a − r| / max(1, |r|). */
function maxError(a: ArrayLike<number>, r: ArrayLike<number>): number {
  expect(a.length).toBe(r.length);
  let e = 0;
  for (let i = 0; i < r.length; i++) e = Math.max(e, Math.abs(a[i]! - r[i]!) / Math.max(1, Math.abs(r[i]!)));
  return e;
}

describe("polar", () => {
  it("maps known points to (radius, angle)", () => {
    const P = features.polar(matrix(5, 2, [1, 0, 0, 2, -3, 0, 0, -1, 3, 4]));
    const expected = [1, 0, 2, Math.PI / 2, 3, Math.PI, 1, -Math.PI / 2, 5, Math.atan2(4, 3)];
    expect(P.rows).toBe(5);
    expected.forEach((e, i) => expect(P.data[i]).toBe(Math.fround(e)));
  });

  it("makes two rings separable by the radius alone", () => {
    const rng = new Rng(3), n = 200;
    const X = matrix(n, 2, Array.from({ length: n }, (_, i) => {
      const r = (i % 2 === 0 ? 1 : 3) + 0.4 * (rng.uniform() - 0.5), t = 2 * Math.PI * rng.uniform();
      return [r * Math.cos(t), r * Math.sin(t)];
    }).flat());
    const r = features.polar(X).data.filter((_, e) => e % 2 === 0);
    expect(Math.max(...r.filter((_, i) => i % 2 === 0))).toBeLessThan(Math.min(...r.filter((_, i) => i % 2 === 1)));
  });

  it("rejects anything but N×2", () => {
    expect(() => features.polar(matrix(2, 3))).toThrow(/X must have 2 columns/);
    expect(() => features.polar({ rows: 1, cols: 2, data: Float32Array.of(NaN, 0) })).toThrow(RangeError);
  });
});

describe("hog: hand-computed cases", () => {
  const none = { cellSize: 8, orientations: 9, blockNormalize: "none" } as const;
  /** The 4 cells (2×2) × 9 bins of a 16×16 image with `value` at each cell's `bin`s. */
  const cells = (perCell: Record<number, number>): number[] =>
    Array.from({ length: 4 }, () => Array.from({ length: 9 }, (_, b) => perCell[b] ?? 0)).flat();

  it("a vertical edge puts all its mass in the bin of 0° (horizontal gradient)", () => {
    // Columns 7 and 8 see gx = 1 (one column in each cell column), gy = 0: 8 rows × magnitude 1 per cell.
    for (const [name, b] of all()) {
      const edge = features.hog(images(1, 16, 16, 1, (_, __, x) => (x >= 8 ? 1 : 0)), { ...none, backend: b });
      expect(Array.from(edge.data), name).toEqual(cells({ 0: 8 }));
    }
  });

  it("a horizontal edge votes at 90° (bin 4 of 9), in bytes read as value/255", () => {
    for (const [name, b] of all()) {
      const edge = features.hog(images(1, 16, 16, 1, (_, y) => (y >= 8 ? 255 : 0), true), { ...none, backend: b });
      expect(Array.from(edge.data), name).toEqual(cells({ 4: 8 }));
    }
  });

  // I = (x + y)/32: gx = gy = 1/16 inside (45°, bin 2); the border row y = 0 has gy = 0 (bin 0), the border
  // column x = 0 has gx = 0 (bin 4), and the far borders likewise. Every cell: 7 px at 0°, 49 at 45°, 7 at 90°.
  const ramp = images(1, 16, 16, 1, (_, y, x) => (x + y) / 32);

  it("a diagonal ramp: 45° inside, 0° and 90° on the borders, where the centered difference is 0", () => {
    for (const [name, b] of all()) {
      const h = features.hog(ramp, { ...none, backend: b });
      const expected = cells({ 0: 7 / 16, 2: (49 * Math.SQRT2) / 16, 4: 7 / 16 });
      expect(maxError(h.data, expected), name).toBeLessThan(1e-6);
    }
  });

  it("block normalisation: L2 and L2-Hys (clip at 0.2, renormalise) of the ramp's one block", () => {
    // v = 4 × (7, 49√2, 7)/16, ‖v‖ = 8.75: L2 gives 1/20 and 7√2/20; clipping 0.495 to 0.2 and renormalising
    // (‖·‖² = 4·(0.05² + 0.2² + 0.05²) = 0.18) gives √2/12 and √2/3.
    for (const [name, b] of all()) {
      const l2 = features.hog(ramp, { backend: b, cellSize: 8, blockNormalize: "l2" });
      const hys = features.hog(ramp, { backend: b, cellSize: 8 });
      expect(maxError(l2.data, cells({ 0: 1 / 20, 2: (7 * Math.SQRT2) / 20, 4: 1 / 20 })), name).toBeLessThan(1e-6);
      expect(maxError(hys.data, cells({ 0: Math.SQRT2 / 12, 2: Math.SQRT2 / 3, 4: Math.SQRT2 / 12 })), name).toBeLessThan(1e-6);
    }
  });

  it("RGB takes the channel of the largest gradient per pixel", () => {
    // Red has a weak vertical edge (gx = 0.2 at columns 7, 8), blue a strong horizontal one (gy = 0.9 at rows
    // 7, 8). Where they cross, blue wins; elsewhere on the red edge red is the largest. Per cell: 8 pixels of
    // blue at 90°, 7 of red at 0°.
    const rgb = images(1, 16, 16, 3, (_, y, x, ch) => (ch === 0 ? (x >= 8 ? 0.2 : 0) : ch === 2 ? (y >= 8 ? 0.9 : 0) : 0.5));
    for (const [name, b] of all()) {
      const h = features.hog(rgb, { ...none, backend: b });
      expect(maxError(h.data, cells({ 0: 7 * 0.2, 4: 8 * 0.9 })), name).toBeLessThan(1e-6);
    }
  });
});

describe("hog: wasm builds against the float64 reference", () => {
  // Tolerance: bytes give exact f32 gradients and floats one rounding each, so orientation bins agree (no
  // pixel of these seeded images lies within float32 rounding of a bin boundary); a cell sums ≤ cellSize² f32
  // magnitudes (relative error ≤ cellSize²·2⁻²⁴ ≈ 1e-6 at cellSize 4) and block normalisation adds a few ulps.
  const rng = new Rng(11);
  const cases: [string, ImageBatch, number][] = [
    ["grey floats 21×27, cell 4", randomImages(rng, 5, 21, 27, 1, false), 4],
    ["RGB bytes 19×22, cell 5", randomImages(rng, 4, 19, 22, 3, true), 5],
    ["RGB floats 33×17, cell 8", randomImages(rng, 3, 33, 17, 3, false), 8],
  ];
  for (const [label, batch, cellSize] of cases) {
    for (const blockNormalize of ["l2-hys", "l2", "none"] as const) {
      for (const orientations of [9, 7]) {
        it(`${label}, ${orientations} bins, ${blockNormalize}`, () => {
          const opts = { cellSize, orientations, blockNormalize };
          const r = features.hog(batch, { ...opts, backend: backends.reference });
          const first = features.hog(batch, { ...opts, backend: wasm.get("relaxed")! });
          for (const [simd, b] of wasm) {
            const a = features.hog(batch, { ...opts, backend: b });
            expect(a.rows).toBe(batch.count);
            expect(a.cols).toBe(r.cols);
            expect(worst.record(`hog ${blockNormalize}`, maxError(a.data, r.data)), simd).toBeLessThan(4e-6);
            // Same f32 operations in the same order in every build: the builds agree bit for bit.
            expect(a.data, simd).toEqual(first.data);
          }
        });
      }
    }
  }

  it("feature length: (cy−1)(cx−1)·4·bins with blocks, cy·cx·bins without; leftover pixels ignored", () => {
    const batch = randomImages(rng, 2, 30, 21, 1, false); // 3×2 cells of 8, 6 and 5 pixels left over
    expect(features.hog(batch, { backend: backends.reference }).cols).toBe(2 * 1 * 4 * 9);
    expect(features.hog(batch, { backend: wasm.get("simd")!, blockNormalize: "none" }).cols).toBe(3 * 2 * 9);
  });

  it("large batches are processed in chunks with the same result, and WASM memory is returned", () => {
    const b = wasm.get("simd")!, before = liveBlocks(b);
    const batch = randomImages(rng, 1200, 32, 32, 3, true); // 3.7 MB of bytes, 14.7 MB as floats: several chunks
    const floats: ImageBatch = { ...batch, data: Float32Array.from(batch.data, (e) => e / 255) };
    const a = features.hog(floats, { backend: b, cellSize: 8 });
    expect(liveBlocks(b)).toBe(before);
    const some = { ...floats, data: floats.data.subarray(1190 * 32 * 32 * 3), count: 10 };
    expect(a.data.subarray(1190 * a.cols)).toEqual(features.hog(some, { backend: b, cellSize: 8 }).data);
    expect(maxError(a.data.subarray(1190 * a.cols), features.hog(some, { backend: backends.reference, cellSize: 8 }).data)).toBeLessThan(4e-6);
  });
});

describe("colour histogram", () => {
  // One image per colour: red, yellow, green, cyan, blue, magenta, then grey, white and black.
  const colours = [[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1], [1, 0, 1], [0.5, 0.5, 0.5], [1, 1, 1], [0, 0, 0]];
  const solid = (bytes: boolean): ImageBatch => images(colours.length, 3, 4, 3, (i, _, __, ch) => colours[i]![ch]! * (bytes ? 255 : 1), bytes);

  it("pure hues land in their bins; grey, white and black in none", () => {
    for (const [name, b] of all()) {
      for (const bytes of [false, true]) {
        const h6 = features.colorHistogram(solid(bytes), { backend: b, bins: 6 });
        const expected6 = colours.map((_, i) => Array.from({ length: 6 }, (_, j) => (i < 6 && j === i ? 1 : 0))).flat();
        expect(Array.from(h6.data), name).toEqual(expected6);
        const h3 = features.colorHistogram(solid(bytes), { backend: b, bins: 3 }); // red, green, blue in bins 0, 1, 2
        expect([0, 2, 4].map((i) => Array.from(h3.data.subarray(3 * i, 3 * i + 3))), name).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
      }
    }
  });

  it("values are the share of all pixels; an alpha channel is ignored", () => {
    // Half red, a quarter blue, a quarter grey: 0.5 in bin 0, 0.25 in bin 8 (240° of 12 bins of 30°).
    const rgba = images(1, 2, 4, 4, (_, y, x, ch) => (ch === 3 ? 0.3 : y === 0 ? [1, 0, 0][ch]! : x < 2 ? [0, 0, 1][ch]! : 0.4));
    for (const [name, b] of all()) {
      const h = features.colorHistogram(rgba, { backend: b });
      expect(h.cols).toBe(12);
      expect(Array.from(h.data), name).toEqual([0.5, 0, 0, 0, 0, 0, 0, 0, 0.25, 0, 0, 0]);
    }
  });

  it("agrees with the float64 reference on random bytes and floats", () => {
    // Bytes: hue bins come from exact integers (num·bins and 6Δ) in both, so they agree exactly; the shares are
    // correctly rounded quotients of the same counts. Floats: no seeded pixel sits within rounding of a boundary.
    const rng = new Rng(5);
    for (const batch of [randomImages(rng, 7, 13, 11, 3, true), randomImages(rng, 6, 9, 10, 4, false)]) {
      for (const bins of [12, 7, 360]) {
        const r = features.colorHistogram(batch, { backend: backends.reference, bins });
        for (const [simd, b] of wasm) expect(features.colorHistogram(batch, { backend: b, bins }).data, simd).toEqual(r.data);
      }
    }
  });
});

describe("asImages", () => {
  it("views matrix rows as images without copying, and checks the shape", () => {
    const X = matrix(2, 12);
    const im = features.asImages(X, 2, 2, 3);
    expect(im).toEqual({ data: X.data, count: 2, height: 2, width: 2, channels: 3 });
    expect(im.data).toBe(X.data);
    expect(() => features.asImages(X, 3, 3)).toThrow(/X has 12 columns but 3×3×1 images need 9/);
  });
});

describe("bad input throws before any kernel runs", () => {
  const ok = images(2, 16, 16, 3, () => 0.5);
  const cases: [string, () => unknown, ErrorConstructor, RegExp][] = [
    ["images not an object", () => features.hog(3 as never, { backend: backends.reference }), TypeError, /images must be an image batch/],
    ["data of the wrong type", () => features.hog({ ...ok, data: [0.5] as never }, { backend: backends.reference }), TypeError, /images\.data must be a Float32Array/],
    ["count 0", () => features.hog({ ...ok, count: 0 }, { backend: backends.reference }), RangeError, /images\.count/],
    ["fractional width", () => features.hog({ ...ok, width: 15.5 }, { backend: backends.reference }), RangeError, /images\.width/],
    ["height not a number", () => features.hog({ ...ok, height: "16" as never }, { backend: backends.reference }), TypeError, /images\.height/],
    ["data length mismatch", () => features.hog({ ...ok, count: 3 }, { backend: backends.reference }), RangeError, /images\.data has length 1536/],
    ["a NaN pixel", () => features.hog({ ...ok, data: ok.data.map((e, i) => (i === 7 ? NaN : e)) }, { backend: backends.reference }), RangeError, /images\.data\[7\]/],
    ["too small for the cells", () => features.hog(ok, { backend: backends.reference, cellSize: 9 }), RangeError, /images\.height is 16 .* needs at least 18/],
    ["orientations 0", () => features.hog(ok, { backend: backends.reference, orientations: 0 }), RangeError, /orientations/],
    ["orientations 181", () => features.hog(ok, { backend: backends.reference, orientations: 181 }), RangeError, /orientations must be at most 180/],
    ["unknown block norm", () => features.hog(ok, { backend: backends.reference, blockNormalize: "l1" as never }), RangeError, /blockNormalize/],
    ["options not an object", () => features.hog(ok, 8 as never), TypeError, /options must be an options object/],
    ["not a backend", () => features.hog(ok, { backend: {} as never }), TypeError, /backend must be a Backend/],
    ["an unknown backend name", () => features.hog(ok, { backend: "gpu" as never }), TypeError, /backend must be a Backend from init\(\), 'wasm' or 'reference', got string gpu/],
    ["the backend as the first argument (the old signature)", () => features.hog(backends.reference as never, ok as never), TypeError, /images must be an image batch, got a Backend: the backend is an option/],
    ["the backend as colorHistogram's first argument", () => features.colorHistogram(backends.reference as never), TypeError, /the backend is an option/],
    ["grey colour histogram", () => features.colorHistogram({ ...ok, channels: 1, count: 6 }, { backend: backends.reference }), RangeError, /images\.channels must be 3 or 4/],
    ["colour bins 0", () => features.colorHistogram(ok, { backend: backends.reference, bins: 0 }), RangeError, /bins/],
  ];
  for (const [label, call, type, message] of cases) {
    it(label, () => {
      expect(call).toThrow(type);
      expect(call).toThrow(message);
    });
  }

  it("a disposed backend is refused, and a failed call leaks no WASM memory", async () => {
    const b = await init();
    const before = liveBlocks(b);
    expect(() => features.hog(ok, { backend: b, cellSize: 20 })).toThrow(RangeError);
    expect(liveBlocks(b)).toBe(before);
    b.dispose();
    expect(() => features.hog(ok, { backend: b })).toThrow(/disposed/);
  });

  it("inputs are left unchanged", () => {
    const batch = randomImages(new Rng(1), 2, 16, 16, 3, false), copy = batch.data.slice();
    features.hog(batch, { backend: wasm.get("simd")! });
    features.colorHistogram(batch, { backend: wasm.get("simd")! });
    expect(batch.data).toEqual(copy);
  });
});

describe("the backend option", () => {
  const batch = randomImages(new Rng(9), 5, 16, 16, 3, true);
  const best = supportedSimd()[0]!;

  it(`defaults to one shared WASM instance of the best build (${best}), synchronously, equal to a Backend of that build`, () => {
    const expected = features.hog(batch, { backend: wasm.get(best)! });
    expect(features.hog(batch).data).toEqual(expected.data);
    expect(features.hog(batch, { backend: "wasm" }).data).toEqual(expected.data);
    expect(features.colorHistogram(batch).data).toEqual(features.colorHistogram(batch, { backend: wasm.get(best)! }).data);
    expect(sharedKernelsSync()).toBe(sharedKernelsSync());
    expect(sharedKernelsSync().simd).toBe(best);
    expect(sharedKernelsSync().heap.liveBlocks).toBe(0); // nothing stays allocated between calls
  });

  it("'reference' runs the float64 twins, as a reference Backend does", () => {
    expect(features.hog(batch, { backend: "reference" }).data).toEqual(features.hog(batch, { backend: backends.reference }).data);
  });

  it("bagOfWords takes it as an option too, defaulting to the shared WASM instance", () => {
    const opts = { patchSize: 4, codebookSize: 4, samples: 40, seed: 2 };
    const byDefault = features.bagOfWords(opts).fitTransform(batch);
    expect(byDefault.data).toEqual(features.bagOfWords({ ...opts, backend: wasm.get(best)! }).fitTransform(batch).data);
    expect(() => features.bagOfWords(backends.reference as never)).toThrow(/options must be an options object, got a Backend: the backend is an option/);
    expect(() => new features.BagOfWords({ backend: "gpu" as never })).toThrow(TypeError);
  });
});

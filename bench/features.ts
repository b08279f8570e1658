// HoG throughput (images per second), WASM builds against the float64 reference, plus the colour histogram and
// the bag-of-words encoder. Standalone: `node --import tsx bench/features.ts` (add
// --experimental-wasm-relaxed-simd on Node 20 to include the relaxed build).
import { features, init, supportedSimd, type Backend } from "../src/index.js";
import type { ImageBatch } from "../src/features/index.js";
import { Rng } from "../src/data/rng.js";

const rng = new Rng(1);
const batch = (count: number, h: number, w: number, c: number, bytes: boolean): ImageBatch => ({
  data: bytes ? Uint8Array.from({ length: count * h * w * c }, () => rng.int(256))
    : Float32Array.from({ length: count * h * w * c }, () => rng.uniform()),
  count, height: h, width: w, channels: c,
});

/** Images per second of `run` on `count` images: the best of 3 timed runs after one warm-up. */
function rate(count: number, run: () => unknown): number {
  run();
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    run();
    best = Math.min(best, performance.now() - t0);
  }
  return (count * 1000) / best;
}

const cases: { name: string; images: ImageBatch; referenceCount: number; run: (b: Backend, im: ImageBatch) => unknown }[] = [
  { name: "hog 28×28 grey, cell 4, l2-hys", images: batch(4000, 28, 28, 1, false), referenceCount: 200,
    run: (b, im) => features.hog(im, { backend: b, cellSize: 4 }) },
  { name: "hog 32×32 RGB bytes, cell 8, l2-hys", images: batch(4000, 32, 32, 3, true), referenceCount: 200,
    run: (b, im) => features.hog(im, { backend: b, cellSize: 8 }) },
  { name: "hog 64×128 grey (Dalal–Triggs window)", images: batch(500, 128, 64, 1, false), referenceCount: 20,
    run: (b, im) => features.hog(im, { backend: b }) },
  { name: "colour histogram 32×32 RGB bytes", images: batch(4000, 32, 32, 3, true), referenceCount: 400,
    run: (b, im) => features.colorHistogram(im, { backend: b, bins: 12 }) },
];

const backends: [string, Backend][] = [["reference", await init({ backend: "reference" })]];
for (const simd of supportedSimd()) backends.push([`wasm ${simd}`, await init({ simd })]);

const rows: Record<string, Record<string, string>> = {};
for (const c of cases) {
  rows[c.name] = {};
  for (const [label, b] of backends) {
    const im = label === "reference" ? { ...c.images, count: c.referenceCount, data: c.images.data.subarray(0, c.referenceCount * c.images.height * c.images.width * c.images.channels) } : c.images;
    rows[c.name]![label] = Math.round(rate(im.count, () => c.run(b, im))).toLocaleString("en-US");
  }
}

// Bag of words: encode 32×32 RGB images with a 64-word codebook of 6×6 patches (stride 3: 81 patches each).
const bowImages = batch(1000, 32, 32, 3, true);
rows["bag of words encode 32×32 RGB, k 64"] = {};
for (const [label, b] of backends) {
  const bow = features.bagOfWords({ backend: b, patchSize: 6, codebookSize: 64, samples: 5000, seed: 1 }).fit(bowImages);
  const im = label === "reference" ? { ...bowImages, count: 50, data: bowImages.data.subarray(0, 50 * 32 * 32 * 3) } : bowImages;
  rows["bag of words encode 32×32 RGB, k 64"]![label] = Math.round(rate(im.count, () => bow.transform(im))).toLocaleString("en-US");
}

console.log("images per second (best of 3)");
console.table(rows);
for (const [, b] of backends) b.dispose();

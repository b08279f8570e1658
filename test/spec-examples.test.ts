// SPEC.md's worked examples (from the lecture notes), on the reference and on every wasm build.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { init, matrix, sanityCheck, type Backend } from "../src/index.js";
import { Rng } from "../src/data/rng.js";
import { BUILDS, gaussian, randomLabels } from "./helpers.js";

// Class scores (cat, car, frog) of the cat, car and frog images; each image's label is its own class.
const SCORES = matrix(3, 3, [3.2, 5.1, -1.7, 1.3, 4.9, 2.0, 2.2, 2.5, -3.1]);
const LABELS = Int32Array.of(0, 1, 2);
const row = (i: number) => matrix(1, 3, SCORES.data.subarray(3 * i, 3 * i + 3));
const logit = (o: number) => Math.log(o / (1 - o));

const BACKENDS = [{ name: "reference", options: { backend: "reference" } } as const,
  ...BUILDS.map((simd) => ({ name: `wasm ${simd}`, options: { backend: "wasm", simd } } as const))];

describe.each(BACKENDS)("$name backend", ({ options }) => {
  let be: Backend;
  beforeAll(async () => {
    be = await init(options);
  });
  afterAll(() => be.dispose());

  it("hinge: 2.9, 0 and 12.9 per image, mean 5.27", () => {
    const perImage = [0, 1, 2].map((i) => be.loss("hinge", row(i), LABELS.subarray(i, i + 1)).loss);
    expect(perImage[0]).toBeCloseTo(2.9, 5);
    expect(perImage[1]).toBe(0);
    expect(perImage[2]).toBeCloseTo(12.9, 5);
    const mean = be.loss("hinge", SCORES, LABELS).loss;
    expect(mean).toBeCloseTo(15.8 / 3, 5);
    expect(mean).toBeCloseTo(5.27, 2);
  });

  it("softmax for the cat image: p(cat) ≈ 0.13, L = −ln p(cat) ≈ 2.04 nats (0.89 is the same in log10)", () => {
    const p = be.probabilities("softmax", row(0)).data;
    expect(p[0]).toBeCloseTo(0.13, 2);
    const { loss } = be.loss("softmax", row(0), LABELS.subarray(0, 1));
    expect(loss).toBeCloseTo(2.04, 2);
    expect(loss).toBeCloseTo(-Math.log(p[0]!), 6);
    expect(loss / Math.LN10).toBeCloseTo(0.89, 2);
  });

  it("binary cross-entropy through the logistic loss at s = logit(o): 0.0202 nats at o = 0.98, 9.2103 at o = 0.0001", () => {
    const bce = (o: number) => be.loss("logistic", matrix(1, 1, [logit(o)]), matrix(1, 1, [1])).loss;
    expect(bce(0.98)).toBeCloseTo(0.0202, 4);
    expect(bce(0.98) / Math.LN2).toBeCloseTo(0.0291, 4); // the notes' value, in bits
    expect(bce(0.0001)).toBeCloseTo(9.2103, 4);
    expect(bce(0.0001) / Math.LN2).toBeCloseTo(13.2877, 3);
  });

  it("initial loss at W ≈ 0 for C = 10 matches sanityCheck: hinge 9, softmax ln 10", () => {
    expect(sanityCheck("hinge", 10)).toBe(9);
    expect(sanityCheck("softmax", 10)).toBeCloseTo(2.302585, 6);
    const rng = new Rng(10);
    const X = gaussian(rng, 50, 32), W = gaussian(rng, 32, 10, 1e-6), y = randomLabels(rng, 50, 10);
    expect(be.linearLoss("hinge", X, W, null, y).loss).toBeCloseTo(sanityCheck("hinge", 10), 3);
    expect(be.linearLoss("softmax", X, W, null, y).loss).toBeCloseTo(sanityCheck("softmax", 10), 3);
  });
});

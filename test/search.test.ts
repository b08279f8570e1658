// search from the built package (dist/, which `npm test` builds first), as a user runs it: its workers load the
// worker file next to the module.
import { describe, expect, it } from "vitest";
import { LinearClassifier } from "../dist/index.js";
import { search, type SearchResult } from "../dist/tune/index.js";
import { Rng } from "../src/data/rng.js";

/** Four separable-ish blobs in 6-D. */
function data(n: number, seed: number) {
  const rng = new Rng(seed), y = Int32Array.from({ length: n }, (_, i) => i % 4), D = 6;
  const X = { rows: n, cols: D, data: Float32Array.from({ length: n * D }, (_, e) => (Math.floor(e / D) % 4 === e % D ? 2 : 0) + rng.normal()) };
  return { X, y };
}
const train = data(400, 1), held = data(200, 2);
const grid = { learningRate: [1e-3, 1e-2, 1e-1], l2: [0, 1e-2] };
const base = { epochs: 3, batchSize: 50 };
/** The trials without their wall-clock seconds: everything the fits computed. */
const strip = (r: SearchResult) => r.trials.map(({ index, options, score, scores, histories }) => ({
  index, options, score, scores,
  histories: histories.map((h) => ({ ...h, epochs: h.epochs.map(({ seconds: _s, ...rest }) => rest) })),
}));

describe("search", () => {
  it("a grid: every combination in order (the first key slowest), scored on the validation set", async () => {
    const result = await search(train.X, train.y, { validation: [held.X, held.y], grid, base, workers: 1 });
    expect(result.trials.map((t) => [t.options.optimizer!.learningRate, t.options.l2])).toEqual(
      [[1e-3, 0], [1e-3, 1e-2], [1e-2, 0], [1e-2, 1e-2], [1e-1, 0], [1e-1, 1e-2]]);
    for (const t of result.trials) expect(t.score).toBe(t.histories[0]!.valAccuracy.at(-1));
    expect(result.best!.score).toBe(Math.max(...result.trials.map((t) => t.score)));
    expect(result.aborted).toBe(false);
  });

  it("two workers give the same trials, bit for bit, as one after another on this thread", async () => {
    const serial = await search(train.X, train.y, { validation: [held.X, held.y], grid, base, workers: 1 });
    const seen: number[] = [];
    const parallel = await search(train.X, train.y, {
      validation: [held.X, held.y], grid, base, workers: 2, onTrial: (t, { done, total }) => {
        seen.push(t.index);
        expect(total).toBe(6);
        expect(done).toBe(seen.length);
      },
    });
    expect(parallel.workers).toBe(2);
    expect(strip(parallel)).toEqual(strip(serial));
    expect(parallel.best!.index).toBe(serial.best!.index);
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("k-fold cross-validation without a validation set: stratified, seeded folds, one score per fold", async () => {
    const a = await search(train.X, train.y, { folds: 4, grid: { learningRate: [1e-2, 1e-1] }, base, workers: 2, seed: 7 });
    const b = await search(train.X, train.y, { folds: 4, grid: { learningRate: [1e-2, 1e-1] }, base, workers: 1, seed: 7 });
    expect(strip(a)).toEqual(strip(b));
    for (const t of a.trials) {
      expect(t.scores).toHaveLength(4);
      expect(t.score).toBeCloseTo(t.scores.reduce((s, x) => s + x, 0) / 4, 12);
    }
  });

  it("random search: `sample` seeded draws, log-uniform over a range spanning decades", async () => {
    const ranges = { learningRate: { min: 1e-4, max: 1e-1 }, l2: { min: 0, max: 0.01 } };
    const one = await search(train.X, train.y, { validation: [held.X, held.y], sample: 8, ranges, base, seed: 3, workers: 1 });
    const again = await search(train.X, train.y, { validation: [held.X, held.y], sample: 8, ranges, base, seed: 3, workers: 2 });
    expect(strip(again)).toEqual(strip(one));
    const rates = one.trials.map((t) => t.options.optimizer!.learningRate!);
    for (const r of rates) expect(r).toBeGreaterThanOrEqual(1e-4), expect(r).toBeLessThanOrEqual(1e-1);
    // Log-uniform: the draws spread over the decades, not bunched in the top one as uniform draws would be.
    expect(rates.filter((r) => r < 1e-2).length).toBeGreaterThan(2);
    for (const t of one.trials) expect(t.options.l2).toBeGreaterThanOrEqual(0), expect(t.options.l2).toBeLessThanOrEqual(0.01);
  });

  it("refit: the best options trained on all of X, y, as a fit with them gives", async () => {
    const result = await search(train.X, train.y, { validation: [held.X, held.y], grid, base, refit: true, workers: 2 });
    const direct = new LinearClassifier(result.best!.options);
    await direct.fit(train.X, train.y);
    expect(result.best!.model!.toJSON()).toEqual(direct.toJSON());
    result.best!.model!.dispose();
    direct.dispose();
  });

  it("an AbortSignal stops the search and keeps the trials done", async () => {
    const controller = new AbortController();
    const result = await search(train.X, train.y, {
      validation: [held.X, held.y], grid: { learningRate: [1e-3, 2e-3, 3e-3, 4e-3, 5e-3, 6e-3, 7e-3, 8e-3] },
      base: { epochs: 30, batchSize: 10 }, workers: 2, onTrial: () => controller.abort(), signal: controller.signal,
    });
    expect(result.aborted).toBe(true);
    expect(result.trials.length).toBeGreaterThanOrEqual(1);
    expect(result.trials.length).toBeLessThan(8);
    expect(result.best).not.toBeNull();
  });

  it("refuses a bad grid, ranges without sample, a Backend in base, and bad options before any fit", async () => {
    await expect(search(train.X, train.y, { grid: { learningRate: [] } })).rejects.toThrow(/grid.learningRate must be a non-empty array/);
    await expect(search(train.X, train.y, { ranges: { l2: { min: 0, max: 1 } } })).rejects.toThrow(/ranges need sample/);
    await expect(search(train.X, train.y, { grid: { loss: ["cuda"] } })).rejects.toThrow(/loss: unknown value "cuda"/);
    await expect(search(train.X, train.y, { sample: 2, ranges: { learningRate: { min: 0, max: 1, log: true } } }))
      .rejects.toThrow(/log-uniform range needs min > 0/);
    await expect(search(train.X, train.y, { grid, folds: 1 })).rejects.toThrow(/folds must be an integer ≥ 2/);
  });
});

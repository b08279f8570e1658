// search from the built package (dist/, which `npm test` builds first), as a user runs it: its workers load the
// worker file next to the module.
import { describe, expect, it } from "vitest";
import { init, LinearClassifier } from "../dist/index.js";
import { search, stopSearchWorkers, type SearchResult } from "../dist/tune/index.js";
import { createDataset, laneBackend, windowRows } from "../dist/tune/dataset.js";
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

  it("refuses validation rows of another width before any fit", async () => {
    const narrow = { rows: 2, cols: 5, data: new Float32Array(10) };
    await expect(search(train.X, train.y, { validation: [narrow, [0, 1]], grid, base })).rejects.toThrow(/validation\[0\] has 5 columns but X has 6/);
  });

  it("a finished search leaves its workers warm for the next one, with the same bits; stopSearchWorkers ends them", async () => {
    const first = await search(train.X, train.y, { validation: [held.X, held.y], grid, base, workers: 2 });
    const second = await search(train.X, train.y, { validation: [held.X, held.y], grid, base, workers: 2 });
    expect(strip(second)).toEqual(strip(first));
    stopSearchWorkers();
    const third = await search(train.X, train.y, { validation: [held.X, held.y], grid, base, workers: 2 });
    expect(strip(third)).toEqual(strip(first));
    stopSearchWorkers();
  });
});

describe("the search's dataset: rows written once into one shared memory, read in place by every lane", () => {
  it("blocks of listed rows, in order: a window is those rows", async () => {
    const dataset = (await createDataset([{ X: train.X, rows: [5, 1] }, { X: held.X }, { X: train.X, rows: [0] }], 2))!;
    const rowOf = (M: { cols: number; data: Float32Array }, i: number) => Array.from(M.data.subarray(i * M.cols, (i + 1) * M.cols));
    const all = windowRows(dataset, { first: 0, count: 2 + held.X.rows + 1 });
    expect(rowOf(all, 0)).toEqual(rowOf(train.X, 5));
    expect(rowOf(all, 1)).toEqual(rowOf(train.X, 1));
    expect(windowRows(dataset, { first: 2, count: held.X.rows }).data).toEqual(held.X.data);
    expect(rowOf(all, 2 + held.X.rows)).toEqual(rowOf(train.X, 0));
  });

  it("a lane's fit reads X in place (no copy in its arena) and gives the bits of a fit on X itself", async () => {
    const dataset = (await createDataset([{ X: train.X }, { X: held.X }], 2))!;
    const lane = await laneBackend(dataset, 1), own = await init({ simd: lane.simd! });
    const X = windowRows(dataset, { first: 0, count: train.X.rows });
    const Xv = windowRows(dataset, { first: train.X.rows, count: held.X.rows });
    const heap = (lane as unknown as { ops: { kernels: { heap: { bytesInUse: number } } } }).ops.kernels.heap;
    const fit = async (backend: typeof lane, rows: typeof X, validation: typeof Xv) => {
      const model = new LinearClassifier({ ...base, backend });
      let used = 0;
      await model.fit(rows, train.y, { validation: [validation, held.y], onEpoch: () => { used = heap.bytesInUse; } });
      const json = model.toJSON();
      model.dispose();
      return { json, used };
    };
    const inPlace = await fit(lane, X, Xv), copiedInLane = await fit(lane, train.X, held.X), own_ = await fit(own, train.X, held.X);
    // The same fit on copies holds both matrices in the lane's arena besides what the in-place fit holds.
    expect(copiedInLane.used - inPlace.used).toBeGreaterThanOrEqual(train.X.data.byteLength + held.X.data.byteLength);
    expect(inPlace.json).toEqual(own_.json);
    expect(copiedInLane.json).toEqual(own_.json);
    expect(X.data).toEqual(train.X.data); // and the rows are left as they were
    lane.dispose();
    own.dispose();
  });
});

// fitInWorker from the built package (dist/, which `npm test` builds first): the worker file is resolved next
// to the module, as it is for a user.
import { describe, expect, it } from "vitest";
import { init, LinearClassifier, LinearRegressor, type EpochInfo } from "../dist/index.js";
import { fitInWorker } from "../dist/worker/index.js";
import { Rng } from "../src/data/rng.js";
import { gaussian, randomLabels } from "./helpers.js";

const rng = new Rng(23), N = 400, D = 12, C = 4;
const X = gaussian(rng, N, D), y = randomLabels(rng, N, C), Xv = gaussian(rng, 100, D), yv = randomLabels(rng, 100, C);
const options = { epochs: 4, seed: 3, optimizer: { rule: "adam" as const, learningRate: 0.02 } };

describe("fitInWorker", () => {
  it("gives the bits of the same fit on this thread, and reports every epoch as it goes", async () => {
    const seen: EpochInfo<"Accuracy">[] = [];
    const { model, history } = await fitInWorker(X, y, options, { validation: [Xv, yv], onEpoch: (info) => seen.push(info) });
    const local = new LinearClassifier(options);
    const localHistory = await local.fit(X, y, { validation: [Xv, yv] });
    expect(model.toJSON()).toEqual(local.toJSON());
    expect(model.predict(Xv)).toEqual(local.predict(Xv));
    expect(history.valAccuracy).toEqual(localHistory.valAccuracy);
    expect(seen.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(seen.map((e) => e.loss)).toEqual(history.loss);
    model.dispose();
    local.dispose();
  });

  it("trains a LinearRegressor with model: 'regressor', and returns the model on the backend asked for", async () => {
    const t = Float32Array.from({ length: N }, (_, i) => X.data[i * D]! - 2 * X.data[i * D + 1]!);
    const reference = await init({ backend: "reference" });
    const { model } = await fitInWorker(X, t, { epochs: 30, optimizer: { learningRate: 0.05 } }, { model: "regressor", backend: reference });
    expect(model).toBeInstanceOf(LinearRegressor);
    expect(model.score(X, t)).toBeGreaterThan(0.95);
    model.dispose();
    reference.dispose();
  });

  it("an abort rejects with an AbortError and stops the worker", async () => {
    const controller = new AbortController();
    const running = fitInWorker(X, y, { epochs: 100_000 }, { signal: controller.signal, onEpoch: (e) => e.epoch === 2 && controller.abort() });
    await expect(running).rejects.toMatchObject({ name: "AbortError" });
  });

  it("bad options throw before a worker starts; an error in the worker comes back as its own class", async () => {
    await expect(fitInWorker(X, y, { loss: "cuda" as never })).rejects.toThrow(RangeError);
    const backend = await init({ backend: "reference" });
    await expect(fitInWorker(X, y, { backend })).rejects.toThrow(/a Backend cannot move to a worker/);
    backend.dispose();
    await expect(fitInWorker(X, y.subarray(0, 10), options)).rejects.toThrow(/y has length 10 but there are 400 rows/);
    await expect(fitInWorker(X, y, options, { validation: [Xv, yv.subarray(1)] })).rejects.toThrow(RangeError);
  });
});

// Issue 3's end-to-end check on real digits: softmax + adam and hinge + adam on the shipped 8,000/2,000 MNIST
// split. Fit times are printed (SIMDLINEAR_REPORT_ERRORS=1) for the report; no test asserts a time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { init, loadMnist, LinearClassifier, type Backend, type Dataset } from "../src/index.js";

let backend: Backend;
let data: { train: Dataset; test: Dataset };
beforeAll(async () => {
  backend = await init();
  data = await loadMnist();
});
afterAll(() => backend.dispose());

describe("MNIST (8,000 train / 2,000 test digits, raw pixels in [0, 1])", () => {
  for (const loss of ["softmax", "hinge"] as const) {
    it(`${loss} + adam reaches test accuracy ≥ 0.91`, async () => {
      // 20 epochs of 40 steps; a cosine-decayed learning rate and 20% input dropout (seed 004).
      const model = new LinearClassifier({
        loss, backend, epochs: 20, batchSize: 200, inputDropout: 0.2,
        optimizer: { rule: "adam", learningRate: 1e-2, schedule: { type: "cosine" } },
      });
      const started = performance.now();
      const history = await model.fit(data.train.X, data.train.y);
      const seconds = (performance.now() - started) / 1000;
      const accuracy = model.score(data.test.X, data.test.y);
      if (process.env.SIMDLINEAR_REPORT_ERRORS) {
        console.log(`${loss}: test accuracy ${accuracy.toFixed(4)}, train ${history.trainAccuracy.at(-1)!.toFixed(4)}, `
          + `fit ${seconds.toFixed(2)} s on the ${backend.simd} build`);
      }
      expect(accuracy).toBeGreaterThanOrEqual(0.91);
      model.dispose();
    });
  }
});

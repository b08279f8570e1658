// LinearClassifier on CSR input: the same model as on the dense form of the data, on both backends; hashed
// text-like data; validation, partialFit and bad input.
import { describe, expect, it } from "vitest";
import { csrFromDense, csrMatrix, hashing, LinearClassifier, LinearRegressor } from "../src/index.js";
import { Rng } from "../src/data/rng.js";
import { normError, randomLabels } from "./helpers.js";
import { sparseGaussian } from "./sparse-helpers.js";

const BACKENDS = ["reference", "wasm"] as const;

describe.each(BACKENDS)("LinearClassifier with CSR input (%s)", (backend) => {
  it.each([
    { rule: "sgd", l2: 0 },
    { rule: "sgd", l2: 0.01 },
    { rule: "adagrad", l2: 0 },
  ] as const)("fit on CSR equals fit on the dense rows: $rule, l2 $l2", async ({ rule, l2 }) => {
    const rng = new Rng(8);
    const M = sparseGaussian(rng, 120, 300, 0.02), X = csrFromDense(M), y = randomLabels(rng, 120, 4);
    const options = { backend, l2, epochs: 3, batchSize: 32, optimizer: { rule, learningRate: 0.2 } } as const;
    const dense = new LinearClassifier(options), sparse = new LinearClassifier(options);
    // 'full': the objective over the whole set (a CSR batch's progressive loss holds the penalty of its touched rows only).
    const hd = await dense.fit(M, y, { trainMetrics: "full" }), hs = await sparse.fit(X, y, { trainMetrics: "full" });
    expect(normError(sparse.weights.W.data, dense.weights.W.data)).toBeLessThan(1e-4);
    expect(normError(sparse.weights.b, dense.weights.b)).toBeLessThan(1e-4);
    expect(normError(hs.loss, hd.loss)).toBeLessThan(1e-4);
    expect(normError(sparse.decisionFunction(X).data, dense.decisionFunction(M).data)).toBeLessThan(1e-5);
    expect(sparse.predict(X)).toEqual(sparse.predict(M));
    expect(sparse.score(X, y)).toBe(sparse.score(M, y));
    dense.dispose();
    sparse.dispose();
  });

  it("learns a hashed bag-of-words task, with dense validation data and a partialFit afterwards", async () => {
    // Two classes, each with its own 50-word vocabulary, plus 200 shared noise words.
    const rng = new Rng(4), docs: string[][] = [], labels: number[] = [];
    for (let i = 0; i < 400; i++) {
      const label = rng.int(2), words: string[] = [];
      for (let t = 0; t < 20; t++) words.push(rng.uniform() < 0.3 ? `c${label}w${rng.int(50)}` : `noise${rng.int(200)}`);
      docs.push(words);
      labels.push(label);
    }
    const X = hashing(docs, { nFeatures: 2 ** 12 }), y = Int32Array.from(labels);
    const train = csrMatrix(X.indptr.slice(0, 301), X.indices.subarray(0, X.indptr[300]), X.values.subarray(0, X.indptr[300]), X.cols);
    const rest = X.indptr[300]!;
    const test = csrMatrix(X.indptr.slice(300).map((p) => p - rest), X.indices.subarray(rest), X.values.subarray(rest), X.cols);
    const model = new LinearClassifier({ backend, epochs: 5, batchSize: 20, optimizer: { rule: "adagrad", learningRate: 0.5 } });
    const denseTest = { rows: test.rows, cols: test.cols, data: new Float32Array(test.rows * test.cols) };
    for (let i = 0; i < test.rows; i++) {
      for (let e = test.indptr[i]!; e < test.indptr[i + 1]!; e++) denseTest.data[i * test.cols + test.indices[e]!] = test.values[e]!;
    }
    const history = await model.fit(train, y.subarray(0, 300), { validation: [denseTest, y.slice(300)] });
    expect(history.valAccuracy.at(-1)).toBeGreaterThan(0.9);
    expect(model.score(test, y.slice(300))).toBe(history.valAccuracy.at(-1));
    await model.partialFit(test, y.slice(300));
    expect(model.score(test, y.slice(300))).toBeGreaterThan(0.9);
    model.dispose();
  });

  it("rejects CSR input of the wrong width, a malformed CSR, and lsuv init", async () => {
    const rng = new Rng(2), M = sparseGaussian(rng, 20, 10, 0.3), y = randomLabels(rng, 20, 2);
    const model = new LinearClassifier({ backend, epochs: 1 });
    await model.fit(csrFromDense(M), y);
    const narrow = csrMatrix([0, 1], [0], [1], 9);
    expect(() => model.predict(narrow)).toThrow(/X has 9 columns but the model has 10 features/);
    const broken = { ...csrFromDense(M), indptr: Int32Array.of(0, 5) };
    expect(() => model.predict(broken)).toThrow(RangeError);
    expect(() => model.predict(broken)).toThrow(/^X: /);
    const lsuv = new LinearClassifier({ backend, epochs: 1, init: "lsuv" });
    await expect(lsuv.fit(csrFromDense(M), y)).rejects.toThrow(/lsuv/);
    model.dispose();
    lsuv.dispose();
  });

  it("LinearRegressor takes CSR input too", async () => {
    const rng = new Rng(5), M = sparseGaussian(rng, 60, 40, 0.1), t = Float32Array.from({ length: 60 }, () => rng.normal());
    const options = { backend, loss: "l2", epochs: 2, batchSize: 16, optimizer: { rule: "sgd", learningRate: 0.05 } } as const;
    const dense = new LinearRegressor(options), sparse = new LinearRegressor(options);
    await dense.fit(M, t);
    await sparse.fit(csrFromDense(M), t);
    expect(normError(sparse.weights.W.data, dense.weights.W.data)).toBeLessThan(1e-4);
    expect(normError(sparse.predict(csrFromDense(M)), dense.predict(M))).toBeLessThan(1e-4);
    dense.dispose();
    sparse.dispose();
  });
});

// toOnnx checked by the real runtime (onnxruntime-node): same labels, probabilities within 1e-6, on 1,000 rows.
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { LinearClassifier, LinearRegressor, matrix, minMax, standardize, type Matrix } from "../src/index.js";
import { Rng } from "../src/data/rng.js";
import { toOnnx } from "../src/onnx/index.js";

const N = 1000, D = 6, C = 4;
const rng = new Rng(7);
// Raw features on an offset scale (so preprocessing matters), one constant column (scale 0 → 1, as transform does).
const X = matrix(N, D, Float32Array.from({ length: N * D }, (_, i) => (i % D === 5 ? 3 : 10 + 5 * (rng.uniform() * 2 - 1))));
const y = Int32Array.from({ length: N }, (_, i) => (X.data[i * D]! > 10 ? 1 : 0) + (X.data[i * D + 1]! > 10 ? 2 : 0));

async function run(bytes: Uint8Array, X: Matrix): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run({ X: new ort.Tensor("float32", X.data, [X.rows, X.cols]) });
  } finally {
    await session.release();
  }
}
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe("toOnnx in onnxruntime-node", () => {
  for (const loss of ["softmax", "logistic", "hinge", "squared-hinge"] as const) {
    for (const kind of ["standardize", "minmax", "none"] as const) {
      it(`${loss} with ${kind} preprocessing, string labels: same labels, ${loss.includes("hinge") ? "scores" : "probabilities"} within 1e-6 on 1,000 rows`, async () => {
        const pre = kind === "standardize" ? standardize().fit(X) : kind === "minmax" ? minMax().fit(X) : null;
        const Xs = pre ? pre.transform(X) : X;
        const labels = Array.from(y, (k) => ["car", "cat", "dog", "frog"][k]!);
        const model = new LinearClassifier<string[]>({ loss, backend: "reference", epochs: 3, batchSize: 50, optimizer: { rule: "adam", learningRate: 0.05 } });
        await model.fit(Xs, labels);
        const out = await run(toOnnx(model, { preprocessing: pre }), X);
        expect(Array.from(out.label!.data as string[])).toEqual(model.predict(Xs));
        if (loss.includes("hinge")) {
          expect(out.probabilities).toBeUndefined();
          expect(maxDiff(out.scores!.data as Float32Array, model.decisionFunction(Xs).data)).toBeLessThan(1e-4);
        } else {
          expect(out.probabilities!.dims).toEqual([N, C]);
          expect(maxDiff(out.probabilities!.data as Float32Array, model.predictProba(Xs).data)).toBeLessThan(1e-6);
        }
      });
    }
  }

  it("model.toOnnx(options) writes the bytes toOnnx(model, options) writes (simdlinear/onnx registers the writer)", async () => {
    const pre = standardize().fit(X), model = new LinearClassifier({ backend: "reference", epochs: 2 });
    await model.fit(pre.transform(X), y);
    const bytes = model.toOnnx({ preprocessing: pre });
    expect(bytes).toEqual(toOnnx(model, { preprocessing: pre }));
    expect(Array.from((await run(bytes, X)).label!.data as BigInt64Array, Number)).toEqual(Array.from(model.predict(pre.transform(X))));
    expect(() => new LinearClassifier().toOnnx()).toThrow(/not fitted yet/);
  });

  it("integer classes come out as int64 labels; 0..C−1 by default", async () => {
    const m = LinearClassifier.fromWeights({ coef: matrix(D, 3, Float32Array.from({ length: D * 3 }, (_, i) => Math.sin(i))), intercept: [0, 0.1, -0.1], loss: "softmax", layout: "cs231n", classes: [-5, 7, 40] });
    const out = await run(toOnnx(m), X);
    expect(Array.from(out.label!.data as BigInt64Array, Number)).toEqual(Array.from(m.predict(X)));
  });

  it("regressor with standardize: variable within 1e-5 of predict, N×outputs", async () => {
    const pre = standardize().fit(X);
    const target = Float32Array.from({ length: N }, (_, i) => X.data[i * D]! - 2 * X.data[i * D + 1]!);
    const model = new LinearRegressor({ backend: "reference", epochs: 3, optimizer: { rule: "adam", learningRate: 0.05 } });
    await model.fit(pre.transform(X), target);
    const out = await run(toOnnx(model.toJSON(), { preprocessing: pre.toJSON() }), X);
    expect(out.variable!.dims).toEqual([N, 1]);
    expect(maxDiff(out.variable!.data as Float32Array, model.predict(pre.transform(X)))).toBeLessThan(1e-5);
  });

  it("the batch dimension is dynamic: one row and 1,000 rows from the same bytes", async () => {
    const bytes = toOnnx(LinearClassifier.fromWeights({ coef: matrix(D, 2), intercept: [0, 1], loss: "softmax", layout: "cs231n" }));
    expect((await run(bytes, matrix(1, D))).label!.dims).toEqual([1]);
    expect((await run(bytes, X)).label!.dims).toEqual([N]);
  });

  it("hierarchical-softmax, attribute-hinge and a preprocessing of the wrong width throw RangeError", async () => {
    const m = new LinearClassifier({ loss: "attribute-hinge", backend: "reference", epochs: 1 });
    await m.fit(X, y);
    expect(() => toOnnx(m)).toThrow(/not 'attribute-hinge'/);
    const soft = LinearClassifier.fromWeights({ coef: matrix(D, 2), intercept: [0, 1], loss: "softmax", layout: "cs231n" });
    expect(() => toOnnx(soft, { preprocessing: standardize().fit(matrix(2, 3)) })).toThrow(/3 features but the model has 6/);
  });
});

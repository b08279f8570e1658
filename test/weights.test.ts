// fromWeights / coef() / intercept(): outside weights in both layouts, and scikit-learn both ways.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { LinearClassifier, LinearRegressor, matrix, type Matrix } from "../src/index.js";
import { Rng } from "../src/data/rng.js";

const D = 4, C = 3, N = 50;
function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const rng = new Rng(seed);
  return matrix(rows, cols, Float32Array.from({ length: rows * cols }, () => rng.uniform() * 2 - 1));
}
const X = randomMatrix(N, D, 1);
const W = randomMatrix(D, C, 2); // cs231n layout
const b = [0.5, -0.25, 0.125];
const transpose = (m: Matrix): number[][] => Array.from({ length: m.cols }, (_, c) => Array.from({ length: m.rows }, (_, r) => m.data[r * m.cols + c]!));

describe("model.toOnnx without simdlinear/onnx", () => {
  it("says which entry to import (this file never imports it: the core import has no ONNX writer)", () => {
    const model = LinearClassifier.fromWeights({ coef: matrix(2, 2), intercept: [0, 0], loss: "softmax", layout: "cs231n" });
    expect(() => model.toOnnx()).toThrow(/import "simdlinear\/onnx"/);
  });
});

describe("LinearClassifier.fromWeights", () => {
  it("cs231n layout (D×C) and sklearn layout (C×D) of the same weights give the same model; coef()/intercept() return sklearn's", () => {
    const a = LinearClassifier.fromWeights({ coef: W, intercept: b, loss: "softmax", layout: "cs231n" });
    const s = LinearClassifier.fromWeights({ coef: transpose(W), intercept: b, loss: "softmax", layout: "sklearn" });
    expect(Array.from(a.weights.W.data)).toEqual(Array.from(W.data));
    expect(Array.from(s.weights.W.data)).toEqual(Array.from(W.data));
    const coef = s.coef();
    expect([coef.rows, coef.cols]).toEqual([C, D]);
    expect(Array.from(coef.data)).toEqual(transpose(W).flat());
    expect(Array.from(s.intercept())).toEqual(b);
    expect(Array.from(a.predictProba(X).data)).toEqual(Array.from(s.predictProba(X).data));
  });

  it("classes label the columns; default 0..C−1", () => {
    const m = LinearClassifier.fromWeights<string[]>({ coef: W, intercept: b, loss: "hinge", layout: "cs231n", classes: ["bird", "cat", "dog"] });
    const plain = LinearClassifier.fromWeights({ coef: W, intercept: b, loss: "hinge", layout: "cs231n" });
    expect(plain.classes).toEqual([0, 1, 2]);
    expect(m.predict(X)).toEqual(Array.from(plain.predict(X), (k) => ["bird", "cat", "dog"][k]));
  });

  it("binary sklearn row (1×D): softmax gives [1 − σ(s), σ(s)], hinge predicts classes[1] where s > 0", () => {
    const w = [0.5, -1, 2, 0.25], b0 = -0.3;
    const soft = LinearClassifier.fromWeights({ coef: [w], intercept: [b0], loss: "softmax", layout: "sklearn" });
    const hinge = LinearClassifier.fromWeights({ coef: w, intercept: b0, loss: "hinge", layout: "sklearn", classes: [-1, 1] });
    const P = soft.predictProba(X);
    const y = hinge.predict(X);
    for (let i = 0; i < N; i++) {
      let s = b0;
      for (let d = 0; d < D; d++) s += X.data[i * D + d]! * w[d]!;
      expect(P.data[i * 2 + 1]).toBeCloseTo(1 / (1 + Math.exp(-s)), 6);
      expect(y[i]).toBe(s > 0 ? 1 : -1);
    }
  });

  it("missing or unknown layout throws TypeError; mismatched intercept, ragged rows and class count throw RangeError", () => {
    expect(() => LinearClassifier.fromWeights({ coef: W, intercept: b, loss: "softmax" } as never)).toThrow(/layout must be 'sklearn'/);
    expect(() => LinearClassifier.fromWeights({ coef: W, intercept: [1], loss: "softmax", layout: "cs231n" })).toThrow(/intercept has 1 values but coef has 3 outputs/);
    expect(() => LinearClassifier.fromWeights({ coef: [[1, 2], [3]], intercept: [0, 0], loss: "softmax", layout: "sklearn" })).toThrow(/coef row 1 has length 1/);
    expect(() => LinearClassifier.fromWeights({ coef: W, intercept: b, loss: "softmax", layout: "cs231n", classes: [0, 1] })).toThrow(/json\.classes has 2 labels but the model has 3 classes/);
    expect(() => LinearClassifier.fromWeights({ coef: [[NaN, 1]], intercept: [0], loss: "softmax", layout: "sklearn" })).toThrow(RangeError);
  });
});

describe("LinearRegressor.fromWeights", () => {
  it("sklearn flat coef and scalar intercept predict x·w + b; coef() is 1×D", () => {
    const w = [1, -2, 0.5, 3];
    const r = LinearRegressor.fromWeights({ coef: w, intercept: 0.75, loss: "l2", layout: "sklearn" });
    const p = r.predict(X);
    for (let i = 0; i < N; i++) expect(p[i]).toBeCloseTo(w.reduce((s, v, d) => s + v * X.data[i * D + d]!, 0.75), 5);
    expect([r.coef().rows, r.coef().cols, ...r.coef().data]).toEqual([1, D, ...w]);
  });

  it("cs231n layout D×outputs gives a multi-output regressor", () => {
    const r = LinearRegressor.fromWeights<Matrix>({ coef: W, intercept: b, loss: "l2", layout: "cs231n" });
    expect(Array.from(r.predict(X).data)).toEqual(Array.from(LinearClassifier.fromWeights({ coef: W, intercept: b, loss: "hinge", layout: "cs231n" }).decisionFunction(X).data));
  });
});

// The README's snippet: our exported weights into scikit-learn's LogisticRegression.
const SNIPPET = `
import json, sys
import numpy as np
from sklearn.linear_model import LogisticRegression

w = json.load(sys.stdin)  # {"classes", "coef", "intercept", "X"}: model.classes, model.coef(), model.intercept()
clf = LogisticRegression(multi_class="multinomial")  # softmax over all classes, as loss 'softmax'
clf.classes_ = np.array(w["classes"])
clf.coef_ = np.array(w["coef"], dtype=np.float64)
clf.intercept_ = np.array(w["intercept"], dtype=np.float64)
print(json.dumps(clf.predict_proba(np.array(w["X"], dtype=np.float64)).tolist()))
`;
const PY = "/usr/bin/python3";
const hasSklearn = spawnSync(PY, ["-c", "import sklearn, numpy"]).status === 0;
const rowsOf = (m: Matrix): number[][] => Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));

describe.skipIf(!hasSklearn)(hasSklearn ? "scikit-learn" : "scikit-learn (skipped: /usr/bin/python3 cannot import sklearn and numpy)", () => {
  it("our softmax weights loaded into LogisticRegression: predict_proba within 1e-6 of predictProba, 3 classes and 2", () => {
    for (const cols of [3, 2]) {
      const Wc = randomMatrix(D, cols, 10 + cols);
      const m = LinearClassifier.fromWeights({ coef: Wc, intercept: b.slice(0, cols), loss: "softmax", layout: "cs231n", classes: ["a", "b", "c"].slice(0, cols) });
      const input = JSON.stringify({ classes: m.classes, coef: rowsOf(m.coef()), intercept: Array.from(m.intercept()), X: rowsOf(X) });
      const r = spawnSync(PY, ["-c", SNIPPET], { input });
      expect(r.stderr.toString()).not.toMatch(/Error/);
      const theirs = JSON.parse(r.stdout.toString()) as number[][];
      const ours = m.predictProba(X);
      for (let i = 0; i < N; i++) for (let c = 0; c < cols; c++) expect(Math.abs(ours.data[i * cols + c]! - theirs[i]![c]!)).toBeLessThan(1e-6);
    }
  });

  it("a LogisticRegression fitted in sklearn (binary and multinomial) loaded with fromWeights: same labels, probabilities within 1e-6", () => {
    const script = `
import json, sys
import numpy as np
from sklearn.linear_model import LogisticRegression
X = np.array(json.load(sys.stdin), dtype=np.float64)
out = []
for y in [np.where(X[:, 0] + X[:, 1] > 0, 'yes', 'no'), np.argmax(X[:, :3], axis=1) * 10]:
    clf = LogisticRegression().fit(X, y)
    out.append({"classes": clf.classes_.tolist(), "coef": clf.coef_.tolist(), "intercept": clf.intercept_.tolist(),
                "proba": clf.predict_proba(X).tolist(), "predict": clf.predict(X).tolist()})
print(json.dumps(out))
`;
    const r = spawnSync(PY, ["-c", script], { input: JSON.stringify(rowsOf(X)) });
    const fits = JSON.parse(r.stdout.toString()) as { classes: (string | number)[]; coef: number[][]; intercept: number[]; proba: number[][]; predict: (string | number)[] }[];
    expect(fits.map((f) => f.coef.length)).toEqual([1, 3]);
    for (const f of fits) {
      const m = LinearClassifier.fromWeights<(string | number)[]>({ coef: f.coef, intercept: f.intercept, loss: "softmax", layout: "sklearn", classes: f.classes as string[] });
      expect(Array.from(m.predict(X))).toEqual(f.predict);
      const P = m.predictProba(X);
      for (let i = 0; i < N; i++) for (let c = 0; c < P.cols; c++) expect(Math.abs(P.data[i * P.cols + c]! - f.proba[i]![c]!)).toBeLessThan(1e-6);
    }
  });
});

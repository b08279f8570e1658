// Progressive training metrics (fit option trainMetrics): the countHits kernel against its reference twin, and
// the history fit reports from its steps against losses and accuracies computed apart from the training loop.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csrFromDense, init, LinearClassifier, LinearRegressor, type Backend, type Matrix } from "../src/index.js";
import { Rng } from "../src/data/rng.js";
import { loadKernels, type Kernels } from "../src/wasm/loader.js";
import { padCols, Scope } from "../src/wasm/scope.js";
import { argmax, countHits, HIT_RULES, type HitRule } from "../src/reference/metrics.js";
import { BUILDS, gaussian, randomLabels } from "./helpers.js";

/** Scores with ties (values from a small set) and, when asked, a NaN now and then: argmax's edge cases. */
function tiedScores(rng: Rng, n: number, c: number, nan: boolean): Matrix {
  const data = Float32Array.from({ length: n * c }, () => (nan && rng.int(17) === 0 ? NaN : rng.int(5) - 2));
  return { rows: n, cols: c, data };
}

/** Targets in the rule's form: labels, one-hot rows (0/1 or −1/+1), or multi-label rows. */
function targetsFor(rule: HitRule, rng: Rng, n: number, c: number): Int32Array | Matrix {
  if (rule === "labels") return randomLabels(rng, n, c);
  const off = rng.int(2) === 0 ? 0 : -1, data = new Float32Array(n * c).fill(off);
  for (let i = 0; i < n; i++) {
    if (rule === "one-hot") data[i * c + rng.int(c)] = 1;
    else for (let j = 0; j < c; j++) if (rng.int(3) === 0) data[i * c + j] = 1;
  }
  return { rows: n, cols: c, data };
}

describe.each(BUILDS)("countHits on the %s build", (build) => {
  let kernels: Kernels;
  beforeAll(async () => {
    kernels = await loadKernels(build);
  });

  it.each(HIT_RULES)("%s: equals the reference twin on rows picked through an index list", (rule) => {
    const rng = new Rng(11);
    for (const c of [1, 2, 3, 4, 5, 10, 13]) {
      for (const nan of [false, true]) {
        const total = 37, n = 29, S = tiedScores(rng, n, c, nan), targets = targetsFor(rule, rng, total, c);
        const order = rng.shuffle(Uint32Array.from({ length: total }, (_, i) => i)).subarray(0, n);
        const scope = new Scope(kernels.heap);
        try {
          const s = scope.matrix(S, padCols(c)), idx = scope.alloc(n * 4);
          kernels.heap.u32(idx, n).set(order);
          const t = targets instanceof Int32Array ? scope.i32(targets) : scope.f32(targets.data);
          const got = kernels.exports.countHits(HIT_RULES.indexOf(rule), n, c, padCols(c), s, t, idx);
          const picked = targets instanceof Int32Array ? Int32Array.from(order, (r) => targets[r]!)
            : { rows: n, cols: c, data: Float32Array.from({ length: n * c }, (_, e) => targets.data[order[Math.floor(e / c)]! * c + (e % c)]!) };
          expect(got, `c ${c}${nan ? " with NaN" : ""}`).toBe(countHits(rule, S, picked));
        } finally {
          scope.release();
        }
      }
    }
  });
});

describe("the reference twin", () => {
  it("counts by the models' own rules", () => {
    const S = { rows: 4, cols: 3, data: Float32Array.from([1, 3, 3, NaN, 5, 6, -1, -2, -1, 0.5, -0.5, 2]) };
    // argmax: first largest (row 0 → 1), a leading NaN keeps its place (row 1 → 0), ties go first (row 2 → 0).
    expect([0, 1, 2, 3].map((i) => argmax(S.data, 3 * i, 3))).toEqual([1, 0, 0, 2]);
    expect(countHits("labels", S, Int32Array.from([1, 0, 2, 2]))).toBe(3);
    const oneHot = { rows: 4, cols: 3, data: Float32Array.from([-1, 1, -1, 1, -1, -1, -1, -1, 1, 0, 0, 1]) };
    expect(countHits("one-hot", S, oneHot)).toBe(3);
    const multi = { rows: 4, cols: 3, data: Float32Array.from([1, 1, 1, 0, 1, 1, 0, 0, 0, 1, 0, 1]) };
    // Row 1: NaN > 0 is false, target 0: right. Row 3: 0.5 > 0, −0.5 ≤ 0, 2 > 0: all right.
    expect(countHits("multilabel", S, multi)).toBe(4);
  });
});

describe("fit's progressive history", () => {
  let wasm: Backend, reference: Backend;
  beforeAll(async () => {
    wasm = await init();
    reference = await init({ backend: "reference" });
  });
  afterAll(() => {
    wasm.dispose();
    reference.dispose();
  });

  const rng = new Rng(21), n = 240, d = 7, c = 4;
  const X = gaussian(rng, n, d), y = randomLabels(rng, n, c);
  const T = { rows: n, cols: c, data: Float32Array.from({ length: n * c }, () => rng.int(2)) };

  it.each(["wasm", "reference"] as const)("%s: with one batch per epoch, the loss and accuracy of the weights before the epoch", async (backend) => {
    for (const loss of ["softmax", "hinge", "logistic"] as const) {
      const model = new LinearClassifier({ backend, loss, l2: 0.01, batchSize: n, optimizer: { learningRate: 0.05 } });
      await model.partialFit(X, y);
      const { W, b } = model.weights;
      const history = await model.partialFit(X, y);
      // The one batch holds every row: its loss and hits are those of the whole set under the weights before it.
      const S = reference.scores(X, W, b);
      const right = y.filter((label, i) => argmax(S.data, i * c, c) === label).length;
      expect(history.trainAccuracy[0], loss).toBe(right / n);
      const objective = loss === "logistic" ? reference.linearLoss("logistic", X, W, b, oneHot(y, c), { l2: 0.01 })
        : reference.linearLoss(loss, X, W, b, y, { l2: 0.01 });
      expect(Math.abs(history.loss[0]! - objective.loss) / objective.loss, loss).toBeLessThan(1e-5);
      model.dispose();
    }
  });

  it("wasm and reference engines report the same progressive history (labels, one-hot, multi-label, dropout, CSR)", async () => {
    const cases = [
      { name: "softmax labels", options: { loss: "softmax" }, X: X as Matrix | ReturnType<typeof csrFromDense>, targets: y as Int32Array | Matrix },
      { name: "hinge weighted", options: { loss: "hinge", classWeight: [1, 2, 0.5, 1] }, X, targets: y },
      { name: "logistic one-vs-rest", options: { loss: "logistic" }, X, targets: y },
      { name: "attribute-hinge multi-label", options: { loss: "attribute-hinge" }, X, targets: T },
      { name: "softmax input dropout", options: { loss: "softmax", inputDropout: 0.3 }, X, targets: y },
      { name: "softmax CSR", options: { loss: "softmax" }, X: csrFromDense(X), targets: y },
    ] as const;
    for (const { name, options, X: rows, targets } of cases) {
      const histories = [];
      for (const backend of ["wasm", "reference"] as const) {
        const model = new LinearClassifier<Int32Array | Matrix>({ ...options, backend, epochs: 3, batchSize: 50,
          optimizer: { learningRate: 0.05 } } as never);
        histories.push(await model.fit(rows, targets));
        model.dispose();
      }
      const [got, want] = histories as [typeof histories[0], typeof histories[0]];
      got.loss.forEach((l, e) => expect(Math.abs(l - want.loss[e]!) / want.loss[e]!, `${name} loss ${e}`).toBeLessThan(1e-5));
      // Accuracy counts rows: float32 vs float64 scores could flip a near-tie, one row at most here.
      got.trainAccuracy.forEach((a, e) => expect(Math.abs(a - want.trainAccuracy[e]!), `${name} accuracy ${e}`).toBeLessThanOrEqual(1 / n));
      expect(got.trainAccuracy.every((a) => a > 0 && a <= 1), name).toBe(true);
    }
  });

  it("the metrics do not change the training: 'full' and 'progressive' end with the same weights", async () => {
    const weights = [];
    for (const trainMetrics of ["progressive", "full"] as const) {
      const model = new LinearClassifier({ backend: wasm, epochs: 3, batchSize: 64 });
      const history = await model.fit(X, y, { trainMetrics, validation: [X, y] });
      expect(history.valLoss).toHaveLength(3);
      weights.push(model.weights);
      model.dispose();
    }
    expect(weights[0]!.W.data).toEqual(weights[1]!.W.data);
    expect(weights[0]!.b).toEqual(weights[1]!.b);
  });

  it("the validation metrics stay a full pass over the validation set", async () => {
    const model = new LinearClassifier({ backend: wasm, epochs: 2, batchSize: 64 });
    const history = await model.fit(X, y, { validation: [X, y] });
    expect(history.valAccuracy.at(-1)).toBe(model.score(X, y));
    model.dispose();
  });

  it("the regressor measures R² with the full pass (the steps cannot count it)", async () => {
    const t = Float32Array.from({ length: n }, (_, i) => X.data[i * d]! - 2 * X.data[i * d + 1]!);
    const model = new LinearRegressor({ backend: wasm, epochs: 3, batchSize: 64, optimizer: { learningRate: 0.05 } });
    const history = await model.fit(X, t);
    expect(history.trainR2.at(-1)).toBe(model.score(X, t));
    model.dispose();
  });

  it("refuses an unknown trainMetrics, naming it", async () => {
    const model = new LinearClassifier({ backend: wasm });
    await expect(model.fit(X, y, { trainMetrics: "fast" as "full" })).rejects.toThrow(RangeError);
    await expect(model.fit(X, y, { trainMetrics: "fast" as "full" })).rejects.toThrow(/trainMetrics.*'progressive', 'full'/);
    model.dispose();
  });
});

function oneHot(y: Int32Array, c: number): Matrix {
  const data = new Float32Array(y.length * c);
  y.forEach((label, i) => (data[i * c + label] = 1));
  return { rows: y.length, cols: c, data };
}

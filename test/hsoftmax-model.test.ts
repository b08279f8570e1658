// LinearClassifier with loss 'hierarchical-softmax' (issue 9): fit and predict on both backends, which agree;
// probabilities; the weights' documented layout; JSON; partialFit and fitStream; determinism; refused options.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  csrFromDense, init, LinearClassifier, type Backend, type LinearModelJSON, type Matrix,
} from "../src/index.js";
import { Rng } from "../src/data/rng.js";
import * as hsm from "../src/reference/hsoftmax.js";
import {
  balancedTree, centroidTree, classCounts, classMeans, huffmanTree, treeFromChildren,
} from "../src/hsoftmax/tree.js";
import { identityBatch } from "../src/sparse/ops.js";
import { normError, WorstErrors } from "./helpers.js";
import { zipfClusters } from "./clusters.js";

const errors = new WorstErrors();
afterAll(() => errors.report());

let wasm: Backend;
beforeAll(async () => {
  wasm = await init();
});
afterAll(() => wasm.dispose());

/** The centres depend on d and c only, so seeds draw train and test sets. */
const clusters = (seed: number, n: number, d: number, c: number): { X: Matrix; y: Int32Array } =>
  zipfClusters(new Rng(500 + d * c), new Rng(seed), n, d, c, 3);

const C = 30, D = 10;
const train = clusters(1, 1500, D, C), test = clusters(2, 600, D, C);
const HSM = { loss: "hierarchical-softmax", epochs: 6, batchSize: 50, optimizer: { learningRate: 0.02 } } as const;

const accuracy = (predicted: Int32Array, y: Int32Array) => predicted.reduce((a, p, i) => a + (p === y[i] ? 1 : 0), 0) / y.length;
const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe("fit and predict", () => {
  it.each(["huffman", "balanced", "centroid"] as const)("%s tree: both backends learn 30 Zipf classes and agree", async (tree) => {
    const models = [] as LinearClassifier[];
    for (const backend of [wasm, "reference"] as const) {
      const model = new LinearClassifier({ ...HSM, tree, backend });
      const history = await model.fit(train.X, train.y, { validation: [test.X, test.y] });
      expect(history.loss.at(-1)!).toBeLessThan(history.loss[0]!);
      expect(model.classes).toHaveLength(C);
      expect(model.weights.W.rows).toBe(D);
      expect(model.weights.W.cols).toBe(C - 1);
      expect(model.weights.b.length).toBe(C - 1);
      const predicted = model.predict(test.X);
      expect(model.score(test.X, test.y)).toBeCloseTo(accuracy(predicted, test.y), 12);
      expect(history.valAccuracy.at(-1)).toBeCloseTo(accuracy(predicted, test.y), 12);
      models.push(model);
    }
    const [a, b] = models as [LinearClassifier, LinearClassifier];
    expect(Array.from(a.tree!)).toEqual(Array.from(b.tree!));
    expect(errors.record(`W wasm vs reference, ${tree}`, normError(a.weights.W.data, b.weights.W.data))).toBeLessThan(1e-4);
    expect(errors.record(`b wasm vs reference, ${tree}`, normError(a.weights.b, b.weights.b))).toBeLessThan(1e-4);
    const pa = a.predict(test.X), pb = b.predict(test.X);
    expect(pa.filter((p, i) => p !== pb[i]).length).toBeLessThanOrEqual(1);
    const S = a.decisionFunction(test.X), R = b.decisionFunction(test.X);
    expect(errors.record(`log P wasm vs reference, ${tree}`, normError(S.data, R.data))).toBeLessThan(1e-4);
    // Chance is 1/30; the most frequent class alone is 25% of the rows.
    expect(errors.record(`test accuracy ${tree} (lower is worse)`, accuracy(pa, test.y))).toBeGreaterThan(tree === "centroid" ? 0.9 : 0.5);
    for (const model of models) model.dispose();
  });

  it("the tree option builds that tree from the training data", async () => {
    const cases = [
      ["huffman", huffmanTree(classCounts(train.y, C))],
      ["balanced", balancedTree(C)],
      ["centroid", centroidTree(classMeans(train.X, train.y, C))],
    ] as const;
    for (const [tree, expected] of cases) {
      const model = new LinearClassifier({ ...HSM, epochs: 1, tree, backend: wasm });
      expect(model.tree).toBeNull();
      await model.fit(train.X, train.y);
      expect(Array.from(model.tree!), tree).toEqual(Array.from(expected.children));
      model.dispose();
    }
    // The default is Huffman's: the most frequent class (0) is nearer the root than the rarest.
    const model = new LinearClassifier({ ...HSM, epochs: 1, backend: wasm });
    await model.fit(train.X, train.y);
    const shape = treeFromChildren(C, model.tree!), depth = (y: number) => shape.pathStart[y + 1]! - shape.pathStart[y]!;
    expect(depth(0)).toBeLessThan(depth(C - 1));
    expect(new LinearClassifier({ loss: "softmax" }).tree).toBeNull();
    model.dispose();
  });
});

describe("probabilities", () => {
  it("predictProba rows sum to 1 within 1e-5, argmax = predict, decisionFunction = log P, on both backends", async () => {
    for (const backend of [wasm, "reference"] as const) {
      const model = new LinearClassifier({ ...HSM, epochs: 2, backend });
      await model.fit(train.X, train.y);
      const P = model.predictProba(test.X), logP = model.decisionFunction(test.X), labels = model.predict(test.X);
      expect([P.rows, P.cols, logP.rows, logP.cols]).toEqual([test.X.rows, C, test.X.rows, C]);
      for (let i = 0; i < P.rows; i++) {
        const row = Array.from(P.data.subarray(i * C, (i + 1) * C));
        expect(errors.record(`|ΣP − 1| ${backend === wasm ? "wasm" : backend}`, Math.abs(row.reduce((a, p) => a + p, 0) - 1))).toBeLessThan(1e-5);
        expect(row.indexOf(Math.max(...row))).toBe(labels[i]);
        for (let j = 0; j < C; j++) expect(Math.abs(Math.exp(logP.data[i * C + j]!) - row[j]!)).toBeLessThan(1e-6);
      }
      model.dispose();
    }
  });

  it("the weights follow their documented layout: column j and b[j] are inner node j of `tree`", async () => {
    const model = new LinearClassifier({ ...HSM, epochs: 2, backend: wasm });
    await model.fit(train.X, train.y);
    const { W, b } = model.weights, tree = treeFromChildren(C, model.tree!);
    const V = { rows: C - 1, cols: D, data: new Float32Array((C - 1) * D) };
    for (let k = 0; k < D; k++) for (let j = 0; j < C - 1; j++) V.data[j * D + k] = W.data[k * (C - 1) + j]!;
    const want = hsm.hsmProbabilities(hsm.hsmNodeScores(test.X, V, b, identityBatch(test.X.rows)), tree);
    expect(errors.record("P from the weights' layout", normError(model.predictProba(test.X).data, want))).toBeLessThan(1e-5);
    model.dispose();
  });

  it("the history's loss is the mean −w_y·log P(y | x) over the training set (with class weights)", async () => {
    const classWeight = Array.from({ length: C }, (_, j) => 0.5 + (j % 4) / 2);
    for (const cw of [undefined, classWeight]) {
      const model = new LinearClassifier({ ...HSM, epochs: 2, l2: 1e-3, backend: wasm, ...(cw ? { classWeight: cw } : {}) });
      const history = await model.fit(train.X, train.y);
      const P = model.predictProba(train.X), { W, b } = model.weights;
      let nll = 0;
      train.y.forEach((label, i) => (nll -= (cw ? cw[label]! : 1) * Math.log(P.data[i * C + label]!)));
      const penalty = 1e-3 * [...W.data].reduce((a, w) => a + w * w, 0);
      expect(b.length).toBe(C - 1);
      expect(errors.record("history loss vs −log P", Math.abs(history.loss.at(-1)! - (nll / train.y.length + penalty))
        / history.loss.at(-1)!)).toBeLessThan(1e-5);
      model.dispose();
    }
  });
});

describe("JSON", () => {
  it("a round trip keeps the tree and gives identical predictions on either backend", async () => {
    const model = new LinearClassifier({ ...HSM, epochs: 3, tree: "centroid", backend: wasm });
    await model.fit(train.X, train.y);
    const json = JSON.parse(JSON.stringify(model.toJSON())) as LinearModelJSON;
    expect(json.outputs).toBe(C - 1);
    expect(json.tree).toEqual(Array.from(model.tree!));
    expect(json.options).toMatchObject({ loss: "hierarchical-softmax", tree: "centroid" });
    const onWasm = LinearClassifier.fromJSON(json, { backend: wasm });
    const onReference = LinearClassifier.fromJSON(JSON.stringify(json));
    expect(onWasm.classes).toHaveLength(C);
    expect(Array.from(onWasm.tree!)).toEqual(json.tree);
    expect(onWasm.predict(test.X)).toEqual(model.predict(test.X));
    expect(bits(onWasm.predictProba(test.X).data).equals(bits(model.predictProba(test.X).data))).toBe(true);
    expect(onReference.predict(test.X)).toEqual(model.predict(test.X));
    for (const m of [model, onWasm, onReference]) m.dispose();
  });

  it("fromJSON refuses a missing or malformed tree, and a tree on another loss", async () => {
    const model = new LinearClassifier({ ...HSM, epochs: 1, backend: wasm });
    await model.fit(train.X, train.y);
    const json = model.toJSON();
    const { tree: _tree, ...withoutTree } = json;
    expect(() => LinearClassifier.fromJSON(withoutTree)).toThrow(TypeError);
    expect(() => LinearClassifier.fromJSON(withoutTree)).toThrow(/json.tree must be the class tree's children \(58 numbers\)/);
    expect(() => LinearClassifier.fromJSON({ ...json, tree: json.tree!.slice(1) })).toThrow(/json.tree: children must hold .* = 58 entries/);
    const duplicated = json.tree!.slice();
    duplicated[3] = duplicated[2]!;
    expect(() => LinearClassifier.fromJSON({ ...json, tree: duplicated })).toThrow(RangeError);
    expect(() => LinearClassifier.fromJSON({ ...json, tree: duplicated })).toThrow(/json.tree: children\[3\]/);
    expect(() => LinearClassifier.fromJSON({ ...json, tree: json.tree!.map(String) })).toThrow(/json.tree: children\[0\]/);
    expect(() => LinearClassifier.fromJSON({ ...json, targets: "multilabel" })).toThrow(/takes labels/);
    const softmax = new LinearClassifier({ loss: "softmax", epochs: 1, backend: wasm });
    await softmax.fit(train.X, train.y);
    expect(() => LinearClassifier.fromJSON({ ...softmax.toJSON(), tree: json.tree })).toThrow(/json.tree belongs to loss 'hierarchical-softmax'/);
    model.dispose();
    softmax.dispose();
  });
});

describe("partialFit, fitStream, determinism", () => {
  it("partialFit keeps the tree of its first call, continues the weights, and goes on after fromJSON", async () => {
    const model = new LinearClassifier({ ...HSM, backend: wasm });
    const first = { rows: 300, cols: D, data: train.X.data.subarray(0, 300 * D) }, y0 = train.y.subarray(0, 300);
    await model.partialFit(first, y0, { classes: C });
    const tree = Array.from(model.tree!);
    expect(tree).toEqual(Array.from(huffmanTree(classCounts(y0, C)).children));
    const losses: number[] = [];
    for (let e = 0; e < 4; e++) losses.push((await model.partialFit(train.X, train.y)).loss[0]!);
    expect(Array.from(model.tree!)).toEqual(tree);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    expect(model.toJSON().epochs).toBe(5);
    const loaded = LinearClassifier.fromJSON(model.toJSON(), { backend: wasm });
    const before = loaded.weights.W.data.slice();
    const history = await loaded.partialFit(train.X, train.y);
    expect(history.epochs[0]!.epoch).toBe(6);
    expect(Array.from(loaded.tree!)).toEqual(tree);
    expect(loaded.weights.W.data).not.toEqual(before);
    await expect(model.partialFit(train.X, train.y, { classes: C + 1 })).rejects.toThrow(/are not the model's \(0, 1, 2/);
    model.dispose();
    loaded.dispose();
  });

  it("fitStream trains on dense chunks, with the tree of the first chunk", async () => {
    const model = new LinearClassifier({ ...HSM, backend: wasm });
    const chunk = (i: number) => ({
      X: { rows: 500, cols: D, data: train.X.data.subarray(i * 500 * D, (i + 1) * 500 * D) }, y: train.y.subarray(i * 500, (i + 1) * 500),
    });
    const history = await model.fitStream(() => [0, 1, 2].map(chunk), { epochs: 3, classes: C });
    expect(Array.from(model.tree!)).toEqual(Array.from(huffmanTree(classCounts(chunk(0).y, C)).children));
    expect(history.loss.at(-1)!).toBeLessThan(history.loss[0]!);
    expect(model.score(test.X, test.y)).toBeGreaterThan(0.5);
    model.dispose();
  });

  it.each(["wasm", "reference"] as const)("%s: same seed → the same weights bit for bit; another seed → others", async (backend) => {
    const run = async (seed: number) => {
      const model = new LinearClassifier({ ...HSM, epochs: 2, seed, backend: backend === "wasm" ? wasm : backend });
      await model.fit(train.X, train.y);
      const { W } = model.weights;
      model.dispose();
      return W.data;
    };
    const [a, b, other] = [await run(7), await run(7), await run(8)];
    expect(bits(a).equals(bits(b))).toBe(true);
    expect(bits(a).equals(bits(other))).toBe(false);
  });
});

describe("refused options and input", () => {
  it("options that do not apply throw a RangeError naming the option", () => {
    const hsmLoss = { loss: "hierarchical-softmax" } as const;
    expect(() => new LinearClassifier({ ...hsmLoss, maxNorm: 3 })).toThrow(/maxNorm is not available with loss 'hierarchical-softmax'/);
    expect(() => new LinearClassifier({ ...hsmLoss, inputDropout: 0.2 })).toThrow(/inputDropout is not available/);
    expect(() => new LinearClassifier({ ...hsmLoss, optimizer: { rule: "random-search" } })).toThrow(/optimizer.rule 'random-search' is not available/);
    expect(() => new LinearClassifier({ ...hsmLoss, tree: "oak" as never })).toThrow(/tree: unknown value "oak"; expected one of 'huffman', 'balanced', 'centroid'/);
    expect(() => new LinearClassifier({ loss: "softmax", tree: "balanced" })).toThrow(/tree applies to loss 'hierarchical-softmax', not 'softmax'/);
    expect(() => new LinearClassifier({ loss: "softmax", tree: "balanced" })).toThrow(RangeError);
    expect(() => new LinearClassifier({ ...hsmLoss, maxNorm: 3 })).toThrow(RangeError);
    // What does apply is accepted.
    expect(() => new LinearClassifier({ ...hsmLoss, l2: 1e-3, l1: 1e-4, classWeight: "balanced", init: "lsuv", tree: "balanced" })).not.toThrow();
  });

  it("multi-label targets and CSR rows throw a TypeError naming the argument, before training", async () => {
    const model = new LinearClassifier<Matrix>({ ...HSM, backend: wasm });
    const T = { rows: train.X.rows, cols: C, data: new Float32Array(train.X.rows * C) };
    await expect(model.fit(train.X, T)).rejects.toThrow(/y: loss 'hierarchical-softmax' takes labels/);
    const labels = new LinearClassifier({ ...HSM, epochs: 1, backend: wasm });
    const sparse = csrFromDense(train.X);
    await expect(labels.fit(sparse, train.y)).rejects.toThrow(TypeError);
    await expect(labels.fit(sparse, train.y)).rejects.toThrow(/X: loss 'hierarchical-softmax' takes dense rows/);
    expect(labels.classes).toBeNull();
    await labels.fit(train.X, train.y);
    const W = labels.weights.W.data;
    await expect(labels.partialFit(sparse, train.y)).rejects.toThrow(/X: loss 'hierarchical-softmax' takes dense rows/);
    await expect(labels.fitStream([{ X: sparse, y: train.y }])).rejects.toThrow(/chunk 0 X: loss 'hierarchical-softmax' takes dense rows/);
    expect(labels.weights.W.data).toEqual(W);
    expect(() => labels.predict(sparse)).toThrow(/X: loss 'hierarchical-softmax' takes dense rows/);
    expect(() => labels.predictProba(sparse)).toThrow(TypeError);
    // A CSR validation set is densified like the training rows of any dense model.
    const history = await labels.fit(train.X, train.y, { validation: [csrFromDense(test.X), test.y] });
    expect(history.valAccuracy.at(-1)).toBeCloseTo(labels.score(test.X, test.y), 12);
    model.dispose();
    labels.dispose();
  });
});

// Bad input at the model level, disposal, memory growth, many models on one backend, huge sizes, divergence,
// and random junk thrown at the public API. Complements test/bad-input.test.ts (Backend level).
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  csrFromDense, DivergenceError, init, LinearClassifier, LinearRegressor, matrix, type Backend, type Matrix,
} from "../src/index.js";
import type { WasmOps } from "../src/backend/wasm-ops.js";
import type { KernelExports } from "../src/wasm/abi.js";
import { Rng } from "../src/data/rng.js";
import { BUILDS, copyMatrix, gaussian, normError, randomLabels } from "./helpers.js";
import { checkProperty } from "./property-helpers.js";

const N = 30, D = 4, C = 3;

const heapOf = (be: Backend) => (be.ops as WasmOps).kernels.heap;

/**
 * Records every kernel that runs on a wasm backend (its own calls and those of the engines it made), until
 * `stop`: the instance's exports are frozen, so the backend's Kernels get a plain object of recording wrappers.
 */
function watchKernels(be: Backend): { called: string[]; stop(): void } {
  const kernels = (be.ops as WasmOps).kernels as { exports: KernelExports };
  const original = kernels.exports, called: string[] = [];
  kernels.exports = Object.fromEntries(Object.entries(original).map(([name, f]) =>
    [name, (...args: unknown[]) => {
      if (name !== "heapBase") called.push(name);
      return (f as (...a: unknown[]) => unknown)(...args);
    }])) as unknown as KernelExports;
  return { called, stop: () => void (kernels.exports = original) };
}

/** The error a call throws or rejects with, or null. */
async function thrownBy(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (e) {
    return e;
  }
  return null;
}

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.slice().buffer);

interface Fixture {
  X: Matrix;
  y: Int32Array;
  /** Regression targets. */
  t: Float32Array;
}

function fixture(): Fixture {
  const rng = new Rng(11);
  const X = gaussian(rng, N, D);
  return { X, y: randomLabels(rng, N, C), t: Float32Array.from({ length: N }, () => rng.normal()) };
}

const copyFixture = (f: Fixture): Fixture => ({ X: copyMatrix(f.X), y: f.y.slice(), t: f.t.slice() });

/** A copy of m with one value replaced. */
function withValue(m: Matrix, at: number, value: number): Matrix {
  const data = m.data.slice();
  data[at] = value;
  return { rows: m.rows, cols: m.cols, data };
}

describe("malformed input at the model level", () => {
  let be: Backend;
  let reference: Backend;
  let classifier: LinearClassifier;
  let regressor: LinearRegressor;
  const p = fixture();
  const before = copyFixture(p);
  /** What the fitted models answer before any bad call; every case must leave these exactly as they are. */
  let scores: Float32Array, weights: { W: Matrix; b: Float32Array }, predictions: Float32Array, json: string, blocks: number;

  beforeAll(async () => {
    be = await init();
    reference = await init({ backend: "reference" });
    classifier = new LinearClassifier({ backend: be, epochs: 3, batchSize: 8, seed: 1 });
    await classifier.fit(p.X, p.y);
    regressor = new LinearRegressor({ backend: be, epochs: 3, batchSize: 8, seed: 2 });
    await regressor.fit(p.X, p.t);
    scores = classifier.decisionFunction(p.X).data;
    weights = classifier.weights;
    predictions = regressor.predict(p.X);
    json = JSON.stringify(classifier);
    blocks = heapOf(be).liveBlocks;
  });

  afterAll(() => {
    classifier.dispose();
    regressor.dispose();
    be.dispose();
    reference.dispose();
  });

  const model = (options: Record<string, unknown>) => () => new LinearClassifier({ backend: be, ...options } as never);
  const file = (edit: (o: Record<string, unknown>) => unknown) => () => {
    const o = JSON.parse(json) as Record<string, unknown>;
    return LinearClassifier.fromJSON(edit(o) ?? o);
  };

  interface Case {
    name: string;
    error: typeof TypeError | typeof RangeError;
    message: (string | RegExp)[];
    call: () => unknown;
  }

  const CASES: Case[] = [
    // fit: the data
    { name: "NaN in X", error: RangeError, message: ["X[6] is NaN"], call: () => classifier.fit(withValue(p.X, 6, NaN), p.y) },
    { name: "+Infinity in X", error: RangeError, message: ["X[0] is Infinity"], call: () => classifier.fit(withValue(p.X, 0, Infinity), p.y) },
    { name: "a fractional label", error: RangeError, message: ["y[2] = 1.5", "integer"],
      call: () => classifier.fit(p.X, Array.from(p.y, (l, i) => (i === 2 ? 1.5 : l))) },
    { name: "labels mixing numbers and strings", error: TypeError, message: ["y[1]", "all strings or all integers"],
      call: () => classifier.fit(p.X, Array.from(p.y, (l, i) => (i === 1 ? "cat" : l)) as never) },
    { name: "labels of the wrong length", error: RangeError, message: ["y has length 29", "30 rows"],
      call: () => classifier.fit(p.X, p.y.subarray(1)) },
    { name: "labels that are not an Int32Array", error: TypeError, message: [/\by\b/, "Int32Array", "Float32Array"],
      call: () => classifier.fit(p.X, Float32Array.from(p.y) as never) },
    { name: "X.data of another length than rows·cols", error: RangeError, message: ["X.data has length 119", "30×4"],
      call: () => classifier.fit({ rows: N, cols: D, data: p.X.data.subarray(1) }, p.y) },
    { name: "a fractional number of rows", error: RangeError, message: ["X.rows", "integer", "2.5"],
      call: () => classifier.fit({ rows: 2.5, cols: D, data: new Float32Array(10) }, p.y) },
    { name: "an empty batch (0 rows)", error: RangeError, message: ["X.rows", "got 0"],
      call: () => classifier.fit({ rows: 0, cols: D, data: new Float32Array(0) }, new Int32Array(0)) },
    { name: "X that is not a matrix", error: TypeError, message: [/\bX\b/, "Matrix", "null"], call: () => classifier.fit(null as never, p.y) },
    { name: "a CSR column index out of range", error: RangeError, message: ["X: indices[1] = 9 is out of range 0..3"],
      call: () => classifier.fit({ format: "csr", rows: 2, cols: D, indptr: Int32Array.of(0, 2, 2), indices: Int32Array.of(0, 9),
        values: Float32Array.of(1, 2) }, Int32Array.of(0, 1)) },
    { name: "a 0/1 target Matrix for a label loss", error: TypeError, message: [/\by\b/, "'softmax'", "labels"],
      call: () => classifier.fit(p.X, matrix(N, C) as never) },
    { name: "NaN in regression targets", error: RangeError, message: ["y[3] is NaN"],
      call: () => regressor.fit(p.X, Float32Array.from(p.t, (v, i) => (i === 3 ? NaN : v))) },
    // fit: its options
    { name: "validation data with another number of features", error: RangeError, message: ["validation[0] has 5 columns", "X has 4"],
      call: () => classifier.fit(p.X, p.y, { validation: [matrix(2, 5), Int32Array.of(0, 1)] }) },
    { name: "an unknown early-stopping metric", error: RangeError, message: ["earlyStopping.metric", "'loss'", "'trainAccuracy'"],
      call: () => classifier.fit(p.X, p.y, { earlyStopping: { metric: "accuracy" as never } }) },
    { name: "an onEpoch that is not a function", error: TypeError, message: ["onEpoch", "function"],
      call: () => classifier.fit(p.X, p.y, { onEpoch: "log" as never }) },
    // constructor options
    { name: "a negative l2", error: RangeError, message: [/\bl2\b/, "≥ 0", "-0.1"], call: model({ l2: -0.1 }) },
    { name: "a NaN l1", error: RangeError, message: [/\bl1\b/, "finite", "NaN"], call: model({ l1: NaN }) },
    { name: "a negative learning rate", error: RangeError, message: ["optimizer.learningRate", "> 0", "-0.01"],
      call: model({ optimizer: { learningRate: -0.01 } }) },
    { name: "a batch size of 0", error: RangeError, message: ["batchSize", "≥ 1", "got 0"], call: model({ batchSize: 0 }) },
    { name: "a fractional number of epochs", error: RangeError, message: ["epochs", "integer", "2.5"], call: model({ epochs: 2.5 }) },
    { name: "input dropout of 1", error: RangeError, message: ["inputDropout", "[0, 1)", "got 1"], call: model({ inputDropout: 1 }) },
    { name: "a margin Δ of 0", error: RangeError, message: ["delta", "> 0"], call: model({ delta: 0 }) },
    { name: "a negative class weight", error: RangeError, message: ["classWeight[1]", "≥ 0"], call: model({ classWeight: [1, -2, 1] }) },
    { name: "an unknown loss: the valid ones listed", error: RangeError,
      message: [/\bloss\b/, "cross-entropy", "'hinge'", "'squared-hinge'", "'softmax'", "'logistic'", "'attribute-hinge'"],
      call: model({ loss: "cross-entropy" }) },
    { name: "an unknown update rule: the valid ones listed", error: RangeError,
      message: ["optimizer.rule", "adamw", "'sgd'", "'momentum'", "'nesterov'", "'adagrad'", "'rmsprop'", "'adam'"],
      call: model({ optimizer: { rule: "adamw" } }) },
    { name: "an unknown initialiser: the valid ones listed", error: RangeError,
      message: [/\binit\b/, "glorot", "'gaussian'", "'he'", "'xavier'", "'orthogonal'", "'zeros'"], call: model({ init: "glorot" }) },
    { name: "a misspelt option", error: RangeError, message: ["unknown option 'learningRate'"], call: model({ learningRate: 0.1 }) },
    { name: "a regression loss for a classifier", error: RangeError, message: [/\bloss\b/, 'unknown value "l2"', "'softmax'"], call: model({ loss: "l2" }) },
    // predict / score / partialFit on the fitted model
    { name: "predict with another number of features", error: RangeError, message: ["X has 5 columns", "4 features"],
      call: () => classifier.predict(matrix(2, 5)) },
    { name: "predict with NaN in X", error: RangeError, message: ["X[1] is NaN"], call: () => classifier.predict(withValue(matrix(2, D), 1, NaN)) },
    { name: "predictProba with another number of features", error: RangeError, message: ["X has 3 columns", "4 features"],
      call: () => classifier.predictProba(matrix(1, 3)) },
    { name: "score with a label the model does not know", error: RangeError, message: ["y[2] = 3 is not one of the model's classes (0, 1, 2)"],
      call: () => classifier.score(matrix(3, D), Int32Array.of(0, 1, 3)) },
    { name: "partialFit with another class count", error: RangeError, message: ["classes (0, 1, 2, 3, 4) are not the model's (0, 1, 2)"],
      call: () => classifier.partialFit(p.X, p.y, { classes: 5 }) },
    { name: "regressor predict with another number of features", error: RangeError, message: ["X has 1 columns", "4 features"],
      call: () => regressor.predict(matrix(2, 1)) },
    // model files
    { name: "a garbage model file", error: RangeError, message: [/\bjson\b/, "not valid JSON"], call: () => LinearClassifier.fromJSON("%PDF-1.4 ...") },
    { name: "a truncated model file", error: RangeError, message: [/\bjson\b/, "truncated"], call: () => LinearClassifier.fromJSON(json.slice(0, 100)) },
    { name: "NaN weights (saved as null)", error: RangeError, message: ["json.W[1] is null", "finite"],
      call: file((o) => { (o.W as unknown[])[1] = null; }) },
    { name: "a weight beyond float32 range", error: RangeError, message: ["json.b[0] is 1e+39", "finite float32"],
      call: file((o) => { (o.b as unknown[])[0] = 1e39; }) },
    { name: "a model from a newer format", error: RangeError, message: ["json.version is 99", "newer simdlinear"],
      call: file((o) => { o.version = 99; }) },
    { name: "a weight array cut short", error: RangeError, message: ["json.W has 11 values", "needs 12"],
      call: file((o) => { (o.W as unknown[]).pop(); }) },
    { name: "a shape of the wrong type", error: TypeError, message: ["json.features", "number", "string"],
      call: file((o) => { o.features = "4"; }) },
    { name: "a weight of the wrong type", error: RangeError, message: ["json.W[0] is \"0.5\""], call: file((o) => { (o.W as unknown[])[0] = "0.5"; }) },
    { name: "another format", error: RangeError, message: ["json.format", "simdlinear-linear-model"], call: file((o) => { o.format = "onnx"; }) },
    { name: "a regressor's file", error: RangeError, message: ["json.model", "LinearRegressor"],
      call: () => LinearClassifier.fromJSON(JSON.stringify(regressor)) },
  ];

  it("has at least 25 distinct malformed inputs", () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(25);
  });

  it.each(CASES)("$name: $error.name naming the argument; the models answer as before", async ({ error, message, call }) => {
    const kernels = watchKernels(be);
    const thrown = await thrownBy(call);
    kernels.stop();
    expect(kernels.called).toEqual([]); // refused before any kernel ran
    expect(thrown).toBeInstanceOf(error);
    for (const part of message) expect((thrown as Error).message).toMatch(part);
    // The same models still answer exactly as before, and hold what they held: nothing leaked, nothing reset.
    expect(bits(classifier.decisionFunction(p.X).data)).toEqual(bits(scores));
    expect(bits(classifier.weights.W.data)).toEqual(bits(weights.W.data));
    expect(bits(regressor.predict(p.X))).toEqual(bits(predictions));
    expect(heapOf(be).liveBlocks).toBe(blocks);
    expect(p).toEqual(before);
  });

  it("and those answers are right: the reference backend computes the same scores from the same weights", () => {
    const want = reference.scores(p.X, weights.W, weights.b);
    expect(normError(scores, want.data)).toBeLessThanOrEqual(1e-4);
    expect(LinearClassifier.fromJSON(json).predict(p.X)).toEqual(classifier.predict(p.X));
    expect(p).toEqual(before);
  });
});

describe("no raw WebAssembly trap reaches a caller", () => {
  let be: Backend;
  let reference: Backend;
  beforeAll(async () => {
    be = await init();
    reference = await init({ backend: "reference" });
  });
  afterAll(() => {
    vi.restoreAllMocks();
    be.dispose();
    reference.dispose();
  });

  /** Correct answers after a refusal: the same backend against the reference. */
  function stillRight(): void {
    const rng = new Rng(5), X = gaussian(rng, 7, 5), W = gaussian(rng, 5, 3), y = randomLabels(rng, 7, 3);
    const got = be.linearLoss("softmax", X, W, null, y), want = reference.linearLoss("softmax", X, W, null, y);
    expect(normError(got.dW.data, want.dW.data)).toBeLessThanOrEqual(1e-4);
    expect(heapOf(be).liveBlocks).toBe(0);
  }

  it("an output past the 4 GiB a wasm32 memory can address is a RangeError before any kernel runs", () => {
    // 100 000 × 1 times 1 × 100 000: small inputs, a 40 GB score matrix.
    const X = matrix(100_000, 1), W = matrix(1, 100_000), kernels = watchKernels(be);
    expect(() => be.scores(X, W)).toThrow(RangeError);
    expect(() => be.scores(X, W)).toThrow(/needs 40000\d+ more bytes of WebAssembly memory, more than the 4 GiB a wasm32 memory can address/);
    kernels.stop();
    expect(kernels.called).toEqual([]);
    stillRight();
  });

  it("a memory.grow that the engine refuses is a RangeError that says so, and the backend goes on", () => {
    const heap = heapOf(be);
    const grow = vi.spyOn(heap.memory, "grow").mockImplementation(() => {
      throw new RangeError("WebAssembly.Memory.grow(): Maximum memory size exceeded");
    });
    const big = gaussian(new Rng(1), 4000, 100), kernels = watchKernels(be); // 1.6 MB: more than the memory holds so far
    expect(() => be.scores(big, matrix(100, 2))).toThrow(/refused to grow the memory.*Maximum memory size exceeded/);
    expect(grow).toHaveBeenCalled();
    grow.mockRestore();
    kernels.stop();
    expect(kernels.called).toEqual([]);
    expect(be.scores(big, matrix(100, 2)).rows).toBe(4000);
    stillRight();
  });

  it.each([
    { engine: "dense", options: {}, csr: false },
    { engine: "dense with input dropout", options: { inputDropout: 0.5 }, csr: false },
    { engine: "sparse (CSR)", options: {}, csr: true },
    { engine: "hierarchical softmax", options: { loss: "hierarchical-softmax" }, csr: false },
  ] as const)("a $engine model whose buffers cannot fit: RangeError, no block kept, the backend goes on", async ({ options, csr }) => {
    // W of 2^26 features × 33 classes: over 8 GiB. The engine allocates some
    // buffers before the one that does not fit.
    const X = matrix(1, 2 ** 26), y = Int32Array.of(32);
    const model = new LinearClassifier({ backend: be, ...options });
    const error = await thrownBy(() => model.partialFit(csr ? csrFromDense(X) : X, y, { classes: 33 }));
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/more than the 4 GiB a wasm32 memory can address/);
    model.dispose();
    stillRight();
  });

  it("random junk in place of each argument: a TypeError/RangeError or a result, never a RuntimeError", () => {
    const rng = new Rng(8), X = gaussian(rng, 6, 3), W = gaussian(rng, 3, 2), y = randomLabels(rng, 6, 2);
    const S = be.scores(X, W);
    // A junk value: anything at all, or a near-miss of the real argument (wrong sizes, NaN, out-of-range numbers).
    const nearMiss = fc.oneof(
      fc.anything(),
      fc.record({ rows: fc.integer({ min: -2, max: 8 }), cols: fc.integer({ min: -2, max: 8 }),
        data: fc.oneof(fc.float32Array({ maxLength: 40 }), fc.constant(new Float32Array(12))) }),
      fc.int32Array({ maxLength: 8 }),
      fc.float32Array({ maxLength: 12 }),
      fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -1, 2 ** 31, 2 ** 32, NaN, Infinity)),
      fc.constantFrom("hinge", "softmax", "l2", "sgd", "adam", "l1", "sigmoid", "bogus", ""),
    );
    const calls: [string, (a: unknown[]) => unknown, unknown[]][] = [
      ["scores", (a) => be.scores(a[0] as never, a[1] as never, a[2] as never), [X, W, null]],
      ["loss", (a) => be.loss(a[0] as never, a[1] as never, a[2] as never, a[3] as never), ["hinge", S, y, {}]],
      ["gradients", (a) => be.gradients(a[0] as never, a[1] as never), [X, S]],
      ["linearLoss", (a) => be.linearLoss(a[0] as never, a[1] as never, a[2] as never, a[3] as never, a[4] as never, a[5] as never),
        ["softmax", X, W, null, y, { l2: 0.1 }]],
      ["regularization", (a) => be.regularization(a[0] as never, a[1] as never, a[2] as never), ["l1", W, 0.1]],
      ["maxNorm", (a) => be.maxNorm(a[0] as never, a[1] as never), [W, 1]],
      ["probabilities", (a) => be.probabilities(a[0] as never, a[1] as never), ["softmax", S]],
      ["optimizerStep", (a) => be.optimizerStep(a[0] as never, a[1] as never, a[2] as never, a[3] as never, a[4] as never),
        ["adam", W.data.slice(), W.data.slice(), {}, {}]],
      ["svmLoss", (a) => be.svmLoss(a[0] as never, a[1] as never, a[2] as never, a[3] as never), [W, X, y, 0.1]],
    ];
    checkProperty("junk arguments", fc.property(fc.nat({ max: calls.length - 1 }), fc.nat(), nearMiss, (which, slot, junk) => {
      const [, call, args] = calls[which]!;
      const mixed = args.map((arg, i) => (i === slot % args.length ? junk : arg instanceof Float32Array ? arg.slice() : arg));
      try {
        call(mixed);
      } catch (e) {
        if (!(e instanceof TypeError || e instanceof RangeError)) throw new Error(`threw ${(e as Error)?.constructor?.name}: ${String(e)}`);
      }
      return heapOf(be).liveBlocks === 0;
    }), 3000);
    stillRight();
  });
});

describe("disposal", () => {
  const { X, y } = fixture();

  it("a disposed wasm backend refuses every call with a clear Error and lets its memory be collected", async () => {
    const { collect } = await import("./reliability-gc.js");
    const be = await init();
    const memory = new WeakRef(heapOf(be).memory);
    be.scores(X, matrix(D, C));
    const ops = be.ops as WasmOps;
    be.dispose();
    be.dispose(); // twice is harmless
    expect(be.isDisposed).toBe(true);
    expect(() => be.scores(X, matrix(D, C))).toThrow(/this wasm backend has been disposed/);
    expect(() => be.ops).toThrow(/disposed/);
    expect(() => ops.kernels).toThrow(/disposed: its WebAssembly memory is released/);
    await collect();
    expect(memory.deref()).toBeUndefined(); // nothing the library keeps still reaches it
  });

  it("a model on a borrowed backend that was disposed says so instead of training on released memory", async () => {
    const be = await init();
    const model = new LinearClassifier({ backend: be, epochs: 1 });
    await model.fit(X, y);
    be.dispose();
    expect(() => model.predict(X)).toThrow(/backend .*has been disposed/);
    await expect(model.partialFit(X, y)).rejects.toThrow(/backend .*has been disposed/);
    await expect(model.fit(X, y)).rejects.toThrow(/backend .*has been disposed/);
    model.dispose();
  });

  it("a disposed model refuses every method with a clear Error; its borrowed backend keeps working", async () => {
    const be = await init();
    const blocks = heapOf(be).liveBlocks;
    const model = new LinearClassifier({ backend: be, epochs: 1 });
    await model.fit(X, y);
    model.dispose();
    expect(heapOf(be).liveBlocks).toBe(blocks);
    for (const call of [() => model.predict(X), () => model.predictProba(X), () => model.decisionFunction(X),
      () => model.score(X, y), () => model.toJSON(), () => model.weights]) {
      expect(call).toThrow(/this LinearClassifier has been disposed/);
    }
    await expect(model.partialFit(X, y)).rejects.toThrow(/has been disposed/);
    await expect(model.ready()).rejects.toThrow(/has been disposed/);
    expect(be.scores(X, matrix(D, C)).rows).toBe(N);
    be.dispose();
  });
});

describe("one backend, many models, memory that grows mid-fit", () => {
  const rng = new Rng(21);
  const X = gaussian(rng, 200, 16), y = randomLabels(rng, 200, 4);
  const OPTIONS = [
    { loss: "softmax", optimizer: { rule: "adam" }, seed: 1 },
    { loss: "hinge", optimizer: { rule: "momentum", learningRate: 0.05 }, l2: 1e-3, seed: 2 },
    { loss: "logistic", optimizer: { rule: "rmsprop" }, inputDropout: 0.2, seed: 3 },
  ] as const;

  /** A fit alone on a fresh backend: the answer every other arrangement must reproduce bit for bit. */
  async function solo(options: (typeof OPTIONS)[number]) {
    const be = await init();
    const model = new LinearClassifier({ ...options, backend: be, epochs: 4, batchSize: 32 });
    const history = await model.fit(X, y);
    const result = { json: JSON.stringify(model), loss: history.loss };
    model.dispose();
    be.dispose();
    return result;
  }

  it("models trained interleaved on one backend equal the same models trained alone, bit for bit", async () => {
    const want = await Promise.all(OPTIONS.map(solo));
    const be = await init();
    const models = OPTIONS.map((o) => new LinearClassifier({ ...o, backend: be, epochs: 4, batchSize: 32 }));
    // Every onEpoch yields to the event loop, so the three fits take turns epoch by epoch.
    const histories = await Promise.all(models.map((m) => m.fit(X, y, { onEpoch: () => new Promise((r) => setImmediate(r)) })));
    models.forEach((m, i) => {
      expect(JSON.stringify(m)).toBe(want[i]!.json);
      expect(histories[i]!.loss).toEqual(want[i]!.loss);
    });
    // Disposing one leaves the others whole.
    models[1]!.dispose();
    expect(JSON.stringify(models[0])).toBe(want[0]!.json);
    expect(models[2]!.predict(X)).toEqual(LinearClassifier.fromJSON(want[2]!.json).predict(X));
    models[0]!.dispose();
    models[2]!.dispose();
    expect(heapOf(be).liveBlocks).toBe(0);
    be.dispose();
  });

  it("memory.grow between the steps of a fit (views rebuilt) changes nothing", async () => {
    const want = await solo(OPTIONS[0]);
    const be = await init();
    const memory = heapOf(be).memory, sizes: number[] = [];
    const model = new LinearClassifier({ ...OPTIONS[0], backend: be, epochs: 4, batchSize: 32 });
    let grown = 16;
    await model.fit(X, y, {
      onEpoch: () => {
        // Another caller on the same backend needs ever more memory while the fit holds its buffers.
        grown *= 4;
        be.scores(gaussian(new Rng(grown), grown * 8, 64), matrix(64, 64));
        sizes.push(memory.buffer.byteLength);
      },
    });
    expect(sizes[sizes.length - 1]).toBeGreaterThan(sizes[0]!);
    expect(new Set(sizes).size).toBeGreaterThan(1);
    expect(JSON.stringify(model)).toBe(want.json);
    model.dispose();
    be.dispose();
  });

  it.each(BUILDS)("determinism on the %s build: same seed and backend → same bits, on a fresh or a busy backend", async (simd) => {
    const fresh = await init({ simd }), busy = await init({ simd });
    // A memory already grown, with another model's buffers live below the new ones.
    busy.scores(gaussian(new Rng(3), 500, 16), matrix(16, 16));
    const other = new LinearClassifier({ backend: busy, epochs: 1 });
    await other.fit(X, y);
    const run = async (be: Backend) => {
      const model = new LinearClassifier({ ...OPTIONS[2], backend: be, epochs: 2, batchSize: 32 });
      await model.fit(X, y);
      const out = JSON.stringify(model);
      model.dispose();
      return out;
    };
    const a = await run(fresh), b = await run(busy), c = await run(fresh);
    expect(b).toBe(a);
    expect(c).toBe(a);
    other.dispose();
    fresh.dispose();
    busy.dispose();
  });
});

describe("divergence: learning rate 1e30 on values of 1e6", () => {
  const rng = new Rng(31);
  // Values of 1e6: softmax's gradient is bounded (|p − onehot| ≤ 1), so W grows by lr·|x| ≈ 1e36 a step and the
  // scores (≈ 1e42) overflow float32. At 1e4 the scores stay just below float32's 3.4e38 and nothing diverges.
  const X = gaussian(rng, 60, 8, 1e6), y = randomLabels(rng, 60, 3);
  const t = Float32Array.from({ length: 60 }, () => 1e6 * rng.normal());
  const before = { X: copyMatrix(X), y: y.slice(), t: t.slice() };

  it.each(["wasm", "reference"] as const)("%s: DivergenceError naming epoch and step; with keepProgress, finite weights and predict works", async (backend) => {
    const reference = await init({ backend: "reference" });
    const models = [
      { model: new LinearClassifier({ backend, epochs: 5, batchSize: 10, optimizer: { rule: "sgd", learningRate: 1e30 } }), targets: y },
      { model: new LinearRegressor({ backend, epochs: 5, batchSize: 10, optimizer: { rule: "sgd", learningRate: 1e30 } }), targets: t },
    ];
    for (const { model, targets } of models) {
      const error = await thrownBy(() => model.fit(X, targets as never, { keepProgress: true }));
      expect(error).toBeInstanceOf(DivergenceError);
      const { epoch, step, message, loss } = error as DivergenceError;
      expect(message).toMatch(new RegExp(`training diverged in epoch ${epoch}, (step ${step}|after its last step \\(${step}\\))`));
      expect(Number.isFinite(loss)).toBe(false);
      const { W, b } = model.weights;
      expect(W.data.every(Number.isFinite) && b.every(Number.isFinite)).toBe(true);
      // predict works, and answers what the kept weights say.
      const S = reference.scores(X, W, b);
      if (model instanceof LinearClassifier) {
        const labels = model.predict(X);
        expect(labels).toHaveLength(60);
        labels.forEach((label, i) => expect(S.data[i * 3 + label]).toBe(Math.max(...S.data.subarray(i * 3, i * 3 + 3))));
      } else {
        expect(normError(model.predict(X) as Float32Array, S.data)).toBeLessThanOrEqual(1e-4);
      }
      model.dispose();
    }
    expect({ X, y, t }).toEqual(before);
    reference.dispose();
  });
});

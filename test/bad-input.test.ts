// Malformed input: each case throws the right error class, before any kernel runs, with a message that names
// the argument; afterwards the same backend still computes correct results and no input was touched.
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from "vitest";
import { init, LOSSES, matrix, type Backend, type Matrix, type OptimizerState } from "../src/index.js";
import type { WasmOps } from "../src/backend/wasm-ops.js";
import type { Ops } from "../src/backend/ops.js";
import { Rng } from "../src/data/rng.js";
import { BUILDS, copyMatrix, gaussian, lossError, normError, randomLabels } from "./helpers.js";

const N = 4, D = 3, C = 2;

interface Inputs {
  X: Matrix;
  W: Matrix;
  b: Float32Array;
  y: Int32Array;
  /** Real targets, N×C (regression). */
  T: Matrix;
}

function inputs(): Inputs {
  const rng = new Rng(7);
  return { X: gaussian(rng, N, D), W: gaussian(rng, D, C), b: gaussian(rng, 1, C).data, y: randomLabels(rng, N, C), T: gaussian(rng, N, C) };
}

const copyInputs = (p: Inputs): Inputs => ({ X: copyMatrix(p.X), W: copyMatrix(p.W), b: p.b.slice(), y: p.y.slice(), T: copyMatrix(p.T) });

/** A copy of m with one element replaced: bad values are built on copies, never on the shared inputs. */
function withValue(m: Matrix, at: number, value: number): Matrix {
  const data = m.data.slice();
  data[at] = value;
  return { rows: m.rows, cols: m.cols, data };
}

interface Case {
  name: string;
  error: typeof TypeError | typeof RangeError;
  /** Every pattern must appear in the message. */
  message: (string | RegExp)[];
  call(be: Backend, p: Inputs): unknown;
}

const QUOTED_LOSSES = LOSSES.map((kind) => `'${kind}'`);

const CASES: Case[] = [
  // Shapes that do not match: the message shows both.
  { name: "X·W with X's columns ≠ W's rows", error: RangeError, message: ["X is 4×3", "W is 5×2"],
    call: (be, p) => be.scores(p.X, matrix(5, C), p.b) },
  { name: "gradients with dS rows ≠ X rows", error: RangeError, message: ["X is 4×3", "dS is 5×2"],
    call: (be, p) => be.gradients(p.X, matrix(5, C)) },
  { name: "loss targets of another shape than S", error: RangeError, message: ["targets is 3×2", "S is 4×2"],
    call: (be, p) => be.loss("l2", p.T, matrix(3, C)) },
  { name: "linearLoss targets of another shape than X·W", error: RangeError, message: ["targets is 4×3", "X·W is 4×2"],
    call: (be, p) => be.linearLoss("l1", p.X, p.W, p.b, matrix(N, 3)) },
  { name: "b of the wrong length", error: RangeError, message: [/\bb\b/, "length 3", "expected 2"],
    call: (be, p) => be.scores(p.X, p.W, new Float32Array(3)) },
  { name: "Matrix whose data length is not rows·cols", error: RangeError, message: ["X.data", "length 11", "4×3"],
    call: (be, p) => be.scores({ rows: N, cols: D, data: new Float32Array(11) }, p.W) },
  { name: "Matrix whose data is not a Float32Array", error: TypeError, message: ["X.data", "Float32Array", "Float64Array"],
    call: (be, p) => be.scores({ rows: N, cols: D, data: new Float64Array(12) as unknown as Float32Array }, p.W) },
  // matrix()
  { name: "matrix() with data of the wrong length", error: RangeError, message: [/\bdata\b/, "length 5", "2×3", "6"],
    call: () => matrix(2, 3, [1, 2, 3, 4, 5]) },
  { name: "matrix() with a fractional size", error: RangeError, message: [/\brows\b/, "2.5"],
    call: () => matrix(2.5, 3) },
  { name: "matrix() with a negative size", error: RangeError, message: [/\bcols\b/, "-1"],
    call: () => matrix(2, -1) },
  { name: "matrix() with a size that is not a number", error: TypeError, message: [/\brows\b/, "string"],
    call: () => matrix("2" as unknown as number, 3) },
  // Labels
  { name: "label above C − 1", error: RangeError, message: ["targets[2] = 2", "0..1"],
    call: (be, p) => be.loss("hinge", p.T, Int32Array.of(0, 1, 2, 0)) },
  { name: "negative label", error: RangeError, message: ["targets[1] = -1", "0..1"],
    call: (be, p) => be.loss("softmax", p.T, Int32Array.of(0, -1, 1, 0)) },
  { name: "label array of the wrong length", error: RangeError, message: ["targets has length 3", "4 rows"],
    call: (be, p) => be.loss("squared-hinge", p.T, Int32Array.of(0, 1, 0)) },
  { name: "labels that are not an Int32Array", error: TypeError, message: [/\btargets\b/, "Int32Array", "Array"],
    call: (be, p) => be.loss("hinge", p.T, [0, 1, 0, 1] as unknown as Int32Array) },
  { name: "svmLoss names its labels y", error: RangeError, message: ["y[3] = 5"],
    call: (be, p) => be.svmLoss(p.W, p.X, Int32Array.of(0, 1, 1, 5), 0.1) },
  { name: "softmaxLoss labels of the wrong length", error: RangeError, message: ["y has length 5"],
    call: (be, p) => be.softmaxLoss(p.W, p.X, new Int32Array(5), 0.1) },
  // Non-finite values: the message names the first bad index.
  { name: "NaN in X", error: RangeError, message: ["X[5] is NaN"],
    call: (be, p) => be.scores(withValue(withValue(p.X, 5, NaN), 9, NaN), p.W, p.b) },
  { name: "+Infinity in W", error: RangeError, message: ["W[4] is Infinity"],
    call: (be, p) => be.linearLoss("softmax", p.X, withValue(p.W, 4, Infinity), p.b, p.y) },
  { name: "−Infinity in b", error: RangeError, message: ["b[1] is -Infinity"],
    call: (be, p) => be.linearLoss("hinge", p.X, p.W, Float32Array.of(0, -Infinity), p.y) },
  { name: "NaN in the scores of loss()", error: RangeError, message: ["S[3] is NaN"],
    call: (be, p) => be.loss("softmax", withValue(p.T, 3, NaN), p.y) },
  { name: "Infinity in regression targets", error: RangeError, message: ["targets[0] is Infinity"],
    call: (be, p) => be.loss("l2", p.T, withValue(p.T, 0, Infinity)) },
  // Empty batch
  { name: "matrix() with 0 rows (empty batch)", error: RangeError, message: [/\brows\b/, "≥ 1", "got 0"],
    call: () => matrix(0, D) },
  { name: "X with 0 rows (empty batch)", error: RangeError, message: ["X.rows", "≥ 1", "got 0"],
    call: (be, p) => be.linearLoss("softmax", { rows: 0, cols: D, data: new Float32Array(0) }, p.W, p.b, new Int32Array(0)) },
  // Regularization strengths
  { name: "negative reg (svmLoss)", error: RangeError, message: [/\breg\b/, "≥ 0", "-0.5"],
    call: (be, p) => be.svmLoss(p.W, p.X, p.y, -0.5) },
  { name: "NaN reg (softmaxLoss)", error: RangeError, message: [/\breg\b/, "finite", "NaN"],
    call: (be, p) => be.softmaxLoss(p.W, p.X, p.y, NaN) },
  { name: "negative l2 (linearLoss)", error: RangeError, message: [/\bl2\b/, "≥ 0"],
    call: (be, p) => be.linearLoss("softmax", p.X, p.W, p.b, p.y, { l2: -1 }) },
  { name: "negative l1 (linearLoss)", error: RangeError, message: [/\bl1\b/, "≥ 0"],
    call: (be, p) => be.linearLoss("softmax", p.X, p.W, p.b, p.y, { l1: -1e-3 }) },
  { name: "negative lambda (regularization)", error: RangeError, message: [/\blambda\b/, "≥ 0"],
    call: (be, p) => be.regularization("l2", p.W, -2) },
  { name: "reg that is not a number", error: TypeError, message: [/\breg\b/, "number"],
    call: (be, p) => be.svmLoss(p.W, p.X, p.y, "0.1" as unknown as number) },
  // Unknown kinds: the message lists the valid ones.
  { name: "unknown loss kind", error: RangeError, message: [/\bkind\b/, "cross-entropy", ...QUOTED_LOSSES],
    call: (be, p) => be.loss("cross-entropy" as never, p.T, p.y) },
  { name: "unknown loss kind in linearLoss", error: RangeError, message: [/\bkind\b/, ...QUOTED_LOSSES],
    call: (be, p) => be.linearLoss("svm" as never, p.X, p.W, p.b, p.y) },
  { name: "loss kind that is not a string", error: TypeError, message: [/\bkind\b/, "string", ...QUOTED_LOSSES],
    call: (be, p) => be.loss(3 as never, p.T, p.y) },
  { name: "unknown penalty", error: RangeError, message: [/\bkind\b/, "'l2'", "'l1'"],
    call: (be, p) => be.regularization("l3" as never, p.W, 0.1) },
  { name: "unknown probability kind", error: RangeError, message: [/\bkind\b/, "'softmax'", "'sigmoid'"],
    call: (be, p) => be.probabilities("tanh" as never, p.T) },
  // Loss options
  { name: "classWeight of the wrong length", error: RangeError, message: ["classWeight", "length 3", "2 classes"],
    call: (be, p) => be.linearLoss("softmax", p.X, p.W, p.b, p.y, { classWeight: [1, 1, 1] }) },
  { name: "negative class weight", error: RangeError, message: ["classWeight[1]", "≥ 0"],
    call: (be, p) => be.loss("hinge", p.T, p.y, { classWeight: [1, -1] }) },
  { name: "NaN margin delta", error: RangeError, message: [/\bdelta\b/, "finite"],
    call: (be, p) => be.loss("hinge", p.T, p.y, { delta: NaN }) },
  { name: "margin delta beyond float32's range", error: RangeError, message: [/\bdelta\b/, "float32"],
    call: (be, p) => be.loss("hinge", p.T, p.y, { delta: 1e39 }) },
  { name: "attribute-hinge target that is not ±1", error: RangeError, message: ["targets[3] = 0", "−1 or +1"],
    call: (be, p) => be.loss("attribute-hinge", p.T, matrix(N, C, [1, -1, 1, 0, 1, 1, -1, -1])) },
  { name: "logistic target outside [0, 1]", error: RangeError, message: ["targets[1] = 2", "[0, 1]"],
    call: (be, p) => be.loss("logistic", p.T, matrix(N, C, [0, 2, 1, 0, 1, 1, 0, 0])) },
  { name: "maxNorm limit of 0", error: RangeError, message: [/\blimit\b/, "> 0"],
    call: (be, p) => be.maxNorm(p.W, 0) },
  // Optimizer
  { name: "unknown update rule", error: RangeError, message: [/\brule\b/, "'sgd'", "'adam'"],
    call: (be, p) => be.optimizerStep("adamw" as never, p.W.data.slice(), p.W.data.slice()) },
  { name: "negative learning rate", error: RangeError, message: ["config.learningRate", "> 0"],
    call: (be, p) => be.optimizerStep("sgd", p.W.data.slice(), p.W.data.slice(), {}, { learningRate: -1 }) },
  { name: "momentum of 1", error: RangeError, message: ["config.momentum", "[0, 1)"],
    call: (be, p) => be.optimizerStep("momentum", p.W.data.slice(), p.W.data.slice(), {}, { momentum: 1 }) },
  { name: "learning rate that is not a number", error: TypeError, message: ["config.learningRate", "number"],
    call: (be, p) => be.optimizerStep("adam", p.W.data.slice(), p.W.data.slice(), {}, { learningRate: "1e-3" as never }) },
  { name: "config that is not an object", error: TypeError, message: [/\bconfig\b/, "object"],
    call: (be, p) => be.optimizerStep("sgd", p.W.data.slice(), p.W.data.slice(), {}, null as never) },
  { name: "state that is not an object", error: TypeError, message: [/\bstate\b/, "object"],
    call: (be, p) => be.optimizerStep("rmsprop", p.W.data.slice(), p.W.data.slice(), null as never) },
  { name: "gradient of another length than w", error: RangeError, message: [/\bdw\b/, "length 5", "expected 6"],
    call: (be, p) => be.optimizerStep("sgd", p.W.data.slice(), new Float32Array(5)) },
  {
    name: "Adam state array of the wrong length, leaving state untouched", error: RangeError,
    message: ["state.v", "length 2", "expected 6"],
    call: (be, p) => {
      const state: OptimizerState = { v: new Float32Array(2) };
      try {
        return be.optimizerStep("adam", p.W.data.slice(), p.W.data.slice(), state);
      } finally {
        expect(Object.keys(state)).toEqual(["v"]); // no m was created for a step that never ran
      }
    },
  },
];

const PRIMITIVES = [
  "scores", "labelLoss", "targetLoss", "weightGradient", "biasGradient", "penalty", "maxNorm", "probabilities", "update",
] as const satisfies readonly (keyof Ops)[];

const BACKENDS = [{ name: "reference", options: { backend: "reference" } } as const,
  ...BUILDS.map((simd) => ({ name: `wasm ${simd}`, options: { backend: "wasm", simd } } as const))];

describe.each(BACKENDS)("$name backend", ({ options }) => {
  let be: Backend;
  let oracle: Backend;
  /** Every primitive of the backend, watched: validation must throw before any of them runs. */
  let primitives: MockInstance[];
  const p = inputs();
  const before = copyInputs(p);
  beforeAll(async () => {
    be = await init(options);
    oracle = await init({ backend: "reference" });
    primitives = PRIMITIVES.map((name) => vi.spyOn(be.ops, name));
  });
  afterAll(() => {
    vi.restoreAllMocks();
    be.dispose();
    oracle.dispose();
  });

  it.each(CASES)("$name: $error.name", ({ error, message, call }) => {
    let thrown: unknown;
    try {
      call(be, p);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(error);
    const text = (thrown as Error).message;
    for (const part of message) expect(text).toMatch(part);
    for (const primitive of primitives) {
      expect(primitive).not.toHaveBeenCalled();
      primitive.mockClear();
    }
  });

  it("afterwards: inputs unchanged, nothing leaked, results still match the reference", () => {
    expect(p).toEqual(before);
    if (be.name === "wasm") expect((be.ops as WasmOps).kernels.heap.liveBlocks).toBe(0);
    for (const kind of ["softmax", "hinge"] as const) {
      const got = be.linearLoss(kind, p.X, p.W, p.b, p.y, { l2: 0.1 });
      const want = oracle.linearLoss(kind, p.X, p.W, p.b, p.y, { l2: 0.1 });
      expect(lossError(got.loss, want.loss)).toBeLessThanOrEqual(1e-5);
      expect(normError(got.dW.data, want.dW.data)).toBeLessThanOrEqual(1e-4);
      expect(normError(got.db, want.db)).toBeLessThanOrEqual(1e-4);
    }
    const T = be.loss("l2", be.scores(p.X, p.W, p.b), p.T), wantT = oracle.loss("l2", oracle.scores(p.X, p.W, p.b), p.T);
    expect(lossError(T.loss, wantT.loss)).toBeLessThanOrEqual(1e-5);
    expect(p).toEqual(before);
    // The watch on the primitives is live: the not-called checks above could fail.
    for (const name of ["scores", "labelLoss", "targetLoss", "weightGradient", "biasGradient", "penalty"] as const) {
      expect(primitives[PRIMITIVES.indexOf(name)]).toHaveBeenCalled();
    }
  });
});

// The update rules: the f64x2 kernels against their float64 twins (every build, every rule, tails included),
// the low-level Backend.optimizerStep, and what gradient descent does with them on convex problems.
import { beforeAll, describe, expect, it } from "vitest";
import { matrix, relError, type OptimizerState, type UpdateRule, UPDATE_RULES } from "../src/index.js";
import { Rng } from "../src/data/rng.js";
import { LinearClassifier } from "../src/model/classifier.js";
import { BUILDS, gaussian } from "./helpers.js";
import { everyBackend } from "./backends.js";

const STATE: Record<UpdateRule, (keyof OptimizerState)[]> = {
  sgd: [], momentum: ["velocity"], nesterov: ["velocity"], adagrad: ["cache"], rmsprop: ["cache"], adam: ["m", "v", "t"],
};
/** Odd and even lengths: the f64x2 loop takes pairs, the scalar tail the last odd element. */
const LENGTHS = [1, 2, 3, 8, 13, 1001];
const CONFIG = { learningRate: 0.05, momentum: 0.8, decayRate: 0.95, beta1: 0.85, beta2: 0.99, epsilon: 1e-6 };

const randomArray = (rng: Rng, n: number, scale = 1) => Float32Array.from({ length: n }, () => scale * rng.normal());

/** A state that is not zero, as a run would have after some steps (caches and v are non-negative). */
function warmState(rule: UpdateRule, rng: Rng, n: number): OptimizerState {
  const state: OptimizerState = {};
  for (const field of STATE[rule]) {
    if (field === "t") state.t = 7;
    else state[field] = field === "cache" || field === "v" ? randomArray(rng, n).map((x) => x * x) : randomArray(rng, n, 0.1);
  }
  return state;
}

const cloneState = (s: OptimizerState): OptimizerState =>
  Object.fromEntries(Object.entries(s).map(([k, x]) => [k, typeof x === "number" ? x : (x as Float32Array).slice()]));

const bitsEqual = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)
  .equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const backends = everyBackend();
const { wasm } = backends;

describe("each update rule: wasm kernel = float64 reference twin", () => {
  for (const simd of BUILDS) {
    for (const rule of UPDATE_RULES) {
      for (const start of ["zero state ({})", "non-zero state"] as const) {
        it(`${simd} build, ${rule}, from a ${start}, lengths ${LENGTHS.join("/")}`, () => {
          const rng = new Rng(LENGTHS.length * 31 + rule.length);
          for (const n of LENGTHS) {
            const w = randomArray(rng, n), g = randomArray(rng, n);
            const state = start === "non-zero state" ? warmState(rule, rng, n) : {};
            const [wA, sA] = [w.slice(), cloneState(state)];
            const [wR, sR] = [w.slice(), cloneState(state)];
            // Two steps: the second runs on the state the first one left.
            for (let step = 0; step < 2; step++) {
              wasm.get(simd)!.optimizerStep(rule, wA, g, sA, CONFIG);
              backends.reference.optimizerStep(rule, wR, g, sR, CONFIG);
            }
            // Each element is computed in f64 with the twin's operations in the twin's order and rounded once,
            // so the results are equal bit for bit (a stronger claim than the rel_error ≤ 1e-6 asked for,
            // which is checked too).
            expect(relError(wA, wR)).toBeLessThanOrEqual(1e-6);
            expect(bitsEqual(wA, wR)).toBe(true);
            expect(Object.keys(sA).sort()).toEqual([...STATE[rule]].sort());
            for (const field of STATE[rule]) {
              if (field === "t") expect(sA.t).toBe(sR.t);
              else {
                expect(relError(sA[field]!, sR[field]!)).toBeLessThanOrEqual(1e-6);
                expect(bitsEqual(sA[field] as Float32Array, sR[field] as Float32Array)).toBe(true);
              }
            }
            if (rule === "adam") expect(sA.t).toBe((state.t ?? 0) + 2);
            if (rule !== "sgd") expect(bitsEqual(wA, w)).toBe(false);
          }
        });
      }
    }
  }
});

describe("Backend.optimizerStep", () => {
  // First steps from zero state have closed forms (cs231n optim.py), independent of the code under test.
  const lr = 0.01, mu = 0.9, rho = 0.99;
  const firstStep: Record<UpdateRule, (g: number) => number> = {
    sgd: (g) => -lr * g,
    momentum: (g) => -lr * g,
    nesterov: (g) => (1 + mu) * -lr * g,
    adagrad: (g) => -lr * Math.sign(g), // lr·g / (|g| + ε)
    rmsprop: (g) => (-lr * Math.sign(g)) / Math.sqrt(1 - rho), // cache = (1 − ρ)g²
    adam: (g) => -lr * Math.sign(g), // m̂ = g, v̂ = g²
  };
  for (const rule of UPDATE_RULES) {
    it(`${rule}: the first step from {} has cs231n's closed form, and fills in the state fields`, () => {
      for (const backend of [backends.reference, wasm.get("simd")!]) {
        const w = Float32Array.of(1, -2, 0.5), g = Float32Array.of(0.3, -4, 2);
        const state: OptimizerState = {};
        const returned = backend.optimizerStep(rule, w, g, state, { learningRate: lr });
        expect(returned).toBe(state);
        [1, -2, 0.5].forEach((w0, i) => expect(w[i]! - w0).toBeCloseTo(firstStep[rule](g[i]!), 6));
        for (const field of STATE[rule]) expect(state[field]).toBeDefined();
      }
    });
  }

  it("takes SPEC.md's defaults (adam: lr 1e-3; the others 1e-2)", () => {
    const g = Float32Array.of(1);
    for (const [rule, move] of [["adam", 1e-3], ["sgd", 1e-2]] as const) {
      const w = Float32Array.of(0);
      wasm.get("simd")!.optimizerStep(rule, w, g);
      expect(w[0]).toBeCloseTo(-move, 8);
    }
  });

  it("refuses bad arguments with errors naming them, before any kernel runs", () => {
    const b = wasm.get("simd")!, w = Float32Array.of(1, 2), g = Float32Array.of(1, 1);
    expect(() => b.optimizerStep("adamw" as UpdateRule, w, g)).toThrow(/rule/);
    expect(() => b.optimizerStep("sgd", w, Float32Array.of(1))).toThrow(RangeError);
    expect(() => b.optimizerStep("sgd", w, [1, 2] as unknown as Float32Array)).toThrow(TypeError);
    expect(() => b.optimizerStep("momentum", w, g, { velocity: new Float32Array(3) })).toThrow(/state\.velocity/);
    expect(() => b.optimizerStep("adam", w, g, { t: -1 })).toThrow(/state\.t/);
    expect(() => b.optimizerStep("adam", w, g, {}, { beta1: 1 })).toThrow(/config\.beta1/);
    expect(() => b.optimizerStep("sgd", w, g, {}, { learningRate: 0 })).toThrow(/config\.learningRate/);
    expect(() => b.optimizerStep("sgd", w, Float32Array.of(NaN, 1))).toThrow(/dw\[0\]/);
    expect(Array.from(w)).toEqual([1, 2]);
  });
});

describe("gradient descent on convex problems", () => {
  // Softmax with an l2 penalty: smooth and strongly convex in W (b is not penalised but the data pins it).
  const N = 60, D = 5, C = 3, L2 = 0.05;
  const rng = new Rng(42);
  const X = gaussian(rng, N, D);
  // Labels from a linear rule, one in ten flipped: learnable, not separable.
  const truth = gaussian(rng, D, C, 2);
  const y = Int32Array.from({ length: N }, (_, i) => {
    if (rng.uniform() < 0.1) return rng.int(C);
    const s = [0, 1, 2].map((j) => X.data.subarray(i * D, (i + 1) * D).reduce((a, x, k) => a + x * truth.data[k * C + j]!, 0));
    return s.indexOf(Math.max(...s));
  });

  /** Full-batch loss and gradient at (W, b) from the backends.reference backend. */
  const objective = (W: Float32Array, b: Float32Array) =>
    backends.reference.linearLoss("softmax", X, matrix(D, C, W), b, y, { l2: L2 });

  /** The optimum: a long float64-reference GD run, which must itself end at a stationary point. */
  let optimum: { W: Float32Array; b: Float32Array; loss: number };
  beforeAll(() => {
    const W = new Float32Array(D * C), b = new Float32Array(C);
    for (let step = 0; step < 3000; step++) {
      const r = objective(W, b);
      backends.reference.optimizerStep("sgd", W, r.dW.data, {}, { learningRate: 0.5 });
      backends.reference.optimizerStep("sgd", b, r.db, {}, { learningRate: 0.5 });
    }
    const at = objective(W, b);
    expect(Math.hypot(...at.dW.data, ...at.db)).toBeLessThan(1e-5);
    optimum = { W, b, loss: at.loss };
  });

  for (const rule of UPDATE_RULES) {
    it(`${rule} descends: 200 full-batch steps close 90% of the gap to the optimum`, () => {
      const W = new Float32Array(D * C), b = new Float32Array(C);
      const stateW: OptimizerState = {}, stateB: OptimizerState = {};
      const lr = { sgd: 0.5, momentum: 0.1, nesterov: 0.1, adagrad: 0.5, rmsprop: 0.01, adam: 0.05 }[rule];
      const initial = objective(W, b).loss;
      for (let step = 0; step < 200; step++) {
        const r = objective(W, b);
        wasm.get("simd")!.optimizerStep(rule, W, r.dW.data, stateW, { learningRate: lr });
        wasm.get("simd")!.optimizerStep(rule, b, r.db, stateB, { learningRate: lr });
      }
      const final = objective(W, b).loss;
      expect(final - optimum.loss).toBeLessThan(0.1 * (initial - optimum.loss));
      expect(final).toBeGreaterThanOrEqual(optimum.loss - 1e-6);
    });
  }

  it("full-batch GD in LinearClassifier reaches the optimum of the strongly convex problem (gradient ≈ 0)", async () => {

    for (const rule of ["sgd", "nesterov"] as const) {
      const model = new LinearClassifier({
        loss: "softmax", l2: L2, batchSize: N, epochs: 600, init: "zeros", backend: wasm.get("simd")!,
        optimizer: { rule, learningRate: rule === "sgd" ? 0.5 : 0.1 },
      });
      await model.fit(X, y);
      const { W: Wm, b: bm } = model.weights;
      const at = objective(Wm.data, bm);
      expect(Math.hypot(...at.dW.data, ...at.db)).toBeLessThan(1e-4);
      expect(Math.abs(at.loss - optimum.loss)).toBeLessThan(1e-6);
      expect(relError(Wm.data, optimum.W)).toBeLessThan(1e-3);
      expect(relError(bm, optimum.b)).toBeLessThan(1e-3);
      model.dispose();
    }
  });

  it("random search lowers the loss too, but far less than gradient steps in the same number of steps (seed 002)", async () => {
    const final = async (rule: "random-search" | "sgd") => {
      const model = new LinearClassifier({
        loss: "softmax", batchSize: N, epochs: 200, init: "zeros", backend: wasm.get("simd")!,
        optimizer: { rule, learningRate: rule === "sgd" ? 0.5 : 0.05 },
      });
      const history = await model.fit(X, y);
      model.dispose();
      return history.loss;
    };
    const search = await final("random-search"), gd = await final("sgd");
    // A perturbation is kept only if it lowers the batch loss; full batch, so the loss never rises.
    for (let e = 1; e < search.length; e++) expect(search[e]!).toBeLessThanOrEqual(search[e - 1]!);
    expect(search.at(-1)!).toBeLessThan(Math.log(C) - 0.02);
    expect(gd.at(-1)!).toBeLessThan(search.at(-1)! - 0.05);
  });
});

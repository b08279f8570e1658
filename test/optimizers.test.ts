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
  rprop: ["prev", "step"], "delta-bar-delta": ["bar", "rate"],
};
/** Odd and even lengths: the f64x2 loop takes pairs, the scalar tail the last odd element. */
const LENGTHS = [1, 2, 3, 8, 13, 1001];
const CONFIG = { learningRate: 0.05, momentum: 0.8, decayRate: 0.95, beta1: 0.85, beta2: 0.99, epsilon: 1e-6 };

const randomArray = (rng: Rng, n: number, scale = 1) => Float32Array.from({ length: n }, () => scale * rng.normal());

/** A state that is not zero, as a run would have after some steps (caches and v ≥ 0, step sizes > 0). */
function warmState(rule: UpdateRule, rng: Rng, n: number): OptimizerState {
  const state: OptimizerState = {};
  for (const field of STATE[rule]) {
    if (field === "t") state.t = 7;
    else if (field === "step" || field === "rate") state[field] = randomArray(rng, n, 0.1).map((x) => Math.abs(x) + 1e-3);
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
    rprop: (g) => -lr * Math.sign(g), // prev = 0: the step stays at lr
    "delta-bar-delta": (g) => -lr * g, // δ̄ = 0: the rate stays at lr
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

describe("rprop and delta-bar-delta: hand-worked steps on every backend", () => {
  const all = () => [backends.reference, ...BUILDS.map((b) => wasm.get(b)!)];
  const f = Math.fround;
  const expectArray = (got: Float32Array | undefined, want: number[]) =>
    want.forEach((x, i) => expect(got![i]).toBeCloseTo(x, 7));

  it("rprop: signs agree (grow ×1.2, capped at stepMax 50), disagree (shrink ×0.5, floored at stepMin 1e-6, g dropped), zero (step kept)", () => {
    for (const b of all()) {
      // Elements: agree; disagree; prev 0; agree past stepMax; agree, both negative; disagree below stepMin.
      const w = Float32Array.of(1, 1, 1, 1, 1, 1), g = Float32Array.of(0.5, -2, 0.25, 3, -1, 1);
      const state: OptimizerState = {
        prev: Float32Array.of(1, 1, 0, 4, -2, -1), step: Float32Array.of(0.5, 0.5, 0.5, 45, 0.25, 1.5e-6),
      };
      b.optimizerStep("rprop", w, g, state);
      expectArray(state.step, [0.6, 0.25, 0.5, 50, 0.3, 1e-6]);
      expectArray(state.prev, [0.5, 0, 0.25, 3, -1, 0]);
      expectArray(w, [0.4, 1, 0.5, -49, 1.3, 1]);
      expect(w[3]).toBe(-49);
      expect(state.step![5]).toBe(f(1e-6));
      // The next step after a flip sees prev = 0: the step is neither grown nor shrunk, and the weight moves.
      b.optimizerStep("rprop", w, g, state);
      expect(state.step![1]).toBe(0.25);
      expect(w[1]).toBe(1.25);
    }
  });

  it("delta-bar-delta: δ̄·g > 0 adds κ, δ̄·g < 0 scales by 1 − φ, 0 keeps the rate; δ̄ = (1 − θ)g + θδ̄ after the step", () => {
    for (const b of all()) {
      const w = Float32Array.of(1, 1, 1), g = Float32Array.of(2, -2, 4);
      const state: OptimizerState = { bar: Float32Array.of(1, 1, 0), rate: Float32Array.of(0.1, 0.1, 0.1) };
      b.optimizerStep("delta-bar-delta", w, g, state, { kappa: 0.05, phi: 0.5, theta: 0.7 });
      expectArray(state.rate, [0.15, 0.05, 0.1]);
      expectArray(w, [0.7, 1.1, 0.6]); // 1 − 0.15·2, 1 + 0.05·2, 1 − 0.1·4
      expectArray(state.bar, [1.3, 0.1, 1.2]); // 0.3·2 + 0.7·1, −0.6 + 0.7, 1.2 + 0
    }
  });

  it("delta-bar-delta from {}: the rate starts at lr and κ defaults to lr/10", () => {
    for (const b of all()) {
      const w = Float32Array.of(0), g = Float32Array.of(1), state: OptimizerState = {};
      b.optimizerStep("delta-bar-delta", w, g, state, { learningRate: 0.1 });
      expectArray(w, [-0.1]);
      expectArray(state.bar, [0.3]);
      b.optimizerStep("delta-bar-delta", w, g, state, { learningRate: 0.1 });
      expectArray(state.rate, [0.11]);
      expectArray(w, [-0.21]);
      expectArray(state.bar, [0.51]); // 0.3·1 + 0.7·0.3
    }
  });

  it("refuses bad hyper-parameters and step sizes ≤ 0, naming them", () => {
    const b = wasm.get("simd")!, w = Float32Array.of(1, 2), g = Float32Array.of(1, 1);
    expect(() => b.optimizerStep("rprop", w, g, {}, { etaMinus: 1 })).toThrow(/config\.etaMinus/);
    expect(() => b.optimizerStep("rprop", w, g, {}, { etaPlus: 0.9 })).toThrow(/config\.etaPlus/);
    expect(() => b.optimizerStep("rprop", w, g, {}, { stepMin: 1, stepMax: 0.5 })).toThrow(/config\.stepMax/);
    expect(() => b.optimizerStep("rprop", w, g, { step: Float32Array.of(0.1, 0) })).toThrow(/state\.step\[1\]/);
    expect(() => b.optimizerStep("delta-bar-delta", w, g, {}, { phi: 1 })).toThrow(/config\.phi/);
    expect(() => b.optimizerStep("delta-bar-delta", w, g, {}, { theta: -0.1 })).toThrow(/config\.theta/);
    expect(() => b.optimizerStep("delta-bar-delta", w, g, {}, { kappa: -1 })).toThrow(/config\.kappa/);
    expect(() => b.optimizerStep("delta-bar-delta", w, g, { rate: Float32Array.of(-1, 1) })).toThrow(/state\.rate\[0\]/);
    expect(() => new LinearClassifier({ optimizer: { rule: "rprop", etaMinus: 2 } })).toThrow(/optimizer\.etaMinus/);
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
      const lr = { sgd: 0.5, momentum: 0.1, nesterov: 0.1, adagrad: 0.5, rmsprop: 0.01, adam: 0.05, rprop: 0.01,
        "delta-bar-delta": 0.1 }[rule];
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

  it("full-batch rprop and delta-bar-delta fits separate a separable problem, the same on the reference, wasm and threaded engines", async () => {
    // Three well-separated clusters: every row is classified right at the optimum, and the loss can go to 0.
    const r = new Rng(7), n = 90, d = 4;
    const centres = gaussian(r, 3, d, 4);
    const ys = Int32Array.from({ length: n }, (_, i) => i % 3);
    const Xs = matrix(n, d, Float32Array.from({ length: n * d }, (_, e) =>
      centres.data[ys[Math.floor(e / d)]! * d + (e % d)]! + 0.3 * r.normal()));
    for (const rule of ["rprop", "delta-bar-delta"] as const) {
      const fit = async (backend: "wasm" | "reference", threads: number) => {
        const model = new LinearClassifier({
          loss: "softmax", batchSize: n, epochs: 150, init: "zeros", backend, threads, optimizer: { rule, learningRate: 0.01 },
        });
        const history = await model.fit(Xs, ys);
        const out = { loss: history.loss, W: model.weights.W.data, accuracy: model.score(Xs, ys) };
        model.dispose();
        return out;
      };
      const ref = await fit("reference", 1), one = await fit("wasm", 1), two = await fit("wasm", 2);
      for (const e of [ref, one, two]) {
        expect(e.accuracy).toBe(1);
        expect(e.loss.at(-1)!).toBeLessThan(0.01 * e.loss[0]!);
      }
      // The threaded update runs the same kernel on slices: the same bits.
      expect(two.loss).toEqual(one.loss);
      expect(bitsEqual(two.W, one.W)).toBe(true);
      // Each update agrees bit for bit (above), but a sign rule magnifies the float32-vs-float64 gradients' last
      // bits (a step grows or shrinks by 20–50% on a sign), so the trajectories are compared only loosely.
      for (let e = 0; e < 10; e++) expect(Math.abs(one.loss[e]! - ref.loss[e]!)).toBeLessThan(0.01);
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

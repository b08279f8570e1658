// fast-check properties: every wasm build against the float64 reference, on random N, D, C (1, 2, 3, 5, 17 and
// anything up to 24), values from 1e-3 to 1e3, exact ties, and margins exactly on their kinks.
//
// Tolerances are the foundation's: losses |a − r| ≤ 1e-5·|r|, arrays ‖a − r‖∞ ≤ 1e-4·‖r‖∞. Where float32
// arithmetic makes those ratios meaningless (cancellation in a dot product; a loss of 1e-7 made of one margin
// computed in float32), each element may also differ by the a-priori float32 rounding bound of the operation
// (test/property-helpers.ts says which). Update rules and the constructed kinks must agree bit for bit.
//
// Seeded: SIMDLINEAR_PROPERTY_SEED replays a run, SIMDLINEAR_PROPERTY_RUNS scales the number of cases.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  init, LABEL_LOSSES, LOSSES, UPDATE_RULES, type Backend, type LossKind, type Matrix, type OptimizerConfig,
  type OptimizerState,
} from "../src/index.js";
import { BUILDS, copyMatrix } from "./helpers.js";
import {
  absProduct, checkProperty, dataSpec, failureReport, Filler, firstViolation, gamma, marginRounding, maxAbs, size,
  transpose, U32, violation, type DataSpec,
} from "./property-helpers.js";

type Build = (typeof BUILDS)[number];
const LOSS_TOL = 1e-5;
const ARRAY_TOL = 1e-4;

let reference: Backend;
const wasm = {} as Record<Build, Backend>;

beforeAll(async () => {
  reference = await init({ backend: "reference" });
  for (const build of BUILDS) wasm[build] = await init({ backend: "wasm", simd: build });
});

afterAll(() => {
  reference.dispose();
  for (const build of BUILDS) wasm[build].dispose();
  if (process.env.SIMDLINEAR_REPORT_ERRORS) console.table(Object.fromEntries([...allowanceUse].sort()));
});

const build = (): fc.Arbitrary<Build> => fc.constantFrom(...BUILDS);

/**
 * Per check: the cases compared, and those that met the tolerance only thanks to the rounding allowance.
 * Printed after the file when SIMDLINEAR_REPORT_ERRORS is set.
 */
const allowanceUse = new Map<string, { cases: number; needed: number }>();
function countCase(name: string, needed: boolean): void {
  const key = name.replace(/ \(step \d+\)$/, ""), entry = allowanceUse.get(key) ?? { cases: 0, needed: 0 };
  entry.cases++;
  if (needed) entry.needed++;
  allowanceUse.set(key, entry);
}

function expectClose(name: string, got: ArrayLike<number>, want: ArrayLike<number>, rel: number, bound?: ArrayLike<number>): void {
  expect(got.length, `${name}: length`).toBe(want.length);
  const at = firstViolation(got, want, rel, bound);
  if (at >= 0) throw new Error(violation(name, at, got, want, bound));
  countCase(name, firstViolation(got, want, rel) >= 0);
}

function expectLoss(name: string, got: number, want: number, allowance = 0): void {
  const diff = Math.abs(got - want);
  if (!(diff <= LOSS_TOL * Math.abs(want) + allowance)) {
    throw new Error(`${name}: wasm ${got} vs reference ${want} (relative ${diff / Math.abs(want)}, `
      + `rounding allowance ${allowance})`);
  }
  countCase(name, !(diff <= LOSS_TOL * Math.abs(want)));
}

/** Exact agreement, element by element (+0 and −0 count as equal). */
function expectIdentical(name: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length, `${name}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i] && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
      throw new Error(`${name}[${i}]: wasm ${got[i]} vs reference ${want[i]}: must agree exactly`);
    }
  }
}

/** Targets of a loss for scores of the given shape: labels, {0,1}, {−1,+1} or reals. */
function targetsFor(kind: LossKind, f: Filler, n: number, c: number): Int32Array | Matrix {
  if (LABEL_LOSSES.includes(kind)) return f.labels(n, c);
  const data = new Float32Array(n * c);
  for (let e = 0; e < data.length; e++) {
    data[e] = kind === "logistic" ? f.rng.int(2) : kind === "attribute-hinge" ? 2 * f.rng.int(2) - 1 : f.value();
  }
  return { rows: n, cols: c, data };
}

/**
 * Both implementations form softmax's p − 1 and logistic's σ(s) − t in float64 from a probability rounded near 1,
 * so a row that is certain of its class (dS ≈ 1e-14) has a dS known to float64 resolution only: each entry may
 * differ by C·2^-50 (an ulp of exp per class, the sum and the division), and the loss of such a row likewise.
 */
function probabilityRounding(kind: LossKind, n: number, c: number, targets: Int32Array | Matrix, cw: Float32Array | null) {
  const terms = kind === "softmax" ? c : 1, dS = new Float64Array(n * c);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const w = kind === "softmax" && cw ? cw[(targets as Int32Array)[i]!]! : 1;
    dS.fill(w * terms * 2 ** -50, i * c, (i + 1) * c);
    loss += w * c * 2 ** -50;
  }
  return { dS, loss };
}

/**
 * The rounding allowance of a loss on given scores: the hinge kernels' float32 margins, the float64 resolution
 * of softmax and logistic probabilities, 0 for the rest; null when a margin is within float32 rounding of its kink.
 */
function lossRounding(kind: LossKind, S: Matrix, targets: Int32Array | Matrix, delta: number, cw: Float32Array | null) {
  if (kind === "softmax" || kind === "logistic") return probabilityRounding(kind, S.rows, S.cols, targets, cw);
  if (kind !== "hinge" && kind !== "squared-hinge") return { dS: undefined, loss: 0 };
  const r = marginRounding(S, targets as Int32Array, delta, cw, kind === "squared-hinge");
  return r.nearKink ? null : { dS: r.dS, loss: r.loss };
}

const labelOptions = () => fc.record({
  /** Δ as a float32 value: the kernels take it as f32 and the reference as given. */
  delta: fc.oneof(fc.constant(1), fc.double({ min: -1, max: 1, noNaN: true }).map((e) => Math.fround(10 ** e))),
  weighted: fc.boolean(),
});

describe("wasm vs reference, property by property", () => {
  it("scores S = X·W + b: within 1e-4·‖S‖∞ + γ_{D+2}·(|X|·|W| + |b|) element-wise", () => {
    checkProperty("scores", fc.property(build(), size(), size(), size(), fc.boolean(), dataSpec(),
      (simd, n, d, c, withBias, spec) => {
        const f = new Filler(spec);
        const X = f.matrix(n, d), W = f.matrix(d, c), b = withBias ? f.array(c) : null;
        const got = wasm[simd].scores(X, W, b).data, want = reference.scores(X, W, b).data;
        // γ_{D+1} for the D products and the bias, u more for the reference's own rounding to float32.
        expectClose("S", got, want, ARRAY_TOL, absProduct(X, W, b).map((v) => gamma(d + 2) * v));
      }), 1500);
  });

  it("gradients dW = Xᵀ·dS/N, db = Σ dS/N: within 1e-4·‖r‖∞ + γ_{N+3}·|X|ᵀ·|dS|/N", () => {
    checkProperty("gradients", fc.property(build(), size(), size(), size(), dataSpec(), (simd, n, d, c, spec) => {
      const f = new Filler(spec);
      const X = f.matrix(n, d), dS = f.matrix(n, c);
      const got = wasm[simd].gradients(X, dS), want = reference.gradients(X, dS);
      // N products and sums, the scale 1/N rounded to float32 and applied, and the reference's final rounding.
      const g = gamma(n + 3) / n;
      expectClose("dW", got.dW.data, want.dW.data, ARRAY_TOL, absProduct(transpose(X), dS).map((v) => g * v));
      const ones = { rows: 1, cols: n, data: new Float32Array(n).fill(1) };
      expectClose("db", got.db, want.db, ARRAY_TOL, absProduct(ones, dS).map((v) => g * v));
    }), 1500);
  });

  it("every loss and its dS on the same scores (ties, class weights, any Δ)", () => {
    checkProperty("loss", fc.property(build(), fc.constantFrom(...LOSSES), size(), size(), labelOptions(), dataSpec(),
      (simd, kind, n, c, options, spec) => {
        const f = new Filler(spec);
        const S = f.matrix(n, c), targets = targetsFor(kind, f, n, c);
        const label = LABEL_LOSSES.includes(kind);
        const cw = label && options.weighted ? Float32Array.from({ length: c }, () => 2 * f.rng.uniform()) : null;
        const opts = label ? { delta: options.delta, ...(cw ? { classWeight: cw } : {}) } : {};
        const rounding = lossRounding(kind, S, targets, options.delta, cw);
        fc.pre(rounding !== null);
        const got = wasm[simd].loss(kind, S, targets, opts), want = reference.loss(kind, S, targets, opts);
        expectLoss(`${kind} loss`, got.loss, want.loss, rounding!.loss / n);
        expectClose(`${kind} dS`, got.dS.data, want.dS.data, ARRAY_TOL, rounding!.dS);
      }), 3000);
  });

  it("margins exactly on their kinks take the subgradient 0 in both, bit for bit", () => {
    const KINK_LOSSES = ["hinge", "squared-hinge", "attribute-hinge", "l1"] as const;
    checkProperty("kinks", fc.property(build(), fc.constantFrom(...KINK_LOSSES), size(), size(),
      fc.constantFrom(0.25, 0.5, 1, 2), fc.boolean(), fc.nat(), (simd, kind, n, c, delta, weighted, seed) => {
        // Scores k/8 with |k| ≤ 8000 (up to 1e3) and dyadic Δ: every margin, kink or not, is exact in float32.
        const f = new Filler({ mode: "grid", exponent: 0, seed });
        const grid = (): number => (f.rng.int(16001) - 8000) / 8;
        const onKink = (): boolean => f.rng.uniform() < 0.5;
        const S = { rows: n, cols: c, data: new Float32Array(n * c) };
        let targets: Int32Array | Matrix, kinks = 0;
        if (kind === "hinge" || kind === "squared-hinge") {
          const y = f.labels(n, c);
          for (let i = 0; i < n; i++) {
            const sy = grid();
            for (let j = 0; j < c; j++) {
              const kink = j !== y[i] && onKink();
              kinks += kink ? 1 : 0;
              S.data[i * c + j] = j === y[i] ? sy : kink ? sy - delta : grid();
            }
          }
          targets = y;
        } else {
          const T = new Float32Array(n * c);
          for (let e = 0; e < T.length; e++) {
            const kink = onKink();
            kinks += kink ? 1 : 0;
            if (kind === "attribute-hinge") {
              T[e] = 2 * f.rng.int(2) - 1;
              S.data[e] = kink ? T[e]! : grid(); // 1 − t·s = 0 exactly
            } else {
              S.data[e] = grid();
              T[e] = kink ? S.data[e]! : grid(); // s − t = 0 exactly
            }
          }
          targets = { rows: n, cols: c, data: T };
        }
        fc.pre(kinks > 0);
        const cw = weighted && kind.endsWith("hinge") && kind !== "attribute-hinge"
          ? Float32Array.from({ length: c }, () => (1 + f.rng.int(8)) / 4) : null;
        const opts = kind === "hinge" || kind === "squared-hinge" ? { delta, ...(cw ? { classWeight: cw } : {}) } : {};
        const got = wasm[simd].loss(kind, S, targets, opts), want = reference.loss(kind, S, targets, opts);
        expectIdentical(`${kind} dS`, got.dS.data, want.dS.data);
        expectLoss(`${kind} loss`, got.loss, want.loss);
      }), 1500);
  });

  it("linearLoss end to end (X → S → loss, dS → dW, db, + l2/l1): the reference composed on the same scores", () => {
    // The reference is given the wasm scores (pinned by the scores property) rather than its own: a 1e-6 relative
    // score error at scores of 1e6 (values of 1e3) moves softmax probabilities by far more than 1e-4, and that is
    // the loss's conditioning, not a disagreement of the two implementations.
    checkProperty("linearLoss", fc.property(build(), fc.constantFrom(...LOSSES), size(), size(), size(), labelOptions(),
      fc.constantFrom(0, 1e-3, 0.1), fc.constantFrom(0, 1e-3, 0.1), dataSpec(),
      (simd, kind, n, d, c, options, l2, l1, spec) => {
        const f = new Filler(spec), be = wasm[simd];
        const X = f.matrix(n, d), W = f.matrix(d, c), b = f.array(c), targets = targetsFor(kind, f, n, c);
        const label = LABEL_LOSSES.includes(kind);
        const cw = label && options.weighted ? Float32Array.from({ length: c }, () => 2 * f.rng.uniform()) : null;
        const lossOpts = label ? { delta: options.delta, ...(cw ? { classWeight: cw } : {}) } : {};
        const before = { X: copyMatrix(X), W: copyMatrix(W), b: b.slice() };
        const S = be.scores(X, W, b);
        const rounding = lossRounding(kind, S, targets, options.delta, cw);
        fc.pre(rounding !== null);
        const got = be.linearLoss(kind, X, W, b, targets, { ...lossOpts, l2, l1 });
        const data = reference.loss(kind, S, targets, lossOpts), grads = reference.gradients(X, data.dS);
        const dW = grads.dW.data.slice();
        const regLoss = (l2 > 0 ? reference.regularization("l2", W, l2) : null);
        const regLoss1 = (l1 > 0 ? reference.regularization("l1", W, l1) : null);
        for (const r of [regLoss, regLoss1]) if (r) r.dW.data.forEach((g, k) => (dW[k] = dW[k]! + g));
        const wantReg = (regLoss?.loss ?? 0) + (regLoss1?.loss ?? 0);
        expectLoss(`${kind} dataLoss`, got.dataLoss, data.loss, rounding!.loss / n);
        expectLoss(`${kind} regLoss`, got.regLoss, wantReg);
        expectLoss(`${kind} loss`, got.loss, data.loss + wantReg, rounding!.loss / n);
        // dW: the backward GEMM's bound on the reference's dS, what the margin rounding moves dS by, propagated
        // through |X|ᵀ/N, and one float32 rounding of each penalty sum.
        const g = gamma(n + 3) / n, gemm = absProduct(transpose(X), { rows: n, cols: c, data: Float32Array.from(data.dS.data, Math.abs) });
        const moved = rounding!.dS ? absProduct(transpose(X), { rows: n, cols: c, data: Float32Array.from(rounding!.dS) }) : null;
        const bound = gemm.map((v, k) => g * v + (moved ? moved[k]! / n : 0) + 2 * U32 * (Math.abs(dW[k]!) + 2 * l2 * Math.abs(W.data[k]!) + l1));
        expectClose(`${kind} dW`, got.dW.data, dW, ARRAY_TOL, bound);
        const ones = { rows: 1, cols: n, data: new Float32Array(n).fill(1) };
        const dbBound = absProduct(ones, { rows: n, cols: c, data: Float32Array.from(data.dS.data, Math.abs) }).map((v) => g * v);
        if (rounding!.dS) absProduct(ones, { rows: n, cols: c, data: Float32Array.from(rounding!.dS) }).forEach((v, j) => (dbBound[j] = dbBound[j]! + v / n));
        expectClose(`${kind} db`, got.db, grads.db, ARRAY_TOL, dbBound);
        expect({ X, W, b }).toEqual(before);
      }), 2000);
  });

  it("penalties, max-norm and probabilities", () => {
    checkProperty("regularization", fc.property(build(), size(), size(), fc.double({ min: -4, max: 1, noNaN: true }), dataSpec(),
      (simd, d, c, logLambda, spec) => {
        const f = new Filler(spec), W = f.matrix(d, c), lambda = 10 ** logLambda;
        for (const kind of ["l2", "l1"] as const) {
          const got = wasm[simd].regularization(kind, W, lambda), want = reference.regularization(kind, W, lambda);
          expectLoss(`${kind} penalty`, got.loss, want.loss);
          expectIdentical(`${kind} dW`, got.dW.data, want.dW.data); // one float64 expression, rounded once
        }
        // A limit between the smallest and largest column norm, so that some columns are scaled and some not.
        const norms = Array.from({ length: c }, (_, j) => Math.hypot(...Array.from({ length: d }, (_, k) => W.data[k * c + j]!)));
        const limit = Math.max(Math.min(...norms) + f.rng.uniform() * (Math.max(...norms) - Math.min(...norms)), 1e-6);
        expectClose("maxNorm W", wasm[simd].maxNorm(W, limit).data, reference.maxNorm(W, limit).data, ARRAY_TOL);
      }), 1000);
    checkProperty("probabilities", fc.property(build(), fc.constantFrom("softmax", "sigmoid"), size(), size(), dataSpec(),
      (simd, kind, n, c, spec) => {
        const S = new Filler(spec).matrix(n, c);
        const got = wasm[simd].probabilities(kind, S).data, want = reference.probabilities(kind, S).data;
        expectClose(`${kind} P`, got, want, ARRAY_TOL);
      }), 1000);
  });

  it("every update rule, several steps from a random state: weights and state bit for bit", () => {
    const hyper = fc.record({
      learningRate: fc.double({ min: -4, max: 0, noNaN: true }).map((e) => 10 ** e),
      momentum: fc.double({ min: 0, max: 0.999, noNaN: true }),
      decayRate: fc.double({ min: 0, max: 0.999, noNaN: true }),
      beta1: fc.double({ min: 0, max: 0.999, noNaN: true }),
      beta2: fc.double({ min: 0, max: 0.9999, noNaN: true }),
      epsilon: fc.double({ min: -10, max: -4, noNaN: true }).map((e) => 10 ** e),
    });
    checkProperty("update rules", fc.property(build(), fc.constantFrom(...UPDATE_RULES), size(), fc.integer({ min: 1, max: 4 }),
      fc.nat({ max: 5 }), hyper, dataSpec(), (simd, rule, len, steps, t0, config: OptimizerConfig, spec: DataSpec) => {
        const f = new Filler(spec);
        const w = f.array(len);
        // Random starting state; cache and v are sums of squares, so non-negative.
        const start: OptimizerState = {
          velocity: f.array(len), cache: f.array(len).map(Math.abs), m: f.array(len),
          v: f.array(len).map((x) => x * x), t: t0,
        };
        const state = (): OptimizerState => ({ velocity: start.velocity!.slice(), cache: start.cache!.slice(),
          m: start.m!.slice(), v: start.v!.slice(), t: start.t });
        const a = { w: w.slice(), state: state() }, r = { w: w.slice(), state: state() };
        for (let s = 0; s < steps; s++) {
          const g = f.array(len);
          wasm[simd].optimizerStep(rule, a.w, g, a.state, config);
          reference.optimizerStep(rule, r.w, g, r.state, config);
          expectIdentical(`${rule} w (step ${s + 1})`, a.w, r.w);
          for (const field of ["velocity", "cache", "m", "v"] as const) {
            expectIdentical(`${rule} state.${field} (step ${s + 1})`, a.state[field]!, r.state[field]!);
          }
          expect(a.state.t).toBe(r.state.t);
        }
      }), 1500);
  });
});

describe("the seeded failure report", () => {
  it("names the seed, the shrunk counterexample and the replay command", () => {
    // A property that fails for N ≥ 5: fast-check must shrink to exactly 5 and report how to replay it.
    const details = fc.check(fc.property(size(), (n) => n < 5), { seed: 42, numRuns: 200 });
    expect(details.failed).toBe(true);
    const report = failureReport("n < 5", details);
    expect(report).toContain("seed 42");
    expect(report).toContain("counterexample: [5]");
    expect(report).toMatch(/path "[\d:]+"/);
    expect(report).toContain("SIMDLINEAR_PROPERTY_SEED=42 npx vitest run test/property.test.ts");
    // The path replays the same counterexample without searching.
    const replay = fc.check(fc.property(size(), (n) => n < 5), { seed: 42, path: details.counterexamplePath!, numRuns: 1 });
    expect(replay.counterexample).toEqual([5]);
  });

  it("the ‖·‖∞ allowance helpers measure what they say", () => {
    expect(maxAbs([1, -3, 2])).toBe(3);
    expect(firstViolation([1, 2.0002], [1, 2], 1e-4)).toBe(-1); // 2e-4 ≤ 1e-4 · 2
    expect(firstViolation([1, 2.0003], [1, 2], 1e-4)).toBe(1);
    expect(firstViolation([1, 2.0003], [1, 2], 1e-4, [0, 1.5e-4])).toBe(-1);
    expect(gamma(3)).toBe(3 * 2 ** -24 / (1 - 3 * 2 ** -24));
  });
});

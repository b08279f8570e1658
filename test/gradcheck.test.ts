// Analytic gradients against centered differences (SPEC.md "Checks that a user runs"): every loss with respect
// to W and b, and both penalties, on the reference and on every wasm build.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  init, LABEL_LOSSES, LOSSES, matrix, numericalGradient, relError, type Backend, type LossKind, type Matrix,
} from "../src/index.js";
import { Rng } from "../src/data/rng.js";
import {
  BUILDS, gaussian, labelsClearOfKinks, realsClearOfKinks, signsClearOfKinks, WorstErrors,
} from "./helpers.js";

const N = 8, D = 6, C = 5; // D = 6 leaves a row tail in the 4-row dW tiles; C = 5 pads to cp = 8

/**
 * The two regimes.
 *
 * reference: it computes in float64 but stores S = X·W + b as float32, and that rounding (~6e-8·|s|) divided by
 * any step h would swamp 1e-6. So its data is dyadic: X small integers, W and b multiples of 2^-16 in
 * [−0.5, 0.5). Then w ± h (h = 2^-16) and every score are exact in float32, the loss is float64-exact, and
 * the centered difference is exact for the piecewise-quadratic losses and within h²·f'''/6 ≈ 1e-10 for
 * softmax and logistic.
 *
 * wasm: realistic Gaussian data in float32. The loss then carries float32 noise δ ≈ 1e-7 (the scores' rounding),
 * so the estimate's error is ≈ δ/h + h²·f'''/6: h = 1e-2 balances the two (≈ 1e-5 absolute against gradients of
 * order 0.1–1; piecewise-linear and -quadratic losses have no h² term at all away from their kinks).
 */
interface Regime {
  name: string;
  options: Parameters<typeof init>[0];
  h: number;
  tolerance: number;
  data: "dyadic" | "gaussian";
}

const REGIMES: Regime[] = [
  { name: "reference", options: { backend: "reference" }, h: 2 ** -16, tolerance: 1e-6, data: "dyadic" },
  ...BUILDS.map((simd): Regime => ({ name: `wasm ${simd}`, options: { backend: "wasm", simd }, h: 1e-2, tolerance: 1e-2, data: "gaussian" })),
];

interface Problem {
  X: Matrix;
  W: Matrix;
  b: Float32Array;
  targets: Record<LossKind, Int32Array | Matrix>;
  classWeight: Float32Array;
}

/**
 * A problem whose kinks are out of reach of a step: perturbing one W[k, j] by h moves a score by h·|x_ik| and
 * one b_j moves it by h, so every hinge margin, attribute margin 1 − t·s, l1 residual s − t and |W| (for the
 * l1 penalty) is kept gap = 3h·max(1, max|x|) away from 0. Otherwise the difference would straddle a kink and
 * measure a mix of the two one-sided slopes instead of the subgradient.
 */
function problem(rng: Rng, regime: Regime, reference: Backend): Problem {
  const dyadic = regime.data === "dyadic";
  const values = (rows: number, cols: number, f: () => number) => matrix(rows, cols, Float32Array.from({ length: rows * cols }, f));
  const fraction = () => (rng.int(2 ** 16) - 2 ** 15) * 2 ** -16;
  const X = dyadic ? values(N, D, () => rng.int(7) - 3) : gaussian(rng, N, D);
  const gap = 3 * regime.h * Math.max(1, ...Array.from(X.data, Math.abs)); // dyadic too: max|x| is an integer
  const raw = dyadic ? values(D, C, fraction) : gaussian(rng, D, C, 0.5);
  const W = matrix(D, C, raw.data.map((w) => (Math.abs(w) < gap ? (w < 0 ? w - gap : w + gap) : w)));
  const b = dyadic ? values(1, C, fraction).data : gaussian(rng, 1, C, 0.1).data;
  const S = reference.scores(X, W, b);
  const y = labelsClearOfKinks(rng, [S], gap);
  const reals = realsClearOfKinks(rng, S, gap);
  return {
    X, W, b,
    targets: {
      hinge: y, "squared-hinge": y, softmax: y,
      logistic: values(N, C, () => rng.int(2)),
      "attribute-hinge": signsClearOfKinks(rng, S, gap),
      l2: reals, l1: reals,
    },
    classWeight: Float32Array.from({ length: C }, () => 0.5 + rng.uniform()),
  };
}

const CASES = [
  ...LOSSES.map((kind) => ({ kind, weighted: false })),
  ...LABEL_LOSSES.map((kind) => ({ kind, weighted: true })),
].map((c) => ({ ...c, name: `${c.kind}${c.weighted ? " with classWeight" : ""}` }));

/**
 * relError is elementwise, and an element near 0 (a sum that cancels, or an l1 bias gradient that is exactly
 * 0) holds nothing but rounding: the outputs are float32 by contract (the reference rounds dS and dW too), so
 * 0 against 1e-6 of float32 noise gives relError 1. relError is therefore taken over the elements that carry
 * the gradient (≥ 1% of its largest), and every element, these near-0 ones included, is held to the same
 * tolerance relative to the largest: ‖a − n‖∞ / ‖a‖∞.
 */
function compare(a: ArrayLike<number>, n: ArrayLike<number>): { significant: number; normwise: number } {
  const scale = Math.max(...Array.from(a, Math.abs));
  const keep = Array.from(a, (x) => Math.abs(x) >= 0.01 * scale);
  const pick = (v: ArrayLike<number>) => Array.from(v).filter((_, i) => keep[i]);
  const normwise = Math.max(...Array.from(a, (x, i) => Math.abs(x - n[i]!))) / scale;
  return { significant: relError(pick(a), pick(n)), normwise };
}

const worst = new WorstErrors();
afterAll(() => worst.report());

describe.each(REGIMES)("$name", (regime) => {
  let be: Backend;
  let p: Problem;
  beforeAll(async () => {
    be = await init(regime.options);
    const reference = await init({ backend: "reference" });
    p = problem(new Rng(2024), regime, reference);
    reference.dispose();
  });
  afterAll(() => be.dispose());

  const check = (key: string, analytic: ArrayLike<number>, numerical: ArrayLike<number>) => {
    const { significant, normwise } = compare(analytic, numerical);
    expect(worst.record(`${regime.name} ${key}: relError`, significant)).toBeLessThan(regime.tolerance);
    expect(worst.record(`${regime.name} ${key}: ‖a − n‖∞ / ‖a‖∞`, normwise)).toBeLessThan(regime.tolerance);
  };

  describe.each(CASES)("$name", ({ kind, weighted }) => {
    const loss = (W: Matrix, b: Float32Array) =>
      be.linearLoss(kind, p.X, W, b, p.targets[kind], weighted ? { classWeight: p.classWeight } : {});

    it("dW", () => {
      const numerical = numericalGradient((w) => loss(matrix(D, C, w as Float32Array), p.b).loss, p.W.data, regime.h);
      check("dW", loss(p.W, p.b).dW.data, numerical);
    });

    it("db", () => {
      const numerical = numericalGradient((b) => loss(p.W, b as Float32Array).loss, p.b, regime.h);
      check("db", loss(p.W, p.b).db, numerical);
    });
  });

  it.each(["l2", "l1"] as const)("%s penalty", (kind) => {
    const penalty = (w: Float32Array) => be.regularization(kind, matrix(D, C, w), 0.3);
    const numerical = numericalGradient((w) => penalty(w as Float32Array).loss, p.W.data, regime.h);
    check(`${kind} penalty`, penalty(p.W.data).dW.data, numerical);
  });

  it("elastic net through linearLoss (softmax + l2 + l1)", () => {
    const loss = (W: Matrix) => be.linearLoss("softmax", p.X, W, p.b, p.targets.softmax, { l2: 0.2, l1: 0.05 });
    const numerical = numericalGradient((w) => loss(matrix(D, C, w as Float32Array)).loss, p.W.data, regime.h);
    check("elastic net", loss(p.W).dW.data, numerical);
  });
});

describe("numericalGradient and relError themselves", () => {
  // f(w) = Σ w_i³ + w_0·w_1, so ∂f/∂w_i = 3w_i² (+ w_1 at i = 0, + w_0 at i = 1).
  const f = (w: ArrayLike<number>) => Array.from(w).reduce((acc, x) => acc + x ** 3, 0) + w[0]! * w[1]!;
  const grad = (w: ArrayLike<number>) => Array.from(w, (x, i) => 3 * x * x + (i === 0 ? w[1]! : i === 1 ? w[0]! : 0));

  it("recovers a known gradient to O(h²) and restores w", () => {
    const w = Float64Array.of(0.5, -1.25, 2, -0.75);
    const before = w.slice();
    const numerical = numericalGradient(f, w, 1e-5);
    expect(w).toEqual(before);
    expect(relError(grad(w), numerical)).toBeLessThan(1e-9);
    // The O(h²) truncation term is h² for a cubic: visible with a coarse step.
    expect(numericalGradient(f, w, 0.1)[2]).toBeCloseTo(3 * 2 * 2 + 0.01, 10);
  });

  it("divides by the step actually taken on a Float32Array", () => {
    // 1/3 is not a float32, so w ± h round asymmetrically; a slope-5 line is still recovered to float64 precision.
    const w = Float32Array.of(1000.1, -3.3);
    const numerical = numericalGradient((v) => 5 * v[0]! - 2 * v[1]!, w, 1 / 3);
    expect(numerical[0]).toBeCloseTo(5, 12);
    expect(numerical[1]).toBeCloseTo(-2, 12);
  });

  it("restores w when f throws", () => {
    const w = Float32Array.of(1, 2, 3);
    expect(() => numericalGradient((v) => {
      if (v[1] !== 2) throw new Error("f failed");
      return 0;
    }, w, 0.5)).toThrow("f failed");
    expect(Array.from(w)).toEqual([1, 2, 3]);
  });

  it("rejects a step below the resolution of a float32 weight", () => {
    expect(() => numericalGradient((v) => v[0]!, Float32Array.of(1000), 1e-6)).toThrow(RangeError);
    expect(() => numericalGradient((v) => v[0]!, Float32Array.of(1000), 1e-6)).toThrow(/h .*w\[0\]/);
  });

  it("relError is cs231n's |a − b| / max(1e-8, |a| + |b|), the worst element for arrays", () => {
    expect(relError(2, 1)).toBeCloseTo(1 / 3, 15);
    expect(relError(0, 0)).toBe(0);
    expect(relError(1e-9, 0)).toBeCloseTo(0.1, 12);
    expect(relError([1, 2, 3], [1, 2, 3.3])).toBeCloseTo(0.3 / 6.3, 15);
    expect(() => relError([1, 2], [1])).toThrow(RangeError);
    expect(() => relError(1, [1])).toThrow(TypeError);
  });
});

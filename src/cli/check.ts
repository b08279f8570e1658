/**
 * `simdlinear check`: the checks of SPEC.md "Checks that a user runs", on this engine.
 * - sanity: the loss at initialisation (W tiny) against sanityCheck's value;
 * - gradient: the wasm backend's analytic dW, db (with l2 and l1 penalties) against the centered difference of the
 *   float64 reference loss, cs231n's relError;
 * - agreement: every supported wasm build against the reference, for every loss (loss, dW, db) and every update
 *   rule (w and the rule's state after a few steps), with the foundation's tolerances.
 */
import {
  init, LOSSES, numericalGradient, relError, sanityCheck, supportedSimd, UPDATE_RULES,
  type Backend, type LossKind, type Matrix, type OptimizerState,
} from "../index.js";
import { Rng } from "../data/rng.js";
import { STATE_FIELDS } from "../backend/optimizer.js";

export interface CheckRow {
  check: "sanity" | "gradient" | "agreement";
  name: string;
  error: number;
  tolerance: number;
}

/** Relative error of the initial loss; the scores are ~1e-2, which moves the loss by ~1e-4 relative. */
const SANITY_TOL = 1e-2;
/**
 * Gradient check: X, W and b lie on binary grids (multiples of 1/4 and of GRAD_STEP = 2⁻¹⁰, see `problem`), so
 * the scores of W ± h are exact in float32 and the reference loss differences them with float64 noise only;
 * piecewise linear and quadratic losses then have exact centered differences, the others an O(h²) error near
 * 1e-7. What remains is the float32 rounding of the analytic side: ~1e-7 relative, up to ~5e-6 on elements
 * that are small differences of large terms. A wrong factor or sign, even in the small penalty terms, gives 1e-2
 * and more. (On arbitrary float32 data the difference quotient carries ~1e-5 of noise, and cs231n's
 * element-wise relError of an exactly-zero gradient would then be 1.)
 */
const GRAD_STEP = 2 ** -10;
const GRAD_TOL = 1e-4;
/** The foundation's agreement tolerances: losses |a − r| / |r|, arrays ‖a − r‖∞ / ‖r‖∞. */
const LOSS_TOL = 1e-5;
const ARRAY_TOL = 1e-4;
/** Margins, 1 − t·s, residuals and weights kept this far from their kinks: 10 times any perturbation of a score. */
const KINK_GAP = 5e-2;

const PENALTIES = { l2: 1e-2, l1: 1e-3 };

interface Problem {
  X: Matrix;
  W: Matrix;
  b: Float32Array;
  targets: Record<LossKind, Int32Array | Matrix>;
}

export async function runChecks(): Promise<CheckRow[]> {
  const reference = await init({ backend: "reference" });
  const rows: CheckRow[] = [];
  try {
    const wasm = await init({ backend: "wasm" });
    try {
      rows.push(...sanityChecks(wasm), ...gradientChecks(wasm, reference));
    } finally {
      wasm.dispose();
    }
    for (const simd of supportedSimd()) {
      const build = await init({ backend: "wasm", simd });
      try {
        rows.push(...agreementChecks(build, reference, simd));
      } finally {
        build.dispose();
      }
    }
  } finally {
    reference.dispose();
  }
  return rows;
}

/** The losses of target-free initial value (all but the regressions). */
function sanityChecks(wasm: Backend): CheckRow[] {
  const C = 10, p = problem(wasm, new Rng(1), 200, 50, C, 1e-3);
  return LOSSES.filter((kind) => kind !== "l2" && kind !== "l1").map((kind) => {
    const expected = sanityCheck(kind, C);
    const { loss } = wasm.linearLoss(kind, p.X, p.W, p.b, p.targets[kind]);
    return { check: "sanity", name: `${kind}: initial loss vs ${expected.toFixed(4)}`, error: Math.abs(loss - expected) / expected, tolerance: SANITY_TOL };
  });
}

function gradientChecks(wasm: Backend, reference: Backend): CheckRow[] {
  const p = problem(reference, new Rng(2), 8, 6, 5, 1, true);
  return LOSSES.flatMap((kind): CheckRow[] => {
    const { dW, db } = wasm.linearLoss(kind, p.X, p.W, p.b, p.targets[kind], PENALTIES);
    const loss = (W: Matrix, b: Float32Array): number => reference.linearLoss(kind, p.X, W, b, p.targets[kind], PENALTIES).loss;
    const W = { ...p.W, data: p.W.data.slice() }, b = p.b.slice();
    const numW = numericalGradient((w) => loss({ ...W, data: w as Float32Array }, b), W.data, GRAD_STEP);
    const numB = numericalGradient((bb) => loss(W, bb as Float32Array), b, GRAD_STEP);
    return [
      { check: "gradient", name: `${kind}: dW (l2 + l1)`, error: relError(dW.data, numW), tolerance: GRAD_TOL },
      { check: "gradient", name: `${kind}: db`, error: relError(db, numB), tolerance: GRAD_TOL },
    ];
  });
}

function agreementChecks(wasm: Backend, reference: Backend, simd: string): CheckRow[] {
  const p = problem(reference, new Rng(3), 67, 101, 10, 1);
  const rows: CheckRow[] = [];
  const add = (name: string, error: number, tolerance: number): void => {
    rows.push({ check: "agreement", name: `${simd} ${name}`, error, tolerance });
  };
  for (const kind of LOSSES) {
    const [got, want] = [wasm, reference].map((be) => be.linearLoss(kind, p.X, p.W, p.b, p.targets[kind], PENALTIES)) as [
      ReturnType<Backend["linearLoss"]>, ReturnType<Backend["linearLoss"]>];
    add(`${kind}: loss`, Math.abs(got.loss - want.loss) / Math.abs(want.loss), LOSS_TOL);
    add(`${kind}: dW`, normError(got.dW.data, want.dW.data), ARRAY_TOL);
    add(`${kind}: db`, normError(got.db, want.db), ARRAY_TOL);
  }
  const rng = new Rng(4), n = 1003, steps = 5;
  const w0 = Float32Array.from({ length: n }, () => rng.normal());
  const grads = Array.from({ length: steps }, () => Float32Array.from({ length: n }, () => rng.normal()));
  for (const rule of UPDATE_RULES) {
    const [got, want] = [wasm, reference].map((be) => {
      const w = w0.slice(), state: OptimizerState = {};
      for (const g of grads) be.optimizerStep(rule, w, g, state);
      return { w, state };
    }) as [{ w: Float32Array; state: OptimizerState }, { w: Float32Array; state: OptimizerState }];
    add(`${rule}: w after ${steps} steps`, normError(got.w, want.w), ARRAY_TOL);
    for (const field of STATE_FIELDS[rule]) {
      if (want.state[field]) add(`${rule}: ${field}`, normError(got.state[field]!, want.state[field]!), ARRAY_TOL);
    }
  }
  return rows;
}

/**
 * X ~ N(0, 1), W ~ N(0, scale²/D) so scores are ~ N(0, scale²), b small; targets for every loss drawn so that no
 * margin, 1 − t·s or residual lies within KINK_GAP of its kink (nor any weight of 0, the kink of l1), where the
 * subgradient jumps and a difference quotient is meaningless. `onGrid` rounds X to multiples of 1/4 (|x| < 8)
 * and W, b to multiples of GRAD_STEP: every score, even of W ± GRAD_STEP, is then exact in float32 (under 24 bits
 * for D ≤ 8).
 */
function problem(backend: Backend, rng: Rng, N: number, D: number, C: number, scale: number, onGrid = false): Problem {
  const round = (x: number, step: number): number => (onGrid ? Math.round(x / step) * step : x);
  const gaussian = (rows: number, cols: number, s: number, step: number): Matrix =>
    ({ rows, cols, data: Float32Array.from({ length: rows * cols }, () => round(s * rng.normal(), step)) });
  const X = gaussian(N, D, 1, 1 / 4);
  if (onGrid) X.data.forEach((x, e) => { X.data[e] = Math.max(-7.75, Math.min(7.75, x)); });
  const W = gaussian(D, C, scale / Math.sqrt(D), GRAD_STEP);
  const minWeight = round(2 * KINK_GAP * scale / Math.sqrt(D), GRAD_STEP);
  W.data.forEach((w, e) => { if (Math.abs(w) < minWeight / 2) W.data[e] = w < 0 ? -minWeight : minWeight; });
  const b = gaussian(1, C, 0.1 * scale, GRAD_STEP).data;
  const S = backend.scores(X, W, b).data;
  const pick = (): number => (rng.uniform() < 0.5 ? -1 : 1);

  const y = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const row = S.subarray(i * C, (i + 1) * C);
    const clear = (label: number): boolean => row.every((s, j) => j === label || Math.abs(s - row[label]! + 1) >= KINK_GAP * scale);
    let tries = 0;
    do y[i] = rng.int(C); while (!clear(y[i]!) && ++tries < 100);
  }
  const signs = S.map((s) => { const t = pick(); return Math.abs(1 - t * s) < KINK_GAP ? -t : t; });
  const reals = S.map((s) => { const t = scale * rng.normal(); return Math.abs(s - t) < KINK_GAP * scale ? s - 2 * KINK_GAP * scale : t; });
  const targetMatrix = (data: Float32Array): Matrix => ({ rows: N, cols: C, data });
  return {
    X, W, b,
    targets: {
      hinge: y, "squared-hinge": y, softmax: y,
      logistic: targetMatrix(S.map(() => (pick() + 1) / 2)),
      "attribute-hinge": targetMatrix(signs),
      l2: targetMatrix(reals), l1: targetMatrix(reals),
    },
  };
}

/** ‖a − r‖∞ / ‖r‖∞ (‖a − r‖∞ when r is zero). */
function normError(a: ArrayLike<number>, r: ArrayLike<number>): number {
  let diff = 0, norm = 0;
  for (let i = 0; i < r.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - r[i]!));
    norm = Math.max(norm, Math.abs(r[i]!));
  }
  return norm === 0 ? diff : diff / norm;
}

/** The table printed by the command, one line per check. */
export function formatChecks(rows: CheckRow[]): string {
  const width = Math.max(...rows.map((r) => r.name.length));
  const lines = rows.map((r) => {
    const ok = r.error <= r.tolerance;
    return `${r.check.padEnd(9)}  ${r.name.padEnd(width)}  ${r.error.toExponential(2).padStart(9)}  ≤ ${r.tolerance.toExponential(0).padEnd(5)}  ${ok ? "ok" : "FAIL"}`;
  });
  return [`${"check".padEnd(9)}  ${"case".padEnd(width)}  ${"error".padStart(9)}  tolerance  status`, ...lines].join("\n");
}

// Shared by the property tests: the seeded run settings, the data generators, and the float32 rounding bounds
// that the comparisons add to the foundation's relative tolerances where a relative measure stops meaning anything.
import fc from "fast-check";
import type { Matrix } from "../src/index.js";
import { Rng } from "../src/data/rng.js";

/**
 * One seed for every property of a run: SIMDLINEAR_PROPERTY_SEED, else a fixed default, so CI is reproducible.
 * SIMDLINEAR_PROPERTY_RUNS scales every property's numRuns (e.g. 10 for a long local hunt).
 */
export const PROPERTY_SEED = Number(process.env.SIMDLINEAR_PROPERTY_SEED ?? 20250601);
const RUNS_SCALE = Number(process.env.SIMDLINEAR_PROPERTY_RUNS ?? 1);
if (!Number.isInteger(PROPERTY_SEED)) throw new RangeError(`SIMDLINEAR_PROPERTY_SEED must be an integer, got ${process.env.SIMDLINEAR_PROPERTY_SEED}`);
if (!(RUNS_SCALE > 0)) throw new RangeError(`SIMDLINEAR_PROPERTY_RUNS must be > 0, got ${process.env.SIMDLINEAR_PROPERTY_RUNS}`);

/**
 * fc.assert with the run's seed; a failure is rethrown with the seed, the shrunk counterexample and the command
 * that replays it (fast-check's report, which names the seed and path, is kept in full below that line).
 */
export function checkProperty<T>(name: string, property: fc.IProperty<T>, numRuns: number): void {
  const details = fc.check(property, { seed: PROPERTY_SEED, numRuns: Math.max(1, Math.round(numRuns * RUNS_SCALE)) });
  if (!details.failed) return;
  throw new Error(failureReport(name, details));
}

export function failureReport<T>(name: string, details: fc.RunDetails<T>): string {
  const example = details.counterexample === null ? "(none: the property threw while generating)"
    : fc.stringify(details.counterexample);
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  return [
    `property "${name}" failed after ${details.numRuns} run(s), seed ${details.seed}, path "${details.counterexamplePath}"`,
    `counterexample: ${example}`,
    `cause: ${cause}`,
    `replay: SIMDLINEAR_PROPERTY_SEED=${details.seed} npx vitest run test/property.test.ts`,
  ].join("\n");
}

/** How the values of a case are drawn; every mode keeps magnitudes within 1e-3..1e3 (or exactly 0). */
export type Mode = "scaled" | "spread" | "ties" | "grid";
/**
 * - scaled: scale·N(0, 1) with scale = 10^e, e ∈ [−3, 3];
 * - spread: ±10^U(−3, 3) element by element (six decades in one matrix);
 * - ties: scale·{−1, 0, +1}, so rows hold exactly equal values;
 * - grid: k/4 for k ∈ −8..8: every product and sum of a case is exact in float32, so margins land exactly on
 *   their kinks and scores tie exactly.
 */
export const MODES: readonly Mode[] = ["scaled", "spread", "ties", "grid"];

/** The sizes (1, 2, 3, 5, 17) half of the time, else any size up to 24 (SIMD tails and tiles). */
export const size = (): fc.Arbitrary<number> => fc.oneof(fc.constantFrom(1, 2, 3, 5, 17), fc.integer({ min: 1, max: 24 }));

export interface DataSpec {
  mode: Mode;
  /** Decimal exponent of the scale (scaled, ties). */
  exponent: number;
  /** Seeds the Rng that fills the arrays: the counterexample stays small and replays exactly. */
  seed: number;
}

export const dataSpec = (): fc.Arbitrary<DataSpec> => fc.record({
  mode: fc.constantFrom(...MODES),
  exponent: fc.double({ min: -3, max: 3, noNaN: true }),
  seed: fc.nat(),
});

/** Fills arrays as a DataSpec says, one Rng per case. */
export class Filler {
  readonly rng: Rng;
  private readonly scale: number;

  constructor(readonly spec: DataSpec) {
    this.rng = new Rng(spec.seed);
    this.scale = 10 ** spec.exponent;
  }

  value(): number {
    const rng = this.rng;
    switch (this.spec.mode) {
      case "scaled": return this.scale * rng.normal();
      case "spread": return (rng.uniform() < 0.5 ? -1 : 1) * 10 ** (6 * rng.uniform() - 3);
      case "ties": return this.scale * (rng.int(3) - 1);
      case "grid": return (rng.int(17) - 8) / 4;
    }
  }

  array(length: number): Float32Array {
    return Float32Array.from({ length }, () => this.value());
  }

  matrix(rows: number, cols: number): Matrix {
    return { rows, cols, data: this.array(rows * cols) };
  }

  labels(n: number, classes: number): Int32Array {
    return Int32Array.from({ length: n }, () => this.rng.int(classes));
  }
}

/** Unit roundoff of float32. */
export const U32 = 2 ** -24;

/** Higham's γ_n = n·u / (1 − n·u): the relative bound of an n-term float32 dot product, in any order, FMA or not. */
export const gamma = (n: number): number => (n * U32) / (1 - n * U32);

/** ‖v‖∞. */
export function maxAbs(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  return m;
}

/**
 * The first index where |a − r| > rel·‖r‖∞ + bound[i], or −1: the foundation's ‖a − r‖∞/‖r‖∞ ≤ rel, with an
 * element-wise allowance for float32 rounding that no float32 implementation can avoid (0 where none applies).
 */
export function firstViolation(a: ArrayLike<number>, r: ArrayLike<number>, rel: number, bound?: ArrayLike<number>): number {
  if (a.length !== r.length) throw new RangeError(`lengths ${a.length} and ${r.length} differ`);
  const scale = maxAbs(r);
  for (let i = 0; i < r.length; i++) {
    const diff = Math.abs(a[i]! - r[i]!);
    if (!(diff <= rel * scale + (bound ? bound[i]! : 0))) return i;
  }
  return -1;
}

/** A readable failure for a violation found by firstViolation. */
export function violation(name: string, at: number, a: ArrayLike<number>, r: ArrayLike<number>, bound?: ArrayLike<number>): string {
  return `${name}[${at}]: wasm ${a[at]} vs reference ${r[at]} (|diff| ${Math.abs(a[at]! - r[at]!)}, ‖r‖∞ ${maxAbs(r)}, `
    + `rounding allowance ${bound ? bound[at] : 0})`;
}

/** |A|·|B| + |b| (row-major, A m×k, B k×n) in float64: the scale of a GEMM's rounding error. */
export function absProduct(A: Matrix, B: Matrix, b?: Float32Array | null): Float64Array {
  const out = new Float64Array(A.rows * B.cols);
  for (let i = 0; i < A.rows; i++) {
    for (let j = 0; j < B.cols; j++) {
      let s = b ? Math.abs(b[j]!) : 0;
      for (let k = 0; k < A.cols; k++) s += Math.abs(A.data[i * A.cols + k]! * B.data[k * B.cols + j]!);
      out[i * B.cols + j] = s;
    }
  }
  return out;
}

/** The transpose, for Xᵀ·dS. */
export function transpose(M: Matrix): Matrix {
  const data = new Float32Array(M.data.length);
  for (let i = 0; i < M.rows; i++) for (let j = 0; j < M.cols; j++) data[j * M.rows + i] = M.data[i * M.cols + j]!;
  return { rows: M.cols, cols: M.rows, data };
}

/**
 * The multiclass hinge kernels compute each margin s_j − s_y + Δ in float32 (two roundings, each ≤ u of its
 * result), the reference in float64. Per margin that is at most 2u·(|s_j| + |s_y| + Δ). Returns, per element of
 * dS, what that rounding can move dS (squared hinge: 2·δm per margin; the label entry sums them; plain hinge: 0,
 * its slopes are constants), and the bound it puts on Σ w_i·L_i. A margin within δm of 0 but not on it is on no
 * definite side of the kink in float32: `nearKink` reports it so the generator can discard the case.
 */
export function marginRounding(S: Matrix, y: Int32Array, delta: number, cw: Float32Array | null, squared: boolean):
  { dS: Float64Array; loss: number; nearKink: boolean } {
  const { rows: n, cols: c } = S, dS = new Float64Array(n * c);
  let loss = 0, nearKink = false;
  for (let i = 0; i < n; i++) {
    const label = y[i]!, w = cw ? cw[label]! : 1, sy = S.data[i * c + label]!;
    for (let j = 0; j < c; j++) {
      if (j === label) continue;
      const sj = S.data[i * c + j]!, margin = sj - sy + delta;
      const dm = 2 * U32 * (Math.abs(sj) + Math.abs(sy) + delta);
      if (margin !== 0 && Math.abs(margin) <= dm) nearKink = true;
      if (margin + dm <= 0) continue;
      const slopeBound = squared ? 2 * (Math.abs(margin) + dm) : 1;
      loss += w * slopeBound * dm;
      if (squared) {
        dS[i * c + j] = w * 2 * dm;
        dS[i * c + label] = dS[i * c + label]! + w * 2 * dm;
      }
    }
  }
  return { dS, loss, nearKink };
}

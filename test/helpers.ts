// Data and error measures shared by the tests.
import { matrix, type Matrix } from "../src/index.js";
import type { Rng } from "../src/data/rng.js";

/** Every wasm build; the vitest workers run with --experimental-wasm-relaxed-simd, so all three load. */
export const BUILDS = ["relaxed", "simd", "none"] as const;

/** A rows×cols matrix of scale·N(0, 1) values. */
export function gaussian(rng: Rng, rows: number, cols: number, scale = 1): Matrix {
  return matrix(rows, cols, Float32Array.from({ length: rows * cols }, () => scale * rng.normal()));
}

/** n labels uniform in 0..classes−1. */
export function randomLabels(rng: Rng, n: number, classes: number): Int32Array {
  return Int32Array.from({ length: n }, () => rng.int(classes));
}

/** ‖a − r‖∞ / ‖r‖∞ (the measure for arrays); the plain ‖a − r‖∞ when r is all zeros. */
export function normError(a: ArrayLike<number>, r: ArrayLike<number>): number {
  if (a.length !== r.length) throw new RangeError(`normError: lengths ${a.length} and ${r.length} differ`);
  let diff = 0, scale = 0;
  for (let i = 0; i < r.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - r[i]!));
    scale = Math.max(scale, Math.abs(r[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** |a − r| / |r| (the measure for losses); |a − r| when r = 0. */
export function lossError(a: number, r: number): number {
  return r === 0 ? Math.abs(a) : Math.abs(a - r) / Math.abs(r);
}

/** Deep copy of a matrix, to check later that a call left its input alone. */
export const copyMatrix = (m: Matrix): Matrix => ({ rows: m.rows, cols: m.cols, data: m.data.slice() });

/**
 * The worst error seen per check, returned unchanged so it can sit inside an expect(). Printed after the file's
 * tests when SIMDLINEAR_REPORT_ERRORS is set: the figures quoted in the issue reports.
 */
export class WorstErrors {
  private readonly worst = new Map<string, number>();

  record(key: string, error: number): number {
    this.worst.set(key, Math.max(this.worst.get(key) ?? 0, error));
    return error;
  }

  report(): void {
    if (!process.env.SIMDLINEAR_REPORT_ERRORS) return;
    console.table(Object.fromEntries([...this.worst].map(([key, e]) => [key, e.toExponential(2)])));
  }
}

/*
 * Targets kept `gap` away from the kinks of the piecewise losses on given scores: a score error (float32
 * rounding) or a gradient-check step that crossed a kink would compare two different one-sided slopes.
 */

/** Labels whose hinge margins s_j − s_y + 1 (j ≠ y) stay `gap` away from 0 on every score matrix given. */
export function labelsClearOfKinks(rng: Rng, scores: Matrix[], gap: number): Int32Array {
  const { rows, cols } = scores[0]!;
  const y = randomLabels(rng, rows, cols);
  const clear = (i: number): boolean => scores.every((S) => {
    const sy = S.data[i * cols + y[i]!]!;
    for (let j = 0; j < cols; j++) if (j !== y[i] && Math.abs(S.data[i * cols + j]! - sy + 1) < gap) return false;
    return true;
  });
  for (let i = 0; i < rows; i++) {
    for (let tries = 0; !clear(i); tries++) {
      if (tries === 100) throw new Error(`no label of row ${i} keeps its hinge margins off the kink`);
      y[i] = rng.int(cols);
    }
  }
  return y;
}

/** Attribute targets t = ±1, flipped where 1 − t·s is within `gap` of 0 (the flipped margin is then ≈ 2). */
export function signsClearOfKinks(rng: Rng, S: Matrix, gap: number): Matrix {
  const data = S.data.map((s) => {
    const t = rng.uniform() < 0.5 ? -1 : 1;
    return Math.abs(1 - t * s) < gap ? -t : t;
  });
  return { rows: S.rows, cols: S.cols, data };
}

/** N(0, 1) regression targets, moved to s − 2·gap where the l1 residual s − t would be within `gap` of 0. */
export function realsClearOfKinks(rng: Rng, S: Matrix, gap: number): Matrix {
  const data = S.data.map((s) => {
    const t = rng.normal();
    return Math.abs(s - t) < gap ? s - 2 * gap : t;
  });
  return { rows: S.rows, cols: S.cols, data };
}

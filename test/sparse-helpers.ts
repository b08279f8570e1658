// Data for the sparse tests and benches.
import { matrix, type Matrix } from "../src/index.js";
import type { Rng } from "../src/data/rng.js";

/** A rows×cols matrix whose entries are N(0, 1) with probability `density` and 0 otherwise. */
export function sparseGaussian(rng: Rng, rows: number, cols: number, density: number): Matrix {
  return matrix(rows, cols, Float32Array.from({ length: rows * cols }, () => (rng.uniform() < density ? rng.normal() : 0)));
}

/** A synthetic many-class task shared by the hierarchical-softmax tests and bench/ (no vitest import). */
import type { Matrix } from "../src/index.js";
import type { Rng } from "../src/data/rng.js";

/**
 * Gaussian clusters with Zipf class frequencies (class j drawn ∝ 1/(j + 1), so a Huffman tree is lopsided):
 * row = centre of its class + N(0, 1). The centres come from `centreRng` and the rows from `rng`, which may be
 * the same generator; separate ones let two seeds draw train and test sets around the same centres.
 */
export function zipfClusters(centreRng: Rng, rng: Rng, n: number, d: number, c: number,
                             spread: number): { X: Matrix; y: Int32Array } {
  const centres = Float32Array.from({ length: c * d }, () => spread * centreRng.normal());
  const cdf = new Float64Array(c);
  let total = 0;
  for (let j = 0; j < c; j++) cdf[j] = total += 1 / (j + 1);
  const y = Int32Array.from({ length: n }, () => {
    const u = rng.uniform() * total;
    let j = 0;
    while (cdf[j]! < u) j++;
    return j;
  });
  const X = Float32Array.from({ length: n * d }, (_, e) => centres[y[Math.floor(e / d)]! * d + (e % d)]! + rng.normal());
  return { X: { rows: n, cols: d, data: X }, y };
}

/**
 * Weight initialisers of SPEC.md (seed 003) for W (d×c); biases always start at 0. All draw from the seeded Rng.
 * - `gaussian`: N(0, 0.01²), as AlexNet.
 * - `he`: N(0, 2/d), as ResNet.
 * - `xavier`: N(0, 1/d).
 * - `uniform`: U(−a, a) with a = √(6/(d + c)) (Glorot's uniform range).
 * - `orthogonal` (Saxe 2014): a Gaussian matrix made orthonormal by Gram–Schmidt: orthonormal columns when
 *   c ≤ d, orthonormal rows otherwise.
 * - `zeros`.
 * - `lsuv` (Mishkin 2016): orthogonal, then scaled so that the scores X_b·W of one mini-batch have variance 1.
 *   For a linear layer one scaling reaches that exactly (variance scales with the square), so there is no loop.
 * - `random-walk` (Sussillo and Abbott 2014, "Random walk initialization for training very deep feedforward
 *   networks"): N(0, g²/d) with g = exp(1/(2d)), their gain for linear units, which makes the log of the signal's
 *   norm do an unbiased random walk from layer to layer (zero drift).
 * - `sparse` (Martens 2010, "Deep learning via Hessian-free optimization", as used by Sutskever et al. 2013): each
 *   class column gets k = min(15, d) nonzero weights at k distinct rows drawn uniformly, each N(0, 1); the rest
 *   are 0. Martens takes unit-variance nonzeros and SPEC.md follows; the rows are a uniform k-subset (a partial
 *   Fisher–Yates shuffle), which the paper does not specify further.
 */
import type { Matrix } from "../types.js";
import { Rng } from "../data/rng.js";
import * as v from "../validate.js";

export type Initializer = "gaussian" | "he" | "xavier" | "uniform" | "orthogonal" | "zeros" | "lsuv" | "random-walk"
  | "sparse";
export const INITIALIZERS: readonly Initializer[] = ["gaussian", "he", "xavier", "uniform", "orthogonal", "zeros", "lsuv",
  "random-walk", "sparse"];

/** Nonzero incoming weights per class column of the `sparse` initialiser (Martens 2010), at most d. */
export const SPARSE_NONZEROS = 15;

/** W for d features and c classes. `batch` (rows of the training data) is needed by lsuv only. */
export function initialWeights(kind: Initializer, d: number, c: number, rng: Rng, batch?: Matrix): Matrix {
  v.oneOf("kind", kind, INITIALIZERS);
  v.dimension("d", d);
  v.dimension("c", c);
  if (d * c > 2 ** 30) throw new RangeError(`d·c = ${d}·${c} weights do not fit the 4 GiB a wasm32 memory can address`);
  if (!(rng instanceof Rng)) throw new TypeError(`rng must be an Rng, got ${v.describe(rng)}`);
  if (kind === "lsuv") {
    if (batch === undefined) throw new TypeError("batch: 'lsuv' needs a batch of training rows (a Matrix with d columns)");
    v.matrixArg("batch", batch);
    if (batch.cols !== d) throw new RangeError(`batch has ${batch.cols} columns but d is ${d}`);
  }
  const W = { rows: d, cols: c, data: new Float32Array(d * c) };
  const gaussian = (std: number): Matrix => {
    for (let e = 0; e < W.data.length; e++) W.data[e] = std * rng.normal();
    return W;
  };
  switch (kind) {
    case "gaussian": return gaussian(0.01);
    case "he": return gaussian(Math.sqrt(2 / d));
    case "xavier": return gaussian(Math.sqrt(1 / d));
    case "uniform": {
      const a = Math.sqrt(6 / (d + c));
      for (let e = 0; e < W.data.length; e++) W.data[e] = a * (2 * rng.uniform() - 1);
      return W;
    }
    case "zeros": return W;
    case "orthogonal": return orthogonal(d, c, rng);
    case "lsuv": return unitVariance(orthogonal(d, c, rng), batch!);
    case "random-walk": return gaussian(Math.exp(1 / (2 * d)) / Math.sqrt(d));
    case "sparse": return sparse(W, rng);
  }
}

/** k = min(15, d) N(0, 1) weights per column of the zeroed W, at distinct uniformly drawn rows. */
function sparse(W: Matrix, rng: Rng): Matrix {
  const { rows: d, cols: c } = W, k = Math.min(SPARSE_NONZEROS, d);
  // A partial Fisher–Yates shuffle draws each column's rows; the array stays a permutation, so it is reused.
  const rows = Uint32Array.from({ length: d }, (_, i) => i);
  for (let j = 0; j < c; j++) {
    for (let i = 0; i < k; i++) {
      const pick = i + rng.int(d - i), row = rows[pick]!;
      rows[pick] = rows[i]!;
      rows[i] = row;
      W.data[row * c + j] = rng.normal();
    }
  }
  return W;
}

/** Orthonormal columns (c ≤ d) or rows (c > d) from a Gaussian matrix, by modified Gram–Schmidt in float64. */
function orthogonal(d: number, c: number, rng: Rng): Matrix {
  // Orthonormalise the `count` vectors of length `len` held in a (vectors × len) float64 array.
  const tall = c <= d, count = tall ? c : d, len = tall ? d : c;
  const V = Float64Array.from({ length: count * len }, () => rng.normal());
  for (let i = 0; i < count; i++) {
    const vi = V.subarray(i * len, (i + 1) * len);
    for (let pass = 0; pass < 2; pass++) { // twice is enough (Giraud et al.), once can lose orthogonality
      for (let j = 0; j < i; j++) {
        const vj = V.subarray(j * len, (j + 1) * len);
        let dot = 0;
        for (let k = 0; k < len; k++) dot += vi[k]! * vj[k]!;
        for (let k = 0; k < len; k++) vi[k] = vi[k]! - dot * vj[k]!;
      }
    }
    let norm = 0;
    for (let k = 0; k < len; k++) norm += vi[k]! ** 2;
    norm = Math.sqrt(norm);
    for (let k = 0; k < len; k++) vi[k] = vi[k]! / norm;
  }
  // Vector i is column i of W (tall) or row i of W (wide).
  const W = new Float32Array(d * c);
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < len; k++) W[tall ? k * c + i : i * c + k] = V[i * len + k]!;
  }
  return { rows: d, cols: c, data: W };
}

/** W scaled so that the scores batch·W (no bias) have variance 1 over all their entries. */
function unitVariance(W: Matrix, batch: Matrix): Matrix {
  const { rows: n, cols: d } = batch, c = W.cols;
  let sum = 0, sumSq = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += batch.data[i * d + k]! * W.data[k * c + j]!;
      sum += s;
      sumSq += s * s;
    }
  }
  const count = n * c, variance = sumSq / count - (sum / count) ** 2;
  if (!(variance > 0)) return W; // constant scores (e.g. an all-zero batch): no scale makes the variance 1
  const scale = 1 / Math.sqrt(variance);
  return { rows: W.rows, cols: c, data: W.data.map((w) => w * scale) };
}

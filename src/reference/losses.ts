// Reference twins of the loss kernels (hinge.ts, softmax.ts, logistic.ts, regression.ts), one function per
// formula of SPEC.md. Each returns Σ_i w_i·L_i (the kernels' contract; the backend takes the mean) and
// dS = w_i·∂L_i/∂S, computed in float64 and rounded to float32 once. w_i is the class weight of row i's label (cw)
// times the row's sample weight (sw), either null for ones.
import type { Matrix } from "../types.js";

export interface LossSum {
  sum: number;
  dS: Matrix;
}

const weightOf = (cw: Float32Array | null, label: number, sw: Float32Array | null, i: number): number =>
  (cw ? cw[label]! : 1) * (sw ? sw[i]! : 1);

/** Multiclass SVM: L_i = Σ_{j≠y} max(0, s_j − s_y + Δ); a margin of exactly 0 takes the subgradient 0. */
export function hinge(S: Matrix, y: Int32Array, delta: number, cw: Float32Array | null, sw: Float32Array | null = null): LossSum {
  return marginLoss(S, y, delta, cw, sw, (margin) => margin, () => 1);
}

/** Squared hinge: L_i = Σ_{j≠y} max(0, s_j − s_y + Δ)², gradient 2·margin. */
export function squaredHinge(S: Matrix, y: Int32Array, delta: number, cw: Float32Array | null,
                             sw: Float32Array | null = null): LossSum {
  return marginLoss(S, y, delta, cw, sw, (margin) => margin * margin, (margin) => 2 * margin);
}

function marginLoss(S: Matrix, y: Int32Array, delta: number, cw: Float32Array | null, sw: Float32Array | null,
                    loss: (margin: number) => number, slope: (margin: number) => number): LossSum {
  const { rows: n, cols: c } = S;
  const dS = new Float32Array(n * c);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const label = y[i]!;
    const w = weightOf(cw, label, sw, i);
    const sy = S.data[i * c + label]!;
    let pull = 0;
    for (let j = 0; j < c; j++) {
      if (j === label) continue;
      const margin = S.data[i * c + j]! - sy + delta;
      if (margin <= 0) continue;
      sum += w * loss(margin);
      dS[i * c + j] = w * slope(margin);
      pull += slope(margin);
    }
    dS[i * c + label] = -w * pull;
  }
  return { sum, dS: { rows: n, cols: c, data: dS } };
}

/** Softmax cross-entropy after subtracting the row max: L_i = log Σ_j e^{s_j − m} − (s_y − m). */
export function softmax(S: Matrix, y: Int32Array, cw: Float32Array | null, sw: Float32Array | null = null): LossSum {
  const { rows: n, cols: c } = S;
  const P = softmaxProbabilities(S);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const label = y[i]!;
    const w = weightOf(cw, label, sw, i);
    const row = Array.from(S.data.subarray(i * c, (i + 1) * c));
    const m = Math.max(...row);
    const logSumExp = Math.log(row.reduce((acc, s) => acc + Math.exp(s - m), 0));
    sum += w * (logSumExp - (row[label]! - m));
    for (let j = 0; j < c; j++) P[i * c + j] = w * (P[i * c + j]! - (j === label ? 1 : 0));
  }
  return { sum, dS: { rows: n, cols: c, data: Float32Array.from(P) } };
}

/** Row-wise softmax probabilities, max-shifted (float64). */
export function softmaxProbabilities(S: Matrix): Float64Array {
  const { rows: n, cols: c } = S;
  const P = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    const row = S.data.subarray(i * c, (i + 1) * c);
    const m = Math.max(...row);
    let total = 0;
    for (let j = 0; j < c; j++) total += Math.exp(row[j]! - m);
    for (let j = 0; j < c; j++) P[i * c + j] = Math.exp(row[j]! - m) / total;
  }
  return P;
}

/** Numerically stable σ(z). */
export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Logistic with targets t ∈ {0,1}: L = Σ_j max(s, 0) − s·t + log(1 + e^{−|s|}) (softplus form), dS = σ(s) − t. */
export function logistic(S: Matrix, T: Matrix, sw: Float32Array | null = null): LossSum {
  return elementwise(S, T, sw, (s, t) => [Math.max(s, 0) - s * t + Math.log1p(Math.exp(-Math.abs(s))), sigmoid(s) - t]);
}

/** Attribute hinge with targets t ∈ {−1,+1}: L = Σ_j max(0, 1 − t·s), dS = −t where the margin is positive. */
export function attributeHinge(S: Matrix, T: Matrix, sw: Float32Array | null = null): LossSum {
  return elementwise(S, T, sw, (s, t) => (1 - t * s > 0 ? [1 - t * s, -t] : [0, 0]));
}

/** Squared-error regression: L = Σ_j (s − t)², dS = 2(s − t). */
export function l2(S: Matrix, T: Matrix, sw: Float32Array | null = null): LossSum {
  return elementwise(S, T, sw, (s, t) => [(s - t) ** 2, 2 * (s - t)]);
}

/** Absolute-error regression: L = Σ_j |s − t|, dS = sign(s − t), 0 at 0. */
export function l1(S: Matrix, T: Matrix, sw: Float32Array | null = null): LossSum {
  return elementwise(S, T, sw, (s, t) => [Math.abs(s - t), Math.sign(s - t)]);
}

function elementwise(S: Matrix, T: Matrix, sw: Float32Array | null, f: (s: number, t: number) => [number, number]): LossSum {
  const dS = new Float32Array(S.data.length);
  let sum = 0;
  for (let e = 0; e < S.data.length; e++) {
    const [loss, grad] = f(S.data[e]!, T.data[e]!), w = sw ? sw[Math.floor(e / S.cols)]! : 1;
    sum += w * loss;
    dS[e] = w * grad;
  }
  return { sum, dS: { rows: S.rows, cols: S.cols, data: dS } };
}

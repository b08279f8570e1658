// Reference twin of assembly/kernels/hsoftmax.ts in float64. V is the (c−1)×d matrix of node vectors (unpadded),
// b the c−1 node biases; a batch lists the rows of X (and of y) it uses.
import type { Matrix } from "../types.js";
import type { HsmTree } from "../hsoftmax/tree.js";
import { sigmoid } from "./losses.js";

/** s = V[node]·x + b[node] for row r of X. */
function nodeScore(X: Matrix, r: number, V: Matrix, b: Float32Array, node: number): number {
  let s = b[node]!;
  for (let k = 0; k < X.cols; k++) s += X.data[r * X.cols + k]! * V.data[node * V.cols + k]!;
  return s;
}

/** The logistic loss of one branch with target t (1 = right): max(s, 0) − s·t + log(1 + e^{−|s|}). */
const branchLoss = (s: number, t: number): number => Math.max(s, 0) - s * t + Math.log1p(Math.exp(-Math.abs(s)));

export interface HsmLossSum {
  /** Σ_i w_i·L_i. */
  sum: number;
  /** Compact gradient of V: row r belongs to node nodes[r] (count×d). */
  G: Matrix;
  /** Compact gradient of b. */
  gb: Float32Array;
}

/**
 * Σ_i w_i·Σ_path branchLoss, and scale·Σ_i w_i(σ(s) − t)·x_i for every node of `nodes` (the touched ones); w_i is
 * the class weight of the row's label times its sample weight (sw, indexed like y), either null for ones.
 */
export function hsmLoss(X: Matrix, y: Int32Array, cw: Float32Array | null, sw: Float32Array | null, V: Matrix, b: Float32Array, tree: HsmTree,
                        scale: number, nodes: Int32Array, batch: ArrayLike<number>): HsmLossSum {
  const d = X.cols, slot = new Map<number, number>();
  nodes.forEach((node, r) => slot.set(node, r));
  const G = new Float64Array(nodes.length * d), gb = new Float64Array(nodes.length);
  let sum = 0;
  for (let i = 0; i < batch.length; i++) {
    const r = batch[i]!, label = y[r]!, w = (cw ? cw[label]! : 1) * (sw ? sw[r]! : 1);
    for (let e = tree.pathStart[label]!; e < tree.pathStart[label + 1]!; e++) {
      const node = tree.pathNode[e]!, t = tree.pathBit[e]!;
      const s = nodeScore(X, r, V, b, node);
      sum += w * branchLoss(s, t);
      const grad = w * (sigmoid(s) - t), at = slot.get(node)!;
      for (let k = 0; k < d; k++) G[at * d + k] = G[at * d + k]! + grad * X.data[r * d + k]!;
      gb[at] = gb[at]! + grad;
    }
  }
  return { sum, G: { rows: nodes.length, cols: d, data: Float32Array.from(G, (g) => scale * g) },
    gb: Float32Array.from(gb, (g) => scale * g) };
}

/** Every node's score for every batch row (n×(c−1)). */
export function hsmNodeScores(X: Matrix, V: Matrix, b: Float32Array, batch: ArrayLike<number>): Matrix {
  const m = V.rows, S = new Float32Array(batch.length * m);
  for (let i = 0; i < batch.length; i++) {
    for (let node = 0; node < m; node++) S[i * m + node] = nodeScore(X, batch[i]!, V, b, node);
  }
  return { rows: batch.length, cols: m, data: S };
}

/** P(class | x) = Π over the class's path of σ(s) (right) or σ(−s) (left), straight from the definition. */
export function hsmProbabilities(S: Matrix, tree: HsmTree): Float64Array {
  const c = tree.classes, P = new Float64Array(S.rows * c);
  for (let i = 0; i < S.rows; i++) {
    for (let y = 0; y < c; y++) {
      let p = 1;
      for (let e = tree.pathStart[y]!; e < tree.pathStart[y + 1]!; e++) {
        const s = S.data[i * S.cols + tree.pathNode[e]!]!;
        p *= sigmoid(tree.pathBit[e] ? s : -s);
      }
      P[i * c + y] = p;
    }
  }
  return P;
}

/** log σ(z) = −softplus(−z), stable for either sign. */
const logSigmoid = (z: number): number => Math.min(z, 0) - Math.log1p(Math.exp(-Math.abs(z)));

/** log P(class | x) = Σ over the class's path of log σ(±s): finite where the product P underflows. */
export function hsmLogProbabilities(S: Matrix, tree: HsmTree): Float64Array {
  const c = tree.classes, logP = new Float64Array(S.rows * c);
  for (let i = 0; i < S.rows; i++) {
    for (let y = 0; y < c; y++) {
      let sum = 0;
      for (let e = tree.pathStart[y]!; e < tree.pathStart[y + 1]!; e++) {
        const s = S.data[i * S.cols + tree.pathNode[e]!]!;
        sum += logSigmoid(tree.pathBit[e] ? s : -s);
      }
      logP[i * c + y] = sum;
    }
  }
  return logP;
}

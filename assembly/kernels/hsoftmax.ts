// Hierarchical softmax (Morin & Bengio 2005; word2vec, Mikolov et al. 2013): the c classes are the leaves of a
// binary tree with m = c − 1 inner nodes. Node j has a vector V[j, :] and a bias b[j]; its score is
// s_j = V[j]·x + b[j], and the branch to the right child is taken with probability σ(s_j), the left one with
// σ(−s_j). P(class | x) is the product over the class's path, so the probabilities of all leaves sum to 1.
// Per example the loss is the logistic loss of each path node with target t = 1 (right) or 0 (left):
//   L = Σ_path max(s, 0) − s·t + log(1 + e^{−|s|}),  ∂L/∂s = σ(s) − t,
// which costs O(depth·d) instead of the full softmax's O(c·d).
//
// Layout: V is node-major, m rows of stride dp = roundUp(d, 4) floats (pad lanes zero), so every path step is one
// contiguous dot product with the example's row x. Paths are CSR over the classes: class y's nodes are
// pathNode[pathStart[y] .. pathStart[y+1]) from the root down, pathBit[e] = 1 where the path turns right.
// The tree (children: 2 i32 per node, a leaf written as −class − 1) is numbered so that every parent precedes
// its children; the root is node 0.
import { classWeight, madd, rowAt, sampleWeight } from "./common";

// @ts-ignore: decorator
@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** x·v over d floats (f32 accumulation in four lanes, then a scalar tail). */
// @ts-ignore: decorator
@inline function dot(d: i32, x: usize, v: usize): f32 {
  const body = <usize>(d & ~3) << 2, end = <usize>d << 2;
  let total: f32 = 0;
  let o: usize = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f32x4.splat(0);
    for (; o < body; o += 16) acc = madd(v128.load(x + o), v128.load(v + o), acc);
    total = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  }
  for (; o < end; o += 4) total += load<f32>(x + o) * load<f32>(v + o);
  return total;
}

/** out[0..d) += a·x[0..d). */
// @ts-ignore: decorator
@inline function axpy(d: i32, a: f32, x: usize, out: usize): void {
  const body = <usize>(d & ~3) << 2, end = <usize>d << 2;
  let o: usize = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(a);
    for (; o < body; o += 16) v128.store(out + o, madd(va, v128.load(x + o), v128.load(out + o)));
  }
  for (; o < end; o += 4) store<f32>(out + o, load<f32>(out + o) + a * load<f32>(x + o));
}

/**
 * Σ_i w_i·L_i over the batch, and the compact gradient of the touched nodes: for the node in slot r of
 * `touchedRows` (run with y and the path CSR; its marks must still be set), g[r, :] = scale·Σ w_i(σ(s) − t)·x_i
 * (count×dp, pad lanes zero) and gb[r] = scale·Σ w_i(σ(s) − t), w_i the class weight (cw) times the sample weight
 * (sw, by row through idx). Overwrites g and gb.
 */
export function hsmLoss(n: i32, d: i32, dp: i32, x: usize, xStride: usize, idx: usize, y: usize, cw: usize, sw: usize,
                        v: usize, b: usize, pathStart: usize, pathNode: usize, pathBit: usize, mark: usize, scale: f64,
                        count: i32, g: usize, gb: usize): f64 {
  assert(n >= 0 && d >= 1 && dp == ((d + 3) & ~3), "hsmLoss: need n >= 0, d >= 1 and dp = d rounded up to 4");
  assert(xStride >= <usize>d << 2, "hsmLoss: xStride must hold a row of d floats");
  const ldv = <usize>dp << 2;
  memory.fill(g, 0, <usize>count * ldv);
  memory.fill(gb, 0, <usize>count << 2);
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const xi = rowAt(x, xStride, idx, i);
    const label = load<i32>(rowAt(y, 4, idx, i));
    const weight = <f64>(classWeight(cw, label) * sampleWeight(sw, idx, i));
    const end = load<i32>(at(pathStart, label + 1));
    for (let e = load<i32>(at(pathStart, label)); e < end; e++) {
      const node = load<i32>(at(pathNode, e));
      const t = <f64>load<i32>(at(pathBit, e));
      const s = <f64>(dot(d, xi, v + <usize>node * ldv) + load<f32>(at(b, node)));
      const z = Math.exp(-Math.abs(s));
      total += weight * (max(s, 0) - s * t + Math.log1p(z));
      const sigma = s >= 0 ? 1 / (1 + z) : z / (1 + z);
      const slot = load<i32>(at(mark, node)) - 1;
      assert(slot >= 0 && slot < count, "hsmLoss: path node not marked by touchedRows");
      const gs = scale * weight * (sigma - t);
      axpy(d, <f32>gs, xi, g + <usize>slot * ldv);
      store<f32>(at(gb, slot), <f32>(<f64>load<f32>(at(gb, slot)) + gs));
    }
  }
  return total;
}

/** S[i, j] = V[j]·x_i + b[j] for every inner node j < m (S is n×m, unpadded): the input of hsmProbabilities. */
export function hsmNodeScores(n: i32, d: i32, dp: i32, m: i32, x: usize, xStride: usize, idx: usize, v: usize,
                              b: usize, s: usize): void {
  assert(n >= 0 && d >= 1 && m >= 1 && dp == ((d + 3) & ~3), "hsmNodeScores: need n >= 0, d >= 1, m >= 1, dp = roundUp(d, 4)");
  const ldv = <usize>dp << 2;
  for (let i = 0; i < n; i++) {
    const xi = rowAt(x, xStride, idx, i), out = s + <usize>i * (<usize>m << 2);
    for (let j = 0; j < m; j++) store<f32>(at(out, j), dot(d, xi, v + <usize>j * ldv) + load<f32>(at(b, j)));
  }
}

/** log σ(z) = −softplus(−z), stable for either sign. */
// @ts-ignore: decorator
@inline function logSigmoid(z: f64): f64 {
  return min(z, 0) - Math.log1p(Math.exp(-Math.abs(z)));
}

/**
 * P[i, class] = Π over the class's path of σ(±s), from the node scores S (n×m, m = c − 1): one pass over the nodes
 * in order (parents first) carries log P(node) down to the children. logp is scratch for m f64 values. P is n×cp,
 * pad lanes zero; with `log` ≠ 0 it holds log P instead (the classifier's scores).
 */
export function hsmProbabilities(n: i32, c: i32, cp: i32, s: usize, children: usize, logp: usize, log: i32, p: usize): void {
  assert(n >= 0 && c >= 2 && cp == ((c + 3) & ~3), "hsmProbabilities: need n >= 0, c >= 2 and cp = roundUp(c, 4)");
  const m = c - 1, ldc = <usize>cp << 2;
  for (let i = 0; i < n; i++) {
    const row = s + <usize>i * (<usize>m << 2), out = p + <usize>i * ldc;
    memory.fill(out, 0, ldc);
    store<f64>(logp, 0);
    for (let j = 0; j < m; j++) {
      const sj = <f64>load<f32>(at(row, j)), base = load<f64>(logp + (<usize>j << 3));
      for (let side = 0; side < 2; side++) {
        const value = base + logSigmoid(side ? sj : -sj);
        const child = load<i32>(at(children, 2 * j + side));
        if (child >= 0) store<f64>(logp + (<usize>child << 3), value);
        else store<f32>(at(out, -child - 1), <f32>(log ? value : Math.exp(value)));
      }
    }
  }
}

// Sparse rows (CSR) against the dense weight layout, and row-sparse updates of W.
//
// CSR: row r of X holds the entries indptr[r] ≤ e < indptr[r+1] with column indices[e] (i32) and value
// values[e] (f32). Batch rows come through the u32 index list idx, as for dense X (assembly/README.md), so a
// mini-batch is a slice of a shuffled index list and never a copy.
//
// W keeps its dense d×cp layout: a non-zero x_k reads the contiguous row W[k, :], so X·W costs O(nnz·cp) and the
// cp lanes are the SIMD dimension. The gradient of a batch touches only the rows of W whose feature occurs in it:
// `touchedRows` lists them once (a zeroed mark array makes "seen?" O(1)), the gradient is written compactly as
// count×len rows in that order, and the *Rows update kernels apply the dense update rules (optim.ts) to those rows
// of W and of the optimizer state only. Nothing here is O(d) per step except `catchUp` over all rows (a flush).
import { madd } from "./common";
import { sgd, momentum, nesterov, adagrad, rmsprop, adam, rprop, deltaBarDelta } from "./optim";

// @ts-ignore: decorator
@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** Row i of a list of rows: rows[i], or i itself when rows is 0 (every row, in order). */
// @ts-ignore: decorator
@inline function rowOf(rows: usize, i: i32): i32 {
  return rows ? load<i32>(at(rows, i)) : i;
}

/**
 * Writes the distinct columns that the batch rows use to rows[0..count) in order of first use, sets
 * mark[k] = slot + 1 for each, and returns count. The CSR row of example i is idx[i], or y[idx[i]] when y ≠ 0
 * (hierarchical softmax: the tree path of the example's label). mark (one i32 per column) must be zero on entry;
 * `clearMarks` restores that.
 */
export function touchedRows(n: i32, indptr: usize, indices: usize, idx: usize, y: usize, mark: usize, rows: usize): i32 {
  assert(n >= 0, "touchedRows: n must be >= 0");
  let count = 0;
  for (let i = 0; i < n; i++) {
    let r = load<i32>(at(idx, i));
    if (y) r = load<i32>(at(y, r));
    const end = load<i32>(at(indptr, r + 1));
    for (let e = load<i32>(at(indptr, r)); e < end; e++) {
      const k = load<i32>(at(indices, e));
      const m = at(mark, k);
      if (load<i32>(m) != 0) continue;
      store<i32>(at(rows, count), k);
      count++;
      store<i32>(m, count);
    }
  }
  return count;
}

/** mark[rows[r]] = 0 for r < count: the mark array is all zero again. */
export function clearMarks(count: i32, rows: usize, mark: usize): void {
  for (let r = 0; r < count; r++) store<i32>(at(mark, load<i32>(at(rows, r))), 0);
}

/** out[0..len) += a·v[0..len) for a length that is a multiple of 4 (a padded class row). */
// @ts-ignore: decorator
@inline function axpyPadded(len: i32, a: f32, v: usize, out: usize): void {
  const end = <usize>len << 2;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(a);
    for (let j: usize = 0; j < end; j += 16) v128.store(out + j, madd(va, v128.load(v + j), v128.load(out + j)));
  } else {
    for (let j: usize = 0; j < end; j += 4) store<f32>(out + j, load<f32>(out + j) + a * load<f32>(v + j));
  }
}

/** S[i, :] = b + Σ_e values[e]·W[indices[e], :] over the entries of CSR row idx[i]. Overwrites S (n×cp). */
export function sparseScores(n: i32, cp: i32, indptr: usize, indices: usize, values: usize, idx: usize, w: usize,
                             b: usize, s: usize): void {
  assert(n >= 0 && cp >= 4 && (cp & 3) == 0, "sparseScores: need n >= 0 and cp a positive multiple of 4");
  const ldc = <usize>cp << 2;
  for (let i = 0; i < n; i++) {
    const out = s + <usize>i * ldc, r = load<i32>(at(idx, i));
    memory.copy(out, b, ldc);
    const end = load<i32>(at(indptr, r + 1));
    for (let e = load<i32>(at(indptr, r)); e < end; e++) {
      axpyPadded(cp, load<f32>(at(values, e)), w + <usize>load<i32>(at(indices, e)) * ldc, out);
    }
  }
}

/**
 * The compact weight gradient: g[slot, :] = scale·Σ_i Σ_{e: indices[e] = k} values[e]·dS[i, :] for the column k
 * of each slot of `touchedRows` (whose marks must still be set). Overwrites g (count×cp).
 */
export function sparseWeightGradient(n: i32, cp: i32, indptr: usize, indices: usize, values: usize, idx: usize,
                                     ds: usize, scale: f32, mark: usize, count: i32, g: usize): void {
  assert(n >= 0 && cp >= 4 && (cp & 3) == 0, "sparseWeightGradient: need n >= 0 and cp a positive multiple of 4");
  const ldc = <usize>cp << 2;
  memory.fill(g, 0, <usize>count * ldc);
  for (let i = 0; i < n; i++) {
    const dsi = ds + <usize>i * ldc, r = load<i32>(at(idx, i));
    const end = load<i32>(at(indptr, r + 1));
    for (let e = load<i32>(at(indptr, r)); e < end; e++) {
      const slot = load<i32>(at(mark, load<i32>(at(indices, e)))) - 1;
      assert(slot >= 0 && slot < count, "sparseWeightGradient: column not marked by touchedRows");
      axpyPadded(cp, load<f32>(at(values, e)) * scale, dsi, g + <usize>slot * ldc);
    }
  }
}

/**
 * Lazy regularization for plain SGD. With penalty λ₂·Σw² and learning rate lr, a step that does not touch row k
 * multiplies it by decay = 1 − 2·lr·λ₂; so instead of touching every row every step, each row carries the step
 * `last[k]` up to which it is current, and is brought to step `now` when needed: w ← decay^(now − last)·w, then
 * moved toward 0 by shrink·(now − last) without crossing it (shrink = lr·λ₁: the l1 penalty as a clipped,
 * "truncated gradient" step), and last[k] = now. For l2 alone this equals the dense update exactly.
 * Rows are rows[0..count), or 0..count−1 when rows is 0 (a flush of every row).
 */
export function catchUp(count: i32, len: i32, rows: usize, w: usize, last: usize, now: i32, decay: f64, shrink: f64): void {
  assert(count >= 0 && len >= 0 && decay > 0 && decay <= 1 && shrink >= 0, "catchUp: need decay in (0, 1] and shrink >= 0");
  const ld = <usize>len << 2;
  for (let r = 0; r < count; r++) {
    const k = rowOf(rows, r), stamp = at(last, k);
    const gap = now - load<i32>(stamp);
    if (gap <= 0) continue;
    store<i32>(stamp, now);
    const factor = decay == 1 ? 1 : gap == 1 ? decay : Math.pow(decay, <f64>gap), cut = shrink * <f64>gap;
    if (factor == 1 && cut == 0) continue; // a stamp only
    const row = w + <usize>k * ld;
    for (let o: usize = 0; o < ld; o += 4) {
      const v = <f64>load<f32>(row + o) * factor;
      store<f32>(row + o, <f32>(v > 0 ? max(v - cut, 0) : min(v + cut, 0)));
    }
  }
}

/**
 * λ₂·Σw² + λ₁·Σ|w| over the listed rows (every row when rows is 0), and when g ≠ 0 their gradient
 * g[r] += 2λ₂·W[rows[r]] + λ₁·sign(W[rows[r]]) (sign 0 at 0) into the compact rows of g: the lazy update rules
 * apply the penalty to a row when the row is touched.
 */
export function penaltyRows(count: i32, len: i32, rows: usize, w: usize, l2: f64, l1: f64, g: usize): f64 {
  assert(count >= 0 && len >= 0 && l2 >= 0 && l1 >= 0, "penaltyRows: need count, len, l2, l1 >= 0");
  const ld = <usize>len << 2;
  let total: f64 = 0;
  for (let r = 0; r < count; r++) {
    const wr = w + <usize>rowOf(rows, r) * ld, gr = g + <usize>r * ld;
    for (let o: usize = 0; o < ld; o += 4) {
      const wi = <f64>load<f32>(wr + o), sign: f64 = wi > 0 ? 1 : wi < 0 ? -1 : 0;
      total += l2 * wi * wi + l1 * Math.abs(wi);
      if (g) store<f32>(gr + o, <f32>(<f64>load<f32>(gr + o) + 2 * l2 * wi + l1 * sign));
    }
  }
  return total;
}

/** dst[r, :] = src[rows[r], :] for r < count (rows of len floats): saves the rows a step is about to change. */
export function gatherRows(count: i32, len: i32, rows: usize, src: usize, dst: usize): void {
  const ld = <usize>len << 2;
  for (let r = 0; r < count; r++) memory.copy(dst + <usize>r * ld, src + <usize>load<i32>(at(rows, r)) * ld, ld);
}

/** dst[rows[r], :] = src[r, :] for r < count: puts saved rows back. */
export function scatterRows(count: i32, len: i32, rows: usize, src: usize, dst: usize): void {
  const ld = <usize>len << 2;
  for (let r = 0; r < count; r++) memory.copy(dst + <usize>load<i32>(at(rows, r)) * ld, src + <usize>r * ld, ld);
}

// The update rules on the listed rows: row rows[r] of w (and of each state array, same layout) takes the update of
// optim.ts with gradient row r of the compact g. Untouched rows keep their weights and their state (the "lazy"
// semantics of TensorFlow's LazyAdam and sparse apply ops); Adam's bias correction uses the global step.

export function sgdRows(count: i32, len: i32, rows: usize, w: usize, g: usize, lr: f64): void {
  const ld = <usize>len << 2;
  for (let r = 0; r < count; r++) sgd(len, w + <usize>rowOf(rows, r) * ld, g + <usize>r * ld, lr);
}

export function momentumRows(count: i32, len: i32, rows: usize, w: usize, g: usize, velocity: usize, lr: f64, mu: f64): void {
  const ld = <usize>len << 2;
  for (let r = 0; r < count; r++) {
    const o = <usize>rowOf(rows, r) * ld;
    momentum(len, w + o, g + <usize>r * ld, velocity + o, lr, mu);
  }
}

export function nesterovRows(count: i32, len: i32, rows: usize, w: usize, g: usize, velocity: usize, lr: f64, mu: f64): void {
  const ld = <usize>len << 2;
  for (let r = 0; r < count; r++) {
    const o = <usize>rowOf(rows, r) * ld;
    nesterov(len, w + o, g + <usize>r * ld, velocity + o, lr, mu);
  }
}

export function adagradRows(count: i32, len: i32, rows: usize, w: usize, g: usize, cache: usize, lr: f64, eps: f64): void {
  const ld = <usize>len << 2;
  for (let r = 0; r < count; r++) {
    const o = <usize>rowOf(rows, r) * ld;
    adagrad(len, w + o, g + <usize>r * ld, cache + o, lr, eps);
  }
}

export function rmspropRows(count: i32, len: i32, rows: usize, w: usize, g: usize, cache: usize, lr: f64, rho: f64,
                            eps: f64): void {
  const ld = <usize>len << 2;
  for (let r = 0; r < count; r++) {
    const o = <usize>rowOf(rows, r) * ld;
    rmsprop(len, w + o, g + <usize>r * ld, cache + o, lr, rho, eps);
  }
}

export function adamRows(count: i32, len: i32, rows: usize, w: usize, g: usize, m: usize, v: usize, lr: f64,
                         beta1: f64, beta2: f64, eps: f64, bc1: f64, bc2: f64): void {
  const ld = <usize>len << 2;
  for (let r = 0; r < count; r++) {
    const o = <usize>rowOf(rows, r) * ld;
    adam(len, w + o, g + <usize>r * ld, m + o, v + o, lr, beta1, beta2, eps, bc1, bc2);
  }
}

export function rpropRows(count: i32, len: i32, rows: usize, w: usize, g: usize, prev: usize, step: usize,
                          etaPlus: f64, etaMinus: f64, stepMin: f64, stepMax: f64): void {
  const ld = <usize>len << 2;
  for (let r = 0; r < count; r++) {
    const o = <usize>rowOf(rows, r) * ld;
    rprop(len, w + o, g + <usize>r * ld, prev + o, step + o, etaPlus, etaMinus, stepMin, stepMax);
  }
}

export function deltaBarDeltaRows(count: i32, len: i32, rows: usize, w: usize, g: usize, bar: usize, rate: usize,
                                  kappa: f64, phi: f64, theta: f64): void {
  const ld = <usize>len << 2;
  for (let r = 0; r < count; r++) {
    const o = <usize>rowOf(rows, r) * ld;
    deltaBarDelta(len, w + o, g + <usize>r * ld, bar + o, rate + o, kappa, phi, theta);
  }
}

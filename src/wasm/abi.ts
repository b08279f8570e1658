/**
 * The TS view of assembly/index.ts. Pointers are byte addresses (`number`, passed through `>>> 0`); matrices
 * use the padded class stride cp of assembly/README.md. Loss kernels return Σ_i w_i·L_i, not the mean.
 */
type Ptr = number;

export interface KernelExports {
  scores(n: number, d: number, c: number, cp: number, x: Ptr, xStride: number, idx: Ptr, w: Ptr, b: Ptr, s: Ptr): void;
  weightGradient(n: number, d: number, cp: number, x: Ptr, xStride: number, idx: Ptr, ds: Ptr, scale: number, dw: Ptr): void;
  biasGradient(n: number, cp: number, ds: Ptr, scale: number, db: Ptr): void;
  /**
   * One step's forward and backward pass, fused per 4-row block (assembly/README.md "Fused step"): writes S, dS,
   * dW = scale·Xᵀ·dS and db = scale·Σ dS, and returns Σ w_i·L_i. `loss` is the index of the loss in LOSSES;
   * `targets` holds i32 labels (losses 0–2) or f32 target rows of stride c (3–6), read through `tidx`. `pack` is
   * tailPackBytes(d, c) of scratch (src/wasm/scope.ts), one per concurrent call.
   */
  fusedStep(loss: number, n: number, d: number, c: number, cp: number, x: Ptr, xStride: number, idx: Ptr, targets: Ptr,
            tidx: Ptr, cw: Ptr, sw: Ptr, delta: number, w: Ptr, b: Ptr, s: Ptr, ds: Ptr, scale: number, dw: Ptr, db: Ptr,
            pack: Ptr): number;

  hinge(n: number, c: number, cp: number, s: Ptr, y: Ptr, idx: Ptr, cw: Ptr, sw: Ptr, delta: number, ds: Ptr): number;
  squaredHinge(n: number, c: number, cp: number, s: Ptr, y: Ptr, idx: Ptr, cw: Ptr, sw: Ptr, delta: number, ds: Ptr): number;
  softmax(n: number, c: number, cp: number, s: Ptr, y: Ptr, idx: Ptr, cw: Ptr, sw: Ptr, ds: Ptr): number;
  attributeHinge(n: number, c: number, cp: number, s: Ptr, t: Ptr, idx: Ptr, sw: Ptr, ds: Ptr): number;
  logistic(n: number, c: number, cp: number, s: Ptr, t: Ptr, idx: Ptr, sw: Ptr, ds: Ptr): number;
  l2(n: number, c: number, cp: number, s: Ptr, t: Ptr, idx: Ptr, sw: Ptr, ds: Ptr): number;
  l1(n: number, c: number, cp: number, s: Ptr, t: Ptr, idx: Ptr, sw: Ptr, ds: Ptr): number;
  softmaxProbabilities(n: number, c: number, cp: number, s: Ptr, p: Ptr): void;
  sigmoidProbabilities(n: number, c: number, cp: number, s: Ptr, p: Ptr): void;
  /**
   * Rows of S whose prediction matches their target (targets through idx): mode 0 i32 labels (argmax = y),
   * 1 one-hot f32 rows of stride c (argmax = argmax t), 2 multi-label f32 rows (every (s_j > 0) = (t_j > 0)).
   */
  countHits(mode: number, n: number, c: number, cp: number, s: Ptr, targets: Ptr, idx: Ptr): number;

  /** dw = 0: the penalty alone, no gradient. */
  l2Penalty(len: number, w: Ptr, lambda: number, dw: Ptr): number;
  l1Penalty(len: number, w: Ptr, lambda: number, dw: Ptr): number;
  maxNorm(d: number, c: number, cp: number, w: Ptr, limit: number): void;

  sgd(len: number, w: Ptr, g: Ptr, lr: number): void;
  momentum(len: number, w: Ptr, g: Ptr, velocity: Ptr, lr: number, mu: number): void;
  nesterov(len: number, w: Ptr, g: Ptr, velocity: Ptr, lr: number, mu: number): void;
  adagrad(len: number, w: Ptr, g: Ptr, cache: Ptr, lr: number, eps: number): void;
  rmsprop(len: number, w: Ptr, g: Ptr, cache: Ptr, lr: number, rho: number, eps: number): void;
  /** bc1 = 1 − β₁ᵗ, bc2 = 1 − β₂ᵗ: the bias corrections of the step's t. */
  adam(len: number, w: Ptr, g: Ptr, m: Ptr, v: Ptr, lr: number, beta1: number, beta2: number, eps: number,
       bc1: number, bc2: number): void;
  rprop(len: number, w: Ptr, g: Ptr, prev: Ptr, step: Ptr, etaPlus: number, etaMinus: number, stepMin: number,
        stepMax: number): void;
  deltaBarDelta(len: number, w: Ptr, g: Ptr, bar: Ptr, rate: Ptr, kappa: number, phi: number, theta: number): void;

  // Sparse rows (CSR, i32 indptr/indices, f32 values) and row-sparse updates: assembly/kernels/sparse.ts.
  touchedRows(n: number, indptr: Ptr, indices: Ptr, idx: Ptr, y: Ptr, mark: Ptr, rows: Ptr): number;
  clearMarks(count: number, rows: Ptr, mark: Ptr): void;
  sparseScores(n: number, cp: number, indptr: Ptr, indices: Ptr, values: Ptr, idx: Ptr, w: Ptr, b: Ptr, s: Ptr): void;
  sparseWeightGradient(n: number, cp: number, indptr: Ptr, indices: Ptr, values: Ptr, idx: Ptr, ds: Ptr, scale: number,
                       mark: Ptr, count: number, g: Ptr): void;
  catchUp(count: number, len: number, rows: Ptr, w: Ptr, last: Ptr, now: number, decay: number, shrink: number): void;
  penaltyRows(count: number, len: number, rows: Ptr, w: Ptr, l2: number, l1: number, g: Ptr): number;
  gatherRows(count: number, len: number, rows: Ptr, src: Ptr, dst: Ptr): void;
  scatterRows(count: number, len: number, rows: Ptr, src: Ptr, dst: Ptr): void;
  sgdRows(count: number, len: number, rows: Ptr, w: Ptr, g: Ptr, lr: number): void;
  momentumRows(count: number, len: number, rows: Ptr, w: Ptr, g: Ptr, velocity: Ptr, lr: number, mu: number): void;
  nesterovRows(count: number, len: number, rows: Ptr, w: Ptr, g: Ptr, velocity: Ptr, lr: number, mu: number): void;
  adagradRows(count: number, len: number, rows: Ptr, w: Ptr, g: Ptr, cache: Ptr, lr: number, eps: number): void;
  rmspropRows(count: number, len: number, rows: Ptr, w: Ptr, g: Ptr, cache: Ptr, lr: number, rho: number, eps: number): void;
  adamRows(count: number, len: number, rows: Ptr, w: Ptr, g: Ptr, m: Ptr, v: Ptr, lr: number, beta1: number,
           beta2: number, eps: number, bc1: number, bc2: number): void;
  rpropRows(count: number, len: number, rows: Ptr, w: Ptr, g: Ptr, prev: Ptr, step: Ptr, etaPlus: number,
            etaMinus: number, stepMin: number, stepMax: number): void;
  deltaBarDeltaRows(count: number, len: number, rows: Ptr, w: Ptr, g: Ptr, bar: Ptr, rate: Ptr, kappa: number,
                    phi: number, theta: number): void;

  // Hierarchical softmax: assembly/kernels/hsoftmax.ts.
  hsmLoss(n: number, d: number, dp: number, x: Ptr, xStride: number, idx: Ptr, y: Ptr, cw: Ptr, sw: Ptr, v: Ptr, b: Ptr,
          pathStart: Ptr, pathNode: Ptr, pathBit: Ptr, mark: Ptr, scale: number, count: number, g: Ptr, gb: Ptr): number;
  hsmNodeScores(n: number, d: number, dp: number, m: number, x: Ptr, xStride: number, idx: Ptr, v: Ptr, b: Ptr, s: Ptr): void;
  hsmProbabilities(n: number, c: number, cp: number, s: Ptr, children: Ptr, logp: Ptr, log: number, p: Ptr): void;

  // Image features and k-means: assembly/kernels/{hog,color,kmeans}.ts. u8 ≠ 0: the images are bytes, else f32.
  hog(n: number, h: number, w: number, c: number, src: Ptr, u8: number, scale: number, cell: number, bins: number,
      dirs: Ptr, norm: number, planes: Ptr, binRow: Ptr, magRow: Ptr, hist: Ptr, out: Ptr): void;
  colorHistogram(n: number, pixels: number, c: number, src: Ptr, u8: number, bins: number, out: Ptr): void;
  nearest(n: number, d: number, k: number, kp: number, x: Ptr, xStride: number, idx: Ptr, ct: Ptr, bias: Ptr,
          tile: number, s: Ptr, labels: Ptr): void;

  copy(dst: Ptr, src: Ptr, bytes: number): void;
  /** dst += src_0 + … + src_{count−1} (src_j at src + j·stride) over len f32: per-thread partial gradients. */
  accumulate(len: number, dst: Ptr, src: Ptr, count: number, stride: number): void;
  /** threshold = ⌊p·2³²⌋ (a u32), scale = 1/(1 − p); out is n×d with row stride d. */
  gatherDropout(n: number, d: number, x: Ptr, xStride: number, idx: Ptr, threshold: number, scale: number, seed: number,
                out: Ptr, row0: number): void;
  perturb(rows: number, c: number, cp: number, w: Ptr, out: Ptr, sigma: number, seed: number): void;

  heapBase(): number;
}

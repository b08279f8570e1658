/**
 * The TS view of assembly/index.ts. Pointers are byte addresses (`number`, passed through `>>> 0`); matrices
 * use the padded class stride cp of assembly/README.md. Loss kernels return Σ_i w_i·L_i, not the mean.
 */
type Ptr = number;

export interface KernelExports {
  scores(n: number, d: number, cp: number, x: Ptr, xStride: number, idx: Ptr, w: Ptr, b: Ptr, s: Ptr): void;
  weightGradient(n: number, d: number, cp: number, x: Ptr, xStride: number, idx: Ptr, ds: Ptr, scale: number, dw: Ptr): void;
  biasGradient(n: number, cp: number, ds: Ptr, scale: number, db: Ptr): void;

  hinge(n: number, c: number, cp: number, s: Ptr, y: Ptr, idx: Ptr, cw: Ptr, delta: number, ds: Ptr): number;
  squaredHinge(n: number, c: number, cp: number, s: Ptr, y: Ptr, idx: Ptr, cw: Ptr, delta: number, ds: Ptr): number;
  softmax(n: number, c: number, cp: number, s: Ptr, y: Ptr, idx: Ptr, cw: Ptr, ds: Ptr): number;
  attributeHinge(n: number, c: number, cp: number, s: Ptr, t: Ptr, idx: Ptr, ds: Ptr): number;
  logistic(n: number, c: number, cp: number, s: Ptr, t: Ptr, idx: Ptr, ds: Ptr): number;
  l2(n: number, c: number, cp: number, s: Ptr, t: Ptr, idx: Ptr, ds: Ptr): number;
  l1(n: number, c: number, cp: number, s: Ptr, t: Ptr, idx: Ptr, ds: Ptr): number;
  softmaxProbabilities(n: number, c: number, cp: number, s: Ptr, p: Ptr): void;
  sigmoidProbabilities(n: number, c: number, cp: number, s: Ptr, p: Ptr): void;

  l2Penalty(len: number, w: Ptr, lambda: number, dw: Ptr): number;
  l1Penalty(len: number, w: Ptr, lambda: number, dw: Ptr): number;
  maxNorm(d: number, c: number, cp: number, w: Ptr, limit: number): void;

  sgd(len: number, w: Ptr, g: Ptr, lr: number): void;
  momentum(len: number, w: Ptr, g: Ptr, velocity: Ptr, lr: number, mu: number): void;
  nesterov(len: number, w: Ptr, g: Ptr, velocity: Ptr, lr: number, mu: number): void;
  adagrad(len: number, w: Ptr, g: Ptr, cache: Ptr, lr: number, eps: number): void;
  rmsprop(len: number, w: Ptr, g: Ptr, cache: Ptr, lr: number, rho: number, eps: number): void;
  adam(len: number, w: Ptr, g: Ptr, m: Ptr, v: Ptr, lr: number, beta1: number, beta2: number, eps: number,
       c1: number, c2: number): void;

  heapBase(): number;
}

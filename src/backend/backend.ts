/**
 * The public Backend: validation of every argument, then composition of the primitives of one `Ops`
 * (WASM kernels or the float64 reference). Both backends therefore check and compose identically.
 */
import type {
  GradientResult, LossKind, LossOptions, LossResult, Matrix, OptimizerConfig, OptimizerState, UpdateRule,
} from "../types.js";
import { LABEL_LOSSES, LOSSES, PENALTIES, UPDATE_RULES } from "../types.js";
import type { LabelKernel, LossSum, Ops, TargetKernel } from "./ops.js";
import type { SimdLevel } from "../wasm/loader.js";
import { resolveUpdate, stateArrays } from "./optimizer.js";
import * as v from "../validate.js";
import type { ThreadPool } from "../threads/pool.js";

export interface Regularization {
  /** λ of λ·ΣW². */
  l2?: number;
  /** λ of λ·Σ|W|. */
  l1?: number;
}

export interface LinearLossResult {
  /** Data loss + regularization loss. */
  loss: number;
  dataLoss: number;
  regLoss: number;
  dW: Matrix;
  db: Float32Array;
}

export class Backend {
  private disposed = false;

  /**
   * `threadsFallback`: why this backend runs one thread although more were asked for (no SharedArrayBuffer,
   * no cross-origin isolation, ...), else null.
   */
  constructor(private readonly impl: Ops, readonly simd: SimdLevel | null,
              private readonly threadPool: ThreadPool | null = null, readonly threadsFallback: string | null = null) {}

  /** 'wasm' or 'reference'. */
  get name(): "wasm" | "reference" {
    return this.impl.name;
  }

  /** Threads a fit runs on: the caller and the pool's workers. */
  get threads(): number {
    return this.threadPool?.size ?? 1;
  }

  /** @internal The worker pool over this backend's shared memory, for the threaded training engine. */
  get pool(): ThreadPool | null {
    this.alive();
    return this.threadPool;
  }

  /** @internal The primitives, for the training engine. */
  get ops(): Ops {
    this.alive();
    return this.impl;
  }

  /** S = X·W + b, N×C. */
  scores(X: Matrix, W: Matrix, b?: Float32Array | null): Matrix {
    this.alive();
    checkModel(X, W, b);
    return this.impl.scores(X, W, b ?? null);
  }

  /**
   * Mean data loss of a batch of scores and dS = ∂L_i/∂S (before the 1/N). `targets` is an Int32Array of labels
   * for hinge, squared-hinge and softmax, and an N×C Matrix for logistic ({0,1}, or labels turned one-hot),
   * attribute-hinge ({−1,+1}) and the l2/l1 regressions.
   */
  loss(kind: LossKind, S: Matrix, targets: Int32Array | Matrix, opts: LossOptions = {}): LossResult {
    this.alive();
    v.oneOf("kind", kind, LOSSES);
    v.matrixArg("S", S);
    const { sum, dS } = this.lossOf(kind, S, "S", targets, "targets", v.optionsArg("opts", opts))(S);
    return { loss: sum / S.rows, dS };
  }

  /** dW = Xᵀ·dS / N and db = Σ_i dS_i / N. */
  gradients(X: Matrix, dS: Matrix): { dW: Matrix; db: Float32Array } {
    this.alive();
    v.matrixArg("X", X);
    v.matrixArg("dS", dS);
    if (dS.rows !== X.rows) {
      throw new RangeError(`X is ${X.rows}×${X.cols} but dS is ${dS.rows}×${dS.cols}; they need the same number of rows`);
    }
    return { dW: this.impl.weightGradient(X, dS, 1 / X.rows), db: this.impl.biasGradient(dS, 1 / X.rows) };
  }

  /** The penalty λ·ΣW² ('l2', gradient 2λW) or λ·Σ|W| ('l1', gradient λ·sign W). */
  regularization(kind: "l2" | "l1", W: Matrix, lambda: number): GradientResult {
    this.alive();
    v.oneOf("kind", kind, PENALTIES);
    v.matrixArg("W", W);
    v.nonNegative("lambda", lambda);
    const dW = new Float32Array(W.data.length);
    const loss = this.impl.penalty(kind, W.data, lambda, dW);
    return { loss, dW: { rows: W.rows, cols: W.cols, data: dW } };
  }

  /** A copy of W whose class columns have L2 norm at most `limit`. */
  maxNorm(W: Matrix, limit: number): Matrix {
    this.alive();
    v.matrixArg("W", W);
    v.positive("limit", limit);
    const out = { rows: W.rows, cols: W.cols, data: W.data.slice() };
    this.impl.maxNorm(out, limit);
    return out;
  }

  /** Row-wise softmax, or the element-wise sigmoid, of a score matrix. */
  probabilities(kind: "softmax" | "sigmoid", S: Matrix): Matrix {
    this.alive();
    v.oneOf("kind", kind, ["softmax", "sigmoid"] as const);
    v.matrixArg("S", S);
    return this.impl.probabilities(kind, S);
  }

  /**
   * Loss and gradients of the linear model S = X·W + b (b may be null: no bias) with optional l2/l1 penalties.
   */
  linearLoss(kind: LossKind, X: Matrix, W: Matrix, b: Float32Array | null, targets: Int32Array | Matrix,
             opts: LossOptions & Regularization = {}): LinearLossResult {
    return this.linear(kind, X, W, b, targets, "targets", opts);
  }

  /** linearLoss, with the name the caller gave its targets (cs231n's functions call them `y`). */
  private linear(kind: LossKind, X: Matrix, W: Matrix, b: Float32Array | null, targets: Int32Array | Matrix,
                 targetsName: string, opts: LossOptions & Regularization): LinearLossResult {
    this.alive();
    v.oneOf("kind", kind, LOSSES);
    v.optionsArg("opts", opts);
    const l2 = v.nonNegative("l2", opts.l2 ?? 0), l1 = v.nonNegative("l1", opts.l1 ?? 0);
    checkModel(X, W, b);
    const loss = this.lossOf(kind, { rows: X.rows, cols: W.cols }, "X·W", targets, targetsName, opts);
    const { sum, dS } = loss(this.impl.scores(X, W, b));
    const n = X.rows;
    const dW = this.impl.weightGradient(X, dS, 1 / n);
    let regLoss = 0;
    if (l2 > 0) regLoss += this.impl.penalty("l2", W.data, l2, dW.data);
    if (l1 > 0) regLoss += this.impl.penalty("l1", W.data, l1, dW.data);
    return { loss: sum / n + regLoss, dataLoss: sum / n, regLoss, dW, db: this.impl.biasGradient(dS, 1 / n) };
  }

  /** cs231n `svm_loss_vectorized(W, X, y, reg)`: W is D×C, no bias, loss includes reg·ΣW². */
  svmLoss(W: Matrix, X: Matrix, y: Int32Array, reg: number, opts: Pick<LossOptions, "delta"> = {}): GradientResult {
    v.nonNegative("reg", reg);
    const { loss, dW } = this.linear("hinge", X, W, null, y, "y", { delta: v.optionsArg("opts", opts).delta, l2: reg });
    return { loss, dW };
  }

  /** cs231n `softmax_loss_vectorized(W, X, y, reg)`. */
  softmaxLoss(W: Matrix, X: Matrix, y: Int32Array, reg: number): GradientResult {
    v.nonNegative("reg", reg);
    const { loss, dW } = this.linear("softmax", X, W, null, y, "y", { l2: reg });
    return { loss, dW };
  }

  /**
   * One update of `w` (in place) with gradient `dw`, cs231n optim.py style. Missing state fields are created
   * in `state` (zero; rprop's `step` and delta-bar-delta's `rate` at the learning rate), which is updated in place too; Adam's `t` is incremented before the step.
   */
  optimizerStep(rule: UpdateRule, w: Float32Array, dw: Float32Array, state: OptimizerState = {},
                config: OptimizerConfig = {}): OptimizerState {
    this.alive();
    v.oneOf("rule", rule, UPDATE_RULES);
    v.float32Array("w", w);
    v.allFinite("w", w);
    v.float32Array("dw", dw, w.length);
    v.allFinite("dw", dw);
    const hyper = resolveUpdate(rule, config, state);
    const arrays = stateArrays(rule, state, w.length, hyper.learningRate);
    this.impl.update(rule, w, dw, arrays, hyper);
    if (rule === "adam") state.t = hyper.t;
    return state;
  }

  /** Frees the backend's WASM memory; any later call throws. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.threadPool?.dispose();
    this.impl.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private alive(): void {
    if (this.disposed) throw new Error(`this ${this.impl.name} backend has been disposed`);
  }

  /**
   * Checks a loss's targets and options against scores of the given shape, before any kernel runs, and returns
   * the data loss of such scores.
   */
  private lossOf(kind: LossKind, shape: Shape, scoresName: string, targets: Int32Array | Matrix, targetsName: string,
                 opts: LossOptions): (S: Matrix) => LossSum {
    const sw = opts.sampleWeight === undefined ? null : v.sampleWeights("sampleWeight", opts.sampleWeight, shape.rows);
    if (LABEL_LOSSES.includes(kind)) {
      const y = v.labels(targetsName, targets, shape.rows, shape.cols);
      // Rounded to float32 once, as the kernels hold it, so both backends put a kink on the same side.
      const delta = v.float32Number("delta", opts.delta ?? 1);
      const cw = opts.classWeight === undefined ? null : classWeights(opts.classWeight, shape.cols);
      return (S) => this.impl.labelLoss(kind as LabelKernel, S, y, delta, cw, sw);
    }
    const T = targetMatrix(kind as TargetKernel, shape, scoresName, targets, targetsName);
    return (S) => this.impl.targetLoss(kind as TargetKernel, S, T, sw);
  }
}

type Shape = Pick<Matrix, "rows" | "cols">;

/** The arguments of S = X·W + b. */
function checkModel(X: Matrix, W: Matrix, b: Float32Array | null | undefined): void {
  v.matrixArg("X", X);
  v.matrixArg("W", W);
  if (X.cols !== W.rows) {
    throw new RangeError(`X is ${X.rows}×${X.cols} but W is ${W.rows}×${W.cols}; X's columns must equal W's rows`);
  }
  if (b != null) {
    v.float32Array("b", b, W.cols);
    v.allFinite("b", b);
  }
}

function classWeights(value: ArrayLike<number>, classes: number): Float32Array {
  if (typeof value !== "object" || value === null || typeof value.length !== "number") {
    throw new TypeError(`classWeight must be an array of ${classes} numbers, got ${v.describe(value)}`);
  }
  if (value.length !== classes) throw new RangeError(`classWeight has length ${value.length} but there are ${classes} classes`);
  return v.classWeights("classWeight", value);
}

/** The target matrix of a target loss, with its values checked; logistic also takes labels (made one-hot). */
function targetMatrix(kind: TargetKernel, S: Shape, scoresName: string, targets: Int32Array | Matrix, name: string): Matrix {
  if (kind === "logistic" && targets instanceof Int32Array) {
    v.labels(name, targets, S.rows, Math.max(S.cols, 2));
    const T = new Float32Array(S.rows * S.cols);
    targets.forEach((label, i) => {
      if (S.cols === 1) T[i] = label;
      else T[i * S.cols + label] = 1;
    });
    return { rows: S.rows, cols: S.cols, data: T };
  }
  const T = v.matrixArg(name, targets);
  v.sameShape(name, T, scoresName, S);
  const allowed = kind === "logistic" ? "in [0, 1]" : kind === "attribute-hinge" ? "−1 or +1" : null;
  if (allowed) {
    T.data.forEach((t, e) => {
      const ok = kind === "logistic" ? t >= 0 && t <= 1 : t === 1 || t === -1;
      if (!ok) throw new RangeError(`${name}[${e}] = ${t}: ${kind} targets must be ${allowed}`);
    });
  }
  return T;
}

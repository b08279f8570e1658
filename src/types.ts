/** A row-major float32 matrix: element (i, j) is data[i·cols + j]. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

/** Losses with one integer label per row. */
export type LabelLoss = "hinge" | "squared-hinge" | "softmax";
/** Losses with a target matrix (N×C): logistic {0,1}, attribute-hinge {−1,+1}, regression reals. */
export type TargetLoss = "logistic" | "attribute-hinge" | "l2" | "l1";
export type LossKind = LabelLoss | TargetLoss;
export const LOSSES: readonly LossKind[] = ["hinge", "squared-hinge", "softmax", "logistic", "attribute-hinge", "l2", "l1"];
export const LABEL_LOSSES: readonly LossKind[] = ["hinge", "squared-hinge", "softmax"];

export type Penalty = "l2" | "l1";
export const PENALTIES: readonly Penalty[] = ["l2", "l1"];

export type UpdateRule = "sgd" | "momentum" | "nesterov" | "adagrad" | "rmsprop" | "adam" | "rprop" | "delta-bar-delta";
export const UPDATE_RULES: readonly UpdateRule[] = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "rprop",
  "delta-bar-delta"];

export interface LossOptions {
  /** Hinge margin Δ (hinge, squared-hinge). Default 1. */
  delta?: number;
  /** Per-class weight of each row's loss (label losses only). */
  classWeight?: ArrayLike<number>;
  /** Per-row weight of its loss (every loss); with class weights, a row counts cw[y_i]·sampleWeight[i]. */
  sampleWeight?: ArrayLike<number>;
}

export interface LossResult {
  /** Mean data loss over the rows. */
  loss: number;
  /** ∂L_i/∂S per row, before the 1/N (SPEC.md). */
  dS: Matrix;
}

export interface GradientResult {
  loss: number;
  dW: Matrix;
}

/** Optimizer hyper-parameters; unset fields take SPEC.md's defaults for the rule. */
export interface OptimizerConfig {
  learningRate?: number;
  momentum?: number;
  decayRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** rprop: the step's growth factor η⁺ (> 1) while the gradient keeps its sign. Default 1.2. */
  etaPlus?: number;
  /** rprop: the step's shrink factor η⁻ (in (0, 1)) when the gradient's sign flips. Default 0.5. */
  etaMinus?: number;
  /** rprop: the smallest step. Default 1e-6. */
  stepMin?: number;
  /** rprop: the largest step. Default 50. */
  stepMax?: number;
  /** delta-bar-delta: the rate's increment κ when gradient and average agree. Default learningRate / 10. */
  kappa?: number;
  /** delta-bar-delta: the rate's decrease φ (rate ·= 1 − φ) when they disagree, in [0, 1). Default 0.5. */
  phi?: number;
  /** delta-bar-delta: the weight θ of the old average in δ̄ = (1 − θ)·g + θ·δ̄, in [0, 1). Default 0.7. */
  theta?: number;
}

/**
 * Optimizer state, named as in cs231n optim.py (and SPEC.md for rprop and delta-bar-delta). Arrays are updated in
 * place; `t` counts Adam steps. Missing arrays start at 0, except rprop's `step` and delta-bar-delta's `rate`,
 * which start at the learning rate.
 */
export interface OptimizerState {
  velocity?: Float32Array;
  cache?: Float32Array;
  m?: Float32Array;
  v?: Float32Array;
  /** rprop: the last gradient (0 where its sign flipped). */
  prev?: Float32Array;
  /** rprop: the per-parameter step (> 0). */
  step?: Float32Array;
  /** delta-bar-delta: the running average δ̄ of the gradient. */
  bar?: Float32Array;
  /** delta-bar-delta: the per-parameter learning rate (> 0). */
  rate?: Float32Array;
  t?: number;
}

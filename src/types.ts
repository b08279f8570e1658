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

export type UpdateRule = "sgd" | "momentum" | "nesterov" | "adagrad" | "rmsprop" | "adam";
export const UPDATE_RULES: readonly UpdateRule[] = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"];

export interface LossOptions {
  /** Hinge margin Δ (hinge, squared-hinge). Default 1. */
  delta?: number;
  /** Per-class weight of each row's loss (label losses only). */
  classWeight?: ArrayLike<number>;
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
}

/** Optimizer state, named as in cs231n optim.py. Arrays are updated in place; `t` counts Adam steps. */
export interface OptimizerState {
  velocity?: Float32Array;
  cache?: Float32Array;
  m?: Float32Array;
  v?: Float32Array;
  t?: number;
}

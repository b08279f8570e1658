/**
 * The primitive operations both backends implement, one per kernel family. Inputs are already validated and
 * unpadded; results are fresh arrays. `Backend` (backend.ts) composes these into the public API, so the
 * validation and the composition exist once for both backends.
 */
import type { Matrix, UpdateRule } from "../types.js";
import type { LossSum } from "../reference/losses.js";

export type { LossSum };
export type LabelKernel = "hinge" | "squared-hinge" | "softmax";
export type TargetKernel = "logistic" | "attribute-hinge" | "l2" | "l1";

/** Resolved hyper-parameters of one update (every field set) and the step number for Adam. */
export interface UpdateHyper {
  learningRate: number;
  momentum: number;
  decayRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  etaPlus: number;
  etaMinus: number;
  stepMin: number;
  stepMax: number;
  kappa: number;
  phi: number;
  theta: number;
  t: number;
}

/** The state arrays a rule reads and writes, in the order the kernel takes them. */
export type StateArrays = Float32Array[];

export interface Ops {
  readonly name: "wasm" | "reference";
  scores(X: Matrix, W: Matrix, b: Float32Array | null): Matrix;
  /** Σ w_i·L_i and dS, w_i = cw[y_i]·sw[i] (class weights by label, sample weights by row; null: ones). */
  labelLoss(kind: LabelKernel, S: Matrix, y: Int32Array, delta: number, cw: Float32Array | null, sw: Float32Array | null): LossSum;
  targetLoss(kind: TargetKernel, S: Matrix, T: Matrix, sw: Float32Array | null): LossSum;
  weightGradient(X: Matrix, dS: Matrix, scale: number): Matrix;
  biasGradient(dS: Matrix, scale: number): Float32Array;
  /** Adds the penalty's gradient into dW (in place) and returns the penalty. */
  penalty(kind: "l2" | "l1", W: Float32Array, lambda: number, dW: Float32Array): number;
  /** In place. */
  maxNorm(W: Matrix, limit: number): void;
  probabilities(kind: "softmax" | "sigmoid", S: Matrix): Matrix;
  /** Updates w and the state arrays in place. */
  update(rule: UpdateRule, w: Float32Array, g: Float32Array, state: StateArrays, hyper: UpdateHyper): void;
  dispose(): void;
}

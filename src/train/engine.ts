/**
 * The training engine: where a linear model's parameters, optimizer state and training data live while it
 * trains, and the one place that runs a mini-batch step. LinearClassifier and LinearRegressor (src/model/) are
 * written once against this interface; the WASM engine keeps everything resident in WASM memory and calls
 * kernels with numbers only, the reference engine is plain TypeScript over src/reference/.
 *
 * The data's storage (dense rows now; CSR or a shared-memory copy for threads later) stays behind the engine:
 * the model hands a dataset over once with `load` and then speaks of rows by position only.
 *
 * This file is the interface alone; ./create-engine.ts is the factory. Imports run one way: models → factory →
 * engines → this interface, the resident buffers (src/wasm/resident.ts) and the kernels.
 */
import type { LossKind, Matrix, UpdateRule } from "../types.js";
import type { UpdateHyper } from "../backend/ops.js";
import type { Rng } from "../data/rng.js";
import type { CsrMatrix } from "../sparse/csr.js";
import type { HsmTree } from "../hsoftmax/tree.js";
import type { HitRule } from "../reference/metrics.js";

/** The update rules of SPEC.md, and random search (seed 002): try a random step, keep it if the loss drops. */
export type TrainRule = UpdateRule | "random-search";

/** A model's loss: a loss kernel of SPEC.md, or hierarchical softmax (src/hsoftmax/), which has engines of its own. */
export type ModelLoss = LossKind | "hierarchical-softmax";

/** What an engine trains; fixed for its lifetime. Every value is already validated. */
export interface EngineSpec {
  loss: LossKind;
  /** Features. */
  d: number;
  /** Classes (or regression outputs). */
  c: number;
  /** Hinge margin Δ. */
  delta: number;
  /** Per-class weights of the label losses, or null. */
  classWeight: Float32Array | null;
  l2: number;
  l1: number;
  rule: TrainRule;
  /** The rule's fixed hyper-parameters; learning rate and momentum come with each `update`. */
  hyper: Omit<UpdateHyper, "learningRate" | "momentum" | "t">;
  /** The largest batch a step or an evaluation chunk uses. */
  batchSize: number;
  /** Probability of dropping each input of a training batch (inverted dropout), 0 for none. */
  inputDropout: number;
}

/**
 * What a hierarchical-softmax engine trains: the class tree takes the place of a loss kernel, and the parameters
 * are one vector and bias per inner node, so W is d×(c − 1).
 */
export interface HsmEngineSpec extends Omit<EngineSpec, "loss"> {
  loss: "hierarchical-softmax";
  tree: HsmTree;
}

export type AnyEngineSpec = EngineSpec | HsmEngineSpec;

/**
 * Targets in the kernels' form: labels (hinge, squared-hinge, softmax) or an N×C target matrix ({0,1} for
 * logistic, {−1,+1} for attribute-hinge, reals for regression).
 */
export type EngineTargets = Int32Array | Matrix;

/** The training set, whose rows the steps pick, and a validation set that is only evaluated. */
export type Slot = "train" | "validation";

/**
 * Called with consecutive chunks of an evaluation's scores, in row order: rows first..first+count−1 of the slot,
 * row i's scores at S[(i − first)·stride + j]. S is a view that is only valid during the call.
 */
export type ScoreVisitor = (S: Float32Array, stride: number, first: number, count: number) => void;

export interface TrainingEngine {
  readonly spec: AnyEngineSpec;
  /**
   * Copies a dataset into the engine (once), replacing what the slot held: dense rows, or CSR for a sparse engine,
   * and the rows' sample weights (null: all ones), which multiply each row's loss as the class weights do.
   */
  load(slot: Slot, X: Matrix | CsrMatrix, targets: EngineTargets, weights?: Float32Array | null): void;
  /** Frees a slot's data; the parameters and the optimizer state stay. */
  unload(slot: Slot): void;
  /** Rows in a slot (0 when empty). */
  rows(slot: Slot): number;
  /** Draws a new epoch order of the training rows (Fisher–Yates with rng). */
  shuffle(rng: Rng): void;
  /**
   * Forward and backward pass on rows start..start+count−1 of the epoch order: scores, loss, dS, dW and db, and the
   * penalties' gradient. Leaves the gradient in the engine and returns the batch's loss (mean data loss + penalty,
   * measured before the update). `seed` draws the input-dropout mask.
   */
  gradient(start: number, count: number, seed: number): number;
  /**
   * Applies the update rule to W and b with the gradient of the last `gradient` call (Adam counts its t), after
   * keeping a copy of the parameters for `restore`.
   */
  update(learningRate: number, momentum: number): void;
  /**
   * Random search on the same batch as `gradient`: perturbs W and b by σ·z (z uniform, variance 1, drawn from
   * `seed`) and keeps the perturbation if the batch loss drops. Returns the loss of the parameters kept.
   */
  search(start: number, count: number, sigma: number, seed: number): number;
  /**
   * Of the rows of the last `gradient` call (start..start+count−1 of the epoch order), how many its scores, those
   * before the update, predict right under `rule` (src/reference/metrics.ts). Optional: without it, fit measures
   * the training metrics with a full pass.
   */
  hits?(rule: HitRule, start: number, count: number): number;
  /** Scales each class column of W to L2 norm ≤ limit. */
  maxNorm(limit: number): void;
  /** Puts back the parameters from before the last `update` (no-op before the first) and zeroes the state. */
  restore(): void;
  /** Mean data loss + penalty over a whole slot (no dropout), streaming the scores to `visit` chunk by chunk. */
  evaluate(slot: Slot, visit: ScoreVisitor): number;
  /** Copies of W (d×c) and b (c); d×(c − 1) and c − 1 for hierarchical softmax. */
  getParams(): { W: Matrix; b: Float32Array };
  setParams(W: Matrix, b: Float32Array): void;
  /** Zeroes the optimizer state (and Adam's t). */
  resetState(): void;
  /** Copies of the parameters and the optimizer state (Adam's t included): what `rollback` puts back. */
  snapshot(): EngineSnapshot;
  /** Puts back a snapshot of this engine, or of one with the same spec but for its batch size. */
  rollback(saved: EngineSnapshot): void;
  dispose(): void;
}

/** A training engine's parameters and optimizer state, copied out of it. */
export interface EngineSnapshot {
  W: Matrix;
  b: Float32Array;
  t: number;
  state: Float32Array[];
}

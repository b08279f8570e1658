/**
 * What LinearClassifier and LinearRegressor share: options, the backend, the training loop over a
 * TrainingEngine (src/train/engine.ts), early stopping, divergence handling, scores, JSON and disposal.
 * A subclass says how its targets become the engine's targets and how its score (accuracy, R²) is measured.
 */
import type { Matrix } from "../types.js";
import { Backend } from "../backend/backend.js";
import { ReferenceOps } from "../backend/reference-ops.js";
import { init } from "../init.js";
import { threadsOption } from "../threads/setup.js";
import { Rng } from "../data/rng.js";
import {
  type EngineSnapshot, type EngineSpec, type EngineTargets, type HsmEngineSpec, type ModelLoss, type ScoreVisitor, type TrainingEngine,
} from "../train/engine.js";
import { createEngine } from "../train/create-engine.js";
import { initialWeights } from "../train/initializers.js";
import { learningRateAt, momentumAt } from "../train/schedule.js";
import { weightedRows, selectTargets } from "./sample-weight.js";
import { writeOnnx, type OnnxOptions } from "./onnx-writer.js";
import { batchFor, object, knownKeys, MODEL_KEYS, resolveOptions, type LinearModelOptions, type Resolved } from "./options.js";
import * as v from "../validate.js";
import { csrFromDense, csrToDense, isCsr, rowsArg, type Rows, type RowsInput } from "../sparse/csr.js";
import { identityBatch, sparseOpsOf } from "../sparse/ops.js";
import type { HitRule } from "../reference/metrics.js";
import { abortError, runControl, RUN_CONTROL_KEYS, Slicer, SLICE_MS, type RunControl } from "./control.js";

/** What a training call may change, saved before it runs (see `transaction`). */
interface Saved {
  params: { W: Matrix; b: Float32Array } | null;
  targetKind: string | null;
  epochsDone: number;
  rng: { shuffle: Rng; step: Rng } | null;
  engine: TrainingEngine | null;
  engineSparse: boolean;
  engineBatch: number;
  engineState: EngineSnapshot | null;
  extra: unknown;
}

const FIT_KEYS = ["validation", "onEpoch", "earlyStopping", "trainMetrics", "sampleWeight", ...RUN_CONTROL_KEYS];

function onEpochArg<M extends string>(value: unknown): ((info: EpochInfo<M>) => void | Promise<void>) | undefined {
  if (value !== undefined && typeof value !== "function") throw new TypeError(`onEpoch must be a function, got ${v.describe(value)}`);
  return value as ((info: EpochInfo<M>) => void | Promise<void>) | undefined;
}

/** The progressive training metrics of an epoch, summed step by step: Σ loss·rows and the rows predicted right. */
interface Tally {
  rule: HitRule;
  loss: number;
  hits: number;
}

/** Per-epoch numbers; M names the score ('Accuracy' for the classifier, 'R2' for the regressor). */
export type EpochInfo<M extends string> = {
  /** Epochs trained so far by this model, counting from 1 (partialFit calls continue the count). */
  epoch: number;
  /**
   * The training objective (mean data loss + penalty) of the epoch; how it is measured follows the fit option
   * `trainMetrics`: by default progressively, the mean over the epoch's mini-batches of each batch's loss before
   * its update (with input dropout if set); with 'full', over the whole training set after the epoch, without
   * dropout. The training score `train<Metric>` is measured the same way.
   */
  loss: number;
  valLoss?: number;
  /** The epoch's learning rate (after the schedule) and momentum coefficient. */
  learningRate: number;
  momentum: number;
  /** Mini-batch steps taken in the epoch. */
  steps: number;
  /** Wall-clock seconds of the epoch, evaluations included. */
  seconds: number;
} & { [K in `train${M}`]: number } & { [K in `val${M}`]?: number };

export type EarlyStoppingMetric<M extends string> = "loss" | "valLoss" | `train${M}` | `val${M}`;

export interface EarlyStopping<M extends string> {
  /** Epochs without improvement before stopping. Default 5. */
  patience?: number;
  /** Default 'valLoss' with validation data, else 'loss'. Losses must drop, scores must rise. */
  metric?: EarlyStoppingMetric<M>;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** End with the weights of the best epoch. Default true. */
  restoreBest?: boolean;
}

export interface FitOptions<Y, M extends string> extends RunControl {
  /** Evaluated after every epoch (never trained on). */
  validation?: [X: RowsInput, y: Y];
  /** Called once after every epoch (awaited if it returns a promise). */
  onEpoch?: (info: EpochInfo<M>) => void | Promise<void>;
  earlyStopping?: EarlyStopping<M>;
  /**
   * How each epoch's `loss` and `train<Metric>` are measured. 'progressive' (default, as Keras): from the steps
   * themselves, at no extra cost: the row-weighted mean of the batch losses and the share of rows the batch's
   * scores predict right, both before the batch's update (so they lag the end-of-epoch weights, include input
   * dropout if set, and with CSR input hold the penalty of the rows of W each batch touches). 'full': one more pass over the whole training set after the epoch, with the final weights
   * and no dropout (exact, about half an epoch's work). The full pass is used anyway where the steps cannot
   * count: the regressor's R², random search and hierarchical softmax. Validation metrics are always
   * a full pass over the validation set.
   */
  trainMetrics?: TrainMetrics;
  /**
   * One weight ≥ 0 per row of X: row i's loss counts w_i times (times its class weight), and the data loss is the
   * weighted mean Σ w_i·L_i / Σ w_i. A row of weight 0 is left out, the same fit as dropping it; the others are
   * rescaled to mean 1, so a mini-batch's loss is an unbiased estimate of the weighted mean (exact with one full
   * batch). The epoch's `loss` is weighted; `train<Metric>` counts the rows of positive weight, unweighted.
   */
  sampleWeight?: ArrayLike<number>;
}

export type TrainMetrics = "progressive" | "full";
export const TRAIN_METRICS: readonly TrainMetrics[] = ["progressive", "full"];

/** What `fit` returns: one entry per epoch in each array (`loss` and `train<Metric>` as the fit option trainMetrics says). */
export type History<M extends string> = {
  epochs: EpochInfo<M>[];
  loss: number[];
  valLoss: number[];
  /** The epoch (as in EpochInfo.epoch) whose weights the model ends with. */
  bestEpoch: number;
  stoppedEarly: boolean;
} & { [K in `train${M}` | `val${M}`]: number[] };

/**
 * Thrown when the loss becomes NaN or infinite. The model is then as it was before the call, or, with the fit
 * option keepProgress, holds the weights from before the diverging update.
 */
export class DivergenceError extends Error {
  constructor(readonly epoch: number, readonly step: number, readonly loss: number, where: string) {
    super(`training diverged in epoch ${epoch}, ${where}: the loss became ${loss}; try a lower learning rate`);
    this.name = "DivergenceError";
  }
}

/** A score accumulated chunk by chunk over the scores of a dataset. */
export interface ScoreMeter {
  visit: ScoreVisitor;
  result(): number;
}

/** The part of the engine spec a subclass decides: the loss, and for hierarchical softmax its class tree. */
export type EngineLoss = Pick<EngineSpec, "loss"> | Pick<HsmEngineSpec, "loss" | "tree">;

/** A dataset after the subclass checked it: the engine's targets and the data its score meter needs. */
export interface Prepared {
  targets: EngineTargets;
  /**
   * What the model learns of its outputs from these targets, and what `prepare` takes back as `known` for the
   * targets of a later call (the classifier's classes; the regressor's output count).
   */
  known: unknown;
  meter: () => ScoreMeter;
  /** How an engine counts the meter's hits on a batch (progressive accuracy); absent when it cannot (R²). */
  hitRule?: HitRule;
}

export const FORMAT = "simdlinear-linear-model";
export const FORMAT_VERSION = 1;

export interface LinearModelJSON {
  format: typeof FORMAT;
  version: number;
  model: string;
  /** How the model was fitted: 'labels' | 'multilabel' (classifier), 'vector' | 'matrix' (regressor). */
  targets: string;
  features: number;
  /** Columns of W: the classes or outputs; for loss 'hierarchical-softmax' the classes − 1 inner nodes of `tree`. */
  outputs: number;
  /** W row-major (features × outputs) and b, as float32 values. */
  W: number[];
  b: number[];
  epochs: number;
  options: Record<string, unknown>;
  /** Loss 'hierarchical-softmax' only: the class tree's `children` (2·outputs entries; src/hsoftmax/tree.ts). */
  tree?: number[];
  /** The classifier's classes: its sorted labels (absent in older files: 0..C−1). */
  classes?: number[] | string[];
  /** The user's own data (`model.metadata`), any JSON value; the library never reads it. */
  metadata?: unknown;
}

export abstract class LinearModel<L extends ModelLoss, M extends string, Y> {
  protected readonly options: Resolved<L>;
  /** The options as given (minus the backend), for toJSON. */
  private readonly given: Record<string, unknown>;
  private backendName: "wasm" | "reference" = "wasm";
  private readonly threads: "auto" | number | undefined;
  private backendValue: Backend | null = null;
  private ownsBackend = false;
  private engine: TrainingEngine | null = null;
  /** Whether the engine is the CSR one. */
  private engineSparse = false;
  /** W and b after the last training call (the engine holds the live copy while training). */
  protected params: { W: Matrix; b: Float32Array } | null = null;
  /** How the model was fitted ('labels', 'matrix', ...): fixed by the first fit. */
  protected targetKind: string | null = null;
  private rng: { shuffle: Rng; step: Rng } | null = null;
  private epochsDone = 0;
  /** Rows per step the engine was made for (its batch buffers). */
  private engineBatch = 0;
  /** The running training call's saved state (null when none runs): one call at a time. */
  private saved: Saved | null = null;
  private disposed = false;
  /** The user's own data kept in the model file (toJSON/fromJSON), never read by the library. */
  metadata: unknown = undefined;
  /** How long a fit works before it yields to the event loop (ms); internal, for the yield bench. */
  protected sliceMs = SLICE_MS;

  protected abstract readonly modelName: string;
  /** The score's name in the history: 'Accuracy' or 'R2'. */
  protected abstract readonly metric: M;

  constructor(options: LinearModelOptions<L>, losses: readonly L[], defaultLoss: L, extraKeys: readonly string[]) {
    const opts = object("options", options === undefined ? {} : options) as LinearModelOptions<L>;
    knownKeys("options", opts as Record<string, unknown>, [...MODEL_KEYS, ...extraKeys]);
    this.options = resolveOptions(opts, losses, defaultLoss);
    const { backend, threads, ...rest } = opts; // where the model runs is not part of the model (toJSON)
    this.given = plain(rest) as Record<string, unknown>;
    if (backend instanceof Backend) this.backendValue = backend;
    else this.backendName = backend ?? "wasm";
    this.threads = threadsOption(opts.threads);
    if (this.threads !== undefined && backend instanceof Backend) {
      throw new RangeError("threads: the Backend given as `backend` already has its threads (init({ threads }))");
    }
  }

  /**
   * Checks y against n rows and, when `outputs` is known, against it; sets what the subclass needs to know from
   * the first fit (`fitting`) and returns the engine's targets and a score meter.
   */
  protected abstract prepare(y: unknown, name: string, n: number, known: unknown): { prepared: Prepared; outputs: number; kind: string };
  /** What a fitted model knows of its outputs (Prepared.known), or null before fitting. */
  protected abstract get known(): unknown;
  /** Takes what a fresh start's targets said of the outputs (the classifier's classes). */
  protected adopt(_known: unknown): void {}
  /**
   * The engine's loss for a start on rows X with targets y and c outputs; `fresh` when the model has no weights
   * yet (hierarchical softmax then builds its tree from the data, else keeps the one the weights belong to).
   */
  protected abstract engineLoss(X: Rows, targets: EngineTargets, c: number, fresh: boolean): EngineLoss;
  /** Checks rows to train on or score (rowsArg); a subclass may refuse a format its loss cannot take. */
  protected rowsArg(name: string, X: unknown): Rows {
    return rowsArg(name, X);
  }
  /** Per-class weights for the engine (classifier), from the training targets. */
  protected classWeightFor(_prepared: Prepared, _outputs: number, _fit: boolean): Float32Array | null {
    return null;
  }

  /** Loads the backend if it is a name ('wasm' loads asynchronously). Resolves to the model. */
  async ready(): Promise<this> {
    this.alive();
    // A borrowed backend disposed under the model: its engine must not go on training on released memory.
    if (this.backendValue?.isDisposed) throw new Error(`the backend of this ${this.modelName} has been disposed`);
    if (!this.backendValue) {
      const backend = await init({ backend: this.backendName, threads: this.threads });
      if (this.disposed) { // disposed while the backend loaded
        backend.dispose();
        this.alive();
      }
      this.backendValue = backend;
      this.ownsBackend = true;
    }
    return this;
  }

  /** The backend, which predictions need ready: 'reference' is made on the spot, 'wasm' needs `ready()`. */
  protected get backend(): Backend {
    this.alive();
    if (!this.backendValue && this.backendName === "reference") {
      this.backendValue = new Backend(new ReferenceOps(), null);
      this.ownsBackend = true;
    }
    if (!this.backendValue) {
      throw new Error(`the wasm backend of this ${this.modelName} is not loaded yet: \`await model.ready()\` first `
        + "(fit does it), or pass a Backend from `await init()` as the backend option");
    }
    return this.backendValue;
  }

  /** Number of input features the model was fitted on, or null before fitting. */
  get features(): number | null {
    return this.params?.W.rows ?? null;
  }

  /**
   * Copies of W (features × outputs) and b. With loss 'hierarchical-softmax', W is features × (classes − 1): column
   * j and b[j] are the vector and bias of inner node j of the classifier's `tree`, whose score s = x·W[:, j] + b[j]
   * sends x right with probability σ(s).
   */
  get weights(): { W: Matrix; b: Float32Array } {
    const { W, b } = this.fitted();
    return { W: { rows: W.rows, cols: W.cols, data: W.data.slice() }, b: b.slice() };
  }

  /** scikit-learn's `coef_` layout: a copy of W transposed, outputs × features (C×D). */
  coef(): Matrix {
    const { W } = this.fitted();
    const coef = new Float32Array(W.data.length);
    for (let d = 0; d < W.rows; d++) for (let c = 0; c < W.cols; c++) coef[c * W.rows + d] = W.data[d * W.cols + c]!;
    return { rows: W.cols, cols: W.rows, data: coef };
  }

  /** scikit-learn's `intercept_`: a copy of b, one value per output. */
  intercept(): Float32Array {
    return this.fitted().b.slice();
  }

  /** Trains from scratch (new weights, fresh optimizer state) for `epochs` epochs. */
  protected fitModel(X: RowsInput, y: unknown, options: FitOptions<unknown, M>): Promise<History<M>> {
    return this.transaction(options, FIT_KEYS, "fit options", (control) => {
      const fit = object("fit options", options ?? {}) as FitOptions<unknown, M>;
      const trainMetrics = v.oneOf("trainMetrics", fit.trainMetrics ?? "progressive", TRAIN_METRICS);
      const given = this.rowsArg("X", X), checked = this.prepare(y, "y", given.rows, null);
      const { X: rows, kept, weights } = weightedRows(given, fit.sampleWeight);
      const { prepared, outputs, kind } = kept ? this.prepare(selectTargets(y, kept), "y", rows.rows, checked.prepared.known) : checked;
      const validation = this.validation(fit.validation, rows.cols, prepared.known, kind);
      const stopping = this.earlyStopping(fit.earlyStopping, validation !== null);
      const onEpoch = onEpochArg<M>(fit.onEpoch);
      const classWeight = this.classWeightFor(prepared, outputs, true);
      return async () => {
        await this.ready();
        this.checkAlive();
        this.dropEngine();
        this.params = null;
        this.rng = null;
        this.epochsDone = 0;
        this.start(rows, prepared, outputs, kind, classWeight);
        return this.run(rows, prepared, validation, this.options.epochs, onEpoch, stopping, trainMetrics, control, weights);
      };
    });
  }

  /**
   * One epoch over (X, y), continuing from the current weights and optimizer state; the first call starts the
   * model (with `outputs` classes or outputs, when y alone cannot tell).
   */
  protected partialFitModel(X: RowsInput, y: unknown, declared: unknown, options: RunControl = {}): Promise<History<M>> {
    return this.transaction(options, RUN_CONTROL_KEYS, "options", (control) => {
      const rows = this.rowsArg("X", X);
      const d = this.params?.W.rows ?? null;
      if (d !== null && rows.cols !== d) throw new RangeError(`X has ${rows.cols} columns but the model has ${d} features`);
      const { prepared, outputs: c, kind } = this.prepareLike(y, "y", rows.rows, this.known ?? declared);
      const classWeight = this.classWeightFor(prepared, c, false);
      return async () => {
        await this.ready();
        this.checkAlive();
        this.engineFor(rows, prepared, c, kind, classWeight);
        return this.run(rows, prepared, null, 1, undefined, null, "progressive", control);
      };
    });
  }

  /** Scores S = X·W + b (N × outputs); X dense or CSR. */
  decisionFunction(X: RowsInput): Matrix {
    const { W, b, rows } = this.predictable(X);
    return isCsr(rows) ? sparseOpsOf(this.backend).scores(rows, W, b, identityBatch(rows.rows)) : this.backend.scores(rows, W, b);
  }

  /** The fitted weights, and X checked as rows the model can score (compute on these, not on X). */
  protected predictable(X: unknown): { W: Matrix; b: Float32Array; rows: Rows } {
    const { W, b } = this.fitted();
    const rows = this.rowsArg("X", X);
    if (rows.cols !== W.rows) throw new RangeError(`X has ${rows.cols} columns but the model has ${W.rows} features`);
    return { W, b, rows };
  }

  /** Classes or outputs of the fitted model (W has one column fewer with hierarchical softmax), or null. */
  protected get fittedOutputs(): number | null {
    if (!this.params) return null;
    return this.params.W.cols + (this.options.loss === "hierarchical-softmax" ? 1 : 0);
  }

  /** The model's score on (X, y): accuracy for the classifier, R² for the regressor. */
  protected scoreModel(X: RowsInput, y: unknown): number {
    const { rows } = this.predictable(X);
    const meter = this.prepareLike(y, "y", rows.rows, this.known).prepared.meter(); // y checked before any kernel runs
    const S = this.decisionFunction(rows);
    meter.visit(S.data, S.cols, 0, S.rows);
    return meter.result();
  }

  /**
   * The model as ONNX bytes (opset 13, dynamic batch), as `toOnnx(model, options)` of `simdlinear/onnx` writes
   * them; that entry must have been imported once (it brings the writer and its dependency, onnx-proto).
   */
  toOnnx(options: OnnxOptions = {}): Uint8Array {
    this.fitted();
    return writeOnnx(this, options);
  }

  toJSON(): LinearModelJSON {
    const { W, b } = this.fitted();
    return {
      format: FORMAT,
      version: FORMAT_VERSION,
      model: this.modelName,
      targets: this.targetKind!,
      features: W.rows,
      outputs: W.cols,
      W: Array.from(W.data),
      b: Array.from(b),
      epochs: this.epochsDone,
      options: plain(this.given) as Record<string, unknown>,
      ...(this.metadata === undefined ? {} : { metadata: structuredClone(this.metadata) }),
    };
  }

  /** Restores weights read by `parseModelJSON` into a new model. */
  protected loadJSON(json: LinearModelJSON): this {
    this.params = {
      W: { rows: json.features, cols: json.outputs, data: Float32Array.from(json.W) },
      b: Float32Array.from(json.b),
    };
    this.targetKind = json.targets;
    this.epochsDone = json.epochs;
    this.metadata = json.metadata === undefined ? undefined : structuredClone(json.metadata);
    return this;
  }

  /**
   * Frees the model's WASM memory (and its backend, if the model loaded it). Any later call throws. Called
   * during a fit (from onEpoch, say), the fit ends with an Error saying so, and the memory is freed then.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (!this.saved) this.release();
  }

  protected alive(): void {
    if (this.disposed) throw new Error(`this ${this.modelName} has been disposed`);
  }

  protected fitted(): { W: Matrix; b: Float32Array } {
    this.alive();
    if (!this.params) throw new Error(`this ${this.modelName} is not fitted yet: call fit() or partialFit() first`);
    return this.params;
  }

  private release(): void {
    this.dropEngine();
    if (this.ownsBackend) this.backendValue?.dispose();
    this.backendValue = null;
    this.params = null;
  }

  /**
   * Runs a training call as one transaction: one at a time per model (a second one is refused before it creates
   * anything), and all or nothing: if `body` throws, or is aborted, the model is put back as it was (weights,
   * optimizer state, classes, epochs, random streams), unless the caller asked to keep the progress.
   */
  private async transaction<T>(options: unknown, keys: readonly string[], name: string,
                               prepare: (control: RunControl) => () => Promise<T>): Promise<T> {
    // All of this runs when the call is made, before its first await: a second call is refused at once.
    this.alive();
    const given = object(name, options ?? {});
    knownKeys(name, given, keys);
    const control = runControl(given);
    const body = prepare(control);
    if (this.saved) throw new Error(`this ${this.modelName} is already training: await the running fit first`);
    if (control.signal?.aborted) throw abortError(control.signal);
    const saved = this.save();
    this.saved = saved;
    try {
      const result = await body();
      this.checkAlive();
      this.commit(saved);
      return result;
    } catch (e) {
      if (control.keepProgress && !this.disposed && !this.backendValue?.isDisposed) this.commit(saved);
      else this.rollback(saved);
      throw e;
    } finally {
      this.saved = null;
      if (this.disposed) this.release();
    }
  }

  /** What a training call may change: copies of it, and the engine as it was (kept aside, not disposed). */
  private save(): Saved {
    return {
      params: this.params, targetKind: this.targetKind, epochsDone: this.epochsDone,
      rng: this.rng && { shuffle: this.rng.shuffle.clone(), step: this.rng.step.clone() },
      engine: this.engine, engineSparse: this.engineSparse, engineBatch: this.engineBatch,
      engineState: this.engine && !this.backendValue?.isDisposed ? this.engine.snapshot() : null,
      extra: this.saveExtra(),
    };
  }

  /** The call succeeded: the engine it replaced, if any, is released. */
  private commit(saved: Saved): void {
    if (saved.engine && saved.engine !== this.engine) saved.engine.dispose();
  }

  private rollback(saved: Saved): void {
    if (this.engine && this.engine !== saved.engine) this.engine.dispose();
    this.engine = saved.engine;
    if (this.backendValue?.isDisposed) this.engine = null; // its memory went with the backend
    else if (saved.engine && saved.engineState) saved.engine.rollback(saved.engineState);
    this.params = saved.params;
    this.targetKind = saved.targetKind;
    this.epochsDone = saved.epochsDone;
    this.rng = saved.rng;
    this.engineSparse = saved.engineSparse;
    this.engineBatch = saved.engineBatch;
    this.restoreExtra(saved.extra);
  }

  /** Subclass state that the first fit sets (the classifier's class tree), for the transaction. */
  protected saveExtra(): unknown {
    return null;
  }

  protected restoreExtra(_saved: unknown): void {}

  /** Between steps: the model and its backend must still be there (user code may have disposed them). */
  private checkAlive(): void {
    if (this.disposed) throw new Error(`this ${this.modelName} was disposed during fit`);
    if (this.backendValue?.isDisposed) throw new Error(`the backend of this ${this.modelName} was disposed during fit`);
  }

  /** After an await that may have run user code: alive, and not aborted. */
  private afterAwait(control: RunControl): void {
    this.checkAlive();
    if (control.signal?.aborted) throw abortError(control.signal);
  }

  private dropEngine(): void {
    if (this.engine !== this.saved?.engine) this.engine?.dispose(); // a transaction's old engine waits for its end
    this.engine = null;
  }

  /**
   * The engine for training on rows X: the current one if it takes them (the same format, a batch as large),
   * else a new one holding the current weights and, when it replaces one of the same format, its optimizer
   * state too.
   */
  private engineFor(X: Rows, prepared: Prepared, c: number, kind: string, classWeight: Float32Array | null): void {
    const batch = this.batchFor(X.rows);
    if (this.engine && this.engineSparse === isCsr(X) && this.engineBatch >= batch) return;
    const carried = this.engine && this.engineSparse === isCsr(X) ? this.engine.snapshot() : null;
    // Dense and CSR input train on different engines: a switch carries the weights over (not the optimizer state).
    this.dropEngine();
    this.start(X, prepared, c, kind, classWeight);
    if (carried) this.engine!.rollback(carried);
  }

  private batchFor(n: number): number {
    return batchFor(this.options.batchSize, n);
  }

  /**
   * Creates the engine and puts the current weights in it, or initial ones (with the seeded streams) when the
   * model has none yet.
   */
  private start(X: Rows, prepared: Prepared, c: number, kind: string, classWeight: Float32Array | null): void {
    const o = this.options, master = new Rng(o.seed), initRng = new Rng(master.nextU32());
    if (isCsr(X) && o.init === "lsuv" && !this.params) throw new RangeError("init: 'lsuv' needs dense X; use another init for CSR input");
    const loss = this.engineLoss(X, prepared.targets, c, this.params === null);
    if (!this.params) this.adopt(prepared.known);
    const batchSize = this.batchFor(X.rows);
    const engine = createEngine(this.backend, {
      ...loss, d: X.cols, c, delta: o.delta, classWeight, l2: o.l2, l1: o.l1, rule: o.rule, hyper: o.hyper,
      batchSize, inputDropout: o.inputDropout,
    }, isCsr(X));
    this.rng ??= { shuffle: new Rng(master.nextU32()), step: new Rng(master.nextU32()) };
    this.engine = engine;
    this.engineSparse = isCsr(X);
    this.engineBatch = batchSize;
    this.targetKind = kind;
    if (this.params) {
      engine.setParams(this.params.W, this.params.b);
      return;
    }
    const sample = o.init === "lsuv" && !isCsr(X) ? sampleRows(X, batchSize, initRng) : undefined;
    const columns = loss.loss === "hierarchical-softmax" ? c - 1 : c; // one per inner node of the tree
    engine.setParams(initialWeights(o.init, X.cols, columns, initRng, sample), new Float32Array(columns));
    this.params = engine.getParams();
  }

  /** prepare, refusing targets of another kind than the model was fitted on. */
  protected prepareLike(y: unknown, name: string, n: number, known: unknown) {
    const result = this.prepare(y, name, n, known);
    if (this.targetKind !== null && result.kind !== this.targetKind) {
      throw new TypeError(`${name} holds ${result.kind} but the model was fitted on ${this.targetKind}`);
    }
    return result;
  }

  private validation(value: unknown, d: number, known: unknown, kind: string): { X: Rows; prepared: Prepared } | null {
    if (value === undefined) return null;
    if (!Array.isArray(value) || value.length !== 2) {
      throw new TypeError(`validation must be a pair [X, y], got ${v.describe(value)}`);
    }
    const [Xv, yv] = value as unknown[];
    const X = rowsArg("validation[0]", Xv); // CSR validation rows are densified for a dense-only loss (sameFormat)
    if (X.cols !== d) throw new RangeError(`validation[0] has ${X.cols} columns but X has ${d}`);
    const checked = this.prepare(yv, "validation[1]", X.rows, known);
    if (checked.kind !== kind) throw new TypeError(`validation[1] holds ${checked.kind} but y holds ${kind}`);
    return { X, prepared: checked.prepared };
  }

  private earlyStopping(value: unknown, hasValidation: boolean): Required<EarlyStopping<M>> | null {
    if (value === undefined) return null;
    const s = object("earlyStopping", value) as EarlyStopping<M>;
    knownKeys("earlyStopping", s as Record<string, unknown>, ["patience", "metric", "minDelta", "restoreBest"]);
    const metrics = ["loss", "valLoss", `train${this.metric}`, `val${this.metric}`] as EarlyStoppingMetric<M>[];
    const metric = v.oneOf("earlyStopping.metric", s.metric ?? (hasValidation ? "valLoss" : "loss"), metrics);
    if (metric.startsWith("val") && !hasValidation) {
      throw new RangeError(`earlyStopping.metric '${metric}' needs validation data (fit option validation: [X, y])`);
    }
    if (s.restoreBest !== undefined && typeof s.restoreBest !== "boolean") {
      throw new TypeError(`earlyStopping.restoreBest must be a boolean, got ${v.describe(s.restoreBest)}`);
    }
    return {
      patience: v.dimension("earlyStopping.patience", s.patience ?? 5),
      metric,
      minDelta: v.nonNegative("earlyStopping.minDelta", s.minDelta ?? 0),
      restoreBest: s.restoreBest ?? true,
    };
  }

  /**
   * The training loop: `epochs` epochs of shuffled mini-batch steps, each followed by the evaluation of the
   * validation set and, with trainMetrics 'full' or when the steps cannot count the metric, of the training set.
   */
  private async run(X: Rows, train: Prepared, validation: { X: Rows; prepared: Prepared } | null, epochs: number,
                    onEpoch: FitOptions<unknown, M>["onEpoch"], stopping: Required<EarlyStopping<M>> | null,
                    trainMetrics: TrainMetrics, control: RunControl, weights: Float32Array | null = null): Promise<History<M>> {
    const engine = this.engine!, o = this.options, n = X.rows;
    const tally: Tally | null = trainMetrics === "progressive" && train.hitRule !== undefined && engine.hits !== undefined
      && o.rule !== "random-search" ? { rule: train.hitRule, loss: 0, hits: 0 } : null;
    const trainKey = `train${this.metric}`, valKey = `val${this.metric}`;
    const history = { epochs: [], loss: [], valLoss: [], [trainKey]: [], [valKey]: [], bestEpoch: 0, stoppedEarly: false } as
      unknown as History<M>;
    const record = history as unknown as Record<string, number[]>;
    const slicer = new Slicer(this.sliceMs);
    let best: { value: number; params: { W: Matrix; b: Float32Array } | null } | null = null;
    try {
      engine.load("train", X, train.targets, weights);
      if (validation) engine.load("validation", sameFormat(validation.X, X), validation.prepared.targets);
      for (let e = 0; e < epochs; e++) {
        const started = performance.now(), epoch = this.epochsDone + 1;
        const learningRate = learningRateAt(o.schedule, o.learningRate, this.epochsDone, o.epochs);
        const momentum = momentumAt(o.momentumSchedule, o.momentum, this.epochsDone, o.epochs);
        if (tally) tally.loss = tally.hits = 0;
        const steps = await this.epochSteps(n, learningRate, momentum, epoch, 0, tally, slicer, control);
        this.epochsDone++;
        const info = { epoch, learningRate, momentum, steps } as Record<string, number>;
        if (tally) {
          // The steps checked every loss before its update; the last update is checked on the weights it made.
          if (!finiteParams(engine)) this.diverged(epoch, steps, engine.evaluate("train", () => {}), `after its last step (${steps})`);
          info.loss = tally.loss / n;
          info[trainKey] = tally.hits / n;
        } else {
          const meter = train.meter();
          info.loss = engine.evaluate("train", meter.visit);
          if (!Number.isFinite(info.loss)) this.diverged(epoch, steps, info.loss!, `after its last step (${steps})`);
          info[trainKey] = meter.result();
        }
        if (validation) {
          const valMeter = validation.prepared.meter();
          info.valLoss = engine.evaluate("validation", valMeter.visit);
          info[valKey] = valMeter.result();
        }
        info.seconds = (performance.now() - started) / 1000;
        for (const key of ["loss", "valLoss", trainKey, valKey]) if (info[key] !== undefined) record[key]!.push(info[key]!);
        history.epochs.push(info as EpochInfo<M>);
        if (onEpoch) {
          this.params = engine.getParams(); // the callback may read the model's weights
          await onEpoch(info as EpochInfo<M>);
          this.afterAwait(control);
        }
        if (!stopping) {
          history.bestEpoch = epoch;
          continue;
        }
        const value = info[stopping.metric]!, sign = stopping.metric.toLowerCase().endsWith("loss") ? -1 : 1;
        if (best === null || sign * (value - best.value) > stopping.minDelta) {
          best = { value, params: stopping.restoreBest ? engine.getParams() : null };
          history.bestEpoch = epoch;
        } else if (epoch - history.bestEpoch >= stopping.patience) {
          history.stoppedEarly = true;
          break;
        }
      }
      if (best?.params) engine.setParams(best.params.W, best.params.b);
      return history;
    } finally {
      if (!this.backendValue?.isDisposed) {
        engine.unload("train");
        engine.unload("validation");
        this.params = engine.getParams();
      }
    }
  }

  /**
   * One shuffled pass of mini-batch steps over the `n` training rows loaded in the engine; `before` steps of the
   * epoch came earlier (a stream's previous chunks). Adds each batch's loss·rows and hits into `tally` (if any).
   * Gives the event loop a turn whenever a slice of work has run its time. Returns the steps taken.
   */
  private async epochSteps(n: number, learningRate: number, momentum: number, epoch: number, before: number,
                           tally: Tally | null, slicer: Slicer, control: RunControl): Promise<number> {
    const engine = this.engine!, o = this.options, rng = this.rng!, search = o.rule === "random-search";
    const batchSize = this.batchFor(n);
    engine.shuffle(rng.shuffle);
    let steps = before;
    for (let start = 0; start < n; start += batchSize) {
      if (slicer.due) {
        await slicer.yield();
        this.afterAwait(control);
      }
      const count = Math.min(batchSize, n - start), seed = rng.step.nextU32();
      steps++;
      const loss = search ? engine.search(start, count, learningRate, seed) : engine.gradient(start, count, seed);
      if (!Number.isFinite(loss)) this.diverged(epoch, steps, loss, `step ${steps}`);
      if (tally) {
        tally.loss += loss * count;
        tally.hits += engine.hits!(tally.rule, start, count);
      }
      if (!search) engine.update(learningRate, momentum);
      if (o.maxNorm !== null) engine.maxNorm(o.maxNorm);
    }
    return steps - before;
  }

  /**
   * Trains on a stream of chunks { X, y } (dense or CSR), `epochs` passes, continuing from the current weights
   * like partialFit: each chunk is copied into the engine, scored (progressive validation: the model has not
   * seen it yet), trained on for one shuffled pass, and dropped, so memory holds one chunk at a time. An epoch's
   * `loss` and `train<Metric>` are these progressive values, averaged over the rows. For epochs > 1 the source
   * must be a function returning a fresh iterable per epoch (a generator can be read once). All or nothing, as
   * fit: a chunk that fails (or a source that throws) puts the model back as it was before the call, unless
   * `keepProgress` is set, which keeps every chunk trained on before the failure.
   */
  protected fitStreamModel(source: unknown, options: Record<string, unknown>, declared: unknown): Promise<History<M>> {
    return this.transaction(options, [...RUN_CONTROL_KEYS, "epochs", "classes", "onEpoch"], "options", (control) => {
      const epochs = v.dimension("options.epochs", options.epochs ?? 1);
      const open = streamSource(source, epochs);
      const onEpoch = onEpochArg<M>(options.onEpoch);
      return () => this.stream(open, epochs, declared, onEpoch, control);
    });
  }

  private async stream(open: () => AnyIterable, epochs: number, declared: unknown,
                       onEpoch: ((info: EpochInfo<M>) => void | Promise<void>) | undefined, control: RunControl): Promise<History<M>> {
    await this.ready();
    this.checkAlive();
    const o = this.options, trainKey = `train${this.metric}`;
    const history = { epochs: [], loss: [], valLoss: [], [trainKey]: [], [`val${this.metric}`]: [], bestEpoch: 0,
      stoppedEarly: false } as unknown as History<M>;
    const slicer = new Slicer(this.sliceMs);
    for (let e = 0; e < epochs; e++) {
      const started = performance.now(), epoch = this.epochsDone + 1;
      const learningRate = learningRateAt(o.schedule, o.learningRate, this.epochsDone, o.epochs);
      const momentum = momentumAt(o.momentumSchedule, o.momentum, this.epochsDone, o.epochs);
      let rows = 0, steps = 0, chunks = 0, lossSum = 0, scoreSum = 0;
      for await (const chunk of open()) {
        this.afterAwait(control);
        const { X: given, y } = chunkArg(chunk, chunks), X = this.rowsArg(`chunk ${chunks} X`, given);
        const d = this.params?.W.rows ?? null;
        if (d !== null && X.cols !== d) throw new RangeError(`chunk ${chunks}: X has ${X.cols} columns but the model has ${d} features`);
        const { prepared, outputs: c, kind } = this.prepareLike(y, `chunk ${chunks} y`, X.rows, this.known ?? declared);
        this.engineFor(X, prepared, c, kind, this.classWeightFor(prepared, c, false));
        const engine = this.engine!, meter = prepared.meter();
        engine.load("train", X, prepared.targets);
        try {
          lossSum += engine.evaluate("train", meter.visit) * X.rows;
          scoreSum += meter.result() * X.rows;
          steps += await this.epochSteps(X.rows, learningRate, momentum, epoch, steps, null, slicer, control);
        } finally {
          if (!this.backendValue?.isDisposed) engine.unload("train");
        }
        this.params = engine.getParams();
        rows += X.rows;
        chunks++;
      }
      if (chunks === 0) {
        throw new RangeError(`source yielded no chunk in epoch ${e + 1}`
          + (e > 0 ? ": for epochs > 1 pass a function that returns a new iterable each time" : ""));
      }
      this.epochsDone++;
      const info = { epoch, learningRate, momentum, steps, loss: lossSum / rows, [trainKey]: scoreSum / rows,
        seconds: (performance.now() - started) / 1000 } as unknown as EpochInfo<M>;
      history.epochs.push(info);
      history.loss.push(info.loss);
      (history as unknown as Record<string, number[]>)[trainKey]!.push(scoreSum / rows);
      history.bestEpoch = epoch;
      if (onEpoch) {
        await onEpoch(info);
        this.afterAwait(control);
      }
    }
    return history;
  }

  /** Puts back the weights from before the diverging update (what keepProgress keeps) and throws. */
  private diverged(epoch: number, step: number, loss: number, where: string): never {
    this.engine!.restore();
    this.params = this.engine!.getParams();
    throw new DivergenceError(epoch, step, loss, where);
  }
}

/** A source of chunks for fitStream: a (async) iterable, or a function returning a fresh one per epoch. */
export type ChunkSource<Y> = AsyncIterable<{ X: RowsInput; y: Y }> | Iterable<{ X: RowsInput; y: Y }>
  | (() => AsyncIterable<{ X: RowsInput; y: Y }> | Iterable<{ X: RowsInput; y: Y }>);

type AnyIterable = AsyncIterable<unknown> | Iterable<unknown>;

const isIterable = (value: unknown): value is AnyIterable => typeof value === "object" && value !== null
  && (Symbol.asyncIterator in value || Symbol.iterator in value);

/** The source as a function giving each epoch its iterable (a plain iterable serves every epoch itself). */
function streamSource(source: unknown, epochs: number): () => AnyIterable {
  if (typeof source === "function") {
    return () => {
      const iterable = (source as () => unknown)();
      if (!isIterable(iterable)) throw new TypeError(`source() must return an iterable of chunks, got ${v.describe(iterable)}`);
      return iterable;
    };
  }
  if (!isIterable(source)) {
    throw new TypeError(`source must be an (async) iterable of { X, y } chunks or a function returning one, got ${v.describe(source)}`);
  }
  if (epochs > 1 && (source as { next?: unknown }).next !== undefined) {
    throw new RangeError(`source is a one-shot iterator but epochs is ${epochs}: pass a function that returns a new iterable per epoch`);
  }
  return () => source;
}

function chunkArg(chunk: unknown, index: number): { X: unknown; y: unknown } {
  if (typeof chunk !== "object" || chunk === null || !("X" in chunk) || !("y" in chunk)) {
    throw new TypeError(`chunk ${index} must be an object { X, y }, got ${v.describe(chunk)}`);
  }
  return { X: chunk.X, y: chunk.y };
}

/** Whether every weight and bias in the engine is finite. */
function finiteParams(engine: TrainingEngine): boolean {
  const { W, b } = engine.getParams();
  return W.data.every(Number.isFinite) && b.every(Number.isFinite);
}

/** `rows` in the format of `like` (the engine's): dense or CSR. */
function sameFormat(rows: Rows, like: Rows): Rows {
  if (isCsr(rows) === isCsr(like)) return rows;
  return isCsr(rows) ? csrToDense(rows) : csrFromDense(rows);
}

/** `count` rows of X drawn with rng (with replacement): the lsuv batch. */
function sampleRows(X: Matrix, count: number, rng: Rng): Matrix {
  const d = X.cols, rows = Math.min(count, X.rows), out = new Float32Array(rows * d);
  for (let i = 0; i < rows; i++) {
    const r = rng.int(X.rows);
    out.set(X.data.subarray(r * d, (r + 1) * d), i * d);
  }
  return { rows, cols: d, data: out };
}

/** A JSON-ready deep copy: typed arrays become plain arrays. */
function plain(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, plain(entry)]));
  }
  return value;
}

/**
 * Checks a model read back from JSON (an object, or its JSON text) before anything uses it: format and version,
 * model name, shapes, and every weight finite. Throws a RangeError/TypeError naming the first problem.
 */
export function parseModelJSON(value: unknown, model: string, targetKinds: readonly string[]): LinearModelJSON {
  let json = value;
  if (typeof value === "string") {
    try {
      json = JSON.parse(value);
    } catch (e) {
      throw new RangeError(`json is not valid JSON (${(e as Error).message}): a truncated or corrupted file?`);
    }
  }
  const o = object("json", json);
  knownKeys("json", o, JSON_KEYS);
  if (o.format !== FORMAT) {
    throw new RangeError(`json.format is ${JSON.stringify(o.format)}, expected "${FORMAT}": not a simdlinear model`);
  }
  const version = v.dimension("json.version", o.version);
  if (version > FORMAT_VERSION) {
    throw new RangeError(`json.version is ${version}: the model was saved by a newer simdlinear; this one reads format `
      + `version ${FORMAT_VERSION}`);
  }
  if (o.model !== model) throw new RangeError(`json.model is ${JSON.stringify(o.model)}, expected "${model}"`);
  v.oneOf("json.targets", o.targets, targetKinds);
  const d = v.dimension("json.features", o.features), c = v.dimension("json.outputs", o.outputs);
  finiteNumbers("json.W", o.W, d * c);
  finiteNumbers("json.b", o.b, c);
  v.dimension("json.epochs", o.epochs, 0);
  const options = object("json.options", o.options);
  for (const key of ["backend", "threads"]) {
    if (key in options) {
      throw new RangeError(`json.options.${key}: a model file holds no ${key}; fromJSON's options choose where the model `
        + "runs ({ backend: 'wasm' | 'reference' | a Backend from init({ threads }) })");
    }
  }
  return { ...o, options } as unknown as LinearModelJSON;
}

/** The fields of a model file; `metadata` holds the user's own data. */
const JSON_KEYS = ["format", "version", "model", "targets", "features", "outputs", "W", "b", "epochs", "options", "tree",
  "classes", "metadata"];

/** Runs a constructor on a model file's options: its errors name the field as json.options.<name>. */
export function fromJSONOptions<T>(build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof Error && !e.message.startsWith("json.")) e.message = `json.options.${e.message}`;
    throw e;
  }
}

export function finiteNumbers(name: string, value: unknown, length: number): number[] {
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array of ${length} numbers, got ${v.describe(value)}`);
  if (value.length !== length) {
    throw new RangeError(`${name} has ${value.length} values but the model's shape needs ${length}: a truncated file?`);
  }
  for (let i = 0; i < length; i++) {
    if (!(i in value)) throw new RangeError(`${name}[${i}] is a hole: a model file's arrays must be dense`);
    const x: unknown = value[i];
    if (typeof x !== "number" || !Number.isFinite(Math.fround(x))) {
      throw new RangeError(`${name}[${i}] is ${JSON.stringify(x)}: weights must be finite float32 numbers`);
    }
  }
  return value as number[];
}

/**
 * The constructor options shared by LinearClassifier and LinearRegressor: their types, their defaults and
 * their validation (a TypeError or RangeError naming the option, thrown by the constructor).
 */
import type { OptimizerConfig } from "../types.js";
import { Backend } from "../backend/backend.js";
import { fixedHyper, resolveUpdate, type FixedHyper } from "../backend/optimizer.js";
import { UPDATE_RULES } from "../types.js";
import type { ModelLoss, TrainRule } from "../train/engine.js";
import { INITIALIZERS, type Initializer } from "../train/initializers.js";
import {
  learningRateSchedule, momentumSchedule, type LearningRateSchedule, type MomentumSchedule,
} from "../train/schedule.js";
import * as v from "../validate.js";

export const TRAIN_RULES: readonly TrainRule[] = [...UPDATE_RULES, "random-search"];

/**
 * `rule` plus the rule's hyper-parameters (SPEC.md's names and defaults: learningRate 1e-2, or 1e-3 for adam;
 * momentum 0.9; decayRate 0.99; beta1 0.9; beta2 0.999; epsilon 1e-8; rprop: etaPlus 1.2, etaMinus 0.5,
 * stepMin 1e-6, stepMax 50; delta-bar-delta: kappa learningRate/10, phi 0.5, theta 0.7).
 * For `rprop` and `delta-bar-delta`, the learning rate (of the first epoch, under a schedule) is only where each
 * parameter's own step size starts; the rule adapts it from there.
 * For `random-search`, learningRate is the step size: the standard deviation of each weight's random step
 * (default 1e-3).
 */
export interface OptimizerOptions extends OptimizerConfig {
  /** Default 'adam'. */
  rule?: TrainRule;
  /** Learning rate per epoch. Default constant. */
  schedule?: LearningRateSchedule;
  /** Momentum per epoch (rules momentum and nesterov). Default constant. */
  momentumSchedule?: MomentumSchedule;
}

/** Where a model computes: a backend name (the model loads and owns it) or a Backend from `init()` (borrowed). */
export type BackendOption = "wasm" | "reference" | Backend;

export interface LinearModelOptions<L extends ModelLoss> {
  loss?: L;
  optimizer?: OptimizerOptions;
  /** λ of the penalty λ·ΣW² (gradient 2λW). Default 0. */
  l2?: number;
  /** λ of the penalty λ·Σ|W|. Default 0. */
  l1?: number;
  /** After each update, scale every class column of W whose L2 norm exceeds this down to it. Default none. */
  maxNorm?: number;
  /** Probability of dropping each input feature of a training batch (inverted dropout, training only). Default 0. */
  inputDropout?: number;
  /**
   * Rows per mini-batch (the last batch of an epoch may be smaller), clamped to the rows trained on (one
   * full-batch step, as scikit-learn does). Default 200, or on fewer than 200·24 rows ⌊N/24⌋ (at least 1), so
   * that an epoch of small data still makes 24 updates.
   */
  batchSize?: number;
  /** Passes over the training set in `fit`. Default 10. */
  epochs?: number;
  /** Weight initialiser (src/train/initializers.ts). Default 'gaussian' (std 0.01). Biases start at 0. */
  init?: Initializer;
  /** Seed of the initialisation, the epoch shuffles and the dropout masks: same seed, same run. Default 0. */
  seed?: number;
  /** Hinge margin Δ (hinge, squared-hinge). Default 1. */
  delta?: number;
  /** Default 'wasm'. */
  backend?: BackendOption;
  /**
   * Threads of a fit on the backend the model loads (a name): a count or 'auto', as `init({ threads })`.
   * Default 1. A Backend you pass has the threads its `init` gave it.
   */
  threads?: "auto" | number;
}

/** The options after validation, with every default filled in. */
export interface Resolved<L extends ModelLoss> {
  loss: L;
  rule: TrainRule;
  /** The base learning rate (the schedule scales it) and the base momentum. */
  learningRate: number;
  momentum: number;
  hyper: FixedHyper;
  schedule: LearningRateSchedule;
  momentumSchedule: MomentumSchedule;
  l2: number;
  l1: number;
  maxNorm: number | null;
  inputDropout: number;
  /** The batch size given, or null for the default (`batchFor`). */
  batchSize: number | null;
  epochs: number;
  init: Initializer;
  seed: number;
  delta: number;
}

export const DEFAULTS = {
  batchSize: 200,
  /** Updates an epoch makes at least under the default batch size. */
  minSteps: 24,
  epochs: 10,
  init: "gaussian",
  seed: 0,
  rule: "adam",
  randomSearchStep: 1e-3,
} as const;

const OPTIMIZER_KEYS = ["rule", "learningRate", "momentum", "decayRate", "beta1", "beta2", "epsilon", "etaPlus",
  "etaMinus", "stepMin", "stepMax", "kappa", "phi", "theta", "schedule", "momentumSchedule"];

export function object(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object, got ${v.describe(value)}`);
  }
  return v.ownEntries(value);
}

/** Throws on a key that is not an option: a misspelt option would otherwise be silently ignored. */
export function knownKeys(name: string, value: Record<string, unknown>, keys: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw new RangeError(`${name}: unknown option '${key}'; expected one of ${keys.join(", ")}`);
  }
}

export const MODEL_KEYS = ["loss", "optimizer", "l2", "l1", "maxNorm", "inputDropout", "batchSize", "epochs", "init",
  "seed", "delta", "backend", "threads"];

export function resolveOptions<L extends ModelLoss>(options: LinearModelOptions<L>, losses: readonly L[],
                                                   defaultLoss: L): Resolved<L> {
  const opt = options.optimizer === undefined ? {} : object("optimizer", options.optimizer) as OptimizerOptions;
  knownKeys("optimizer", opt as Record<string, unknown>, OPTIMIZER_KEYS);
  const rule = v.oneOf("optimizer.rule", opt.rule ?? DEFAULTS.rule, TRAIN_RULES);
  const search = rule === "random-search";
  // random-search takes the update rules' validation of its step size; the other fields do not apply to it.
  const config = search ? { ...opt, learningRate: opt.learningRate ?? DEFAULTS.randomSearchStep } : opt;
  const resolved = prefixed(() => resolveUpdate(search ? "sgd" : rule, config, {}));
  const { learningRate, momentum } = resolved;
  const schedule = opt.schedule === undefined ? { type: "constant" as const } : learningRateSchedule("optimizer.schedule", opt.schedule);
  const momentumSched = opt.momentumSchedule === undefined ? { type: "constant" as const }
    : momentumSchedule("optimizer.momentumSchedule", opt.momentumSchedule);
  if (momentumSched.type !== "constant" && rule !== "momentum" && rule !== "nesterov") {
    throw new RangeError(`optimizer.momentumSchedule applies to the rules 'momentum' and 'nesterov', not '${rule}'`);
  }
  const backend = options.backend ?? "wasm";
  if (!(backend instanceof Backend)) v.oneOf("backend", backend, ["wasm", "reference"] as const);
  return {
    loss: v.oneOf("loss", options.loss ?? defaultLoss, losses),
    rule,
    learningRate,
    momentum,
    hyper: fixedHyper(resolved),
    schedule,
    momentumSchedule: momentumSched,
    l2: v.nonNegative("l2", options.l2 ?? 0),
    l1: v.nonNegative("l1", options.l1 ?? 0),
    maxNorm: options.maxNorm === undefined ? null : v.positive("maxNorm", options.maxNorm),
    inputDropout: v.inRange("inputDropout", options.inputDropout ?? 0, 0, 1),
    batchSize: options.batchSize === undefined ? null : v.dimension("batchSize", options.batchSize),
    epochs: v.dimension("epochs", options.epochs ?? DEFAULTS.epochs),
    init: v.oneOf("init", options.init ?? DEFAULTS.init, INITIALIZERS),
    seed: v.dimension("seed", options.seed ?? DEFAULTS.seed, 0),
    delta: v.float32Number("delta", v.positive("delta", options.delta ?? 1)), // float32, as the kernels hold it
  };
}

/** Rows per step on a set of n rows: the batch size given, or the default (see `batchSize`), at most n. */
export function batchFor(batchSize: number | null, n: number): number {
  if (batchSize !== null) return Math.min(batchSize, n);
  return Math.min(DEFAULTS.batchSize, Math.max(1, Math.floor(n / DEFAULTS.minSteps)));
}

/** resolveUpdate names its fields config.*; here they are optimizer.*. */
function prefixed<T>(body: () => T): T {
  try {
    return body();
  } catch (e) {
    if (e instanceof Error) e.message = e.message.replace(/^config\./, "optimizer.");
    throw e;
  }
}

import type { OptimizerConfig, OptimizerState, UpdateRule } from "../types.js";
import type { StateArrays, UpdateHyper } from "./ops.js";
import * as v from "../validate.js";

/** SPEC.md's defaults; Adam's learning rate differs from the others. */
export const OPTIMIZER_DEFAULTS = {
  learningRate: 1e-2,
  adamLearningRate: 1e-3,
  momentum: 0.9,
  decayRate: 0.99,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  etaPlus: 1.2,
  etaMinus: 0.5,
  stepMin: 1e-6,
  stepMax: 50,
  /** κ = learningRate / 10. */
  kappaPerLearningRate: 0.1,
  phi: 0.5,
  theta: 0.7,
} as const;

export type StateField = "velocity" | "cache" | "m" | "v" | "prev" | "step" | "bar" | "rate";

/** The state fields each rule keeps, in the order its kernel takes them. */
export const STATE_FIELDS: Record<UpdateRule, readonly StateField[]> = {
  sgd: [],
  momentum: ["velocity"],
  nesterov: ["velocity"],
  adagrad: ["cache"],
  rmsprop: ["cache"],
  adam: ["m", "v"],
  rprop: ["prev", "step"],
  "delta-bar-delta": ["bar", "rate"],
};

/** The per-parameter step sizes: they start at the learning rate (SPEC.md), every other field at 0. */
export const STARTS_AT_LEARNING_RATE: readonly StateField[] = ["step", "rate"];

/** Validated hyper-parameters with defaults filled in; for Adam, the t of this step (state.t + 1). */
export function resolveUpdate(rule: UpdateRule, config: OptimizerConfig, state: OptimizerState): UpdateHyper {
  if (typeof config !== "object" || config === null) throw new TypeError(`config must be an object, got ${v.describe(config)}`);
  if (typeof state !== "object" || state === null) throw new TypeError(`state must be an object, got ${v.describe(state)}`);
  const d = OPTIMIZER_DEFAULTS;
  const t = state.t ?? 0;
  if (rule === "adam") v.dimension("state.t", t, 0);
  const learningRate = v.positive("config.learningRate", config.learningRate ?? (rule === "adam" ? d.adamLearningRate : d.learningRate));
  const stepMin = v.positive("config.stepMin", config.stepMin ?? d.stepMin);
  const stepMax = v.positive("config.stepMax", config.stepMax ?? d.stepMax);
  if (stepMax < stepMin) throw new RangeError(`config.stepMax (${stepMax}) must be ≥ config.stepMin (${stepMin})`);
  const etaPlus = v.positive("config.etaPlus", config.etaPlus ?? d.etaPlus);
  if (etaPlus < 1) throw new RangeError(`config.etaPlus must be ≥ 1 (the step grows while signs agree), got ${etaPlus}`);
  return {
    learningRate,
    momentum: v.inRange("config.momentum", config.momentum ?? d.momentum, 0, 1),
    decayRate: v.inRange("config.decayRate", config.decayRate ?? d.decayRate, 0, 1),
    beta1: v.inRange("config.beta1", config.beta1 ?? d.beta1, 0, 1),
    beta2: v.inRange("config.beta2", config.beta2 ?? d.beta2, 0, 1),
    epsilon: v.positive("config.epsilon", config.epsilon ?? d.epsilon),
    etaPlus,
    // η⁻ = 0 would make the step 0 (then clamped to stepMin); torch requires 0 < η⁻ < 1 < η⁺ too.
    etaMinus: positiveBelowOne("config.etaMinus", config.etaMinus ?? d.etaMinus),
    stepMin,
    stepMax,
    kappa: v.nonNegative("config.kappa", config.kappa ?? d.kappaPerLearningRate * learningRate),
    // φ = 1 would make the rate 0 for good.
    phi: v.inRange("config.phi", config.phi ?? d.phi, 0, 1),
    theta: v.inRange("config.theta", config.theta ?? d.theta, 0, 1),
    t: t + 1,
  };
}

function positiveBelowOne(name: string, value: unknown): number {
  const x = v.positive(name, value);
  if (x >= 1) throw new RangeError(`${name} must be in (0, 1), got ${x}`);
  return x;
}

/** The hyper-parameters a training engine holds fixed: learning rate and momentum come with each update, t it counts. */
export type FixedHyper = Omit<UpdateHyper, "learningRate" | "momentum" | "t">;

export function fixedHyper(h: UpdateHyper): FixedHyper {
  const { learningRate: _lr, momentum: _mu, t: _t, ...fixed } = h;
  return fixed;
}

/** SPEC.md's defaults of the fixed hyper-parameters (κ for the default learning rate 1e-2). */
export const DEFAULT_FIXED_HYPER: FixedHyper = fixedHyper(resolveUpdate("sgd", {}, {}));

/**
 * The rule's state arrays, checked where handed in and then created in `state` where missing (all checks first,
 * so that a call that throws leaves `state` as it was): zero-filled, or at `learningRate` for the step sizes.
 */
export function stateArrays(rule: UpdateRule, state: OptimizerState, length: number, learningRate: number): StateArrays {
  if (typeof state !== "object" || state === null) throw new TypeError(`state must be an object, got ${v.describe(state)}`);
  const fields = STATE_FIELDS[rule];
  for (const field of fields) {
    const have = state[field];
    if (have === undefined) continue;
    v.float32Array(`state.${field}`, have, length);
    v.allFinite(`state.${field}`, have);
    // Running sums of squares: a negative one would reach √ and turn the weights into NaN.
    if (field === "cache" || field === "v") {
      const at = have.findIndex((x) => x < 0);
      if (at >= 0) throw new RangeError(`state.${field}[${at}] is ${have[at]}: a sum of squared gradients must be ≥ 0`);
    }
    // A step size of 0 never moves again (rprop multiplies it, delta-bar-delta's may only shrink to it).
    if (STARTS_AT_LEARNING_RATE.includes(field)) {
      const at = have.findIndex((x) => !(x > 0));
      if (at >= 0) throw new RangeError(`state.${field}[${at}] is ${have[at]}: a step size must be > 0`);
    }
  }
  return fields.map((field) => (state[field] ??= new Float32Array(length).fill(STARTS_AT_LEARNING_RATE.includes(field) ? learningRate : 0)));
}

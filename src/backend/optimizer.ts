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
} as const;

/** The state fields each rule keeps, in the order its kernel takes them. */
export const STATE_FIELDS: Record<UpdateRule, readonly ("velocity" | "cache" | "m" | "v")[]> = {
  sgd: [],
  momentum: ["velocity"],
  nesterov: ["velocity"],
  adagrad: ["cache"],
  rmsprop: ["cache"],
  adam: ["m", "v"],
};

/** Validated hyper-parameters with defaults filled in; for Adam, the t of this step (state.t + 1). */
export function resolveUpdate(rule: UpdateRule, config: OptimizerConfig, state: OptimizerState): UpdateHyper {
  if (typeof config !== "object" || config === null) throw new TypeError(`config must be an object, got ${v.describe(config)}`);
  if (typeof state !== "object" || state === null) throw new TypeError(`state must be an object, got ${v.describe(state)}`);
  const d = OPTIMIZER_DEFAULTS;
  const t = state.t ?? 0;
  if (rule === "adam") v.dimension("state.t", t, 0);
  return {
    learningRate: v.positive("config.learningRate", config.learningRate ?? (rule === "adam" ? d.adamLearningRate : d.learningRate)),
    momentum: v.inRange("config.momentum", config.momentum ?? d.momentum, 0, 1),
    decayRate: v.inRange("config.decayRate", config.decayRate ?? d.decayRate, 0, 1),
    beta1: v.inRange("config.beta1", config.beta1 ?? d.beta1, 0, 1),
    beta2: v.inRange("config.beta2", config.beta2 ?? d.beta2, 0, 1),
    epsilon: v.positive("config.epsilon", config.epsilon ?? d.epsilon),
    t: t + 1,
  };
}

/**
 * The rule's state arrays, checked where handed in and then created zero-filled in `state` where missing (all
 * checks first, so that a call that throws leaves `state` as it was).
 */
export function stateArrays(rule: UpdateRule, state: OptimizerState, length: number): StateArrays {
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
  }
  return fields.map((field) => (state[field] ??= new Float32Array(length)));
}

/**
 * Per-epoch schedules of the learning rate and of the momentum coefficient. Epochs count from 0; `epochs` is the
 * length of the run (a schedule's own `epochs` overrides it, e.g. for partialFit).
 */
import * as v from "../validate.js";

/**
 * - `constant`: lr.
 * - `step`: lr·γ^⌊e / every⌋ (cs231n's lr_decay every few epochs; γ defaults to 0.1).
 * - `exponential`: lr·γ^e.
 * - `cosine`: min + ½(lr − min)(1 + cos(π·e / E)), from lr at e = 0 down towards min (default 0) at e = E.
 */
export type LearningRateSchedule =
  | { type: "constant" }
  | { type: "step"; every: number; gamma?: number }
  | { type: "exponential"; gamma: number }
  | { type: "cosine"; minLearningRate?: number; epochs?: number };

/**
 * - `constant`: the optimizer's momentum.
 * - `ramp` (seed 003): from `start` (0.5) rising linearly to `end` (0.99) at the last epoch of E.
 */
export type MomentumSchedule =
  | { type: "constant" }
  | { type: "ramp"; start?: number; end?: number; epochs?: number };

export const LEARNING_RATE_SCHEDULES = ["constant", "step", "exponential", "cosine"] as const;
export const MOMENTUM_SCHEDULES = ["constant", "ramp"] as const;

/** Checks a schedule's fields; returns it. */
export function learningRateSchedule(name: string, value: unknown): LearningRateSchedule {
  const s = scheduleObject(name, value, LEARNING_RATE_SCHEDULES) as LearningRateSchedule;
  if (s.type === "step") {
    v.dimension(`${name}.every`, s.every);
    if (s.gamma !== undefined) v.inRange(`${name}.gamma`, s.gamma, 0, 1, false);
  } else if (s.type === "exponential") {
    v.inRange(`${name}.gamma`, s.gamma, 0, 1, false);
  } else if (s.type === "cosine") {
    if (s.minLearningRate !== undefined) v.nonNegative(`${name}.minLearningRate`, s.minLearningRate);
    if (s.epochs !== undefined) v.dimension(`${name}.epochs`, s.epochs);
  }
  return s;
}

export function momentumSchedule(name: string, value: unknown): MomentumSchedule {
  const s = scheduleObject(name, value, MOMENTUM_SCHEDULES) as MomentumSchedule;
  if (s.type === "ramp") {
    const start = v.inRange(`${name}.start`, s.start ?? 0.5, 0, 1);
    const end = v.inRange(`${name}.end`, s.end ?? 0.99, 0, 1);
    if (end < start) throw new RangeError(`${name}.end (${end}) must be ≥ ${name}.start (${start})`);
    if (s.epochs !== undefined) v.dimension(`${name}.epochs`, s.epochs);
  }
  return s;
}

/** The arguments of learningRateAt / momentumAt after the schedule. */
function at(base: number, epoch: number, epochs: number, baseName: string): void {
  v.finiteNumber(baseName, base);
  v.dimension("epoch", epoch, 0);
  v.dimension("epochs", epochs);
}

function scheduleObject(name: string, value: unknown, types: readonly string[]): { type: string } {
  if (typeof value !== "object" || value === null) {
    throw new TypeError(`${name} must be an object { type, ... }, got ${v.describe(value)}`);
  }
  v.oneOf(`${name}.type`, (value as { type?: unknown }).type, types);
  return value as { type: string };
}

/** The learning rate of epoch e (from 0) of a run of `epochs`. */
export function learningRateAt(s: LearningRateSchedule, lr: number, epoch: number, epochs: number): number {
  learningRateSchedule("schedule", s);
  at(lr, epoch, epochs, "lr");
  switch (s.type) {
    case "constant": return lr;
    case "step": return lr * (s.gamma ?? 0.1) ** Math.floor(epoch / s.every);
    case "exponential": return lr * s.gamma ** epoch;
    case "cosine": {
      const min = s.minLearningRate ?? 0, total = s.epochs ?? epochs;
      return min + 0.5 * (lr - min) * (1 + Math.cos((Math.PI * Math.min(epoch, total)) / total));
    }
  }
}

/** The momentum coefficient of epoch e (from 0) of a run of `epochs`. */
export function momentumAt(s: MomentumSchedule, mu: number, epoch: number, epochs: number): number {
  momentumSchedule("schedule", s);
  at(mu, epoch, epochs, "mu");
  if (s.type === "constant") return mu;
  const start = s.start ?? 0.5, end = s.end ?? 0.99, total = s.epochs ?? epochs;
  return total <= 1 ? start : start + (end - start) * Math.min(1, epoch / (total - 1));
}

import type { Matrix, UpdateRule } from "../types.js";
import type { LabelKernel, Ops, StateArrays, TargetKernel, UpdateHyper } from "./ops.js";
import * as gemm from "../reference/gemm.js";
import * as losses from "../reference/losses.js";
import * as reg from "../reference/regularize.js";
import * as optim from "../reference/optim.js";

/** The oracle: every primitive is the plain float64 reference loop of src/reference/. */
export class ReferenceOps implements Ops {
  readonly name = "reference" as const;

  scores(X: Matrix, W: Matrix, b: Float32Array | null): Matrix {
    return gemm.scores(X, W, b);
  }

  labelLoss(kind: LabelKernel, S: Matrix, y: Int32Array, delta: number, cw: Float32Array | null,
            sw: Float32Array | null): losses.LossSum {
    if (kind === "softmax") return losses.softmax(S, y, cw, sw);
    return kind === "hinge" ? losses.hinge(S, y, delta, cw, sw) : losses.squaredHinge(S, y, delta, cw, sw);
  }

  targetLoss(kind: TargetKernel, S: Matrix, T: Matrix, sw: Float32Array | null): losses.LossSum {
    const f = { logistic: losses.logistic, "attribute-hinge": losses.attributeHinge, l2: losses.l2, l1: losses.l1 }[kind];
    return f(S, T, sw);
  }

  weightGradient(X: Matrix, dS: Matrix, scale: number): Matrix {
    return gemm.weightGradient(X, dS, scale);
  }

  biasGradient(dS: Matrix, scale: number): Float32Array {
    return gemm.biasGradient(dS, scale);
  }

  penalty(kind: "l2" | "l1", W: Float32Array, lambda: number, dW: Float32Array): number {
    return kind === "l2" ? reg.l2Penalty(W, lambda, dW) : reg.l1Penalty(W, lambda, dW);
  }

  maxNorm(W: Matrix, limit: number): void {
    reg.maxNorm(W, limit);
  }

  probabilities(kind: "softmax" | "sigmoid", S: Matrix): Matrix {
    const P = kind === "softmax" ? Float32Array.from(losses.softmaxProbabilities(S)) : S.data.map(losses.sigmoid);
    return { rows: S.rows, cols: S.cols, data: P };
  }

  update(rule: UpdateRule, w: Float32Array, g: Float32Array, state: StateArrays, h: UpdateHyper): void {
    const [s0, s1] = state;
    switch (rule) {
      case "sgd": return optim.sgd(w, g, h.learningRate);
      case "momentum": return optim.momentum(w, g, s0!, h.learningRate, h.momentum);
      case "nesterov": return optim.nesterov(w, g, s0!, h.learningRate, h.momentum);
      case "adagrad": return optim.adagrad(w, g, s0!, h.learningRate, h.epsilon);
      case "rmsprop": return optim.rmsprop(w, g, s0!, h.learningRate, h.decayRate, h.epsilon);
      case "adam": return optim.adam(w, g, s0!, s1!, h.learningRate, h.beta1, h.beta2, h.epsilon, h.t);
      case "rprop": return optim.rprop(w, g, s0!, s1!, h.etaPlus, h.etaMinus, h.stepMin, h.stepMax);
      case "delta-bar-delta": return optim.deltaBarDelta(w, g, s0!, s1!, h.kappa, h.phi, h.theta);
    }
  }

  dispose(): void {}
}

import type { Matrix, UpdateRule } from "../types.js";
import type { LabelKernel, LossSum, Ops, StateArrays, TargetKernel, UpdateHyper } from "./ops.js";
import type { Kernels } from "../wasm/loader.js";
import type { KernelExports } from "../wasm/abi.js";
import { padCols, readMatrix, withScope } from "../wasm/scope.js";

/**
 * The primitives on the WASM kernels: each call copies its inputs into scoped buffers, runs one kernel family
 * and copies the result out. Training does not come through here: it keeps its buffers resident (src/train/).
 */
export class WasmOps implements Ops {
  readonly name = "wasm" as const;
  private live: Kernels | null;

  constructor(kernels: Kernels) {
    this.live = kernels;
  }

  /** The instance and its memory; gone after dispose, so that the memory can be collected. */
  get kernels(): Kernels {
    if (!this.live) throw new Error("this wasm backend has been disposed: its WebAssembly memory is released");
    return this.live;
  }

  private get k() {
    return this.kernels.exports;
  }

  private get heap() {
    return this.kernels.heap;
  }

  scores(X: Matrix, W: Matrix, b: Float32Array | null): Matrix {
    return withScope(this.heap, (sc) => {
      const n = X.rows, d = X.cols, c = W.cols, cp = padCols(c);
      const x = sc.matrix(X), w = sc.matrix(W, cp);
      const bias = sc.matrix({ rows: 1, cols: c, data: b ?? new Float32Array(c) }, cp);
      const s = sc.alloc(n * cp * 4);
      this.k.scores(n, d, c, cp, x, d * 4, sc.identity(n), w, bias, s);
      return readMatrix(this.heap, s, n, c, cp);
    });
  }

  labelLoss(kind: LabelKernel, S: Matrix, y: Int32Array, delta: number, cw: Float32Array | null,
            sw: Float32Array | null): LossSum {
    return withScope(this.heap, (sc) => {
      const n = S.rows, c = S.cols, cp = padCols(c);
      const s = sc.matrix(S, cp), labels = sc.i32(y), idx = sc.identity(n), weights = cw ? sc.f32(cw) : 0;
      const rowWeights = sw ? sc.f32(sw) : 0, ds = sc.alloc(n * cp * 4);
      const sum = kind === "softmax" ? this.k.softmax(n, c, cp, s, labels, idx, weights, rowWeights, ds)
        : (kind === "hinge" ? this.k.hinge : this.k.squaredHinge)(n, c, cp, s, labels, idx, weights, rowWeights, delta, ds);
      return { sum, dS: readMatrix(this.heap, ds, n, c, cp) };
    });
  }

  targetLoss(kind: TargetKernel, S: Matrix, T: Matrix, sw: Float32Array | null): LossSum {
    return withScope(this.heap, (sc) => {
      const n = S.rows, c = S.cols, cp = padCols(c);
      const s = sc.matrix(S, cp), t = sc.matrix(T), ds = sc.alloc(n * cp * 4);
      const kernel = { logistic: this.k.logistic, "attribute-hinge": this.k.attributeHinge, l2: this.k.l2, l1: this.k.l1 }[kind];
      const sum = kernel(n, c, cp, s, t, sc.identity(n), sw ? sc.f32(sw) : 0, ds);
      return { sum, dS: readMatrix(this.heap, ds, n, c, cp) };
    });
  }

  weightGradient(X: Matrix, dS: Matrix, scale: number): Matrix {
    return withScope(this.heap, (sc) => {
      const n = X.rows, d = X.cols, c = dS.cols, cp = padCols(c);
      const x = sc.matrix(X), ds = sc.matrix(dS, cp), dw = sc.alloc(d * cp * 4);
      this.k.weightGradient(n, d, cp, x, d * 4, sc.identity(n), ds, scale, dw);
      return readMatrix(this.heap, dw, d, c, cp);
    });
  }

  biasGradient(dS: Matrix, scale: number): Float32Array {
    return withScope(this.heap, (sc) => {
      const n = dS.rows, c = dS.cols, cp = padCols(c);
      const ds = sc.matrix(dS, cp), db = sc.alloc(cp * 4);
      this.k.biasGradient(n, cp, ds, scale, db);
      return this.heap.f32(db, c).slice();
    });
  }

  penalty(kind: "l2" | "l1", W: Float32Array, lambda: number, dW: Float32Array): number {
    return withScope(this.heap, (sc) => {
      const w = sc.f32(W), dw = sc.f32(dW);
      const loss = (kind === "l2" ? this.k.l2Penalty : this.k.l1Penalty)(W.length, w, lambda, dw);
      dW.set(this.heap.f32(dw, dW.length));
      return loss;
    });
  }

  maxNorm(W: Matrix, limit: number): void {
    withScope(this.heap, (sc) => {
      const cp = padCols(W.cols), w = sc.matrix(W, cp);
      this.k.maxNorm(W.rows, W.cols, cp, w, limit);
      W.data.set(readMatrix(this.heap, w, W.rows, W.cols, cp).data);
    });
  }

  probabilities(kind: "softmax" | "sigmoid", S: Matrix): Matrix {
    return withScope(this.heap, (sc) => {
      const n = S.rows, c = S.cols, cp = padCols(c);
      const s = sc.matrix(S, cp), p = sc.alloc(n * cp * 4);
      (kind === "softmax" ? this.k.softmaxProbabilities : this.k.sigmoidProbabilities)(n, c, cp, s, p);
      return readMatrix(this.heap, p, n, c, cp);
    });
  }

  update(rule: UpdateRule, w: Float32Array, g: Float32Array, state: StateArrays, h: UpdateHyper): void {
    withScope(this.heap, (sc) => {
      const len = w.length, pw = sc.f32(w), pg = sc.f32(g);
      const ps = state.map((s) => sc.f32(s));
      updateKernel(this.k, rule, len, pw, pg, ps[0] ?? 0, ps[1] ?? 0, h);
      w.set(this.heap.f32(pw, len));
      state.forEach((s, i) => s.set(this.heap.f32(ps[i]!, s.length)));
    });
  }

  /** Drops the instance and its memory (WebAssembly has no explicit free: the memory goes with its last reference). */
  dispose(): void {
    this.live = null;
  }
}

/**
 * Runs one update-rule kernel on resident buffers: `len` f32 values at w, g and the rule's state arrays s0, s1
 * (STATE_FIELDS order; 0 when unused). Shared by WasmOps and the training engine.
 */
export function updateKernel(k: KernelExports, rule: UpdateRule, len: number, w: number, g: number, s0: number,
                             s1: number, h: UpdateHyper): void {
  const lr = h.learningRate;
  switch (rule) {
    case "sgd": return k.sgd(len, w, g, lr);
    case "momentum": return k.momentum(len, w, g, s0, lr, h.momentum);
    case "nesterov": return k.nesterov(len, w, g, s0, lr, h.momentum);
    case "adagrad": return k.adagrad(len, w, g, s0, lr, h.epsilon);
    case "rmsprop": return k.rmsprop(len, w, g, s0, lr, h.decayRate, h.epsilon);
    case "adam": return k.adam(len, w, g, s0, s1, lr, h.beta1, h.beta2, h.epsilon, 1 - h.beta1 ** h.t, 1 - h.beta2 ** h.t);
    case "rprop": return k.rprop(len, w, g, s0, s1, h.etaPlus, h.etaMinus, h.stepMin, h.stepMax);
    case "delta-bar-delta": return k.deltaBarDelta(len, w, g, s0, s1, h.kappa, h.phi, h.theta);
  }
}

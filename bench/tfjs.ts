/**
 * The peer: @tensorflow/tfjs-backend-wasm 4.22 (XNNPACK, SIMD build, one thread), in this process on the same
 * data. The loop is the careful one: batches made up front as tensors, every step in tf.tidy, gradients written
 * out by hand (matMul, softmax or hinge, matMul with transposeA), and tfjs's own optimizers applying them.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import type { Matrix } from "../src/types.js";

export type PeerLoss = "softmax" | "hinge";
export type PeerRule = "sgd" | "adam";

/** Loads the single-threaded SIMD binary from node_modules (no network). */
export async function initTfjs(): Promise<string> {
  const dist = dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm"));
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  setThreadsCount(1);
  setWasmPaths(join(dist, "/"));
  await tf.setBackend("wasm");
  await tf.ready();
  return `tfjs-backend-wasm ${tf.version_core}, SIMD ${await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")}, 1 thread`;
}

export const tensor = (m: Matrix): tf.Tensor2D => tf.tensor2d(m.data, [m.rows, m.cols]);

export function oneHot(y: Int32Array, classes: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(tf.tensor1d(y, "int32"), classes), "float32") as tf.Tensor2D;
}

/** Σ_i L_i and dS = ∂L_i/∂S of a batch of scores (onehot: the labels). */
export function lossAndGradient(kind: PeerLoss, S: tf.Tensor2D, onehot: tf.Tensor2D): { sum: tf.Scalar; dS: tf.Tensor2D } {
  if (kind === "softmax") {
    const logZ = tf.logSumExp(S, 1, true);
    const sum = tf.sum(tf.sub(logZ, tf.sum(tf.mul(S, onehot), 1, true))) as tf.Scalar;
    return { sum, dS: tf.sub(tf.exp(tf.sub(S, logZ)), onehot) };
  }
  const sy = tf.sum(tf.mul(S, onehot), 1, true);
  const margins = tf.mul(tf.relu(tf.add(tf.sub(S, sy), 1)), tf.sub(1, onehot));
  const active = tf.cast(tf.greater(margins, 0), "float32");
  const dS = tf.sub(active, tf.mul(onehot, tf.sum(active, 1, true)));
  return { sum: tf.sum(margins), dS: dS as tf.Tensor2D };
}

/**
 * dW = Xᵀ·dS / n and db = Σ dS / n. With XT (Xᵀ made up front) the product avoids tfjs-wasm's transposeA path,
 * which costs ~15× the forward matMul here; without it, this is the product tf.grad of matMul(X, W) computes.
 */
export function gradients(X: tf.Tensor2D, dS: tf.Tensor2D, XT: tf.Tensor2D | null = null): { dW: tf.Tensor2D; db: tf.Tensor1D } {
  const scale = 1 / X.shape[0];
  const product = XT ? tf.matMul(XT, dS) : tf.matMul(X, dS, true, false);
  return { dW: tf.mul(product, scale), db: tf.mul(tf.sum(dS, 0), scale) };
}

export interface TfjsEpoch {
  reset(): void;
  epoch(): void;
  weights(): { W: Float32Array; b: Float32Array };
  dispose(): void;
}

/**
 * One epoch of mini-batch training: `batches` are the index lists of the steps (made into tensors here, up front;
 * `transposed` also keeps each batch's Xᵀ, at twice the memory). Adam gets SPEC.md's ε = 1e-8 (tfjs's default
 * is 1e-7).
 */
export function tfjsEpoch(X: Matrix, y: Int32Array, classes: number, batches: Uint32Array[], W0: Matrix,
                          b0: Float32Array, kind: PeerLoss, rule: PeerRule, lr: number, transposed: boolean): TfjsEpoch {
  const steps = batches.map((rows) => {
    const data = new Float32Array(rows.length * X.cols);
    rows.forEach((r, i) => data.set(X.data.subarray(r * X.cols, (r + 1) * X.cols), i * X.cols));
    const x = tf.tensor2d(data, [rows.length, X.cols]);
    return { x, xT: transposed ? tf.transpose(x) : null, onehot: oneHot(Int32Array.from(rows, (r) => y[r]!), classes) };
  });
  const W = tf.variable(tensor(W0)), b = tf.variable(tf.tensor1d(b0));
  let optimizer: tf.Optimizer;
  let total = tf.scalar(0);
  const fresh = (): void => {
    optimizer?.dispose();
    optimizer = rule === "sgd" ? tf.train.sgd(lr) : tf.train.adam(lr, 0.9, 0.999, 1e-8);
    W.assign(tensor(W0));
    b.assign(tf.tensor1d(b0));
  };
  fresh();
  return {
    reset: fresh,
    epoch() {
      for (const { x, xT, onehot } of steps) {
        const loss = tf.tidy(() => {
          const { sum, dS } = lossAndGradient(kind, tf.add(tf.matMul(x, W), b), onehot);
          const { dW, db } = gradients(x, dS, xT);
          optimizer.applyGradients({ [W.name]: dW, [b.name]: db });
          return tf.add(total, sum);
        });
        total.dispose();
        total = loss as tf.Scalar;
      }
    },
    weights: () => ({ W: W.dataSync() as Float32Array, b: b.dataSync() as Float32Array }),
    dispose() {
      optimizer.dispose();
      tf.dispose([W, b, total, ...steps.flatMap((s) => (s.xT ? [s.x, s.xT, s.onehot] : [s.x, s.onehot]))]);
    },
  };
}

/**
 * The mini-batch step of a linear model split over the threads of a pool, on buffers resident in the shared
 * memory, in the training engine's layout: the parameters are one (d+1)×cp block, W then b as row d, and the
 * gradient and each optimizer state array have the same layout.
 *
 * `gradient` is two fork-joins (`forward` is the first one alone):
 * 1. rows: thread t computes the scores, the loss and dS of its slice of the batch (the index lists are read
 *    from `4·start` on) and returns the partial Σ w_i·L_i of its rows.
 * 2. features: thread t owns rows [k0, k1) of W: dW[k0:k1] = Xᵀ[k0:k1]·dS/n over the whole batch (X read from
 *    column k0 on), plus the penalties' gradient there. The last thread also computes db.
 * `update` is one: thread t saves and updates its rows of the parameter block (the update kernels are
 * element-wise over flat arrays, so a slice is a pointer offset).
 *
 * Every element of S, dS, dW, W and the state comes from the same kernel arithmetic, in the same order, as in
 * one thread: the parameters are bitwise those of one thread, whatever the thread count. Only the loss, a sum
 * of per-thread partial sums added in thread order, may differ in the last bits of its float64.
 */
import type { LossKind, UpdateRule } from "../types.js";
import type { UpdateHyper } from "../backend/ops.js";
import { updateKernel } from "../backend/wasm-ops.js";
import { lossKernel } from "../train/wasm-engine.js";
import { call, record, type KernelCall, type ThreadPool } from "./pool.js";

/** What a step computes, and where: byte addresses of the resident buffers (assembly/README.md layout). */
export interface StepLayout {
  loss: LossKind;
  d: number;
  c: number;
  cp: number;
  /** Hinge margin Δ. */
  delta: number;
  /** Class weights (c f32) or 0. */
  cw: number;
  l2: number;
  l1: number;
  /** (d+1)×cp: W, then b. */
  params: number;
  grad: number;
  /** Scores and dS of a batch: at least batch×cp each. */
  s: number;
  ds: number;
}

/** A batch: `n` rows of X read through the index list `rows`, their targets through `targetRows`. */
export interface Batch {
  n: number;
  x: number;
  xStride: number;
  rows: number;
  targets: number;
  targetRows: number;
}

/** Boundaries of `total` split into `parts` contiguous ranges whose sizes are multiples of `align` (but the last). */
export function split(total: number, parts: number, align: number): number[] {
  const chunk = Math.ceil(total / parts / align) * align;
  return Array.from({ length: parts + 1 }, (_, p) => Math.min(total, p * chunk));
}

export class ThreadedStep {
  constructor(private readonly pool: ThreadPool, private readonly at: StepLayout) {}

  /** Forward pass of a batch on `threads` threads: S and dS of its rows, and the sum Σ w_i·L_i (not the mean). */
  forward(batch: Batch, threads: number): number {
    const { rows, losses } = this.byRows(batch, threads);
    this.run(rows);
    return total(losses);
  }

  /**
   * Forward and backward pass of a batch on `threads` threads (1: all on the caller, no fork): leaves dW and db
   * in `grad` and returns the mean data loss + the penalties.
   */
  gradient(batch: Batch, threads: number): number {
    const { d, cp, l2, l1, params, grad, ds } = this.at;
    const { n, x, xStride, rows } = batch, row = cp * 4, penalties: KernelCall[] = [];
    const forward = this.byRows(batch, threads);
    const byFeatures = slices(d, threads, (k0, kd) => {
      const off = k0 * row, calls = [call("weightGradient", n, kd, cp, x + k0 * 4, xStride, rows, ds, 1 / n, grad + off)];
      for (const [penalty, lambda] of [["l2Penalty", l2], ["l1Penalty", l1]] as const) {
        if (lambda <= 0) continue;
        const p = call(penalty, kd * cp, params + off, lambda, grad + off);
        penalties.push(p);
        calls.push(p);
      }
      return calls;
    });
    byFeatures[byFeatures.length - 1]!.push(call("biasGradient", n, cp, ds, 1 / n, grad + d * row));
    this.run(forward.rows, byFeatures);
    return total(forward.losses) / n + total(penalties);
  }

  /** The update rule on the whole parameter block, after copying it to `prev` (0: no copy). */
  update(rule: UpdateRule, state: readonly number[], prev: number, hyper: UpdateHyper, threads: number): void {
    const { d, cp, params, grad } = this.at;
    const row = cp * 4, [s0 = 0, s1 = 0] = state;
    const byRows = slices(d + 1, threads, (k0, kd) => {
      const off = k0 * row, len = kd * cp;
      const update = record((k) => updateKernel(k, rule, len, params + off, grad + off, s0 && s0 + off, s1 && s1 + off, hyper));
      return prev ? [call("copy", prev + off, params + off, len * 4), update] : [update];
    });
    this.run(byRows);
  }

  /** Per thread, the scores, loss and dS of its slice of the batch's rows; `losses` are the loss calls. */
  private byRows(batch: Batch, threads: number): { rows: KernelCall[][]; losses: KernelCall[] } {
    const { d, cp, cw, params, s, ds } = this.at;
    const { n, x, xStride, rows, targets, targetRows } = batch;
    const row = cp * 4, losses: KernelCall[] = [];
    const byRows = slices(n, threads, (r0, nr) => {
      const sr = s + r0 * row, dsr = ds + r0 * row;
      const lossCall = record((k) => lossKernel(k, this.at, cp, sr, dsr, cw)(nr, targets, targetRows + r0 * 4));
      losses.push(lossCall);
      return [call("scores", nr, d, cp, x, xStride, rows + r0 * 4, params, params + d * row, sr), lossCall];
    });
    return { rows: byRows, losses };
  }

  /** Runs the phases in order; on one thread, as one program on the caller. */
  private run(...phases: KernelCall[][][]): void {
    if (phases[0]!.length === 1) this.pool.run([phases.flatMap((phase) => phase[0]!)]);
    else for (const phase of phases) this.pool.run(phase);
  }
}

/** Σ of the calls' results, in thread order. */
const total = (calls: readonly KernelCall[]): number => calls.reduce((sum, c) => sum + c.result, 0);

/** Per thread, the calls `make(start, size)` of its slice of 0..count−1 (aligned to 4; threads past the end idle). */
function slices(count: number, threads: number, make: (start: number, size: number) => KernelCall[]): KernelCall[][] {
  const bounds = split(count, threads, 4);
  return Array.from({ length: threads }, (_, t) => {
    const start = bounds[t]!, size = bounds[t + 1]! - start;
    return size > 0 ? make(start, size) : [];
  });
}

/**
 * The mini-batch step of a linear model split over the threads of a pool, on buffers resident in the shared
 * memory, in the training engine's layout: the parameters are one (d+1)×cp block, W then b as row d, and the
 * gradient and each optimizer state array have the same layout.
 *
 * `gradient` is two fork-joins:
 * 1. rows: the batch is cut into K chunks of rows (K fixed by the layout: the pool's size), and each chunk runs
 *    the fused step kernel (scores, loss, dS and its partial dW, db, with X read once) into its own block.
 * 2. parameters: thread t owns rows [k0, k1) of the (d+1)×cp block and adds the partials there into `grad`,
 *    chunk 1, 2, … in that order, then the penalties' gradient.
 * `update` is one: thread t saves and updates its rows of the parameter block (the update kernels are
 * element-wise over flat arrays, so a slice is a pointer offset). `forward` (evaluation) splits the rows and
 * reduces nothing.
 *
 * The partition and the order of the sums depend on K only, never on how many threads run a call: a gradient
 * on one thread (all chunks on the caller) and on K threads are the same bits, so the thread count of a call
 * may be chosen by timing it. Against the one-thread engine, which sums all rows at once, dW differs by float32
 * rounding (partial sums), and the loss by the float64 order of its partial sums.
 */
import { LOSSES, type LossKind, type UpdateRule } from "../types.js";
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
  /**
   * Where the row chunks 1..K−1 of a batch leave their partial gradients ((d+1)×cp blocks); chunk 0 writes to
   * `grad`, which then receives the others' sums. K, the partition of every batch, is fixed for the layout.
   */
  partials: readonly number[];
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
    const { d, cp, cw, params, s, ds } = this.at;
    const { n, x, xStride, rows, targets, targetRows } = batch, row = cp * 4, losses: KernelCall[] = [];
    this.run(this.chunks(n, 4, threads, (r0, nr) => {
      const sr = s + r0 * row, dsr = ds + r0 * row;
      const loss = record((k) => lossKernel(k, this.at, cp, sr, dsr, cw)(nr, targets, targetRows + r0 * 4));
      losses.push(loss);
      return [call("scores", nr, d, cp, x, xStride, rows + r0 * 4, params, params + d * row, sr), loss];
    }));
    return total(losses);
  }

  /**
   * Forward and backward pass of a batch on `threads` threads (1: all on the caller, no fork): leaves dW and db
   * in `grad` and returns the mean data loss + the penalties.
   */
  gradient(batch: Batch, threads: number): number {
    const { loss, d, c, cp, delta, cw, l2, l1, params, grad, s, ds, partials } = this.at;
    const { n, x, xStride, rows, targets, targetRows } = batch, row = cp * 4, lossId = LOSSES.indexOf(loss);
    const used: number[] = [], losses: KernelCall[] = [];
    const byChunks = this.chunks(n, 3, threads, (r0, nr, chunk) => {
      const block = chunk === 0 ? grad : partials[chunk - 1]!;
      if (chunk > 0) used.push(block);
      const fused = call("fusedStep", lossId, nr, d, c, cp, x, xStride, rows + r0 * 4, targets, targetRows + r0 * 4, cw,
        delta, params, params + d * row, s + r0 * row, ds + r0 * row, 1 / n, block, block + d * row);
      losses.push(fused);
      return [fused];
    });
    const penalties: KernelCall[] = [];
    const byFeatures = slices(d + 1, this.at.partials.length + 1, threads, (k0, kd) => {
      const off = k0 * row, calls = used.map((block) => call("accumulate", kd * cp, grad + off, block + off));
      const wLen = (Math.min(k0 + kd, d) - k0) * cp;
      for (const [penalty, lambda] of [["l2Penalty", l2], ["l1Penalty", l1]] as const) {
        if (lambda <= 0 || wLen <= 0) continue;
        const p = call(penalty, wLen, params + off, lambda, grad + off);
        penalties.push(p);
        calls.push(p);
      }
      return calls;
    });
    this.run(byChunks, byFeatures);
    return total(losses) / n + total(penalties);
  }

  /** The update rule on the whole parameter block, after copying it to `prev` (0: no copy). */
  update(rule: UpdateRule, state: readonly number[], prev: number, hyper: UpdateHyper, threads: number): void {
    const { d, cp, params, grad } = this.at;
    const row = cp * 4, [s0 = 0, s1 = 0] = state;
    const byRows = slices(d + 1, threads, threads, (k0, kd) => {
      const off = k0 * row, len = kd * cp;
      const update = record((k) => updateKernel(k, rule, len, params + off, grad + off, s0 && s0 + off, s1 && s1 + off, hyper));
      return prev ? [call("copy", prev + off, params + off, len * 4), update] : [update];
    });
    this.run(byRows);
  }

  /**
   * Per thread, the calls `make(start, size)` of the batch's row chunks: the K chunks of the layout's partition
   * (sizes multiples of `align` but the last; empty ones skipped), chunk i on thread i mod threads.
   */
  private chunks(n: number, align: number, threads: number, make: (r0: number, nr: number, chunk: number) => KernelCall[]) {
    const bounds = split(n, this.at.partials.length + 1, align);
    const programs: KernelCall[][] = Array.from({ length: threads }, () => []);
    for (let chunk = 0; chunk + 1 < bounds.length; chunk++) {
      const r0 = bounds[chunk]!, nr = bounds[chunk + 1]! - r0;
      if (nr > 0) programs[chunk % threads]!.push(...make(r0, nr, chunk));
    }
    return programs;
  }

  /** Runs the phases in order; on one thread, as one program on the caller. */
  private run(...phases: KernelCall[][][]): void {
    if (phases[0]!.length === 1) this.pool.run([phases.flatMap((phase) => phase[0]!)]);
    else for (const phase of phases) this.pool.run(phase);
  }
}

/** Σ of the calls' results, in thread order. */
const total = (calls: readonly KernelCall[]): number => calls.reduce((sum, c) => sum + c.result, 0);

/**
 * Per thread, the calls `make(start, size)` of 0..count−1 cut into `pieces` slices (aligned to 4), slice i on thread
 * i mod threads. Sums over slices (the penalties) depend on `pieces` only, never on how many threads run them.
 */
function slices(count: number, pieces: number, threads: number,
                make: (start: number, size: number) => KernelCall[]): KernelCall[][] {
  const bounds = split(count, pieces, 4);
  const programs: KernelCall[][] = Array.from({ length: threads }, () => []);
  for (let i = 0; i < pieces; i++) {
    const start = bounds[i]!, size = bounds[i + 1]! - start;
    if (size > 0) programs[i % threads]!.push(...make(start, size));
  }
  return programs;
}

/**
 * The mini-batch step of a linear model split over the threads of a pool, on buffers resident in the shared
 * memory, in the training engine's layout: the parameters are one (d+1)×cp block, W then b as row d, and the
 * gradient and each optimizer state array have the same layout.
 *
 * A step is two fork-joins:
 * 1. `gradient`, over rows: the batch is cut into K chunks of rows (K fixed by the layout: the pool's size), and
 *    each chunk runs the fused step kernel (scores, loss, dS and its partial dW, db, with X read once) into its
 *    own block; each thread also sums the penalties over its slice of W.
 * 2. `update`, over parameters: thread t owns rows [k0, k1) of the (d+1)×cp block. There it adds the partials
 *    into `grad` (chunk 1, 2, … in that order) and the penalties' gradient, saves the parameters and applies the
 *    update rule. Reducing in the update's fork-join rather than in one of its own saves a join per step, and the
 *    slice is still in cache for the update. `reduce` does it alone, for a caller that reads the gradient.
 * `forward` (evaluation) splits the rows and reduces nothing.
 *
 * The partition and the order of the sums depend on K only, never on how many threads run a call: a step on one
 * thread (all chunks on the caller) and on K threads give the same bits, so the thread count of a call may be
 * chosen by timing it. Against the one-thread engine, which sums all rows at once, dW differs by float32 rounding
 * (partial sums), and the loss by the float64 order of its partial sums.
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
  /** Where the row chunks 1..K−1 of a batch leave their partial gradients; chunk 0 writes to `grad`. */
  partials: number;
  /** K: chunks of a batch, slices of the parameters; chunks 1..K−1 write to K−1 consecutive blocks at `partials`. */
  chunks: number;
}

/** A batch: `n` rows of X read through the index list `rows`, their targets through `targetRows`. */
export interface Batch {
  n: number;
  x: number;
  xStride: number;
  rows: number;
  targets: number;
  targetRows: number;
  /**
   * Input dropout: the rows are first gathered, with their dropout masks, from `from` through its index list
   * into `x` (rows then reads 0, 1, …); each chunk's thread gathers its own rows (gatherDropout's row0).
   */
  dropout?: { from: number; fromStride: number; fromRows: number; threshold: number; scale: number; seed: number };
}

/** Boundaries of `total` split into `parts` contiguous ranges whose sizes are multiples of `align` (but the last). */
export function split(total: number, parts: number, align: number): number[] {
  const chunk = Math.ceil(total / parts / align) * align;
  return Array.from({ length: parts + 1 }, (_, p) => Math.min(total, p * chunk));
}

export class ThreadedStep {
  /** Partial blocks that the last `gradient` left for `update` or `reduce` to add into `grad`; null: none. */
  private pending: number | null = null;

  constructor(private readonly pool: ThreadPool, private readonly at: StepLayout) {}

  /** Forward pass of a batch on `threads` threads: S and dS of its rows, and the sum Σ w_i·L_i (not the mean). */
  forward(batch: Batch, threads: number): number {
    const { d, cp, cw, params, s, ds } = this.at;
    const { n, x, xStride, rows, targets, targetRows } = batch, row = cp * 4, losses: KernelCall[] = [];
    this.pool.run(this.chunks(n, 4, threads, (r0, nr) => {
      const sr = s + r0 * row, dsr = ds + r0 * row;
      const loss = record((k) => lossKernel(k, this.at, cp, sr, dsr, cw)(nr, targets, targetRows + r0 * 4));
      losses.push(loss);
      return [call("scores", nr, d, cp, x, xStride, rows + r0 * 4, params, params + d * row, sr), loss];
    }));
    return total(losses);
  }

  /**
   * Forward and backward pass of a batch on `threads` threads (1: all on the caller, no fork). Returns the mean
   * data loss + the penalties, and leaves dW and db for the next `update`: in pieces, until it or `reduce` runs.
   */
  gradient(batch: Batch, threads: number): number {
    const { loss, d, c, cp, delta, cw, l2, l1, params, grad, s, ds, partials } = this.at;
    const { n, x, xStride, rows, targets, targetRows } = batch, row = cp * 4, lossId = LOSSES.indexOf(loss);
    const losses: KernelCall[] = [], penalties: KernelCall[] = [];
    let blocks = 0;
    const programs = this.chunks(n, 3, threads, (r0, nr, chunk) => {
      const block = chunk === 0 ? grad : partials + (chunk - 1) * this.blockBytes;
      blocks = Math.max(blocks, chunk);
      const fused = call("fusedStep", lossId, nr, d, c, cp, x, xStride, rows + r0 * 4, targets, targetRows + r0 * 4, cw,
        delta, params, params + d * row, s + r0 * row, ds + r0 * row, 1 / n, block, block + d * row);
      losses.push(fused);
      const drop = batch.dropout;
      if (!drop) return [fused];
      return [call("gatherDropout", nr, d, drop.from, drop.fromStride, drop.fromRows + r0 * 4, drop.threshold, drop.scale,
        drop.seed, x + r0 * xStride, r0), fused];
    });
    this.slices(threads, (k0, kd) => {
      const values = this.penalties(k0, kd, 0);
      penalties.push(...values);
      return values;
    }).forEach((calls, t) => programs[t]!.push(...calls));
    this.pool.run(programs);
    this.pending = blocks;
    return total(losses) / n + total(penalties);
  }

  /** Completes the gradient in `grad` (the partials and the penalties' gradient), if a `gradient` left it in pieces. */
  reduce(threads: number): void {
    if (this.pending === null) return;
    this.pool.run(this.slices(threads, (k0, kd) => this.reduction(k0, kd)));
    this.pending = null;
  }

  /**
   * The update rule on the whole parameter block, after completing the gradient and copying the block to `prev`
   * (0: no copy).
   */
  update(rule: UpdateRule, state: readonly number[], prev: number, hyper: UpdateHyper, threads: number): void {
    const { cp, params, grad } = this.at;
    const row = cp * 4, [s0 = 0, s1 = 0] = state;
    this.pool.run(this.slices(threads, (k0, kd) => {
      const off = k0 * row, len = kd * cp, calls = this.reduction(k0, kd);
      if (prev) calls.push(call("copy", prev + off, params + off, len * 4));
      calls.push(record((k) => updateKernel(k, rule, len, params + off, grad + off, s0 && s0 + off, s1 && s1 + off, hyper)));
      return calls;
    }));
    this.pending = null;
  }

  private get blockBytes(): number {
    return (this.at.d + 1) * this.at.cp * 4;
  }

  /** The calls that complete rows [k0, k0 + kd) of `grad` after a `gradient`; none when nothing is pending. */
  private reduction(k0: number, kd: number): KernelCall[] {
    if (this.pending === null) return [];
    const { cp, grad, partials } = this.at, off = k0 * cp * 4;
    const calls = this.pending > 0 ? [call("accumulate", kd * cp, grad + off, partials + off, this.pending, this.blockBytes)] : [];
    return [...calls, ...this.penalties(k0, kd, grad + off)];
  }

  /** The penalties over rows [k0, k0 + kd) of W (the bias row excluded), adding their gradient at `dw` (0: none). */
  private penalties(k0: number, kd: number, dw: number): KernelCall[] {
    const { d, cp, params, l2, l1 } = this.at, len = (Math.min(k0 + kd, d) - k0) * cp;
    if (len <= 0) return [];
    return ([["l2Penalty", l2], ["l1Penalty", l1]] as const).filter(([, lambda]) => lambda > 0)
      .map(([penalty, lambda]) => call(penalty, len, params + k0 * cp * 4, lambda, dw));
  }

  /**
   * Per thread, the calls `make(start, size)` of the batch's row chunks: the K chunks of the layout's partition
   * (sizes multiples of `align` but the last; empty ones skipped), chunk i on thread i mod threads.
   */
  private chunks(n: number, align: number, threads: number, make: (r0: number, nr: number, chunk: number) => KernelCall[]) {
    return spread(split(n, this.at.chunks, align), threads, make);
  }

  /**
   * Per thread, the calls `make(start, size)` of the parameter block's rows 0..d cut into K slices (aligned to 4),
   * slice i on thread i mod threads. Sums over slices (the penalties) depend on K only, never on the thread count.
   */
  private slices(threads: number, make: (start: number, size: number) => KernelCall[]): KernelCall[][] {
    return spread(split(this.at.d + 1, this.at.chunks, 4), threads, make);
  }
}

/** Per thread, the calls of the ranges between `bounds` (empty ones skipped), range i on thread i mod threads. */
function spread(bounds: number[], threads: number, make: (start: number, size: number, i: number) => KernelCall[]) {
  const programs: KernelCall[][] = Array.from({ length: threads }, () => []);
  for (let i = 0; i + 1 < bounds.length; i++) {
    const start = bounds[i]!, size = bounds[i + 1]! - start;
    if (size > 0) programs[i % threads]!.push(...make(start, size, i));
  }
  return programs;
}

/** Σ of the calls' results, in the order given. */
const total = (calls: readonly KernelCall[]): number => calls.reduce((sum, c) => sum + c.result, 0);

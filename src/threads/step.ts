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
import type { ThreadPool } from "./pool.js";
import { tailPackBytes } from "../wasm/scope.js";

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
  /** fusedStep's scratch, tailPackBytes(d, c) per row chunk. */
  packs: number;
  /** K: chunks of a batch, slices of the parameters; chunks 1..K−1 write to K−1 consecutive blocks at `partials`. */
  chunks: number;
}

/** A batch: `n` rows of X read through the index list `rows`, their targets and weights through `targetRows`. */
export interface Batch {
  n: number;
  x: number;
  xStride: number;
  rows: number;
  targets: number;
  /** Sample weights of the dataset's rows, or 0. */
  weights: number;
  targetRows: number;
  /**
   * Input dropout: the rows are first gathered, with their dropout masks, from `from` through its index list
   * into `x` (rows then reads 0, 1, …); each chunk's thread gathers its own rows (gatherDropout's row0).
   */
  dropout?: { from: number; fromStride: number; fromRows: number; threshold: number; scale: number; seed: number };
}

/** Boundary p of `total` split into `parts` contiguous ranges whose sizes are multiples of `align` (but the last). */
export function boundary(total: number, parts: number, align: number, p: number): number {
  return Math.min(total, p * Math.ceil(total / parts / align) * align);
}

/** All the boundaries: 0, …, total. */
export function split(total: number, parts: number, align: number): number[] {
  return Array.from({ length: parts + 1 }, (_, p) => boundary(total, parts, align, p));
}

/** Where a call of a run went, as one number: its thread and its index in the thread's program (−1: no call). */
const place = (thread: number, index: number): number => thread * 65536 + index;

/**
 * Builds each run straight into the pool (begin, calls on `pool.on(thread)`, go), so that a step makes no JS
 * objects (test/threads.test.ts bounds what it allocates); the calls whose results it sums have their places
 * kept in typed arrays.
 */
export class ThreadedStep {
  /** Partial blocks that the last `gradient` left for `update` or `reduce` to add into `grad`; null: none. */
  private pending: number | null = null;
  /** Per row chunk, the place of its loss (forward) or fusedStep (gradient) call. */
  private readonly losses: Int32Array;
  /** Per slice, the places of its l2 and l1 penalty calls. */
  private readonly penaltyCalls: Int32Array;

  constructor(private readonly pool: ThreadPool, private readonly at: StepLayout) {
    this.losses = new Int32Array(at.chunks);
    this.penaltyCalls = new Int32Array(2 * at.chunks);
  }

  /** Forward pass of a batch on `threads` threads: S and dS of its rows, and the sum Σ w_i·L_i (not the mean). */
  forward(batch: Batch, threads: number): number {
    const { d, c, cp, cw, params, s, ds, chunks } = this.at;
    const { n, x, xStride, rows, targets, weights, targetRows } = batch, row = cp * 4;
    this.pool.begin(threads);
    for (let chunk = 0; chunk < chunks; chunk++) {
      const r0 = boundary(n, chunks, 4, chunk), nr = boundary(n, chunks, 4, chunk + 1) - r0, t = chunk % threads;
      this.losses[chunk] = -1;
      if (nr === 0) continue;
      const k = this.pool.on(t), sr = s + r0 * row;
      k.scores(nr, d, c, cp, x, xStride, rows + r0 * 4, params, params + d * row, sr);
      this.losses[chunk] = place(t, lossKernel(k, this.at, cp, sr, ds + r0 * row, cw)(nr, targets, targetRows + r0 * 4, weights));
    }
    this.pool.go();
    return this.total(this.losses);
  }

  /**
   * Forward and backward pass of a batch on `threads` threads (1: all on the caller, no fork). Returns the mean
   * data loss + the penalties, and leaves dW and db for the next `update`: in pieces, until it or `reduce` runs.
   */
  gradient(batch: Batch, threads: number): number {
    const { loss, d, c, cp, delta, cw, params, grad, s, ds, partials, packs, chunks } = this.at, packBytes = tailPackBytes(d, c);
    const { n, x, xStride, rows, targets, weights, targetRows, dropout } = batch, row = cp * 4, lossId = LOSSES.indexOf(loss);
    let blocks = 0;
    this.pool.begin(threads);
    for (let chunk = 0; chunk < chunks; chunk++) {
      const r0 = boundary(n, chunks, 4, chunk), nr = boundary(n, chunks, 4, chunk + 1) - r0, t = chunk % threads;
      this.losses[chunk] = -1;
      if (nr === 0) continue;
      const k = this.pool.on(t), block = chunk === 0 ? grad : partials + (chunk - 1) * this.blockBytes;
      blocks = chunk;
      if (dropout) {
        k.gatherDropout(nr, d, dropout.from, dropout.fromStride, dropout.fromRows + r0 * 4, dropout.threshold,
          dropout.scale, dropout.seed, x + r0 * xStride, r0);
      }
      this.losses[chunk] = place(t, k.fusedStep(lossId, nr, d, c, cp, x, xStride, rows + r0 * 4, targets,
        targetRows + r0 * 4, cw, weights, delta, params, params + d * row, s + r0 * row, ds + r0 * row, 1 / n, block, block + d * row, packs + chunk * packBytes));
    }
    for (let slice = 0; slice < chunks; slice++) this.penalties(slice, threads, false);
    this.pool.go();
    this.pending = blocks;
    return this.total(this.losses) / n + this.total(this.penaltyCalls);
  }

  /** Completes the gradient in `grad` (the partials and the penalties' gradient), if a `gradient` left it in pieces. */
  reduce(threads: number): void {
    if (this.pending === null) return;
    this.pool.begin(threads);
    for (let slice = 0; slice < this.at.chunks; slice++) this.reduction(slice, threads);
    this.pool.go();
    this.pending = null;
  }

  /**
   * The update rule on the whole parameter block, after completing the gradient and copying the block to `prev`
   * (0: no copy).
   */
  update(rule: UpdateRule, state: readonly number[], prev: number, hyper: UpdateHyper, threads: number): void {
    const { d, cp, params, grad, chunks } = this.at, row = cp * 4, s0 = state[0] ?? 0, s1 = state[1] ?? 0;
    this.pool.begin(threads);
    for (let slice = 0; slice < chunks; slice++) {
      const k0 = boundary(d + 1, chunks, 4, slice), kd = boundary(d + 1, chunks, 4, slice + 1) - k0;
      if (kd === 0) continue;
      this.reduction(slice, threads);
      const k = this.pool.on(slice % threads), off = k0 * row, len = kd * cp;
      if (prev) k.copy(prev + off, params + off, len * 4);
      updateKernel(k, rule, len, params + off, grad + off, s0 && s0 + off, s1 && s1 + off, hyper);
    }
    this.pool.go();
    this.pending = null;
  }

  private get blockBytes(): number {
    return (this.at.d + 1) * this.at.cp * 4;
  }

  /** The calls that complete a slice of `grad` after a `gradient`; none when nothing is pending. */
  private reduction(slice: number, threads: number): void {
    if (this.pending === null) return;
    const { d, cp, grad, partials, chunks } = this.at;
    const k0 = boundary(d + 1, chunks, 4, slice), kd = boundary(d + 1, chunks, 4, slice + 1) - k0, off = k0 * cp * 4;
    if (kd === 0) return;
    if (this.pending > 0) this.pool.on(slice % threads).accumulate(kd * cp, grad + off, partials + off, this.pending, this.blockBytes);
    this.penalties(slice, threads, true);
  }

  /**
   * The penalties over a slice's rows of W (the bias row excluded), on its thread: their values only, or with
   * their gradient added into `grad`. Sums over slices depend on K only, never on the thread count.
   */
  private penalties(slice: number, threads: number, gradient: boolean): void {
    const { d, cp, params, grad, l2, l1, chunks } = this.at;
    const k0 = boundary(d + 1, chunks, 4, slice), k1 = Math.min(boundary(d + 1, chunks, 4, slice + 1), d);
    const t = slice % threads, off = k0 * cp * 4, len = (k1 - k0) * cp, dw = gradient ? grad + off : 0;
    this.penaltyCalls[2 * slice] = len > 0 && l2 > 0 ? place(t, this.pool.on(t).l2Penalty(len, params + off, l2, dw)) : -1;
    this.penaltyCalls[2 * slice + 1] = len > 0 && l1 > 0 ? place(t, this.pool.on(t).l1Penalty(len, params + off, l1, dw)) : -1;
  }

  /** Σ of the results of the calls at `places`, in their order. */
  private total(places: Int32Array): number {
    let sum = 0;
    for (let i = 0; i < places.length; i++) {
      const at = places[i]!;
      if (at >= 0) sum += this.pool.result(at >>> 16, at & 0xffff);
    }
    return sum;
  }
}

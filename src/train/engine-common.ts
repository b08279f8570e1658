/**
 * What every training engine shares: the datasets held by slot, the optimizer's hyper-parameters and state
 * bookkeeping. The reference engines keep plain arrays (ReferenceEngineBase), the WASM engines resident blocks
 * (ResidentEngineBase); each engine adds only its parameters and its steps.
 */
import type { Matrix, UpdateRule } from "../types.js";
import type { LabelKernel, TargetKernel, UpdateHyper } from "../backend/ops.js";
import type { Kernels } from "../wasm/loader.js";
import type { Rng } from "../data/rng.js";
import type { AnyEngineSpec, EngineSnapshot, EngineSpec, EngineTargets, Slot } from "./engine.js";
import { LABEL_LOSSES } from "../types.js";
import { STARTS_AT_LEARNING_RATE, STATE_FIELDS } from "../backend/optimizer.js";
import { ReferenceOps } from "../backend/reference-ops.js";
import { Resident } from "../wasm/resident.js";

abstract class EngineBase<S extends AnyEngineSpec, D extends { n: number }> {
  protected readonly slots = new Map<Slot, D>();
  protected readonly hyper: UpdateHyper;

  constructor(readonly spec: S) {
    this.hyper = { ...spec.hyper, learningRate: 0, momentum: 0, t: 0 };
  }

  rows(slot: Slot): number {
    return this.slots.get(slot)?.n ?? 0;
  }

  unload(slot: Slot): void {
    this.slots.delete(slot);
  }

  dispose(): void {
    this.slots.clear();
  }

  protected data(slot: Slot): D {
    const data = this.slots.get(slot);
    if (!data) throw new Error(`the engine holds no ${slot} data`);
    return data;
  }

  /** The rule `update` applies: fit searches instead of updating under random search, which the lazy engines refuse. */
  protected get rule(): UpdateRule {
    return this.spec.rule as UpdateRule;
  }

  /** The update rule's state arrays, one per field (none for random search); `startsAtLr` marks the step sizes. */
  protected stateOf<T>(block: (startsAtLr: boolean) => T): T[] {
    const rule = this.spec.rule;
    return rule === "random-search" ? [] : STATE_FIELDS[rule].map((f) => block(STARTS_AT_LEARNING_RATE.includes(f)));
  }

  abstract getParams(): { W: Matrix; b: Float32Array };
  abstract setParams(W: Matrix, b: Float32Array): void;
  /** Live views of the update rule's state arrays, in a fixed order. */
  protected abstract stateViews(): Float32Array[];

  snapshot(): EngineSnapshot {
    const { W, b } = this.getParams();
    return { W, b, t: this.hyper.t, state: this.stateViews().map((view) => view.slice()) };
  }

  rollback(saved: EngineSnapshot): void {
    this.setParams(saved.W, saved.b);
    this.hyper.t = saved.t;
    this.stateViews().forEach((view, i) => view.set(saved.state[i]!));
  }

  /** Sets the step sizes (rprop's step, delta-bar-delta's rate) to the first update's learning rate. */
  protected abstract startStepSizes(learningRate: number): void;

  /** Sets the hyper-parameters of the next update and counts it (Adam's t). */
  protected nextUpdate(learningRate: number, momentum: number): UpdateHyper {
    const h = this.hyper;
    if (h.t === 0) this.startStepSizes(learningRate);
    h.learningRate = learningRate;
    h.momentum = momentum;
    h.t += 1;
    return h;
  }
}

/** A dataset of a reference engine: its rows, the epoch order (train) or 0, 1, …, n−1, and its sample weights. */
export interface ReferenceSlot {
  n: number;
  order: Uint32Array;
  weights: Float32Array | null;
}

export abstract class ReferenceEngineBase<S extends AnyEngineSpec, D extends ReferenceSlot> extends EngineBase<S, D> {
  protected readonly ops = new ReferenceOps();
  private readonly stateArrays: { array: Float32Array; startsAtLr: boolean }[] = [];

  shuffle(rng: Rng): void {
    rng.shuffle(this.data("train").order);
  }

  resetState(): void {
    for (const s of this.stateArrays) s.array.fill(0);
    this.hyper.t = 0;
  }

  protected stateViews(): Float32Array[] {
    return this.stateArrays.map((s) => s.array);
  }

  protected startStepSizes(learningRate: number): void {
    for (const s of this.stateArrays) if (s.startsAtLr) s.array.fill(learningRate);
  }

  /** Zeroed state arrays of `length` floats, which `resetState` zeroes again (the first update starts the step sizes). */
  protected newState(length: number): Float32Array[] {
    const arrays = this.stateOf((startsAtLr) => {
      const array = new Float32Array(length);
      this.stateArrays.push({ array, startsAtLr });
      return array;
    });
    return arrays;
  }
}

/** The bookkeeping of a resident dataset: its rows, the epoch order, 0, 1, …, n−1, and every block it owns. */
export interface ResidentSlot {
  n: number;
  /** The epoch order (train) or `identity` (evaluation reads rows in order). */
  order: number;
  identity: number;
  blocks: number[];
}

export abstract class ResidentEngineBase<S extends AnyEngineSpec, F> extends EngineBase<S, F & ResidentSlot> {
  protected readonly mem: Resident;
  private readonly stateBlocks: { ptr: number; floats: number; startsAtLr: boolean }[] = [];

  constructor(protected readonly kernels: Kernels, spec: S) {
    super(spec);
    this.mem = new Resident(kernels.heap);
  }

  protected get k() {
    return this.kernels.exports;
  }

  protected get heap() {
    return this.kernels.heap;
  }

  shuffle(rng: Rng): void {
    const data = this.data("train");
    rng.shuffle(this.heap.u32(data.order, data.n));
  }

  override unload(slot: Slot): void {
    const data = this.slots.get(slot);
    super.unload(slot);
    for (const ptr of data?.blocks ?? []) this.mem.free(ptr);
  }

  resetState(): void {
    for (const { ptr, floats } of this.stateBlocks) this.heap.f32(ptr, floats).fill(0);
    this.hyper.t = 0;
  }

  protected stateViews(): Float32Array[] {
    return this.stateBlocks.map(({ ptr, floats }) => this.heap.f32(ptr, floats));
  }

  protected startStepSizes(learningRate: number): void {
    for (const { ptr, floats, startsAtLr } of this.stateBlocks) if (startsAtLr) this.heap.f32(ptr, floats).fill(learningRate);
  }

  override dispose(): void {
    super.dispose();
    this.mem.dispose();
  }

  /** Holds a dataset of n rows whose blocks are already resident, adding its epoch order and identity order. */
  protected hold(slot: Slot, n: number, fields: F, blocks: number[]): void {
    const identity = this.mem.identity(n), order = slot === "train" ? this.mem.identity(n) : identity;
    this.slots.set(slot, { ...fields, n, order, identity, blocks: [...blocks, identity, order] });
  }

  /** Zeroed state blocks of `floats` floats, which `resetState` zeroes again (the first update starts the step sizes). */
  protected newState(floats: number): number[] {
    return this.stateOf((startsAtLr) => {
      const ptr = this.mem.zeroed(floats * 4);
      this.stateBlocks.push({ ptr, floats, startsAtLr });
      return ptr;
    });
  }

  /** The class weights resident (0 without them). */
  protected uploadClassWeight(): number {
    return this.spec.classWeight ? this.mem.upload(this.spec.classWeight) : 0;
  }
}

/** Σ w_i·L_i and dS of a batch's scores under the spec's loss, on the reference ops; sw: the batch rows' sample weights. */
export function referenceLoss(ops: ReferenceOps, spec: EngineSpec, S: Matrix, targets: EngineTargets, sw: Float32Array | null) {
  const { loss, delta, classWeight } = spec;
  if (LABEL_LOSSES.includes(loss)) return ops.labelLoss(loss as LabelKernel, S, targets as Int32Array, delta, classWeight, sw);
  return ops.targetLoss(loss as TargetKernel, S, targets as Matrix, sw);
}

/** The listed rows' sample weights, copied (null without weights). */
export function gatherWeights(weights: Float32Array | null, rows: ArrayLike<number>): Float32Array | null {
  return weights && Float32Array.from(rows, (r) => weights[r]!);
}

/** first, first + 1, …, first + count − 1. */
export const range = (first: number, count: number): Uint32Array => Uint32Array.from({ length: count }, (_, i) => first + i);

/** The listed rows of a dense matrix, copied. */
export function gatherRows(X: Matrix, rows: ArrayLike<number>): Matrix {
  const d = X.cols, out = new Float32Array(rows.length * d);
  for (let i = 0; i < rows.length; i++) out.set(X.data.subarray(rows[i]! * d, (rows[i]! + 1) * d), i * d);
  return { rows: rows.length, cols: d, data: out };
}

/** The listed rows' labels or target rows, copied. */
export function gatherTargets(targets: EngineTargets, rows: ArrayLike<number>): EngineTargets {
  if (targets instanceof Int32Array) return Int32Array.from(rows, (r) => targets[r]!);
  return gatherRows(targets, rows);
}

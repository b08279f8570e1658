/**
 * The training engine of a threaded backend: the WASM engine, whose `gradient` and `update` run split over the
 * pool's threads (step.ts). Everything else (evaluation, random search, max-norm, dropout's gather) stays on
 * the caller. Since a threaded step gives the parameters of a one-thread step bit for bit, the thread count
 * is chosen per call from the amount of work, and a small batch simply runs on the caller.
 */
import type { Kernels } from "../wasm/loader.js";
import type { EngineSpec } from "../train/engine.js";
import { WasmEngine } from "../train/wasm-engine.js";
import { padCols } from "../wasm/scope.js";
import type { ThreadPool } from "./pool.js";
import { ThreadedStep, type StepLayout } from "./step.js";

/**
 * Least work per thread worth a fork-join (a few µs on an idle machine, more on a loaded one): multiply-adds of
 * the two GEMMs (rows·d·cp) for `gradient`, parameters for `update`. See bench/threads.ts for the crossover.
 */
export const MIN_GEMM_WORK = 1 << 16;
export const MIN_UPDATE_WORK = 1 << 14;

export const threadsFor = (work: number, least: number, size: number): number =>
  Math.max(1, Math.min(size, Math.floor(work / least)));

export class ThreadedEngine extends WasmEngine {
  private readonly layout: StepLayout;
  private readonly step: ThreadedStep;

  constructor(kernels: Kernels, spec: EngineSpec, private readonly pool: ThreadPool) {
    super(kernels, spec);
    const { loss, d, c, delta, l2, l1 } = spec;
    this.layout = { loss, d, c, cp: padCols(c), delta, cw: this.cw, l2, l1, params: this.params, grad: this.grad, s: this.s, ds: this.ds };
    this.step = new ThreadedStep(pool, this.layout);
  }

  override gradient(start: number, count: number, seed: number): number {
    const { d, cp } = this.layout;
    const threads = threadsFor(count * d * cp, MIN_GEMM_WORK, this.pool.size);
    if (threads === 1) return super.gradient(start, count, seed);
    const train = this.batch(start, count, seed);
    this.layout.params = this.params; // random search swaps the parameter block
    return this.step.gradient({
      n: count, x: this.batchFrom, xStride: d * 4, rows: this.batchRows,
      targets: train.targets, targetRows: (train.order + start * 4) >>> 0,
    }, threads);
  }

  override update(learningRate: number, momentum: number): void {
    const { d, cp } = this.layout, rule = this.spec.rule;
    const threads = threadsFor((d + 1) * cp, MIN_UPDATE_WORK, this.pool.size);
    if (threads === 1 || rule === "random-search") return super.update(learningRate, momentum);
    const h = this.hyper;
    h.learningRate = learningRate;
    h.momentum = momentum;
    h.t += 1;
    this.hasPrev = true;
    this.layout.params = this.params;
    this.step.update(rule, this.state, this.prev, h, threads);
  }
}

/**
 * The training engine of a threaded backend: the WASM engine, whose `gradient` and `update` run split over the
 * pool's threads (step.ts). Everything else (evaluation, random search, max-norm, dropout's gather) stays on
 * the caller. Since a threaded step gives the parameters of a one-thread step bit for bit, the thread count
 * can be chosen per call, by measurement (ThreadTuner), and a small batch simply runs on the caller.
 */
import type { Kernels } from "../wasm/loader.js";
import type { EngineSpec } from "../train/engine.js";
import { WasmEngine } from "../train/wasm-engine.js";
import { padCols } from "../wasm/scope.js";
import type { ThreadPool } from "./pool.js";
import { ThreadedStep, type StepLayout } from "./step.js";

/**
 * Least work for which a fork-join may pay (one costs a few µs on an idle machine, far more on a loaded one):
 * multiply-adds of the GEMMs (rows·d·cp) for `gradient`, parameters for `update`. Above it, the tuner decides.
 */
export const MIN_GEMM_WORK = 1 << 17;
export const MIN_UPDATE_WORK = 1 << 15;

/** Calls between two tries of the choice that currently loses. */
const EXPLORE = 32;

/**
 * Chooses, per kind of call, between the caller alone and the whole pool by timing both: alternately at first,
 * then the faster one (a moving average), trying the other again every EXPLORE calls, since the load of the
 * machine changes. Both choices give the same bits, so the tuner moves only the speed, never the results.
 */
export class ThreadTuner {
  private readonly arms = new Map<string, { ms: [number, number]; calls: number }>();

  constructor(private readonly size: number) {}

  /** Threads for the next call of kind `key`. */
  pick(key: string): number {
    const arm = this.arms.get(key);
    if (!arm || arm.calls < 4) return (arm?.calls ?? 0) % 2 === 0 ? this.size : 1;
    const best = arm.ms[1] < arm.ms[0] ? 1 : 0;
    const choice = arm.calls % EXPLORE === 0 ? 1 - best : best;
    return choice === 1 ? this.size : 1;
  }

  /** Records how long a call of kind `key` took on `threads` threads. */
  record(key: string, threads: number, ms: number): void {
    let arm = this.arms.get(key);
    if (!arm) this.arms.set(key, (arm = { ms: [NaN, NaN], calls: 0 }));
    const i = threads === 1 ? 0 : 1;
    arm.ms[i] = Number.isNaN(arm.ms[i]) ? ms : 0.75 * arm.ms[i] + 0.25 * ms;
    arm.calls++;
  }
}

export class ThreadedEngine extends WasmEngine {
  private readonly layout: StepLayout;
  private readonly step: ThreadedStep;
  private readonly tuner: ThreadTuner;

  constructor(kernels: Kernels, spec: EngineSpec, pool: ThreadPool) {
    super(kernels, spec);
    const { loss, d, c, delta, l2, l1 } = spec;
    this.layout = { loss, d, c, cp: padCols(c), delta, cw: this.cw, l2, l1, params: this.params, grad: this.grad, s: this.s, ds: this.ds };
    this.step = new ThreadedStep(pool, this.layout);
    this.tuner = new ThreadTuner(pool.size);
  }

  override gradient(start: number, count: number, seed: number): number {
    const { d, cp } = this.layout;
    if (count * d * cp < MIN_GEMM_WORK) return super.gradient(start, count, seed);
    const key = `gradient/${count}`, threads = this.tuner.pick(key), started = performance.now();
    let loss: number;
    if (threads === 1) loss = super.gradient(start, count, seed);
    else {
      const train = this.batch(start, count, seed);
      this.layout.params = this.params; // random search swaps the parameter block
      loss = this.step.gradient({
        n: count, x: this.batchFrom, xStride: d * 4, rows: this.batchRows,
        targets: train.targets, targetRows: (train.order + start * 4) >>> 0,
      }, threads);
    }
    this.tuner.record(key, threads, performance.now() - started);
    return loss;
  }

  override update(learningRate: number, momentum: number): void {
    const { d, cp } = this.layout, rule = this.spec.rule;
    if ((d + 1) * cp < MIN_UPDATE_WORK || rule === "random-search") return super.update(learningRate, momentum);
    const threads = this.tuner.pick("update"), started = performance.now();
    if (threads === 1) super.update(learningRate, momentum);
    else {
      const h = this.hyper;
      h.learningRate = learningRate;
      h.momentum = momentum;
      h.t += 1;
      this.hasPrev = true;
      this.layout.params = this.params;
      this.step.update(rule, this.state, this.prev, h, threads);
    }
    this.tuner.record("update", threads, performance.now() - started);
  }
}

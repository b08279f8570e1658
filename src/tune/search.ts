/**
 * Hyper-parameter search as cs231n's assignment 1 does it: one model per setting, kept by validation accuracy
 * (seed 003: the validation set stands in for the test set). Grid search over lists of values, random search
 * over ranges, and stratified k-fold cross-validation when no validation set is given. The trials run one per
 * worker, each a one-thread fit at full speed. The rows are written once into one shared WebAssembly.Memory
 * (src/tune/dataset.ts) that every worker computes in, and no trial copies them. Each trial's fit is the same
 * job in a worker or on this thread (src/worker/fit-job.ts), so a parallel search gives the bits of a serial one.
 */
import { LinearClassifier, type LinearClassifierOptions } from "../model/classifier.js";
import type { History } from "../model/linear-model.js";
import { abortError } from "../model/control.js";
import { object, knownKeys } from "../model/options.js";
import { Rng } from "../data/rng.js";
import { Backend } from "../backend/backend.js";
import { init } from "../init.js";
import { hardwareThreads, threadsUnavailable } from "../threads/support.js";
import { rowsArg, type RowsInput } from "../sparse/csr.js";
import type { Matrix } from "../types.js";
import type { LabelArray } from "../model/labels.js";
import { runFitJob, type Lane } from "../worker/fit-job.js";
import { createDataset, laneBackend, type RowBlock } from "./dataset.js";
import { FitWorker } from "../worker/client.js";
import type { FitJob } from "../worker/protocol.js";
import * as v from "../validate.js";

/** The fields of an optimizer that a grid or a range may name directly (`learningRate` for `optimizer.learningRate`). */
const OPTIMIZER_FIELDS = ["rule", "learningRate", "momentum", "decayRate", "beta1", "beta2", "epsilon", "etaPlus",
  "etaMinus", "stepMin", "stepMax", "kappa", "phi", "theta"];

export interface Range {
  min: number;
  max: number;
  /** Log-uniform draws. Default: true when max/min ≥ 100 (a range spanning two decades or more). */
  log?: boolean;
}

export interface SearchOptions {
  /** Held-out rows to score each trial on. Without it, `folds`-fold stratified cross-validation. */
  validation?: [X: RowsInput, y: LabelArray];
  /** Folds of the cross-validation when there is no validation set. Default 5. */
  folds?: number;
  /** Values to try for each option (its name, or an optimizer field such as learningRate): every combination. */
  grid?: Record<string, readonly unknown[]>;
  /** Random search: this many trials, each option drawn from its `ranges` entry (or its `grid` list). */
  sample?: number;
  ranges?: Record<string, Range>;
  /** The options every trial starts from (no backend: each trial runs on its own). */
  base?: LinearClassifierOptions;
  /** Trials at once, each in its own worker. Default 'auto': the cores, at most the trials; 1 runs on this thread. */
  workers?: number | "auto";
  /** Seed of the random draws and of the folds. Default 0. */
  seed?: number;
  /** Refit the best options on all of X, y and return that model. Default false. */
  refit?: boolean;
  /** Called as each trial finishes (in the order they finish). */
  onTrial?: (trial: Trial, progress: { done: number; total: number }) => void;
  /** Stops the search: it resolves with the trials done so far (`aborted: true`). */
  signal?: AbortSignal;
}

export interface Trial {
  /** Its place in the trial order (the grid's, or the draws'): deterministic for a seed. */
  index: number;
  /** The options it was trained with. */
  options: LinearClassifierOptions;
  /** Validation accuracy of its model at the epoch it ended with (the mean over the folds). */
  score: number;
  /** Each fold's score, or the validation set's alone. */
  scores: number[];
  histories: History<"Accuracy">[];
}

export interface SearchResult {
  /** Every finished trial, in trial order. */
  trials: Trial[];
  /** The best trial (the first of the best scores), with its model refitted on all of X, y if `refit`. */
  best: (Trial & { model?: LinearClassifier }) | null;
  /** Trials that ran at once, and why not more when workers were asked for but unavailable. */
  workers: number;
  workersFallback?: string;
  aborted: boolean;
}

const KEYS = ["validation", "folds", "grid", "sample", "ranges", "base", "workers", "seed", "refit", "onTrial", "signal"];

export async function search(X: RowsInput, y: LabelArray, options: SearchOptions): Promise<SearchResult> {
  const o = object("options", options) as SearchOptions;
  knownKeys("options", o as Record<string, unknown>, KEYS);
  const base = object("base", o.base ?? {}) as LinearClassifierOptions;
  if (base.backend instanceof Backend) throw new TypeError("base.backend: each trial runs on its own backend; leave it out");
  const seed = v.dimension("seed", o.seed ?? 0, 0);
  const settings = trialSettings(o, seed);
  for (const setting of settings) new LinearClassifier(trialOptions(base, setting)).dispose(); // checked before any fit
  if (o.onTrial !== undefined && typeof o.onTrial !== "function") throw new TypeError(`onTrial must be a function, got ${v.describe(o.onTrial)}`);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new TypeError(`signal must be an AbortSignal, got ${v.describe(o.signal)}`);
  if (o.signal?.aborted) throw abortError(o.signal);
  const rows = rowsArg("X", X);
  if (!("data" in rows)) throw new TypeError("X: search takes dense rows (a Matrix or number[][])");
  const labels = labelArg(y, rows.rows);
  const plans = o.validation === undefined ? folds(labels, v.dimension("folds", o.folds ?? 5, 2), seed) : null;
  const validation = o.validation === undefined ? undefined : validationArg(o.validation);
  if (validation && validation[0].cols !== rows.cols) {
    throw new RangeError(`validation[0] has ${validation[0].cols} columns but X has ${rows.cols}`);
  }
  const pool = await workerPool(o.workers ?? "auto", settings.length);
  const data = await trialData(rows, labels, validation, plans, Math.max(1, pool.workers.length)).catch((e: unknown) => {
    pool.workers.forEach((w) => w.terminate());
    throw e;
  });
  const { dataset } = data;
  if (dataset) pool.workers.forEach((worker, lane) => worker.useDataset(dataset, lane));
  const jobs = settings.map((setting) => data.jobs(trialOptions(base, setting) as Record<string, unknown>));
  const trials: Trial[] = [];
  // Trials on this thread share one wasm backend, as each worker's do: lane 0 of the dataset where there is one.
  let serial: Promise<Backend> | null = null;
  const serialLane: Lane = { backend: () => (serial ??= dataset ? laneBackend(dataset, 0) : init()), dataset: dataset ?? undefined };
  let aborted = false, failed = false;
  const stop = (): void => {
    aborted = true;
    pool.workers.forEach((w) => w.abort());
  };
  o.signal?.addEventListener("abort", stop, { once: true });
  try {
    let next = 0;
    const lane = async (worker: FitWorker | null): Promise<void> => {
      while (!aborted && next < jobs.length) {
        const index = next++, histories: History<"Accuracy">[] = [];
        for (const job of jobs[index]!) {
          const history = await runJob(worker, job, o.signal, serialLane).catch((e: unknown) => {
            if (aborted) return null;
            throw e;
          });
          if (!history) return;
          histories.push(history);
        }
        const scores = histories.map((h) => h.valAccuracy[h.bestEpoch - 1]!);
        const trial: Trial = { index, options: trialOptions(base, settings[index]!), score: mean(scores), scores, histories };
        trials.push(trial);
        o.onTrial?.(trial, { done: trials.length, total: jobs.length });
      }
    };
    await Promise.all(pool.workers.length ? pool.workers.map(lane) : [lane(null)]);
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    o.signal?.removeEventListener("abort", stop);
    // Aborted workers stay aborted, and a failure may have left jobs running: only a clean search's are reused.
    for (const worker of pool.workers) {
      if (aborted || failed || worker.stopped) worker.terminate();
      else {
        worker.useDataset(null);
        idleWorkers.push(worker);
      }
    }
    const lent = serial as Promise<Backend> | null; // assigned by the lanes
    if (lent) (await lent).dispose();
  }
  trials.sort((a, b) => a.index - b.index);
  const top = trials.reduce<Trial | null>((best, t) => (best === null || t.score > best.score ? t : best), null);
  let best: SearchResult["best"] = top;
  if (top && o.refit && !aborted) {
    const model = new LinearClassifier(top.options);
    await model.fit(rows, labels);
    best = { ...top, model };
  }
  return { trials, best, workers: Math.max(1, pool.workers.length), workersFallback: pool.fallback, aborted };
}

/** A trial's history: from a worker, or from this thread when there is none. */
async function runJob(worker: FitWorker | null, job: FitJob, signal: AbortSignal | undefined,
                      lane: Lane): Promise<History<"Accuracy">> {
  if (worker) return (await worker.run(job)).history as History<"Accuracy">;
  const { model, history } = await runFitJob(job, signal, undefined, lane);
  model.dispose();
  return history as History<"Accuracy">;
}

/** The grid's combinations in order (the first key varies slowest), or `sample` seeded draws. */
function trialSettings(o: SearchOptions, seed: number): Record<string, unknown>[] {
  const grid = o.grid === undefined ? {} : object("grid", o.grid) as Record<string, readonly unknown[]>;
  for (const [key, values] of Object.entries(grid)) {
    if (!Array.isArray(values) || values.length === 0) throw new TypeError(`grid.${key} must be a non-empty array of values, got ${v.describe(values)}`);
  }
  const ranges = o.ranges === undefined ? {} : object("ranges", o.ranges) as Record<string, Range>;
  if (o.sample === undefined) {
    if (Object.keys(ranges).length) throw new RangeError("ranges need sample: the number of random trials to draw");
    if (!Object.keys(grid).length) throw new RangeError("search needs a grid (values to try) or sample with ranges");
    return Object.entries(grid).reduce<Record<string, unknown>[]>(
      (settings, [key, values]) => settings.flatMap((s) => values.map((value) => ({ ...s, [key]: value }))), [{}]);
  }
  const n = v.dimension("sample", o.sample), rng = new Rng(seed);
  const checked = Object.entries(ranges).map(([key, r]) => [key, rangeArg(`ranges.${key}`, r)] as const);
  if (!checked.length && !Object.keys(grid).length) throw new RangeError("sample needs ranges (or grid lists) to draw from");
  return Array.from({ length: n }, () => {
    const setting: Record<string, unknown> = {};
    for (const [key, values] of Object.entries(grid)) setting[key] = values[rng.int(values.length)];
    for (const [key, r] of checked) {
      const u = rng.uniform();
      setting[key] = r.log ? Math.exp(Math.log(r.min) + u * (Math.log(r.max) - Math.log(r.min))) : r.min + u * (r.max - r.min);
    }
    return setting;
  });
}

function rangeArg(name: string, value: unknown): Required<Range> {
  const r = object(name, value) as unknown as Range;
  knownKeys(name, r as unknown as Record<string, unknown>, ["min", "max", "log"]);
  const min = v.finiteNumber(`${name}.min`, r.min), max = v.finiteNumber(`${name}.max`, r.max);
  if (!(max > min)) throw new RangeError(`${name}: max (${max}) must be above min (${min})`);
  const log = r.log ?? (min > 0 && max / min >= 100);
  if (typeof log !== "boolean") throw new TypeError(`${name}.log must be a boolean, got ${v.describe(log)}`);
  if (log && !(min > 0)) throw new RangeError(`${name}: a log-uniform range needs min > 0, got ${min}`);
  return { min, max, log };
}

/** The base options with a trial's values: optimizer fields go inside `optimizer`. */
function trialOptions(base: LinearClassifierOptions, setting: Record<string, unknown>): LinearClassifierOptions {
  const options: Record<string, unknown> = { ...base, optimizer: { ...base.optimizer } };
  for (const [key, value] of Object.entries(setting)) {
    if (OPTIMIZER_FIELDS.includes(key)) (options.optimizer as Record<string, unknown>)[key] = value;
    else options[key] = value;
  }
  return options as LinearClassifierOptions;
}

function labelArg(y: unknown, n: number): Int32Array | string[] {
  if (y instanceof Int32Array || Array.isArray(y)) {
    if (y.length !== n) throw new RangeError(`y has length ${y.length} but there are ${n} rows`);
    return y instanceof Int32Array ? y.slice() : Array.from(y);
  }
  throw new TypeError(`y must be labels (an Int32Array, integers or strings), got ${v.describe(y)}`);
}

function validationArg(value: unknown): [Matrix, unknown] {
  if (!Array.isArray(value) || value.length !== 2) throw new TypeError(`validation must be a pair [X, y], got ${v.describe(value)}`);
  const X = rowsArg("validation[0]", value[0]);
  if (!("data" in X)) throw new TypeError("validation[0]: search takes dense rows (a Matrix or number[][])");
  return [X, value[1]];
}

interface Fold {
  train: Int32Array;
  held: Int32Array;
}

/**
 * Each trial's jobs (one per fold) and the data they read: windows of the rows of one dataset in WASM memory
 * (src/tune/dataset.ts lays out the folds), or, where this engine has no shared memories, X itself.
 */
async function trialData(X: Matrix, y: Int32Array | string[], validation: [Matrix, unknown] | undefined,
                         plans: Fold[] | null, lanes: number) {
  const blocks: RowBlock[] = validation ? [{ X }, { X: validation[0] }]
    : [...plans!, ...plans!.slice(0, -1)].map(({ held }) => ({ X, rows: held }));
  const dataset = await createDataset(blocks, lanes);
  const job = (options: Record<string, unknown>, fields: Partial<FitJob>): FitJob => ({ kind: "classifier", options, y, fit: {}, ...fields });
  if (!dataset) {
    return {
      dataset,
      jobs: (options: Record<string, unknown>) => (plans
        ? plans.map(({ train, held }) => job(options, { X, rows: train, validationRows: held }))
        : [job(options, { X, fit: { validation } })]),
    };
  }
  if (validation) {
    const windows = { train: { first: 0, count: X.rows }, validation: { rows: { first: X.rows, count: validation[0].rows }, y: validation[1] } };
    return { dataset, jobs: (options: Record<string, unknown>) => [job(options, { windows })] };
  }
  const k = plans!.length, starts = [0];
  for (const { rows } of blocks) starts.push(starts[starts.length - 1]! + rows!.length);
  const byFold = plans!.map(({ held }, f) => {
    const trainRows = Array.from({ length: k - 1 }, (_, j) => Array.from(plans![(f + 1 + j) % k]!.held)).flat();
    return {
      y: pickLabels(y, trainRows),
      windows: {
        train: { first: starts[f + 1]!, count: trainRows.length },
        validation: { rows: { first: starts[f]!, count: held.length }, y: pickLabels(y, held) },
      },
    };
  });
  return { dataset, jobs: (options: Record<string, unknown>) => byFold.map((fold) => job(options, fold)) };
}

function pickLabels(y: Int32Array | string[], rows: ArrayLike<number>): Int32Array | string[] {
  return y instanceof Int32Array ? Int32Array.from(rows as ArrayLike<number>, (r) => y[r]!) : Array.from(rows as ArrayLike<number>, (r) => y[r]!);
}

/** Stratified folds: each class's rows shuffled with the seed and dealt round-robin, so every fold has its share. */
function folds(y: Int32Array | string[], k: number, seed: number): Fold[] {
  if (k > y.length) throw new RangeError(`folds is ${k} but there are only ${y.length} rows`);
  const rng = new Rng(seed), byClass = new Map<unknown, number[]>();
  Array.from(y as ArrayLike<unknown>).forEach((label, i) => (byClass.get(label) ?? byClass.set(label, []).get(label)!).push(i));
  const fold = new Int32Array(y.length);
  let dealt = 0;
  for (const rows of [...byClass.entries()].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)).map(([, r]) => Uint32Array.from(r))) {
    rng.shuffle(rows);
    for (const r of rows) fold[r] = dealt++ % k;
  }
  return Array.from({ length: k }, (_, f) => {
    const held: number[] = [], train: number[] = [];
    fold.forEach((g, i) => (g === f ? held : train).push(i));
    return { train: Int32Array.from(train), held: Int32Array.from(held) };
  });
}

/**
 * Workers that a finished search left idle, warm (started, their code compiled), for the next search: cs231n's
 * tuning runs a coarse search, then a finer one. Idle, they hold no dataset and never keep Node running.
 */
const idleWorkers: FitWorker[] = [];

/** Stops the idle search workers (a page that is done tuning may want their memory back). */
export function stopSearchWorkers(): void {
  for (const worker of idleWorkers.splice(0)) worker.terminate();
}

/** Workers for the trials: none (this thread) when one is asked for, or workers are unavailable (and why). */
async function workerPool(value: number | "auto", trials: number): Promise<{ workers: FitWorker[]; fallback?: string }> {
  const asked = value === "auto" ? Math.min(await hardwareThreads(), trials) : v.dimension("workers", value);
  const count = Math.min(asked, trials);
  if (count <= 1) return { workers: [] };
  const unavailable = threadsUnavailable();
  if (unavailable) return { workers: [], fallback: unavailable };
  const reused = idleWorkers.splice(0).filter((w) => !w.stopped);
  idleWorkers.push(...reused.splice(count));
  return { workers: [...reused, ...await Promise.all(Array.from({ length: count - reused.length }, () => FitWorker.start()))] };
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

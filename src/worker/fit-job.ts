/** One fit job, the same on the main thread (a serial search) and in a worker: what makes their bits equal. */
import { LinearClassifier } from "../model/classifier.js";
import { LinearRegressor } from "../model/regressor.js";
import type { EpochInfo, History } from "../model/linear-model.js";
import type { Matrix } from "../types.js";
import type { Rows } from "../sparse/csr.js";
import type { Backend } from "../backend/backend.js";
import type { FitJob } from "./protocol.js";
import { windowRows, type DatasetHandle } from "../tune/dataset.js";

/** Where a thread runs jobs: the wasm backend its jobs borrow, and the search's dataset if it has one. */
export interface Lane {
  backend(): Promise<Backend>;
  dataset?: DatasetHandle;
}

/**
 * Fits the job's model and returns it with its history; the caller disposes it. `lane.backend`: a wasm backend
 * to borrow for a job whose options leave the backend at its default (a worker's jobs share one: one compiled
 * instance, and the same bits as a backend of its own). A job naming dataset windows needs `lane.dataset`.
 */
export async function runFitJob(job: FitJob, signal: AbortSignal | undefined, onEpoch?: (info: EpochInfo<string>) => void,
                                lane?: Lane): Promise<{ model: LinearClassifier | LinearRegressor; history: History<string> }> {
  const borrow = lane && job.options.backend === undefined && job.options.threads === undefined;
  const options = borrow ? { ...job.options, backend: await lane.backend() } : job.options;
  const model = job.kind === "regressor" ? new LinearRegressor(options) : new LinearClassifier(options);
  try {
    const { X, y, validation } = jobData(job, lane?.dataset);
    const history = await (model as LinearClassifier).fit(X, y as Int32Array, {
      ...job.fit as object, validation: validation as never, signal, onEpoch: onEpoch as never,
    });
    return { model, history: history as History<string> };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** The rows a job trains and is validated on. */
function jobData(job: FitJob, dataset: DatasetHandle | undefined): { X: Rows; y: unknown; validation?: [Rows, unknown] } {
  if (job.windows) {
    if (!dataset) throw new Error("a job on a search's dataset ran where the dataset is not loaded");
    const held = job.windows.validation;
    return { X: windowRows(dataset, job.windows.train), y: job.y,
      validation: held && [windowRows(dataset, held.rows), held.y] };
  }
  const X = job.X!;
  if (!job.rows) return { X, y: job.y, validation: job.fit.validation };
  return { X: pick(X, job.rows), y: pickTargets(job.y, job.rows),
    validation: job.validationRows && [pick(X, job.validationRows), pickTargets(job.y, job.validationRows)] };
}

/** The listed rows of a dense X. */
function pick(X: Rows, rows: Int32Array): Matrix {
  if (!("data" in X)) throw new TypeError("a search's folds take dense rows (a Matrix)");
  const d = X.cols, out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => out.set(X.data.subarray(r * d, (r + 1) * d), i * d));
  return { rows: rows.length, cols: d, data: out };
}

function pickTargets(y: unknown, rows: Int32Array): unknown {
  if (Array.isArray(y)) return Array.from(rows, (r) => y[r]);
  if (ArrayBuffer.isView(y)) return Int32Array.from(rows, (r) => (y as unknown as ArrayLike<number>)[r]!);
  throw new TypeError("a search's folds take labels (an Int32Array or an array), not a target Matrix");
}

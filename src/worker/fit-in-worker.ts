/**
 * Training off the main thread: `fitInWorker` runs one fit in a worker (worker_threads in Node, a module Web
 * Worker in browsers) and resolves to the fitted model, so a page's main thread only ever handles the epoch
 * reports. The protocol is a few messages (./protocol.ts); it needs no RPC library.
 */
import { Backend } from "../backend/backend.js";
import { LinearClassifier, type LinearClassifierOptions } from "../model/classifier.js";
import { LinearRegressor, type LinearRegressorOptions } from "../model/regressor.js";
import type { EpochInfo, FitOptions, History } from "../model/linear-model.js";
import { object, knownKeys } from "../model/options.js";
import { abortError } from "../model/control.js";
import { rowsArg, type Rows } from "../sparse/csr.js";
import * as v from "../validate.js";
import { FitWorker } from "./client.js";
import type { ModelKind } from "./protocol.js";

/** The fit options that reach the worker, plus where the fitted model runs back on this side. */
export interface WorkerFitOptions<M extends string> extends Pick<FitOptions<unknown, M>, "earlyStopping" | "trainMetrics"> {
  validation?: [X: Rows, y: unknown];
  /** Called on this side with each epoch's report as the worker sends it (not awaited by the worker). */
  onEpoch?: (info: EpochInfo<M>) => void;
  /** Aborts the fit: the promise rejects with an AbortError and the worker is terminated. */
  signal?: AbortSignal;
  /** Where the returned model runs. Default 'wasm'. */
  backend?: "wasm" | "reference" | Backend;
  /** 'regressor' trains a LinearRegressor. Default 'classifier'. */
  model?: ModelKind;
}

const KEYS = ["validation", "onEpoch", "signal", "backend", "model", "earlyStopping", "trainMetrics"];

/**
 * Fits a LinearClassifier (or, with `model: 'regressor'`, a LinearRegressor) with `options` in a worker and
 * resolves to it, with its history. The model's options may name the backend the worker uses ('wasm' or
 * 'reference', and `threads`), not a Backend object. X, y and the validation set are copied to the worker once;
 * the worker's fit gives the bits the same fit gives on this thread.
 */
export async function fitInWorker(X: Rows, y: unknown, options?: LinearClassifierOptions,
                                  fit?: WorkerFitOptions<"Accuracy"> & { model?: "classifier" }): Promise<{ model: LinearClassifier; history: History<"Accuracy"> }>;
export async function fitInWorker(X: Rows, y: unknown, options: LinearRegressorOptions,
                                  fit: WorkerFitOptions<"R2"> & { model: "regressor" }): Promise<{ model: LinearRegressor; history: History<"R2"> }>;
export async function fitInWorker(X: Rows, y: unknown, options: LinearClassifierOptions | LinearRegressorOptions = {},
                                  fit: WorkerFitOptions<"Accuracy"> | WorkerFitOptions<"R2"> = {}): Promise<{ model: LinearClassifier | LinearRegressor; history: History<"Accuracy"> | History<"R2"> }> {
  const given = object("fit", fit);
  knownKeys("fit", given, KEYS);
  const kind = v.oneOf("fit.model", given.model ?? "classifier", ["classifier", "regressor"] as const);
  const modelOptions = object("options", options);
  if (modelOptions.backend instanceof Backend) {
    throw new TypeError("options.backend: a Backend cannot move to a worker; name one ('wasm' or 'reference'), "
      + "and pass the Backend for the returned model as fit.backend");
  }
  // Checked here as the worker will check them, so that mistakes throw before a worker starts.
  (kind === "regressor" ? new LinearRegressor(modelOptions) : new LinearClassifier(modelOptions)).dispose();
  const rows = rowsArg("X", X);
  const validation = given.validation === undefined ? undefined : validationArg(given.validation);
  const onEpoch = given.onEpoch as WorkerFitOptions<string>["onEpoch"];
  if (onEpoch !== undefined && typeof onEpoch !== "function") throw new TypeError(`fit.onEpoch must be a function, got ${v.describe(onEpoch)}`);
  const signal = given.signal as AbortSignal | undefined;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`fit.signal must be an AbortSignal, got ${v.describe(signal)}`);
  if (signal?.aborted) throw abortError(signal);
  const backend = (given.backend ?? "wasm") as WorkerFitOptions<never>["backend"];

  const worker = await FitWorker.start();
  try {
    const abort = (): void => worker.abort();
    signal?.addEventListener("abort", abort, { once: true });
    const { json, history } = await worker.run({
      kind, options: modelOptions, X: rows, y,
      fit: { validation, earlyStopping: given.earlyStopping, trainMetrics: given.trainMetrics },
    }, onEpoch as ((info: Record<string, number>) => void) | undefined).catch((e: unknown) => {
      throw signal?.aborted ? abortError(signal) : e; // the signal's own reason, if it has one
    }).finally(() => signal?.removeEventListener("abort", abort));
    const model = kind === "regressor" ? LinearRegressor.fromJSON(json, { backend }) : LinearClassifier.fromJSON(json, { backend });
    return { model: await model.ready(), history: history as History<"Accuracy"> };
  } finally {
    worker.terminate();
  }
}

function validationArg(value: unknown): [Rows, unknown] {
  if (!Array.isArray(value) || value.length !== 2) throw new TypeError(`fit.validation must be a pair [X, y], got ${v.describe(value)}`);
  return [rowsArg("fit.validation[0]", value[0]), value[1]];
}

/** The messages between the main side (fitInWorker, search) and a fit worker (src/worker/fit-worker.ts). */
import type { Rows } from "../sparse/csr.js";
import type { DatasetLayout, RowWindow } from "../tune/dataset.js";

export type ModelKind = "classifier" | "regressor";

/**
 * One fit: the model's options, the data, and the fit options that cross a thread. The data is X (copied to the
 * worker, or shared when its buffer is a SharedArrayBuffer), with `rows` and `validationRows` picking rows of X
 * and y (a fold); or windows of the rows of the search's dataset, read in place (src/tune/dataset.ts).
 */
export interface FitJob {
  kind: ModelKind;
  options: Record<string, unknown>;
  X?: Rows;
  y: unknown;
  rows?: Int32Array;
  validationRows?: Int32Array;
  /** Instead of X: the dataset's rows that the model trains on, and those it is validated on (with their labels). */
  windows?: { train: RowWindow; validation?: { rows: RowWindow; y: unknown } };
  fit: { validation?: [Rows, unknown]; earlyStopping?: unknown; trainMetrics?: unknown };
}

/**
 * Main → worker: run a job (replies carry its id), abort the running ones, compute the jobs that name windows in
 * lane `lane` of this dataset, or let the dataset go (the worker then waits for a next search).
 */
export type ToWorker = ({ type: "fit"; id: number } & FitJob) | { type: "abort" } | { type: "release" }
  | { type: "dataset"; memory: WebAssembly.Memory; module: WebAssembly.Module; layout: DatasetLayout; lane: number };

/** Worker → main: an epoch's info, the fitted model's JSON and history, or the error the fit threw. */
export type FromWorker =
  | { type: "epoch"; id: number; info: Record<string, number> }
  | { type: "done"; id: number; json: unknown; history: unknown }
  | { type: "error"; id: number; name: string; message: string; epoch?: number; step?: number; loss?: number };

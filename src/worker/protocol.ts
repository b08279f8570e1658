/** The messages between the main side (fitInWorker, search) and a fit worker (src/worker/fit-worker.ts). */
import type { Rows } from "../sparse/csr.js";

export type ModelKind = "classifier" | "regressor";

/**
 * One fit: the model's options, the data, and the fit options that cross a thread. `rows` and `validationRows`
 * pick rows of X and y (a fold of a search: X itself is shared, not copied, when its buffer is a
 * SharedArrayBuffer).
 */
export interface FitJob {
  kind: ModelKind;
  options: Record<string, unknown>;
  X: Rows;
  y: unknown;
  rows?: Int32Array;
  validationRows?: Int32Array;
  fit: { validation?: [Rows, unknown]; earlyStopping?: unknown; trainMetrics?: unknown };
}

/** Main → worker: run a job (replies carry its id), or abort the running ones. */
export type ToWorker = ({ type: "fit"; id: number } & FitJob) | { type: "abort" };

/** Worker → main: an epoch's info, the fitted model's JSON and history, or the error the fit threw. */
export type FromWorker =
  | { type: "epoch"; id: number; info: Record<string, number> }
  | { type: "done"; id: number; json: unknown; history: unknown }
  | { type: "error"; id: number; name: string; message: string; epoch?: number; step?: number; loss?: number };

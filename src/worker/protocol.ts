/** The messages between `fitInWorker` and the worker it starts (src/worker/fit-worker.ts). */
import type { Rows } from "../sparse/csr.js";

export type ModelKind = "classifier" | "regressor";

/** Main → worker: train, or abort the running fit. */
export type ToWorker =
  | { type: "fit"; kind: ModelKind; options: Record<string, unknown>; X: Rows; y: unknown;
    fit: { validation?: [Rows, unknown]; earlyStopping?: unknown; trainMetrics?: unknown } }
  | { type: "abort" };

/** Worker → main: an epoch's info, the fitted model's JSON and history, or the error the fit threw. */
export type FromWorker =
  | { type: "epoch"; info: Record<string, number> }
  | { type: "done"; json: unknown; history: unknown }
  | { type: "error"; name: string; message: string; epoch?: number; step?: number; loss?: number };

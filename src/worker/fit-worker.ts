/**
 * The program a fit worker runs (a worker_threads worker in Node, a module Web Worker in browsers): fit jobs one
 * after another (fitInWorker sends one, a search many), each on its own wasm backend, reporting every epoch and
 * answering with the model's JSON and the history.
 */
import { DivergenceError } from "../model/linear-model.js";
import { nodeBuiltin, onNode } from "../node-builtins.js";
import { runFitJob, type Lane } from "./fit-job.js";
import { init } from "../init.js";
import { laneBackend } from "../tune/dataset.js";
import type { Backend } from "../backend/backend.js";
import type { FromWorker, ToWorker } from "./protocol.js";

interface Port {
  postMessage(message: FromWorker): void;
}

const controller = new AbortController();
let backend: Promise<Backend> | null = null;
/** The jobs' backend: this worker's own, or its lane of a search's dataset once one is sent. */
const lane: Lane = { backend: () => (backend ??= init()) };

async function fit(message: Extract<ToWorker, { type: "fit" }>, port: Port): Promise<void> {
  const id = message.id;
  try {
    const { model, history } = await runFitJob(message, controller.signal,
      (info) => port.postMessage({ type: "epoch", id, info: info as unknown as Record<string, number> }), lane);
    port.postMessage({ type: "done", id, json: model.toJSON(), history });
    model.dispose();
  } catch (e) {
    const error = e as Error;
    const divergence = e instanceof DivergenceError ? { epoch: e.epoch, step: e.step, loss: e.loss } : {};
    port.postMessage({ type: "error", id, name: error?.name ?? "Error", message: String(error?.message ?? e), ...divergence });
  }
}

function onMessage(message: ToWorker, port: Port): void {
  if (message.type === "abort") controller.abort();
  else if (message.type === "dataset" || message.type === "release") {
    void backend?.then((previous) => previous.dispose());
    lane.dataset = message.type === "dataset" ? message : undefined;
    backend = message.type === "dataset" ? laneBackend(message, message.lane) : null;
  } else void fit(message, port);
}

// No top-level await: bundlers build workers as classic scripts by default (vite's 'iife').
if (onNode) {
  void nodeBuiltin("node:worker_threads").then(({ parentPort }) => {
    parentPort!.on("message", (message: ToWorker) => onMessage(message, parentPort!));
  });
} else {
  const scope = self as unknown as Port & { onmessage: ((event: MessageEvent<ToWorker>) => void) | null };
  scope.onmessage = (event) => onMessage(event.data, scope);
}

/**
 * The program a `fitInWorker` worker runs (a worker_threads worker in Node, a module Web Worker in browsers):
 * one fit on its own wasm backend, reporting each epoch, answering with the model's JSON and the history.
 */
import { LinearClassifier } from "../model/classifier.js";
import { LinearRegressor } from "../model/regressor.js";
import { DivergenceError } from "../model/linear-model.js";
import { nodeBuiltin, onNode } from "../node-builtins.js";
import type { FromWorker, ToWorker } from "./protocol.js";

interface Port {
  postMessage(message: FromWorker): void;
}

const controller = new AbortController();

async function fit(message: Extract<ToWorker, { type: "fit" }>, port: Port): Promise<void> {
  const model: LinearClassifier | LinearRegressor = message.kind === "regressor"
    ? new LinearRegressor(message.options) : new LinearClassifier(message.options);
  try {
    const history = await (model as LinearClassifier).fit(message.X, message.y as Int32Array, {
      ...message.fit as object,
      signal: controller.signal,
      onEpoch: (info) => port.postMessage({ type: "epoch", info: info as unknown as Record<string, number> }),
    });
    port.postMessage({ type: "done", json: model.toJSON(), history });
  } catch (e) {
    const error = e as Error;
    const divergence = e instanceof DivergenceError ? { epoch: e.epoch, step: e.step, loss: e.loss } : {};
    port.postMessage({ type: "error", name: error?.name ?? "Error", message: String(error?.message ?? e), ...divergence });
  } finally {
    model.dispose();
  }
}

function onMessage(message: ToWorker, port: Port): void {
  if (message.type === "abort") controller.abort();
  else void fit(message, port);
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

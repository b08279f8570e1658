/** The main side of a fit worker: start it, send it jobs, get each job's result as a promise, stop it. */
import { DivergenceError } from "../model/linear-model.js";
import { nodeBuiltin, onNode } from "../node-builtins.js";
import type { FitJob, FromWorker, ToWorker } from "./protocol.js";
import type { DatasetHandle } from "../tune/dataset.js";

interface Pending {
  resolve(result: { json: unknown; history: unknown }): void;
  reject(error: unknown): void;
  onEpoch?: (info: Record<string, number>) => void;
}

export class FitWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | null = null;

  private constructor(private readonly port: { postMessage(m: ToWorker): void; terminate(): unknown; ref?(): void; unref?(): void }) {}

  static async start(): Promise<FitWorker> {
    if (onNode) {
      const { Worker } = await nodeBuiltin("node:worker_threads");
      const worker = new Worker(new URL("./fit-worker.js", import.meta.url));
      const client = new FitWorker(worker);
      worker.on("message", (m: FromWorker) => client.receive(m));
      worker.on("error", (e) => client.fail(e));
      worker.on("exit", (code) => client.fail(new Error(`it exited (code ${code})`)));
      worker.unref(); // an idle worker never keeps Node running; one with a job does (run)
      return client;
    }
    // Written as bundlers look for it, so that vite and webpack bundle the worker with the page.
    const worker = new Worker(new URL("./fit-worker.js", import.meta.url), { type: "module" });
    const client = new FitWorker(worker);
    worker.onmessage = (event: MessageEvent<FromWorker>) => client.receive(event.data);
    worker.onerror = (event: ErrorEvent) => client.fail(new Error(event.message));
    return client;
  }

  /** Runs one job; resolves to the fitted model's JSON and its history, or rejects with the fit's error. */
  run(job: FitJob, onEpoch?: (info: Record<string, number>) => void): Promise<{ json: unknown; history: unknown }> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    this.port.ref?.();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onEpoch });
      this.port.postMessage({ type: "fit", id, ...job });
    });
  }

  /** Makes the worker compute the jobs that follow in lane `lane` of a search's dataset, or (null) let it go. */
  useDataset(dataset: DatasetHandle | null, lane = 0): void {
    if (!dataset) this.port.postMessage({ type: "release" });
    else this.port.postMessage({ type: "dataset", memory: dataset.memory, module: dataset.module, layout: dataset.layout, lane });
  }

  /** Whether it failed or was stopped: it takes no more jobs. */
  get stopped(): boolean {
    return this.failure !== null;
  }

  /** Aborts the running jobs: each rejects with an AbortError. */
  abort(): void {
    this.port.postMessage({ type: "abort" });
  }

  terminate(): void {
    this.failure ??= new Error("the worker was stopped");
    void this.port.terminate();
  }

  private receive(message: FromWorker): void {
    const job = this.pending.get(message.id);
    if (!job) return;
    if (message.type === "epoch") return job.onEpoch?.(message.info);
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.port.unref?.();
    if (message.type === "done") job.resolve(message);
    else job.reject(workerError(message));
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = new Error(`the fit worker failed: ${error.message}`);
    for (const job of this.pending.values()) job.reject(this.failure);
    this.pending.clear();
  }
}

/** The worker's error, as the same class the fit would have thrown on this thread. */
function workerError(message: Extract<FromWorker, { type: "error" }>): Error {
  if (message.name === "DivergenceError") {
    const error = new DivergenceError(message.epoch!, message.step!, message.loss!, "");
    error.message = message.message;
    return error;
  }
  if (message.name === "AbortError") return new DOMException(message.message, "AbortError");
  const Class = message.name === "TypeError" ? TypeError : message.name === "RangeError" ? RangeError : Error;
  return new Class(message.message);
}

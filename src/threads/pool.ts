/**
 * A fork-join pool of kernel threads over one shared WebAssembly.Memory.
 *
 * Thread 0 is the caller; threads 1..size−1 are workers, each with its own instance of the same module over the
 * same memory. `run(programs)` hands thread t the kernel calls `programs[t]` and returns when every thread has
 * run its calls: the calls are written into a control block in shared memory, one generation word wakes the
 * workers (Atomics.notify), and each worker publishes `done[t] = generation`. No postMessage per step.
 *
 * The caller blocks in Atomics.wait where it may (Node, any worker) and spins on a browser's main thread, where
 * Atomics.wait throws. Every wait has a deadline: a worker that dies or hangs fails the run with an Error that
 * names it, within `max(timeout, 20 × the caller's own share)`, and the pool stops for good.
 */
import type { KernelExports } from "../wasm/abi.js";
import type { Kernels } from "../wasm/loader.js";
import { canBlock } from "./support.js";
import { WORKER_SOURCE } from "./worker-source.js";
import { nodeBuiltin, onNode } from "../node-builtins.js";

export type KernelName = Exclude<keyof KernelExports, "heapBase">;

/** One kernel call; `result` receives its return value (0 for a void kernel) after the run. */
export interface KernelCall {
  kernel: KernelName;
  args: number[];
  result: number;
}

export const call = (kernel: KernelName, ...args: number[]): KernelCall => ({ kernel, args, result: 0 });

let recorded: KernelCall | null = null;
const recorder = new Proxy({}, {
  get: (_, kernel) => (...args: number[]) => void (recorded = call(kernel as KernelName, ...args)),
}) as KernelExports;

/** The call that `use` makes on the kernels, recorded instead of run (to reuse code that calls kernels directly). */
export function record(use: (k: KernelExports) => void): KernelCall {
  recorded = null;
  use(recorder);
  if (!recorded) throw new Error("record: no kernel was called");
  return recorded;
}

// Control block layout (bytes). The generation word and each thread's slot sit on their own cache lines.
const MAX_CALLS = 8, MAX_ARGS = 20, RECORD_F64 = 2 + MAX_ARGS, MESSAGE_CHARS = 256;
const LAYOUT = {
  gen: 0,
  done: 0, failed: 4, count: 8,
  records: 16,
  message: 16 + MAX_CALLS * RECORD_F64 * 8,
  recordSize: RECORD_F64,
  messageChars: MESSAGE_CHARS,
  // Milliseconds a worker polls for the next job before it sleeps: jobs come microseconds apart within a step,
  // and waking a sleeping thread costs tens of µs. Not longer: V8's own background threads (GC, the optimizing
  // compiler that tiers the kernels up) need a core too, and a spinning worker on a 2-core machine starves them.
  spinMs: 0.05,
};
/** Milliseconds the caller polls for a worker's `done` before it sleeps: the threads' shares are equal. */
const JOIN_SPIN_MS = 0.05;
const SLOT_BYTES = Math.ceil((LAYOUT.message + MESSAGE_CHARS * 2) / 64) * 64;
const slotOf = (t: number): number => 64 + (t - 1) * SLOT_BYTES;

/** The two things we need of a Node Worker or a Web Worker. */
interface WorkerHandle {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

export interface PoolOptions {
  /** Milliseconds a run waits for a worker beyond the caller's own share before it fails. Default 10 000. */
  timeout?: number;
}

export class ThreadPool {
  private failure: Error | null = null;
  private disposed = false;
  private generation = 0;
  private readonly blocking = canBlock();
  /** Kernel names by index (the records in shared memory carry the index): the module's function exports. */
  private readonly names: string[];
  private readonly index: Map<string, number>;

  private constructor(private readonly kernels: Kernels, private readonly ctl: number,
                      private readonly workers: WorkerHandle[], private readonly timeout: number) {
    this.names = WebAssembly.Module.exports(kernels.module).filter((e) => e.kind === "function").map((e) => e.name);
    this.index = new Map(this.names.map((name, i) => [name, i]));
  }

  /** Starts `size − 1` workers over the shared memory of `kernels` (loaded with a shared memory). */
  static async start(kernels: Kernels, size: number, options: PoolOptions = {}): Promise<ThreadPool> {
    const timeout = options.timeout ?? 10_000;
    const ctl = kernels.heap.alloc(64 + (size - 1) * SLOT_BYTES);
    new Uint8Array(kernels.heap.memory.buffer, ctl, 64 + (size - 1) * SLOT_BYTES).fill(0);
    const workers: WorkerHandle[] = [];
    const pool = new ThreadPool(kernels, ctl, workers, timeout);
    try {
      const started: Promise<void>[] = [];
      for (let t = 1; t < size; t++) {
        const { worker, ready } = await spawn(t, (error) => pool.fail(error));
        workers.push(worker);
        worker.postMessage({
          module: kernels.module, memory: kernels.heap.memory, names: pool.names, id: t,
          layout: { ...LAYOUT, gen: ctl + LAYOUT.gen, slot: ctl + slotOf(t) },
        });
        started.push(withDeadline(ready, Math.max(timeout, 30_000), `worker ${t} did not start`));
      }
      await Promise.all(started);
    } catch (error) {
      pool.dispose();
      throw error;
    }
    return pool;
  }

  /** Threads of a run, the caller included. */
  get size(): number {
    return this.workers.length + 1;
  }

  /** Runs `programs[t]` on thread t (programs.length ≤ size; missing threads idle) and joins. */
  run(programs: readonly (readonly KernelCall[])[]): void {
    this.check();
    if (programs.length > this.size) throw new RangeError(`${programs.length} programs for a pool of ${this.size} threads`);
    if (programs.length <= 1) {
      this.execute(programs[0] ?? []);
      return;
    }
    const heap = this.kernels.heap;
    const ctl = heap.i32(this.ctl, (64 + this.workers.length * SLOT_BYTES) >> 2);
    const generation = this.generation = (this.generation + 1) | 0 || 1;
    for (let t = 1; t < this.size; t++) {
      const calls = programs[t] ?? [];
      if (calls.length > MAX_CALLS) throw new RangeError(`a thread runs at most ${MAX_CALLS} calls per run`);
      const slot = this.ctl + slotOf(t);
      const records = heap.f64(slot + LAYOUT.records, calls.length * RECORD_F64);
      calls.forEach((c, i) => {
        if (c.args.length > MAX_ARGS) throw new RangeError(`${c.kernel}: a call takes at most ${MAX_ARGS} arguments`);
        records[i * RECORD_F64] = this.index.get(c.kernel)!;
        records.set(c.args, i * RECORD_F64 + 2);
      });
      ctl[(slotOf(t) + LAYOUT.count) >> 2] = calls.length;
    }
    Atomics.store(ctl, LAYOUT.gen >> 2, generation);
    Atomics.notify(ctl, LAYOUT.gen >> 2);

    const started = performance.now();
    this.execute(programs[0]!);
    const deadline = performance.now() + Math.max(this.timeout, 20 * (performance.now() - started));

    for (let t = 1; t < this.size; t++) {
      const done = (slotOf(t) + LAYOUT.done) >> 2;
      if (!this.await(ctl, done, generation, deadline)) {
        this.fail(new Error(`simdlinear threads: worker ${t} did not finish its share of the work within `
          + `${Math.round(deadline - started)} ms: it died or hangs. The thread pool is stopped; dispose() the backend`));
        throw this.failure;
      }
      if (Atomics.load(ctl, (slotOf(t) + LAYOUT.failed) >> 2) === generation) {
        const text = heap.u16(this.ctl + slotOf(t) + LAYOUT.message, MESSAGE_CHARS);
        const end = text.indexOf(0);
        const message = String.fromCharCode(...text.subarray(0, end < 0 ? MESSAGE_CHARS : end));
        this.fail(new Error(`simdlinear threads: worker ${t} failed: ${message}. The thread pool is stopped`));
        throw this.failure;
      }
      const calls = programs[t] ?? [];
      const records = heap.f64(this.ctl + slotOf(t) + LAYOUT.records, calls.length * RECORD_F64);
      calls.forEach((c, i) => (c.result = records[i * RECORD_F64 + 1]!));
    }
  }

  /** Runs calls on this thread. */
  private execute(calls: readonly KernelCall[]): void {
    const exports = this.kernels.exports as unknown as Record<KernelName, (...args: number[]) => number | undefined>;
    for (const c of calls) c.result = exports[c.kernel](...c.args) ?? 0;
  }

  /** Waits until ctl[index] === value or the deadline passes; false on timeout. */
  private await(ctl: Int32Array, index: number, value: number, deadline: number): boolean {
    const spinUntil = performance.now() + JOIN_SPIN_MS;
    for (;;) {
      const seen = Atomics.load(ctl, index);
      if (seen === value) return true;
      const now = performance.now();
      if (now < spinUntil) continue;
      if (now >= deadline) return false;
      if (this.blocking) Atomics.wait(ctl, index, seen, deadline - now);
    }
  }

  private check(): void {
    if (this.disposed) throw new Error("this thread pool has been disposed");
    if (this.failure) throw this.failure;
  }

  private fail(error: Error): void {
    if (this.failure || this.disposed) return;
    this.failure = error;
    this.stopWorkers();
  }

  private stopWorkers(): void {
    for (const worker of this.workers) void worker.terminate();
  }

  /** Terminates the workers (the caller's memory stays with its owner). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stopWorkers();
    this.kernels.heap.release(this.ctl);
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`simdlinear threads: ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Starts one worker; `ready` settles on its first message, `onLost` reports a later error or exit. */
async function spawn(id: number, onLost: (error: Error) => void): Promise<{ worker: WorkerHandle; ready: Promise<void> }> {
  let settle!: (error?: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  let started = false;
  const onMessage = (message: { ready?: boolean; error?: string }): void => {
    if (message.ready) {
      started = true;
      settle();
    } else settle(new Error(`simdlinear threads: worker ${id} could not start: ${message.error}`));
  };
  const lost = (why: string): void => {
    const error = new Error(`simdlinear threads: worker ${id} ${why}. The thread pool is stopped`);
    if (started) onLost(error);
    else settle(error);
  };
  if (onNode) {
    const { Worker } = await nodeBuiltin("node:worker_threads");
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on("message", onMessage);
    worker.on("error", (error) => lost(`failed: ${error.message}`));
    worker.on("exit", (code) => lost(`exited (code ${code})`));
    return { worker, ready };
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
  const worker = new Worker(url);
  const revoke = (): void => URL.revokeObjectURL(url);
  void ready.then(revoke, revoke);
  worker.onmessage = (event: MessageEvent) => onMessage(event.data);
  worker.onerror = (event: ErrorEvent) => lost(`failed: ${event.message}`);
  return { worker, ready };
}

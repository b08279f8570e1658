/**
 * A fork-join pool of kernel threads over one shared WebAssembly.Memory.
 *
 * Thread 0 is the caller; threads 1..size−1 are workers, each with its own instance of the same module over the
 * same memory. A run hands thread t a short program of kernel calls and returns when every thread has run its
 * calls: the calls are written into a control block in shared memory, one generation word wakes the workers
 * (Atomics.notify), and each worker publishes `done[t] = generation`. No postMessage per step.
 *
 * A step builds its runs without allocating: `begin(threads)`, then kernel calls on `on(t)` (an object with the
 * kernels' names whose methods write the call into thread t's program and return its index), then `go()`, then
 * `result(t, index)`. `run(programs)` does the same from KernelCall lists, for code off the hot path.
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

// Control block layout (bytes). The generation word and each thread's slot sit on their own cache lines.
const MAX_CALLS = 8, MAX_ARGS = 21, RECORD_F64 = 2 + MAX_ARGS, MESSAGE_CHARS = 256;
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

type Kernel = (...args: number[]) => number | undefined;

export class ThreadPool {
  private failure: Error | null = null;
  private disposed = false;
  private generation = 0;
  private readonly blocking = canBlock();
  /** Kernel names by index (the records in shared memory carry the index): the module's function exports. */
  private readonly names: string[];
  private readonly fns: Kernel[];
  /** The run being built: threads, calls per thread, and the caller's own records (the workers' are in `ctl`). */
  private threads = 0;
  private readonly counts: Int32Array;
  private own = new Float64Array(MAX_CALLS * RECORD_F64);
  /** Per thread, the kernels as methods that append a call to its program (see `on`). */
  private readonly builders: KernelExports[];
  /** Views of the control block, rebuilt when the memory's buffer changes (it grows). */
  private buffer: ArrayBufferLike | null = null;
  private ctlI32 = new Int32Array(0);
  private ctlF64 = new Float64Array(0);

  private constructor(private readonly kernels: Kernels, private readonly ctl: number,
                      private readonly workers: WorkerHandle[], private readonly timeout: number, size: number) {
    this.names = WebAssembly.Module.exports(kernels.module).filter((e) => e.kind === "function").map((e) => e.name);
    const exports = kernels.exports as unknown as Record<string, Kernel>;
    this.fns = this.names.map((name) => exports[name]!);
    this.counts = new Int32Array(size);
    this.builders = Array.from({ length: size }, (_, t) => Object.fromEntries(this.names.map((name, id) => [name,
      (a0?: number, a1?: number, a2?: number, a3?: number, a4?: number, a5?: number, a6?: number, a7?: number, a8?: number,
       a9?: number, a10?: number, a11?: number, a12?: number, a13?: number, a14?: number, a15?: number, a16?: number,
       a17?: number, a18?: number, a19?: number, a20?: number): number => this.add(t, id, a0, a1, a2, a3, a4, a5, a6, a7,
        a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20)])) as unknown as KernelExports);
  }

  /** Starts `size − 1` workers over the shared memory of `kernels` (loaded with a shared memory). */
  static async start(kernels: Kernels, size: number, options: PoolOptions = {}): Promise<ThreadPool> {
    const timeout = options.timeout ?? 10_000;
    const ctl = kernels.heap.alloc(64 + (size - 1) * SLOT_BYTES);
    new Uint8Array(kernels.heap.memory.buffer, ctl, 64 + (size - 1) * SLOT_BYTES).fill(0);
    const workers: WorkerHandle[] = [];
    const pool = new ThreadPool(kernels, ctl, workers, timeout, size);
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

  /** Starts building a run on threads 0..threads−1 (the other workers idle through it). */
  begin(threads: number): void {
    this.check();
    if (!Number.isInteger(threads) || threads < 1 || threads > this.size) {
      throw new RangeError(`a run takes 1..${this.size} threads, got ${threads}`);
    }
    this.threads = threads;
    this.counts.fill(0);
  }

  /** The kernels as methods that append a call to thread t's program of the run being built; each returns the call's index. */
  on(t: number): KernelExports {
    if (!(t >= 0 && t < this.threads)) throw new RangeError(`thread ${t} is not in this run of ${this.threads}`);
    return this.builders[t]!;
  }

  /** The return value of call `index` of thread t's program in the last run (0 for a void kernel). */
  result(t: number, index: number): number {
    return t === 0 ? this.own[index * RECORD_F64 + 1]! : this.ctlF64[((this.ctl + slotOf(t) + LAYOUT.records) >> 3) + index * RECORD_F64 + 1]!;
  }

  /** Runs `programs[t]` on thread t (programs.length ≤ size; missing threads idle), joins, and sets the results. */
  run(programs: readonly (readonly KernelCall[])[]): void {
    if (programs.length > this.size) throw new RangeError(`${programs.length} programs for a pool of ${this.size} threads`);
    this.begin(Math.max(1, programs.length));
    programs.forEach((calls, t) => {
      for (const c of calls) {
        if (c.args.length > MAX_ARGS) throw new RangeError(`${c.kernel}: a call takes at most ${MAX_ARGS} arguments`);
        const kernel = (this.on(t) as unknown as Record<string, Kernel>)[c.kernel];
        if (!kernel) throw new RangeError(`no kernel named ${c.kernel}`);
        kernel(...c.args);
      }
    });
    this.go();
    programs.forEach((calls, t) => calls.forEach((c, i) => (c.result = this.result(t, i))));
  }

  /** Runs the run built since `begin` and joins. */
  go(): void {
    this.check();
    const threads = this.threads;
    this.threads = 0;
    if (threads === 1) {
      this.execute();
      return;
    }
    const ctl = this.views();
    const generation = this.generation = (this.generation + 1) | 0 || 1;
    for (let t = 1; t < this.size; t++) ctl[(this.ctl + slotOf(t) + LAYOUT.count) >> 2] = t < threads ? this.counts[t]! : 0;
    Atomics.store(ctl, (this.ctl + LAYOUT.gen) >> 2, generation);
    Atomics.notify(ctl, (this.ctl + LAYOUT.gen) >> 2);

    const started = performance.now();
    this.execute();
    const deadline = performance.now() + Math.max(this.timeout, 20 * (performance.now() - started));

    for (let t = 1; t < this.size; t++) {
      const slot = this.ctl + slotOf(t);
      if (!this.await(ctl, (slot + LAYOUT.done) >> 2, generation, deadline)) {
        this.fail(new Error(`simdlinear threads: worker ${t} did not finish its share of the work within `
          + `${Math.round(deadline - started)} ms: it died or hangs. The thread pool is stopped; dispose() the backend`));
        throw this.failure;
      }
      if (Atomics.load(ctl, (slot + LAYOUT.failed) >> 2) === generation) {
        const text = this.kernels.heap.u16(slot + LAYOUT.message, MESSAGE_CHARS);
        const end = text.indexOf(0);
        const message = String.fromCharCode(...text.subarray(0, end < 0 ? MESSAGE_CHARS : end));
        this.fail(new Error(`simdlinear threads: worker ${t} failed: ${message}. The thread pool is stopped`));
        throw this.failure;
      }
    }
  }

  /** Appends a call of kernel `id` to thread t's program; missing arguments are 0 (a kernel ignores extra ones). */
  private add(t: number, id: number, a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0, a8 = 0, a9 = 0,
              a10 = 0, a11 = 0, a12 = 0, a13 = 0, a14 = 0, a15 = 0, a16 = 0, a17 = 0, a18 = 0, a19 = 0, a20 = 0): number {
    const i = this.counts[t]!;
    if (t !== 0 && i >= MAX_CALLS) throw new RangeError(`a worker runs at most ${MAX_CALLS} calls per run`);
    // The caller's program holds the calls of every thread when a run takes the caller alone: it grows (rarely).
    if (t === 0 && (i + 1) * RECORD_F64 > this.own.length) {
      const own = new Float64Array(this.own.length * 2);
      own.set(this.own);
      this.own = own;
    }
    this.counts[t] = i + 1;
    if (t !== 0) this.views();
    const r = t === 0 ? this.own : this.ctlF64;
    const at = (t === 0 ? 0 : ((this.ctl + slotOf(t) + LAYOUT.records) >> 3)) + i * RECORD_F64;
    r[at] = id; r[at + 1] = 0;
    r[at + 2] = a0; r[at + 3] = a1; r[at + 4] = a2; r[at + 5] = a3; r[at + 6] = a4; r[at + 7] = a5; r[at + 8] = a6;
    r[at + 9] = a7; r[at + 10] = a8; r[at + 11] = a9; r[at + 12] = a10; r[at + 13] = a11; r[at + 14] = a12;
    r[at + 15] = a13; r[at + 16] = a14; r[at + 17] = a15; r[at + 18] = a16; r[at + 19] = a17; r[at + 20] = a18;
    r[at + 21] = a19; r[at + 22] = a20;
    return i;
  }

  /** The control block's i32 view (its f64 view kept beside it), over the memory's current buffer. */
  private views(): Int32Array {
    const buffer = this.kernels.heap.memory.buffer;
    if (buffer !== this.buffer) {
      this.buffer = buffer;
      this.ctlI32 = new Int32Array(buffer);
      this.ctlF64 = new Float64Array(buffer);
    }
    return this.ctlI32;
  }

/** Runs the caller's own program. */
  private execute(): void {
    const r = this.own, fns = this.fns;
    for (let i = 0, n = this.counts[0]!; i < n; i++) {
      const at = i * RECORD_F64;
      r[at + 1] = fns[r[at]!]!(r[at + 2]!, r[at + 3]!, r[at + 4]!, r[at + 5]!, r[at + 6]!, r[at + 7]!, r[at + 8]!, r[at + 9]!,
        r[at + 10]!, r[at + 11]!, r[at + 12]!, r[at + 13]!, r[at + 14]!, r[at + 15]!, r[at + 16]!, r[at + 17]!, r[at + 18]!,
        r[at + 19]!, r[at + 20]!, r[at + 21]!, r[at + 22]!) ?? 0;
    }
  }

  /** Waits until ctl[index] === value or the deadline passes; false on timeout. */
  private await(ctl: Int32Array, index: number, value: number, deadline: number): boolean {
    const spinUntil = performance.now() + JOIN_SPIN_MS;
    for (let polls = 1; ; polls++) {
      const seen = Atomics.load(ctl, index);
      if (seen === value) return true;
      if ((polls & 255) !== 0) continue; // the clock allocates: read it once every 256 polls
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

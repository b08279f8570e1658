/**
 * The program each worker thread runs, as source text: Node starts it with `new Worker(src, { eval: true })`,
 * browsers from a Blob URL. Inlining it (as tfjs-backend-wasm and Emscripten do) means no worker file to locate
 * at run time, so the same code works from src/ under tsx or vitest, from dist/, unbundled in a browser and
 * through any bundler.
 *
 * The worker instantiates the kernel module over the shared memory, then loops: wait for the generation word
 * to change, run the kernel calls that the pool wrote into this thread's slot, store each result, publish
 * `done = generation` and notify. It never allocates in WASM memory: every pointer it is handed belongs to the
 * main side's WasmMemory. Layout constants come in the start message (pool.ts owns them).
 */
export const WORKER_SOURCE = String.raw`"use strict";
const inNode = typeof self === "undefined";

function start({ module, memory, names, id, layout }, reply) {
  const instance = new WebAssembly.Instance(module, {
    env: { memory, abort() { throw new Error("kernel abort"); } },
  });
  const kernels = names.map((name) => instance.exports[name]);
  // Views over the buffer of this moment: the control block lies below the current size, and the buffer of a
  // shared memory is never detached by a later grow.
  const ctl = new Int32Array(memory.buffer);
  const f64 = new Float64Array(memory.buffer);
  const text = new Uint16Array(memory.buffer);
  const gen = layout.gen >> 2, slot = layout.slot;
  const done = (slot + layout.done) >> 2, failed = (slot + layout.failed) >> 2, count = (slot + layout.count) >> 2;
  const records = (slot + layout.records) >> 3, recordSize = layout.recordSize;
  let seen = Atomics.load(ctl, gen);
  reply({ ready: true });
  for (;;) {
    // The clock is read once every 256 polls: reading it allocates, and a worker's garbage collections stall a step.
    const spinUntil = performance.now() + layout.spinMs;
    for (let polls = 1; Atomics.load(ctl, gen) === seen; polls++) {
      if ((polls & 255) === 0 && performance.now() > spinUntil) Atomics.wait(ctl, gen, seen);
    }
    seen = Atomics.load(ctl, gen);
    try {
      for (let c = 0, n = Atomics.load(ctl, count); c < n; c++) {
        const r = records + c * recordSize;
        // Extra arguments are ignored by a WebAssembly export, so every call passes all twenty-one.
        f64[r + 1] = kernels[f64[r]](f64[r + 2], f64[r + 3], f64[r + 4], f64[r + 5], f64[r + 6], f64[r + 7],
          f64[r + 8], f64[r + 9], f64[r + 10], f64[r + 11], f64[r + 12], f64[r + 13], f64[r + 14], f64[r + 15],
          f64[r + 16], f64[r + 17], f64[r + 18], f64[r + 19], f64[r + 20], f64[r + 21], f64[r + 22]) ?? 0;
      }
    } catch (error) {
      const message = String(error && error.message || error).slice(0, layout.messageChars - 1);
      const at = (slot + layout.message) >> 1;
      for (let i = 0; i < message.length; i++) text[at + i] = message.charCodeAt(i);
      text[at + message.length] = 0;
      Atomics.store(ctl, failed, seen);
    }
    Atomics.store(ctl, done, seen);
    Atomics.notify(ctl, done);
  }
}

function onStart(message, port) {
  const reply = (m) => port.postMessage(m);
  try {
    start(message, reply);
  } catch (error) {
    reply({ error: String(error && error.message || error) });
  }
}
// A dynamic import works whether Node evaluates this as a script or as a module (--input-type=module).
if (inNode) import("node:worker_threads").then(({ parentPort }) => parentPort.once("message", (m) => onStart(m, parentPort)));
else self.onmessage = (event) => { self.onmessage = null; onStart(event.data, self); };
`;

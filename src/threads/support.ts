/**
 * What the threaded build needs from the engine, and the shared memory it runs over. No Node built-in is
 * imported at module level: this file is part of the core import that browsers load unbundled.
 */
import { supportedSimd } from "../wasm/loader.js";
import { nodeBuiltin, onNode } from "../node-builtins.js";

// A module declaring `(memory 1 1 shared)`: it validates only where WebAssembly threads exist.
const SHARED_MEMORY_PROBE = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 4, 1, 0x03, 1, 1]);

/** Why this engine cannot run the threaded build, or null when it can (`inNode`: Node's worker_threads, else Web Workers). */
export function threadsUnavailable(inNode = onNode): string | null {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  if (typeof SharedArrayBuffer === "undefined" || isolated === false) {
    return inNode ? "SharedArrayBuffer is unavailable in this Node process"
      : "SharedArrayBuffer is unavailable: the page is not cross-origin isolated (serve it with the headers "
        + "'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp')";
  }
  if (!inNode && typeof Worker === "undefined") return "this environment has no Web Workers";
  if (!WebAssembly.validate(SHARED_MEMORY_PROBE)) return "this engine does not support WebAssembly threads";
  if (!supportedSimd().includes("simd")) return "the threaded builds need WebAssembly SIMD, which this engine lacks";
  return null;
}

/** Logical cores of this machine: `threads: 'auto'`. */
export async function hardwareThreads(): Promise<number> {
  if (onNode) {
    const os = await nodeBuiltin("node:os");
    return Math.max(1, os.availableParallelism());
  }
  return Math.max(1, (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1);
}

/**
 * A shared memory for the threaded build, whose import allows up to 65536 pages (4 GiB). A shared memory
 * reserves its maximum up front, so where an engine refuses 4 GiB we take the largest maximum it grants.
 */
export function createSharedMemory(): WebAssembly.Memory {
  return sharedMemoryWithMaximum().memory;
}

/** A shared memory as createSharedMemory makes it, and the maximum (pages) it was granted. */
export function sharedMemoryWithMaximum(): { memory: WebAssembly.Memory; maximum: number } {
  let failure: unknown;
  for (const maximum of [65536, 32768, 16384, 4096]) {
    try {
      return { memory: new WebAssembly.Memory({ initial: 1, maximum, shared: true }), maximum };
    } catch (error) {
      failure = error;
    }
  }
  throw new Error(`could not create a shared WebAssembly.Memory: ${String(failure)}`);
}

/** Whether this thread may block in Atomics.wait (false on a browser's main thread, which must spin). */
export function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

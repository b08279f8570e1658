/**
 * Picks and instantiates the kernel binary. The bytes are inlined (base64) in the entry, so no fetch, no file
 * system and no bundler plugin is needed; `WebAssembly.validate` on a one-instruction probe decides which build
 * this engine runs, as tfjs-backend-wasm does.
 *
 * The AssemblyScript loader is not used at run time: it would be the core's only runtime dependency and a bare
 * import that a browser cannot resolve unbundled. The one thing it would do for us, decoding `abort` messages,
 * is `decodeAbort` below (test/loader.test.ts checks it against @assemblyscript/loader).
 */
import type { KernelExports } from "./abi.js";
import { WasmMemory } from "./memory.js";
import { PLAIN, SIMD, RELAXED } from "./binaries.generated.js";

export type SimdLevel = "relaxed" | "simd" | "none";
export const SIMD_LEVELS: readonly SimdLevel[] = ["relaxed", "simd", "none"];

// A module whose one function returns a v128 built by `ops`: it validates only where those opcodes exist.
function probe(ops: number[]): Uint8Array<ArrayBuffer> {
  const body = [0, ...ops, 0x0b];
  const header = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7b, 3, 2, 1, 0];
  return new Uint8Array([...header, 10, body.length + 2, 1, body.length, ...body]);
}
const V128_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
const SIMD_PROBE = probe(V128_ZERO);
const RELAXED_PROBE = probe([...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 0xfd, 0x85, 0x02]); // f32x4.relaxed_madd

export function supportedSimd(): SimdLevel[] {
  const levels: SimdLevel[] = [];
  if (WebAssembly.validate(RELAXED_PROBE)) levels.push("relaxed");
  if (WebAssembly.validate(SIMD_PROBE)) levels.push("simd");
  levels.push("none");
  return levels;
}

export const base64ToBytes = (b64: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));

const modules = new Map<string, Promise<WebAssembly.Module>>();

/**
 * The compiled module of a build (cached: compiling once per page or process is enough). `threaded`: the build
 * that imports a shared memory (src/threads/); it exists for the SIMD levels only.
 */
export function kernelModule(level: SimdLevel, threaded = false): Promise<WebAssembly.Module> {
  const key = threaded ? `${level}-threads` : level;
  let module = modules.get(key);
  if (!module) {
    if (threaded && level === "none") throw new RangeError("simd: the threaded builds need WebAssembly SIMD");
    module = threadedBinary(threaded, level).then((b64) => WebAssembly.compile(base64ToBytes(b64 ?? oneThreadBuild(level))));
    modules.set(key, module);
  }
  return module;
}

/** The one-thread build of a level (base64). */
const oneThreadBuild = (level: SimdLevel): string => (level === "relaxed" ? RELAXED : level === "simd" ? SIMD : PLAIN);

/**
 * The threaded builds sit in a module of their own, imported only when threads are asked for: pages that run one
 * thread never download them, and bundlers split them into a lazy chunk.
 */
async function threadedBinary(threaded: boolean, level: SimdLevel): Promise<string | null> {
  if (!threaded) return null;
  const { SIMD_THREADS, RELAXED_THREADS } = await import("./threads-binaries.generated.js");
  return level === "relaxed" ? RELAXED_THREADS : SIMD_THREADS;
}

/** AssemblyScript strings sit behind a 4-byte byte-length header, UTF-16LE. */
export function decodeAbort(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return "";
  const bytes = new Uint32Array(memory.buffer, (ptr >>> 0) - 4, 1)[0]!;
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr >>> 0, bytes >>> 1));
}

export interface Kernels {
  readonly exports: KernelExports;
  readonly heap: WasmMemory;
  readonly simd: SimdLevel;
  /** The compiled build, which worker threads instantiate over the same (shared) memory. */
  readonly module: WebAssembly.Module;
}

/** `shared`: a shared memory to run the threaded build over (src/threads/memory.ts makes one). */
export async function loadKernels(requested?: SimdLevel, shared?: WebAssembly.Memory): Promise<Kernels> {
  const available = supportedSimd();
  if (requested && !available.includes(requested)) {
    throw new RangeError(`simd: '${requested}' is not supported by this engine (it supports ${available.join(", ")})`);
  }
  const simd = requested ?? available[0]!;
  return instantiateKernels(await kernelModule(simd, shared !== undefined), simd, shared);
}

/**
 * Instantiates a kernel module over a fresh memory. Its `abort` turns a failed assert (debug build) into an
 * Error that names the message, file and line, instead of a bare `RuntimeError: unreachable`. `arena`: the
 * bytes [start, end) of the memory that this instance's allocator may use (src/tune/dataset.ts).
 */
export async function instantiateKernels(module: WebAssembly.Module, simd: SimdLevel,
                                         memory = new WebAssembly.Memory({ initial: 1 }),
                                         arena?: { start: number; end: number }): Promise<Kernels> {
  return kernelsOf(await WebAssembly.instantiate(module, kernelImports(memory)), memory, simd, module, arena);
}

let sharedKernels: Kernels | null = null;

/**
 * One best-build instance for the page or process, compiled synchronously on first use (tens of KB, well under
 * the size browsers allow on the main thread): what the synchronous feature transforms run on by default.
 */
export function sharedKernelsSync(): Kernels {
  if (!sharedKernels) {
    const simd = supportedSimd()[0]!, memory = new WebAssembly.Memory({ initial: 1 });
    const module = new WebAssembly.Module(base64ToBytes(oneThreadBuild(simd)));
    sharedKernels = kernelsOf(new WebAssembly.Instance(module, kernelImports(memory)), memory, simd, module);
  }
  return sharedKernels;
}

function kernelImports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return {
    env: {
      memory,
      abort(msg: number, file: number, line: number, column: number): never {
        throw new Error(`simdlinear kernel abort: ${decodeAbort(memory, msg)} at ${decodeAbort(memory, file)}:${line}:${column}`);
      },
    },
  };
}

function kernelsOf(instance: WebAssembly.Instance, memory: WebAssembly.Memory, simd: SimdLevel,
                   module: WebAssembly.Module, arena?: { start: number; end: number }): Kernels {
  const exports = instance.exports as unknown as KernelExports;
  const heap = arena ? new WasmMemory(memory, arena.start, arena.end) : new WasmMemory(memory, exports.heapBase());
  return { exports, heap, simd, module };
}

import { Backend } from "./backend/backend.js";
import { ReferenceOps } from "./backend/reference-ops.js";
import { WasmOps } from "./backend/wasm-ops.js";
import { instantiateKernels, loadKernels, SIMD_LEVELS, supportedSimd, type SimdLevel } from "./wasm/loader.js";
import * as v from "./validate.js";
import { startThreads, threadCount, type Threaded } from "./threads/setup.js";

export interface InitOptions {
  /** 'wasm' (default): the SIMD kernels. 'reference': the float64 oracle in plain TS. */
  backend?: "wasm" | "reference";
  /** Force a WASM build; by default the best one this engine validates (relaxed > simd > none). */
  simd?: SimdLevel;
  /**
   * A kernel build that you host yourself, instead of the inlined one: the package exports them as
   * `simdlinear/wasm/relaxed.wasm`, `simdlinear/wasm/simd.wasm` and `simdlinear/wasm/none.wasm`. Give it compiled
   * (e.g. by `WebAssembly.compileStreaming`), as bytes, or as a fetch Response (compiled as it streams in);
   * `simd` must then name the build.
   */
  module?: WebAssembly.Module | BufferSource | Response;
  /**
   * Threads of one fit (wasm backend): a count, or 'auto' for every logical core. Default 1. Needs
   * SharedArrayBuffer (in a browser: a cross-origin-isolated page); where it is missing the backend runs one
   * thread, warns, and `backend.threadsFallback` says why.
   */
  threads?: "auto" | number;
  /** Milliseconds a threaded step waits for a worker (beyond its own share) before it fails. Default 10 000. */
  threadTimeout?: number;
}

/** Loads a backend. Each wasm backend owns its own WebAssembly.Memory; `dispose()` frees it. */
export async function init(options: InitOptions = {}): Promise<Backend> {
  if (typeof options !== "object" || options === null) throw new TypeError(`options must be an object, got ${v.describe(options)}`);
  const kind = v.oneOf("backend", options.backend ?? "wasm", ["wasm", "reference"] as const);
  if (kind === "reference") {
    if (options.simd !== undefined) throw new RangeError("simd: only the wasm backend has SIMD builds");
    if (options.module !== undefined) throw new RangeError("module: only the wasm backend loads a kernel build");
    // 'auto' means "as many as help": one, here.
    if ((await threadCount(options.threads)) > 1 && options.threads !== "auto") {
      throw new RangeError(`threads: only the wasm backend runs threads, got ${options.threads} with backend 'reference'`);
    }
    return new Backend(new ReferenceOps(), null);
  }
  const simd = options.simd === undefined ? undefined : v.oneOf("simd", options.simd, SIMD_LEVELS);
  const threads = await threadCount(options.threads);
  let fallback: string | null = null;
  if (threads > 1) {
    const threaded: Threaded = options.module === undefined ? await startThreads(simd, threads, options.threadTimeout)
      : { fallback: "a hosted `module` is a one-thread build" };
    if ("pool" in threaded) return new Backend(new WasmOps(threaded.kernels), threaded.kernels.simd, threaded.pool);
    fallback = threaded.fallback;
    console.warn(`simdlinear: running 1 thread instead of ${threads}: ${fallback}`);
  }
  const kernels = options.module === undefined ? await loadKernels(simd) : await hostedKernels(options.module, simd);
  return new Backend(new WasmOps(kernels), kernels.simd, null, fallback);
}

const KERNEL_IMPORTS = ["env.memory:memory", "env.abort:function"];

async function hostedKernels(source: unknown, simd: SimdLevel | undefined) {
  if (simd === undefined) throw new TypeError("simd: with `module`, name its build ('relaxed', 'simd' or 'none'), got undefined");
  if (!supportedSimd().includes(simd)) throw new RangeError(`simd: this engine cannot run the '${simd}' build`);
  let module: WebAssembly.Module;
  if (source instanceof WebAssembly.Module) module = source;
  else if (typeof Response === "function" && source instanceof Response) module = await WebAssembly.compileStreaming(source);
  else if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) module = await WebAssembly.compile(source as BufferSource);
  else throw new TypeError(`module must be a WebAssembly.Module, its bytes or a fetch Response, got ${v.describe(source)}`);
  // The kernel builds import env.memory, and env.abort where asserts are kept; anything else is another file.
  const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}:${i.kind}`);
  const exportsHeap = WebAssembly.Module.exports(module).some((e) => e.name === "heapBase" && e.kind === "function");
  if (!imports.includes("env.memory:memory") || imports.some((i) => !KERNEL_IMPORTS.includes(i)) || !exportsHeap) {
    throw new RangeError(`module is not a simdlinear kernel build (it imports ${imports.join(", ") || "nothing"})`);
  }
  try {
    return await instantiateKernels(module, simd);
  } catch (e) {
    // A threaded build needs a shared memory: the one mismatch that the import names cannot show.
    if (e instanceof WebAssembly.LinkError) throw new RangeError(`module is not a single-threaded simdlinear kernel build: ${e.message}`);
    throw e;
  }
}

import { Backend } from "./backend/backend.js";
import { ReferenceOps } from "./backend/reference-ops.js";
import { WasmOps } from "./backend/wasm-ops.js";
import { loadKernels, SIMD_LEVELS, type SimdLevel } from "./wasm/loader.js";
import * as v from "./validate.js";

export interface InitOptions {
  /** 'wasm' (default): the SIMD kernels. 'reference': the float64 oracle in plain TS. */
  backend?: "wasm" | "reference";
  /** Force a WASM build; by default the best one this engine validates (relaxed > simd > none). */
  simd?: SimdLevel;
}

/** Loads a backend. Each wasm backend owns its own WebAssembly.Memory; `dispose()` frees it. */
export async function init(options: InitOptions = {}): Promise<Backend> {
  if (typeof options !== "object" || options === null) throw new TypeError(`options must be an object, got ${v.describe(options)}`);
  const kind = v.oneOf("backend", options.backend ?? "wasm", ["wasm", "reference"] as const);
  if (kind === "reference") {
    if (options.simd !== undefined) throw new RangeError("simd: only the wasm backend has SIMD builds");
    return new Backend(new ReferenceOps(), null);
  }
  const simd = options.simd === undefined ? undefined : v.oneOf("simd", options.simd, SIMD_LEVELS);
  const kernels = await loadKernels(simd);
  return new Backend(new WasmOps(kernels), kernels.simd);
}

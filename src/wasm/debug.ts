/**
 * @internal The debug build: the 'simd' build with its asserts kept (asconfig.json target `debug`). A kernel
 * called with a broken layout throws an Error naming the assert message, file and line. Kept out of `init`
 * and of the core import (src/index.ts does not import this module), so release bundles never carry it.
 */
import { DEBUG } from "./debug-binary.generated.js";
import { base64ToBytes, instantiateKernels, supportedSimd, type Kernels } from "./loader.js";

let module: Promise<WebAssembly.Module> | undefined;

export async function loadDebugKernels(): Promise<Kernels> {
  if (!supportedSimd().includes("simd")) throw new RangeError("the debug build needs WebAssembly SIMD, which this engine lacks");
  module ??= WebAssembly.compile(base64ToBytes(DEBUG));
  return instantiateKernels(await module, "simd");
}

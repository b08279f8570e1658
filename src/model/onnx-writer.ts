/**
 * The hook behind `model.toOnnx()`. The ONNX writer lives in `simdlinear/onnx` (it needs onnx-proto, which the core
 * import must not): importing that entry registers it here, so the core stays free of runtime dependencies.
 */
import type { LinearModelJSON } from "./linear-model.js";
import type { PreprocessorJSON } from "../data/preprocess.js";

export interface OnnxOptions {
  /** A fitted standardize() or minMax() (or its toJSON()) applied to the input first, as in training. */
  preprocessing?: { toJSON(): PreprocessorJSON } | PreprocessorJSON | null;
}

type Writer = (model: { toJSON(): LinearModelJSON }, options: OnnxOptions) => Uint8Array;
let writer: Writer | null = null;

export function registerOnnxWriter(write: Writer): void {
  writer = write;
}

export function writeOnnx(model: { toJSON(): LinearModelJSON }, options: OnnxOptions): Uint8Array {
  if (!writer) {
    throw new Error("model.toOnnx() needs the ONNX writer: `import \"simdlinear/onnx\"` once (install its peer onnx-proto)");
  }
  return writer(model, options);
}

/** The factory of training engines: the one module that knows every engine (see ./engine.ts for the interface). */
import type { Backend } from "../backend/backend.js";
import { WasmOps } from "../backend/wasm-ops.js";
import { WasmEngine } from "./wasm-engine.js";
import { ReferenceEngine } from "./reference-engine.js";
import { WasmSparseEngine } from "../sparse/wasm-engine.js";
import { ReferenceSparseEngine } from "../sparse/reference-engine.js";
import { ThreadedEngine } from "../threads/engine.js";
import { WasmHsmEngine } from "../hsoftmax/wasm-engine.js";
import { ReferenceHsmEngine } from "../hsoftmax/reference-engine.js";
import type { AnyEngineSpec, TrainingEngine } from "./engine.js";

/** The engine of a backend: resident WASM buffers on the wasm backend, plain TypeScript on the reference one. */
export function createEngine(backend: Backend, spec: AnyEngineSpec, sparse = false): TrainingEngine {
  const ops = backend.ops;
  // A buffer too large for the memory throws half-way through a constructor: release the ones made before it.
  return ops instanceof WasmOps ? ops.kernels.heap.releasingOnThrow(() => engineOf(backend, ops, spec, sparse))
    : engineOf(backend, ops, spec, sparse);
}

function engineOf(backend: Backend, ops: Backend["ops"], spec: AnyEngineSpec, sparse: boolean): TrainingEngine {
  if (spec.loss === "hierarchical-softmax") {
    if (sparse) throw new TypeError("hierarchical softmax takes dense rows, not a CsrMatrix");
    return ops instanceof WasmOps ? new WasmHsmEngine(ops.kernels, spec) : new ReferenceHsmEngine(spec);
  }
  // CSR input: only the rows of W that a batch touches are updated (src/sparse/lazy.ts); single-threaded.
  if (sparse) return ops instanceof WasmOps ? new WasmSparseEngine(ops.kernels, spec) : new ReferenceSparseEngine(spec);
  if (!(ops instanceof WasmOps)) return new ReferenceEngine(spec);
  return backend.pool ? new ThreadedEngine(ops.kernels, spec, backend.pool) : new WasmEngine(ops.kernels, spec);
}

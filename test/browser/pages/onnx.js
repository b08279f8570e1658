// onnxruntime-web's wasm build, served from node_modules by the test server (nothing comes from a CDN): one thread,
// so the page needs no cross-origin isolation.
import * as ort from "/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs";

ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = "/node_modules/onnxruntime-web/dist/";

/** Runs ONNX bytes on rows×cols float32 X; every output as { dims, type, data } (int64 as numbers). */
async function run(bytes, data, rows, cols) {
  const session = await ort.InferenceSession.create(new Uint8Array(bytes));
  const out = await session.run({ X: new ort.Tensor("float32", new Float32Array(data), [rows, cols]) });
  const result = {};
  for (const [name, t] of Object.entries(out)) {
    result[name] = { dims: [...t.dims], type: t.type, data: Array.from(t.data, (x) => (typeof x === "bigint" ? Number(x) : x)) };
  }
  return result;
}

window.harness = { run, version: ort.env.versions.web };
document.getElementById("status").textContent = "ready";

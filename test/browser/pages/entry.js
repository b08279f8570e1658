// The package's entry as a browser loads it from a static server: no bundler, no import map.
import * as simdlinear from "/dist/index.js";
import * as tune from "/dist/tune/index.js";
import { classifierRun, featuresRun, mnistRun, searchRun, softmaxRun } from "../fixtures/scenario.js";

let evalBlocked = false;
try {
  new Function("return 1")();
} catch (e) {
  evalBlocked = e instanceof EvalError;
}

window.harness = {
  evalBlocked,
  crossOriginIsolated: window.crossOriginIsolated,
  supportedSimd: simdlinear.supportedSimd(),
  softmaxRun: (initOptions) => softmaxRun(simdlinear, initOptions),
  mnistRun: (initOptions) => mnistRun(simdlinear, initOptions),
  classifierRun: (initOptions) => classifierRun(simdlinear, initOptions),
  featuresRun: (simd) => featuresRun(simdlinear, simd),
  searchRun: (workers) => searchRun(simdlinear, tune, workers),
  /** The user-hosted path: stream-compile a .wasm file the page fetched itself, then hand it to init. */
  hostedRun: async (url, simd) => softmaxRun(simdlinear, { module: await WebAssembly.compileStreaming(fetch(url)), simd }),
};
document.getElementById("status").textContent = "ready";

// simdlinear: linear classifiers on WebAssembly SIMD, with a float64 reference backend as the oracle.
export { init, type InitOptions } from "./init.js";
export { Backend, type LinearLossResult, type Regularization } from "./backend/backend.js";
export { matrix } from "./matrix.js";
export { numericalGradient, relError, sanityCheck } from "./gradcheck.js";
export { supportedSimd, type SimdLevel } from "./wasm/loader.js";
export { OPTIMIZER_DEFAULTS } from "./backend/optimizer.js";
export * from "./types.js";

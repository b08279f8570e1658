// The ABI: every kernel the TS side may call. Pointers are byte addresses into the imported memory;
// the contract is written down in assembly/README.md.
export { scores, weightGradient, biasGradient } from "./kernels/gemm";
export { hinge, squaredHinge, attributeHinge } from "./kernels/hinge";
export { softmax, softmaxProbabilities } from "./kernels/softmax";
export { logistic, sigmoidProbabilities } from "./kernels/logistic";
export { l2, l1 } from "./kernels/regression";
export { l2Penalty, l1Penalty, maxNorm } from "./kernels/regularize";
export { sgd, momentum, nesterov, adagrad, rmsprop, adam } from "./kernels/optim";

/** First byte the TS-side allocator may hand out: static data ends below it. */
export function heapBase(): usize {
  return __heap_base;
}

// The ABI: every kernel the TS side may call. Pointers are byte addresses into the imported memory;
// the contract is written down in assembly/README.md.
export { scores, weightGradient, biasGradient } from "./kernels/gemm";
export { fusedStep } from "./kernels/fused";
export { hinge, squaredHinge, attributeHinge } from "./kernels/hinge";
export { softmax, softmaxProbabilities } from "./kernels/softmax";
export { logistic, sigmoidProbabilities } from "./kernels/logistic";
export { countHits } from "./kernels/metrics";
export { l2, l1 } from "./kernels/regression";
export { l2Penalty, l1Penalty, maxNorm } from "./kernels/regularize";
export { sgd, momentum, nesterov, adagrad, rmsprop, adam, rprop, deltaBarDelta } from "./kernels/optim";
export { copy, gatherDropout, perturb } from "./kernels/train";
export { accumulate } from "./kernels/reduce";
export {
  touchedRows, clearMarks, sparseScores, sparseWeightGradient, catchUp, penaltyRows, gatherRows, scatterRows,
  sgdRows, momentumRows, nesterovRows, adagradRows, rmspropRows, adamRows, rpropRows, deltaBarDeltaRows,
} from "./kernels/sparse";
export { hsmLoss, hsmNodeScores, hsmProbabilities } from "./kernels/hsoftmax";
export { hog } from "./kernels/hog";
export { colorHistogram } from "./kernels/color";
export { nearest } from "./kernels/kmeans";

/** First byte the TS-side allocator may hand out: static data ends below it. */
export function heapBase(): usize {
  return __heap_base;
}

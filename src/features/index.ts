// Feature transforms of cs231n lecture 3: a linear classifier on raw pixels is weak, on the right features strong.
export { polar } from "./polar.js";
export { hog, colorHistogram, type HogOptions, type ColorHistogramOptions } from "./image-features.js";
export { bagOfWords, BagOfWords, type BagOfWordsOptions } from "./bow.js";
export { concat, pipeline, union, Pipeline, Union, type Step, type Transformer } from "./compose.js";
export { asImages, type ImageBatch, type Pixels } from "./images.js";
export { hashing, murmurhash3, type HashingOptions } from "../sparse/hashing.js";
export type { BackendOption, BlockNorm, FeatureBackend } from "./ops.js";

// simdlinear: linear classifiers on WebAssembly SIMD, with a float64 reference backend as the oracle.
export { init, type InitOptions } from "./init.js";
export { Backend, type LinearLossResult, type Regularization } from "./backend/backend.js";
export { matrix } from "./matrix.js";
export { numericalGradient, relError, sanityCheck } from "./gradcheck.js";
export { supportedSimd, type SimdLevel } from "./wasm/loader.js";
export { OPTIMIZER_DEFAULTS } from "./backend/optimizer.js";
export { loadMnist, MNIST_SPLIT, type MnistSource } from "./data/mnist.js";
export { trainTestSplit, type Dataset, type SplitOptions } from "./data/split.js";
export {
  standardize, minMax, oneHot, preprocessorFromJSON, Standardizer, MinMaxScaler, OneHotEncoder,
  type Preprocessor, type PreprocessorJSON, type StandardizeJSON, type MinMaxJSON, type OneHotJSON, type OneHotOptions,
} from "./data/preprocess.js";
export * as features from "./features/index.js";
export { hashing, murmurhash3, type HashingOptions } from "./sparse/hashing.js";
export { csrMatrix, csrFromDense, csrToDense, isCsr, type CsrMatrix, type Row, type Rows, type RowsInput } from "./sparse/csr.js";
export type { Classes, Label, LabelArray } from "./model/labels.js";
export type { WeightsInput, WeightsLayout } from "./model/weights.js";
export { Rng } from "./data/rng.js";
export {
  LinearClassifier, CLASSIFICATION_LOSSES, TREE_SHAPES, type ClassificationLoss, type LinearClassifierOptions,
  type PartialFitOptions, type FitStreamOptions, type TreeShape, type Predicted, type TargetsOf, type OneOf,
} from "./model/classifier.js";
export {
  LinearRegressor, REGRESSION_LOSSES, type RegressionLoss, type LinearRegressorOptions,
} from "./model/regressor.js";
export {
  DivergenceError, FORMAT_VERSION, type EpochInfo, type History, type FitOptions, type EarlyStopping,
  type EarlyStoppingMetric, type LinearModelJSON, type ChunkSource,
} from "./model/linear-model.js";
export { TRAIN_RULES, type OptimizerOptions, type BackendOption, type LinearModelOptions } from "./model/options.js";
export { INITIALIZERS, initialWeights, type Initializer } from "./train/initializers.js";
export { templates, type TemplateImage, type TemplateShape } from "./model/templates.js";
export {
  learningRateAt, momentumAt, LEARNING_RATE_SCHEDULES, MOMENTUM_SCHEDULES, type LearningRateSchedule, type MomentumSchedule,
} from "./train/schedule.js";
export type { ModelLoss, TrainRule } from "./train/engine.js";
export * from "./types.js";
export type { RunControl } from "./model/control.js";

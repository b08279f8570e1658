/** `simdlinear train`: fit a classifier on the built-in MNIST or a CSV, report test accuracy, optionally save it. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SingleBar } from "cli-progress";
import { PNG } from "pngjs";
import {
  init, LinearClassifier, loadMnist, minMax, standardize, templates, trainTestSplit,
  type Backend, type ClassificationLoss, type Dataset, type Matrix, type Preprocessor, type TrainRule, type TreeShape,
} from "../index.js";
import { batchFor } from "../model/options.js";
import { columnIndex, featureMatrix, labelColumn, readCsv } from "./csv.js";
import { isNumpy, readNumpy, type NumpyOptions } from "./numpy-data.js";
import { saveModel, type ModelInput } from "./model-file.js";
import { extractFeatures, parseFeatureKinds, parseImageShape, type FeatureSpec } from "./features.js";

export type Scaling = "standardize" | "minmax" | "none";

export interface TrainOptions extends DataCliOptions {
  loss: ClassificationLoss;
  optimizer: TrainRule;
  lr?: number;
  l2?: number;
  l1?: number;
  epochs: number;
  batchSize?: number;
  schedule: "constant" | "cosine";
  /** Default 0.2, and 0 for hierarchical-softmax (which takes no input dropout). */
  dropout?: number;
  tree?: TreeShape;
  backend: "wasm" | "reference";
  scale?: Scaling;
  save?: string;
  json: boolean;
  /** Comma-separated feature transforms (raw, hog, color); raw pixels when absent. */
  features?: string;
  /** Image layout of a row for --features and --templates, HxW or HxWxC; MNIST is 28x28. */
  image?: string;
  cellSize: number;
  /** Directory to write each class's weight template to, as class-<j>.png. */
  templates?: string;
}

interface Data {
  name: string;
  train: Dataset;
  test: Dataset;
  input: ModelInput;
}

/** The data of a run, preprocessed by `scaler` (fitted on the training rows). */
interface Run {
  data: Data;
  scale: Scaling;
  scaler: Preprocessor | null;
  Xtrain: Matrix;
  Xtest: Matrix;
  /** Time of the feature transforms of the train and test rows (0 on raw input). */
  featureSeconds: number;
}

export async function train(opts: TrainOptions): Promise<void> {
  const data = opts.data ? fileData(opts.data, opts) : await mnistData();
  const backend = await init({ backend: opts.backend });
  try {
    data.input.transform = featureSpec(opts, data);
    const templateShape = templateLayout(opts, data);
    const transform = (X: Matrix): Matrix => (data.input.transform ? extractFeatures(backend, X, data.input.transform) : X);
    const extracting = performance.now();
    const Xtrain = transform(data.train.X), Xtest = transform(data.test.X);
    const featureSeconds = data.input.transform ? (performance.now() - extracting) / 1000 : 0;
    const scale = opts.scale ?? (opts.data || data.input.transform ? "standardize" : "none");
    const scaler = scale === "none" ? null : (scale === "standardize" ? standardize() : minMax()).fit(Xtrain);
    const prepare = (X: Matrix): Matrix => scaler?.transform(X) ?? X;
    const run: Run = { data, scale, scaler, Xtrain: prepare(Xtrain), Xtest: prepare(Xtest), featureSeconds };
    const model = new LinearClassifier(withoutUndefined({
      loss: opts.loss,
      optimizer: withoutUndefined({ rule: opts.optimizer, learningRate: opts.lr, schedule: { type: opts.schedule } }),
      l2: opts.l2, l1: opts.l1, epochs: opts.epochs, batchSize: opts.batchSize, seed: opts.seed, backend,
      inputDropout: opts.dropout ?? (opts.loss === "hierarchical-softmax" ? 0 : 0.2), tree: opts.tree,
    }));
    try {
      await report(opts, run, model, backend);
      if (templateShape) writeTemplates(opts.templates!, model, templateShape, opts.json);
    } finally {
      model.dispose();
    }
  } finally {
    backend.dispose();
  }
}

/** Trains with a progress bar (unless --json), then prints the test figures and saves the model if asked. */
async function report(opts: TrainOptions, run: Run, model: LinearClassifier, backend: Backend): Promise<void> {
  const { data, scale, scaler, Xtrain, Xtest, featureSeconds } = run;
  const epochs = opts.epochs;
  if (!opts.json) {
    const transform = data.input.transform
      ? `; features: ${data.input.transform.kinds.join("+")} (extracted in ${featureSeconds.toFixed(2)} s)` : "";
    console.log(`${data.name}: ${Xtrain.rows} train / ${Xtest.rows} test rows, ${Xtrain.cols} features${transform}; scaling: ${scale}`);
    console.log(`${opts.loss} loss, ${opts.optimizer}, ${epochs} epochs, batch ${batchFor(opts.batchSize ?? null, Xtrain.rows)}, `
      + `${backend.name}${backend.simd ? ` (${backend.simd})` : ""} backend`);
  }
  const bar = opts.json ? null : new SingleBar({
    format: "epoch {value}/{total} |{bar}| loss {loss} · train accuracy {accuracy} · {duration_formatted}",
    hideCursor: true,
  });
  bar?.start(epochs, 0, { loss: "-", accuracy: "-" });
  const started = performance.now();
  const history = await model.fit(Xtrain, data.train.y, {
    onEpoch: (info) => bar?.update(info.epoch, { loss: info.loss.toFixed(4), accuracy: percent(info.trainAccuracy) }),
  });
  bar?.stop();
  const seconds = (performance.now() - started) / 1000;
  const predicted = model.predict(Xtest);
  const testAccuracy = predicted.reduce((n, p, i) => n + (p === data.test.y[i] ? 1 : 0), 0) / predicted.length;
  // The CSV's labels are class indices: the matrix has a row and a column for each up to the largest seen.
  const classes = 1 + data.test.y.reduce((m, label) => Math.max(m, label), Math.max(...model.classes as number[]));
  const confusion = confusionMatrix(data.test.y, predicted, classes);
  if (opts.save) saveModel(opts.save, model, scaler, data.input);

  const summary = {
    data: data.name, train: Xtrain.rows, test: Xtest.rows, features: Xtrain.cols, classes,
    loss: opts.loss, optimizer: opts.optimizer, epochs: history.epochs.length, scale,
    backend: backend.name, simd: backend.simd, finalLoss: history.loss.at(-1),
    trainAccuracy: model.score(Xtrain, data.train.y), testAccuracy, seconds, featureSeconds, confusion, saved: opts.save ?? null,
  };
  if (opts.json) {
    console.log(JSON.stringify(summary));
    return;
  }
  console.log(`test accuracy ${percent(testAccuracy)} (train ${percent(summary.trainAccuracy)}), trained in ${seconds.toFixed(2)} s`);
  console.log(formatConfusion(confusion));
  if (opts.save) console.log(`model saved to ${opts.save}`);
}

export async function mnistData(): Promise<Data> {
  const { train, test } = await loadMnist();
  return {
    name: "MNIST (built-in, 10,000 digits)", train, test,
    input: { features: train.X.cols, labelColumn: null, transform: null, image: { height: 28, width: 28, channels: 1 } },
  };
}

/** The data of `--data`: a CSV, or numpy files (no label column then: the labels are an array of their own). */
/** The options of `--data` shared by train and search. */
export interface DataCliOptions extends NumpyOptions {
  data?: string;
  label: string;
  testFraction: number;
  seed: number;
}

export function fileData(file: string, opts: DataCliOptions): Data {
  if (!isNumpy(file)) return csvData(file, opts.label, opts.testFraction, opts.seed);
  const { X, y } = readNumpy(file, opts);
  const { train, test } = trainTestSplit(X, y, { testFraction: opts.testFraction, seed: opts.seed, stratify: true });
  return { name: file, train, test, input: { features: X.cols, labelColumn: null, transform: null } };
}

export function csvData(file: string, label: string, testFraction: number, seed: number): Data {
  const table = readCsv(file);
  const column = columnIndex(table, file, label);
  const X = featureMatrix(table, file, column), y = labelColumn(table, file, column);
  const { train, test } = trainTestSplit(X, y, { testFraction, seed, stratify: true });
  return { name: file, train, test, input: { features: X.cols, labelColumn: column, transform: null } };
}

/** The image layout of --templates (checked before training), or null without it. */
function templateLayout(opts: TrainOptions, data: Data): FeatureSpec["image"] | null {
  if (opts.templates === undefined) return null;
  if (opts.features !== undefined) throw new RangeError("--templates draws the weights of raw pixels: it does not apply with --features");
  if (opts.loss === "hierarchical-softmax") throw new RangeError("--templates needs one weight column per class, which hierarchical-softmax does not have");
  const image = opts.image !== undefined ? parseImageShape(opts.image) : data.input.image;
  if (!image) throw new RangeError("--templates on a CSV needs --image HEIGHTxWIDTH[xCHANNELS] to lay each row out as an image");
  if (image.channels !== 1 && image.channels !== 3) throw new RangeError(`--templates draws gray (1 channel) or RGB (3) images, not ${image.channels} channels`);
  const values = image.height * image.width * image.channels;
  if (values !== data.input.features) throw new RangeError(`--image ${image.height}x${image.width}x${image.channels} is ${values} values, but a row has ${data.input.features} features`);
  return image;
}

/** Writes class j's template to dir/class-<j>.png. */
function writeTemplates(dir: string, model: LinearClassifier, shape: FeatureSpec["image"], json: boolean): void {
  mkdirSync(dir, { recursive: true });
  const images = templates(model, shape);
  images.forEach((t, j) => {
    const png = new PNG({ width: t.width, height: t.height });
    png.data = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    writeFileSync(join(dir, `class-${j}.png`), PNG.sync.write(png));
  });
  if (!json) console.log(`templates of ${images.length} classes written to ${dir}`);
}

function featureSpec(opts: TrainOptions, data: Data): FeatureSpec | null {
  if (opts.features === undefined) {
    if (opts.image !== undefined && opts.templates === undefined) throw new RangeError("--image only applies with --features or --templates");
    return null;
  }
  const image = opts.image !== undefined ? parseImageShape(opts.image) : data.input.image;
  if (!image) throw new RangeError("--features on a CSV needs --image HEIGHTxWIDTH[xCHANNELS] to lay each row out as an image");
  return { kinds: parseFeatureKinds(opts.features), image, cellSize: opts.cellSize };
}

/** counts[t][p]: test rows of true class t predicted as p. */
function confusionMatrix(truth: Int32Array, predicted: Int32Array, classes: number): number[][] {
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  truth.forEach((t, i) => { counts[t]![predicted[i]!]! += 1; });
  return counts;
}

function formatConfusion(counts: number[][]): string {
  const width = Math.max(4, ...counts.flat().map((n) => String(n).length)) + 1;
  const cell = (s: string | number): string => String(s).padStart(width);
  return [
    "confusion matrix (rows: true class, columns: predicted)",
    `${cell("")}${counts.map((_, j) => cell(j)).join("")}`,
    ...counts.map((row, t) => `${cell(t)}${row.map(cell).join("")}`),
  ].join("\n");
}

const percent = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** The object without its undefined fields, so that the model's defaults apply to options not given. */
function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, value]) => value !== undefined)) as T;
}

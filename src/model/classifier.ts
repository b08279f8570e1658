/**
 * LinearClassifier: S = X·W + b trained by mini-batch optimisation of one of SPEC.md's classification losses.
 *
 * Targets: Int32Array labels 0..C−1 (every loss; logistic and attribute-hinge then act one-vs-rest), or, for
 * multi-label data, an N×C Matrix of 0/1 (logistic, and attribute-hinge, which maps 0/1 to −1/+1 internally).
 * The type parameter is the target type (`new LinearClassifier<Matrix>(…)` for multi-label), which `predict`
 * returns.
 *
 * Training: mini-batches of a fresh shuffle each epoch, all resident in the backend's memory (src/train/). If the
 * loss becomes NaN or ±∞, fit throws a DivergenceError naming the epoch and step, and the model keeps the weights
 * from before the last update (the engine keeps a resident copy of W and b from before each update).
 *
 * Defaults: loss 'softmax'; optimizer adam with learning rate 1e-3 (β₁ 0.9, β₂ 0.999, ε 1e-8); batchSize 200;
 * epochs 10; init 'gaussian' (std 0.01), biases 0; no penalty, max-norm or dropout; seed 0; backend 'wasm'.
 */
import type { Matrix } from "../types.js";
import type { Rows } from "../sparse/csr.js";
import { LABEL_LOSSES } from "../types.js";
import { object, knownKeys, type BackendOption, type LinearModelOptions } from "./options.js";
import {
  LinearModel, parseModelJSON, type ChunkSource, type FitOptions, type History, type Prepared, type ScoreMeter,
} from "./linear-model.js";
import * as v from "../validate.js";

export type ClassificationLoss = "hinge" | "squared-hinge" | "softmax" | "logistic" | "attribute-hinge";
export const CLASSIFICATION_LOSSES: readonly ClassificationLoss[] = ["hinge", "squared-hinge", "softmax", "logistic",
  "attribute-hinge"];

export interface LinearClassifierOptions extends LinearModelOptions<ClassificationLoss> {
  /**
   * Weight of each class's examples in the loss (hinge, squared-hinge, softmax with labels): one non-negative
   * number per class, or 'balanced' = n_samples / (n_classes · count_c) from the training labels, as sklearn
   * (a class with no example gets 1). Default: all 1.
   */
  classWeight?: "balanced" | ArrayLike<number>;
}

export interface FitStreamOptions {
  /** Passes over the stream. Default 1. */
  epochs?: number;
  /** As in partialFit: needed on the first call unless the first chunk holds the highest label. */
  classes?: number | ArrayLike<number>;
  /** Called after every epoch with its progressive loss and accuracy. */
  onEpoch?: FitOptions<unknown, "Accuracy">["onEpoch"];
}

export interface PartialFitOptions {
  /** On the first call: the number of classes, or all the class labels (0..C−1). Default: max label + 1. */
  classes?: number | ArrayLike<number>;
}

const TARGET_KINDS = ["labels", "multilabel"] as const;

export class LinearClassifier<Y extends Int32Array | Matrix = Int32Array> extends LinearModel<ClassificationLoss, "Accuracy", Y> {
  protected readonly modelName = "LinearClassifier";
  protected readonly metric = "Accuracy";
  private readonly classWeight: "balanced" | Float32Array | null;

  constructor(options: LinearClassifierOptions = {}) {
    super(options, CLASSIFICATION_LOSSES, "softmax", ["classWeight"]);
    const cw = options.classWeight;
    if (cw === undefined) this.classWeight = null;
    else {
      if (!LABEL_LOSSES.includes(this.options.loss)) {
        throw new RangeError(`classWeight applies to the losses hinge, squared-hinge and softmax, not '${this.options.loss}'`);
      }
      if (cw === "balanced") this.classWeight = "balanced";
      else {
        if (typeof cw !== "object" || cw === null || typeof cw.length !== "number") {
          throw new TypeError(`classWeight must be 'balanced' or an array of numbers, got ${v.describe(cw)}`);
        }
        for (let j = 0; j < cw.length; j++) v.nonNegative(`classWeight[${j}]`, cw[j]);
        this.classWeight = Float32Array.from(cw);
      }
    }
  }

  /** Number of classes (labels) the model predicts, or null before fitting. */
  get classes(): number | null {
    return this.params?.W.cols ?? null;
  }

  /**
   * Trains from scratch for `epochs` epochs; resolves to the per-epoch history (loss, train and validation
   * accuracy). Classes are 0..max label (at least 2). Throws DivergenceError if the loss becomes NaN/∞.
   */
  fit(X: Rows, y: Y, options: FitOptions<Y, "Accuracy"> = {}): Promise<History<"Accuracy">> {
    return this.fitModel(X, y, options as FitOptions<unknown, "Accuracy">);
  }

  /** One epoch over this piece of the data, continuing the weights and the optimizer state. */
  async partialFit(X: Rows, y: Y, options: PartialFitOptions = {}): Promise<History<"Accuracy">> {
    const opts = object("options", options);
    knownKeys("options", opts, ["classes"]);
    return this.partialFitModel(X, y, classCount(options.classes, this.classes));
  }

  /**
   * Trains on a stream of { X, y } chunks (dense or CSR; src/stream/ reads them from CSV or binary files) with
   * memory bounded by one chunk, continuing the weights and optimizer state like partialFit. An epoch's loss and
   * trainAccuracy are progressive: each chunk is scored before the model trains on it. For epochs > 1, `source`
   * must be a function returning a fresh iterable per epoch.
   */
  fitStream(source: ChunkSource<Y>, options: FitStreamOptions = {}): Promise<History<"Accuracy">> {
    const opts = object("options", options);
    knownKeys("options", opts, ["epochs", "classes", "onEpoch"]);
    return this.fitStreamModel(source, options.epochs, classCount(options.classes, this.classes), options.onEpoch);
  }

  /** Labels (argmax of the scores), or for a multi-label model a 0/1 Matrix (score > 0). */
  predict(X: Rows): Y {
    const S = this.decisionFunction(X);
    if (this.targetKind === "multilabel") {
      return { rows: S.rows, cols: S.cols, data: S.data.map((s) => (s > 0 ? 1 : 0)) } as Y;
    }
    const labels = new Int32Array(S.rows);
    for (let i = 0; i < S.rows; i++) labels[i] = argmax(S.data, i * S.cols, S.cols);
    return labels as Y;
  }

  /**
   * Class probabilities: softmax of the scores (loss 'softmax'); for 'logistic', σ of each score, normalised
   * over the classes for a one-vs-rest model (as sklearn) and left as is for a multi-label one.
   */
  predictProba(X: Rows): Matrix {
    const loss = this.options.loss;
    if (loss !== "softmax" && loss !== "logistic") {
      this.fitted();
      throw new Error(`predictProba needs loss 'softmax' or 'logistic'; '${loss}' gives no probabilities (use decisionFunction)`);
    }
    const S = this.decisionFunction(X);
    if (loss === "softmax") return this.backend.probabilities("softmax", S);
    const P = this.backend.probabilities("sigmoid", S);
    if (this.targetKind === "labels") {
      for (let i = 0; i < P.rows; i++) {
        const row = P.data.subarray(i * P.cols, (i + 1) * P.cols);
        const total = row.reduce((a, p) => a + p, 0);
        row.forEach((p, j) => (row[j] = p / total));
      }
    }
    return P;
  }

  /** Accuracy (a multi-label model: the share of rows whose labels are all right, as sklearn). */
  score(X: Rows, y: Y): number {
    return this.scoreModel(X, y);
  }

  /**
   * A model saved with toJSON. Refuses (RangeError/TypeError) anything malformed: another format, a newer
   * version, wrong lengths, non-finite weights. Predictions need a ready backend: by default the reference
   * backend (synchronous); pass `{ backend: await init() }`, or 'wasm' and then `await model.ready()`.
   */
  static fromJSON<Y extends Int32Array | Matrix = Int32Array>(json: unknown,
                                                              options: { backend?: BackendOption } = {}): LinearClassifier<Y> {
    const parsed = parseModelJSON(json, "LinearClassifier", TARGET_KINDS);
    const backend = object("options", options).backend as BackendOption | undefined;
    const model = new LinearClassifier<Y>({ ...parsed.options, backend: backend ?? "reference" });
    if (parsed.targets === "multilabel" && LABEL_LOSSES.includes(model.options.loss)) {
      throw new RangeError(`json.targets is 'multilabel' but json.options.loss '${model.options.loss}' takes labels`);
    }
    return model.loadJSON(parsed);
  }

  protected prepare(y: unknown, name: string, n: number, outputs: number | null) {
    const loss = this.options.loss;
    if (y instanceof Int32Array) {
      if (y.length !== n) throw new RangeError(`${name} has length ${y.length} but there are ${n} rows`);
      const c = outputs ?? Math.max(2, y.reduce((m, label) => Math.max(m, label), 0) + 1);
      v.labels(name, y, n, c);
      return { prepared: labelTargets(y, c, loss), outputs: c, kind: "labels" };
    }
    if (typeof y === "object" && y !== null && !ArrayBuffer.isView(y)) {
      if (LABEL_LOSSES.includes(loss)) {
        throw new TypeError(`${name}: loss '${loss}' takes Int32Array labels; a 0/1 target Matrix (multi-label) needs `
          + "loss 'logistic' or 'attribute-hinge'");
      }
      const T = v.matrixArg(name, y);
      if (T.rows !== n) throw new RangeError(`${name} has ${T.rows} rows but X has ${n}`);
      if (outputs !== null && T.cols !== outputs) throw new RangeError(`${name} has ${T.cols} columns but the model has ${outputs} labels`);
      T.data.forEach((t, e) => {
        if (t !== 0 && t !== 1) throw new RangeError(`${name}.data[${e}] = ${t}: multi-label targets must be 0 or 1`);
      });
      const targets = loss === "logistic" ? T : { rows: T.rows, cols: T.cols, data: T.data.map((t) => 2 * t - 1) };
      return { prepared: { targets, meter: () => subsetAccuracy(T) }, outputs: T.cols, kind: "multilabel" };
    }
    throw new TypeError(`${name} must be an Int32Array of labels or a 0/1 target Matrix, got ${v.describe(y)}`);
  }

  protected override classWeightFor(y: unknown, c: number, fit: boolean): Float32Array | null {
    const cw = this.classWeight;
    if (cw === null) return null;
    if (!(y instanceof Int32Array)) throw new RangeError("classWeight applies to Int32Array labels, not to a target Matrix");
    if (cw !== "balanced") {
      if (cw.length !== c) throw new RangeError(`classWeight has ${cw.length} values but there are ${c} classes`);
      return cw;
    }
    if (!fit) throw new RangeError("classWeight 'balanced' needs the whole training set: use fit, or give the weights as an array");
    const counts = new Float64Array(c);
    y.forEach((label) => counts[label]!++);
    return Float32Array.from(counts, (count) => (count > 0 ? y.length / (c * count) : 1));
  }
}

function classCount(classes: PartialFitOptions["classes"], known: number | null): number | null {
  if (classes === undefined) return known;
  let c: number;
  if (typeof classes === "number") c = v.dimension("classes", classes, 2);
  else {
    if (typeof classes !== "object" || classes === null || typeof classes.length !== "number") {
      throw new TypeError(`classes must be a count or an array of class labels, got ${v.describe(classes)}`);
    }
    c = classes.length;
    const seen = new Set(Array.from(classes));
    for (let j = 0; j < c; j++) {
      if (!seen.has(j)) throw new RangeError(`classes must be the labels 0..${c - 1} (in any order); ${j} is missing`);
    }
    v.dimension("classes.length", c, 2);
  }
  if (known !== null && c !== known) throw new RangeError(`classes says ${c} classes but the model has ${known}`);
  return c;
}

/** The engine's targets for labels: the labels themselves, or their one-hot matrix for the one-vs-rest losses. */
function labelTargets(y: Int32Array, c: number, loss: string): Prepared {
  const meter = (): ScoreMeter => {
    let correct = 0;
    return {
      visit: (S, stride, first, count) => {
        for (let i = 0; i < count; i++) if (argmax(S, i * stride, c) === y[first + i]) correct++;
      },
      result: () => correct / y.length,
    };
  };
  if (LABEL_LOSSES.includes(loss as ClassificationLoss)) return { targets: y, meter };
  const off = loss === "attribute-hinge" ? -1 : 0, T = new Float32Array(y.length * c).fill(off);
  y.forEach((label, i) => (T[i * c + label] = 1));
  return { targets: { rows: y.length, cols: c, data: T }, meter };
}

function subsetAccuracy(T: Matrix): ScoreMeter {
  let correct = 0;
  const c = T.cols;
  return {
    visit: (S, stride, first, count) => {
      for (let i = 0; i < count; i++) {
        let all = true;
        for (let j = 0; j < c && all; j++) all = (S[i * stride + j]! > 0) === (T.data[(first + i) * c + j] === 1);
        if (all) correct++;
      }
    },
    result: () => correct / T.rows,
  };
}

/** Index of the first largest of S[at..at+c−1]. */
export function argmax(S: ArrayLike<number>, at: number, c: number): number {
  let best = 0;
  for (let j = 1; j < c; j++) if (S[at + j]! > S[at + best]!) best = j;
  return best;
}

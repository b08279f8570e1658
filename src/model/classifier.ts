/**
 * LinearClassifier: S = X·W + b trained by mini-batch optimisation of one of SPEC.md's classification losses.
 *
 * Targets: labels (an Int32Array, an array of int32 integers, or an array of strings; every loss, logistic and
 * attribute-hinge then act one-vs-rest), whose sorted distinct values are the model's `classes`, or, for
 * multi-label data, an N×C Matrix of 0/1 (logistic, and attribute-hinge, which maps 0/1 to −1/+1 internally).
 * The type parameter is what `predict` returns: Int32Array (numeric labels, the default), string[]
 * (`new LinearClassifier<string[]>(…)`) or Matrix (multi-label).
 *
 * Training: mini-batches of a fresh shuffle each epoch, all resident in the backend's memory (src/train/). If the
 * loss becomes NaN or ±∞, fit throws a DivergenceError naming the epoch and step; the model is then as it was
 * before the call (or, with keepProgress, holds the weights from before the diverging update).
 *
 * Loss 'hierarchical-softmax' (many classes): the classes are the leaves of a binary tree (option `tree`), W holds
 * one column per inner node (C − 1), a step costs O(depth·D) per row instead of O(C·D), and the scores are
 * log P(class | x) (src/hsoftmax/). It takes dense rows and labels, and trains with the update rules without
 * max-norm or input dropout.
 *
 * Defaults: loss 'softmax'; optimizer adam with learning rate 1e-3 (β₁ 0.9, β₂ 0.999, ε 1e-8); batchSize 200;
 * epochs 10; init 'gaussian' (std 0.01), biases 0; no penalty, max-norm or dropout; seed 0; backend 'wasm'.
 */
import type { Matrix } from "../types.js";
import { isCsr, singleRow, type Row, type Rows, type RowsInput } from "../sparse/csr.js";
import { sparseOpsOf } from "../sparse/ops.js";
import {
  balancedTree, centroidTree, classCounts, classMeans, huffmanTree, treeFromChildren, type HsmTree,
} from "../hsoftmax/tree.js";
import { transpose } from "../hsoftmax/engine-common.js";
import type { RunControl } from "./control.js";
import { object, knownKeys, type BackendOption, type LinearModelOptions, type Resolved } from "./options.js";
import {
  LinearModel, parseModelJSON, fromJSONOptions, type ChunkSource, type EngineLoss, type FitOptions, type History, type LinearModelJSON,
  type Prepared, type ScoreMeter,
} from "./linear-model.js";
import * as v from "../validate.js";
import { weightsJSON, type WeightsInput } from "./weights.js";
import { argmax } from "../reference/metrics.js";
import type { EngineTargets } from "../train/engine.js";
import {
  classesArg, classesOf, decode, describeClasses, encode, isRange, labelValues, range, type Classes, type Label,
  type LabelArray,
} from "./labels.js";

/** What predict returns: the labels (an Int32Array for numeric labels, string[] for strings), or a 0/1 Matrix. */
export type Predicted = Int32Array | string[] | Matrix;
/** What predict gives for one row. */
export type OneOf<Y extends Predicted> = Y extends Matrix ? Float32Array : Y extends string[] ? string : number;
/** What fit takes for a model whose predict returns Y. */
export type TargetsOf<Y extends Predicted> = Y extends Matrix ? Matrix : LabelArray;

export type ClassificationLoss = "hinge" | "squared-hinge" | "softmax" | "logistic" | "attribute-hinge"
  | "hierarchical-softmax";
export const CLASSIFICATION_LOSSES: readonly ClassificationLoss[] = ["hinge", "squared-hinge", "softmax", "logistic",
  "attribute-hinge", "hierarchical-softmax"];

/** The loss of a classifier whose options name none (also in its model file, which keeps the options given). */
export const DEFAULT_CLASSIFICATION_LOSS = "softmax";

/** The losses that take one label per row (and classWeight); the others also take 0/1 multi-label targets. */
const LABEL_ONLY: readonly ClassificationLoss[] = ["hinge", "squared-hinge", "softmax", "hierarchical-softmax"];

/** The class tree of hierarchical softmax (src/hsoftmax/tree.ts). */
export type TreeShape = "huffman" | "balanced" | "centroid";
export const TREE_SHAPES: readonly TreeShape[] = ["huffman", "balanced", "centroid"];

export interface LinearClassifierOptions extends LinearModelOptions<ClassificationLoss> {
  /**
   * Weight of each class's examples in the loss (hinge, squared-hinge, softmax with labels): one non-negative
   * number per class in the order of `classes`, weights keyed by label (an object or a Map; a class not named
   * gets 1), or 'balanced' = n_samples / (n_classes · count_c) from the training labels, as sklearn. At least one
   * weight must be positive. Default: all 1.
   */
  classWeight?: "balanced" | ArrayLike<number> | Record<string, number> | Map<Label, number>;
  /**
   * The class tree of loss 'hierarchical-softmax', built when training starts from the data of that call:
   * 'huffman' (default, as word2vec: Huffman coding of the label counts, so frequent classes get short paths),
   * 'balanced' (depth ⌈log₂ C⌉), or 'centroid' (balanced; each node splits its classes' mean rows along their
   * principal direction, so that similar classes share subtrees and each split suits a linear score). The tree
   * stays for the model's life (partialFit, fitStream, JSON); `fit` builds a new one.
   */
  tree?: TreeShape;
}

export interface FitStreamOptions extends RunControl {
  /** Passes over the stream. Default 1. */
  epochs?: number;
  /** As in partialFit: needed on the first call unless the first chunk holds every label. */
  classes?: number | LabelArray;
  /** Called after every epoch with its progressive loss and accuracy. */
  onEpoch?: FitOptions<unknown, "Accuracy">["onEpoch"];
}

export interface PartialFitOptions extends RunControl {
  /**
   * On the first call: every class label (any order; they are sorted), or a count C for the labels 0..C−1. Default:
   * the labels of this call's y.
   */
  classes?: number | LabelArray;
}

const TARGET_KINDS = ["labels", "multilabel"] as const;

export class LinearClassifier<Y extends Predicted = Int32Array> extends LinearModel<ClassificationLoss, "Accuracy", Y> {
  protected readonly modelName = "LinearClassifier";
  protected readonly metric = "Accuracy";
  private readonly classWeight: "balanced" | Float32Array | Map<Label, number> | null;
  /** The sorted labels (multi-label: the columns 0..C−1), set by the first training call; null before. */
  private classList: Classes | null = null;
  private readonly treeShape: TreeShape;
  /** The class tree the weights belong to (loss 'hierarchical-softmax' once started or loaded), else null. */
  private hsmTree: HsmTree | null = null;

  constructor(given: LinearClassifierOptions = {}) {
    super(given, CLASSIFICATION_LOSSES, DEFAULT_CLASSIFICATION_LOSS, ["classWeight", "tree"]);
    const options = object("options", given) as LinearClassifierOptions; // own keys, as the base class read them
    const loss = this.options.loss;
    if (loss === "hierarchical-softmax") refuseForHsm(this.options);
    else if (options.tree !== undefined) throw new RangeError(`tree applies to loss 'hierarchical-softmax', not '${loss}'`);
    this.treeShape = v.oneOf("tree", options.tree ?? "huffman", TREE_SHAPES);
    const cw = options.classWeight;
    if (cw === undefined) this.classWeight = null;
    else {
      if (!LABEL_ONLY.includes(loss)) {
        throw new RangeError(`classWeight applies to the losses ${LABEL_ONLY.join(", ")}, not '${loss}'`);
      }
      this.classWeight = classWeightArg(cw);
    }
  }

  /**
   * The classes the model predicts: its sorted distinct labels (numbers ascending, strings by code units, as
   * scikit-learn's `classes_`), or for a multi-label model its columns 0..C−1; null before fitting.
   */
  get classes(): Classes | null {
    return this.params && this.classList ? this.classList.slice() as Classes : null;
  }

  protected get known(): Classes | null {
    return this.params ? this.classList : null;
  }

  protected override adopt(known: unknown): void {
    this.classList = known as Classes;
  }

  /**
   * Loss 'hierarchical-softmax': a copy of the class tree's `children` (inner node j's left and right child at
   * 2j and 2j + 1: an inner node's number, or −class − 1 for a leaf; the root is node 0, the right branch is
   * taken with probability σ(x·W[:, j] + b[j])). Null for the other losses and before fitting.
   */
  get tree(): Int32Array | null {
    this.alive();
    return this.hsmTree?.children.slice() ?? null;
  }

  /**
   * Trains from scratch for `epochs` epochs; resolves to the per-epoch history (loss, train and validation
   * accuracy). y holds any labels (an Int32Array, integers or strings; the classes are their sorted distinct
   * values) or a 0/1 Matrix (multi-label). Throws DivergenceError if the loss becomes NaN/∞.
   */
  fit(X: RowsInput, y: TargetsOf<Y>, options: FitOptions<TargetsOf<Y>, "Accuracy"> = {}): Promise<History<"Accuracy">> {
    return this.fitModel(X, y, options as FitOptions<unknown, "Accuracy">);
  }

  /** One epoch over this piece of the data, continuing the weights and the optimizer state. */
  async partialFit(X: RowsInput, y: TargetsOf<Y>, options: PartialFitOptions = {}): Promise<History<"Accuracy">> {
    const { classes, ...control } = object("options", options) as PartialFitOptions;
    return this.partialFitModel(X, y, this.declared(classes), control);
  }

  /** The classes a partialFit or fitStream option declares, checked against the fitted model's. */
  private declared(value: unknown): Classes | null {
    if (value === undefined) return null;
    const classes = classesArg("classes", value), known = this.known;
    if (known && (known.length !== classes.length || known.some((label, j) => label !== classes[j]))) {
      throw new RangeError(`classes (${describeClasses(classes)}) are not the model's (${describeClasses(known)})`);
    }
    return classes;
  }

  /**
   * Trains on a stream of { X, y } chunks (dense or CSR; src/stream/ reads them from CSV or binary files) with
   * memory bounded by one chunk, continuing the weights and optimizer state like partialFit. An epoch's loss and
   * trainAccuracy are progressive: each chunk is scored before the model trains on it. For epochs > 1, `source`
   * must be a function returning a fresh iterable per epoch.
   */
  fitStream(source: ChunkSource<TargetsOf<Y>>, options: FitStreamOptions = {}): Promise<History<"Accuracy">> {
    const opts = object("options", options);
    return this.fitStreamModel(source, opts, this.declared(opts.classes));
  }

  /**
   * Scores S = X·W + b (N × C); for loss 'hierarchical-softmax', log P(class | x) from the tree (N × C), computed
   * by the backend's kernels.
   */
  override decisionFunction(X: RowsInput): Matrix;
  override decisionFunction(row: Row): Float32Array;
  override decisionFunction(X: RowsInput | Row): Matrix | Float32Array {
    const one = singleRow("X", X), rows = one ?? X as RowsInput;
    const S = this.options.loss === "hierarchical-softmax" ? this.treeProbabilities(rows, true) : super.decisionFunction(rows);
    return one ? S.data : S;
  }

  /**
   * Labels (argmax of the scores, as `classes`), or for a multi-label model a 0/1 Matrix (score > 0). A single
   * row gives its label (its 0/1 vector for a multi-label model).
   */
  predict(X: RowsInput): Y;
  predict(row: Row): OneOf<Y>;
  predict(X: RowsInput | Row): Y | OneOf<Y> {
    const one = singleRow("X", X), S = this.decisionFunction(one ?? X as RowsInput);
    if (this.targetKind === "multilabel") {
      const T = { rows: S.rows, cols: S.cols, data: S.data.map((s) => (s > 0 ? 1 : 0)) };
      return (one ? T.data : T) as Y;
    }
    const indices = new Int32Array(S.rows);
    for (let i = 0; i < S.rows; i++) indices[i] = argmax(S.data, i * S.cols, S.cols);
    const labels = decode(indices, this.classList!);
    return (one ? labels[0] : labels) as Y;
  }

  /**
   * Class probabilities: softmax of the scores (loss 'softmax'); the products along the tree's paths
   * ('hierarchical-softmax'); for 'logistic', σ of each score, normalised over the classes for a one-vs-rest model
   * (as sklearn) and left as is for a multi-label one.
   */
  predictProba(X: RowsInput): Matrix;
  predictProba(row: Row): Float32Array;
  predictProba(X: RowsInput | Row): Matrix | Float32Array {
    const one = singleRow("X", X);
    const P = this.probabilities(one ?? X as RowsInput);
    return one ? P.data : P;
  }

  private probabilities(X: RowsInput): Matrix {
    const loss = this.options.loss;
    if (loss === "hierarchical-softmax") return this.treeProbabilities(X, false);
    if (loss !== "softmax" && loss !== "logistic") {
      this.fitted();
      throw new Error(`predictProba needs loss 'hierarchical-softmax', 'softmax' or 'logistic'; '${loss}' gives no `
        + "probabilities (use decisionFunction)");
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
  score(X: RowsInput, y: TargetsOf<Y>): number {
    return this.scoreModel(X, y);
  }

  /** As LinearModel's, with the class tree (`tree`: its children) for loss 'hierarchical-softmax'. */
  override toJSON(): LinearModelJSON {
    const json = { ...super.toJSON(), classes: this.classList!.slice() as number[] | string[] };
    return this.hsmTree ? { ...json, tree: Array.from(this.hsmTree.children) } : json;
  }

  /**
   * A model saved with toJSON. Refuses (RangeError/TypeError) anything malformed: another format, a newer
   * version, wrong lengths, non-finite weights, a class tree that is not one. Predictions need a ready backend:
   * by default the reference backend (synchronous); pass `{ backend: await init() }`, or 'wasm' and then
   * `await model.ready()`.
   */
  static fromJSON<Y extends Predicted = Int32Array>(json: unknown,
                                                              options: { backend?: BackendOption } = {}): LinearClassifier<Y> {
    const parsed = parseModelJSON(json, "LinearClassifier", TARGET_KINDS);
    const backend = object("options", options).backend as BackendOption | undefined;
    const model = fromJSONOptions(() => new LinearClassifier<Y>({ ...parsed.options, backend: backend ?? "reference" }));
    const loss = model.options.loss;
    if (parsed.targets === "multilabel" && LABEL_ONLY.includes(loss)) {
      throw new RangeError(`json.targets is 'multilabel' but json.options.loss '${loss}' takes labels`);
    }
    const c = parsed.outputs + (loss === "hierarchical-softmax" ? 1 : 0);
    if (loss === "hierarchical-softmax") model.hsmTree = treeArg(parsed.tree, c);
    else if (parsed.tree !== undefined) throw new RangeError(`json.tree belongs to loss 'hierarchical-softmax', not '${loss}'`);
    model.classList = parsed.classes === undefined ? range(c) : classesArg("json.classes", parsed.classes);
    if (model.classList.length !== c) throw new RangeError(`json.classes has ${model.classList.length} labels but the model has ${c} classes`);
    if (parsed.targets === "multilabel" && !isRange(model.classList)) throw new RangeError("json.classes of a multi-label model must be 0..C−1");
    return model.loadJSON(parsed);
  }

  /**
   * A fitted model from outside weights: scikit-learn's `coef_` (C×D) and `intercept_` with layout 'sklearn', or
   * cs231n's W (D×C) and b with layout 'cs231n'. `classes` (default 0..C−1) are the labels of the columns, sorted
   * as sklearn's `classes_`. A binary sklearn model (coef 1×D, score s = x·w + b for classes[1]) becomes two
   * columns: (0, s) for loss 'softmax', whose probabilities are then LogisticRegression's [1 − σ(s), σ(s)];
   * (−s, s) for every other loss (same argmax; logistic's σ(−s), σ(s) again sum to 1). Backend as fromJSON.
   */
  static fromWeights<Y extends Predicted = Int32Array>(weights: WeightsInput<ClassificationLoss> & { classes?: Classes | Label[] },
                                                       options: { backend?: BackendOption } = {}): LinearClassifier<Y> {
    const json = weightsJSON("LinearClassifier", weights, weights?.loss === "softmax" ? (s) => [0, s] : (s) => [-s, s],
      () => "labels");
    const classes = weights.classes;
    return LinearClassifier.fromJSON<Y>(classes === undefined ? json : { ...json, classes: Array.from(classes) }, options);
  }

  protected override saveExtra(): unknown {
    return { tree: this.hsmTree, classes: this.classList };
  }

  protected override restoreExtra(saved: unknown): void {
    ({ tree: this.hsmTree, classes: this.classList } = saved as { tree: HsmTree | null; classes: Classes | null });
  }

  protected override rowsArg(name: string, X: unknown): Rows {
    const rows = super.rowsArg(name, X);
    if (this.options.loss === "hierarchical-softmax") denseRows(name, rows);
    return rows;
  }

  protected engineLoss(X: Rows, targets: EngineTargets, c: number, fresh: boolean): EngineLoss {
    const loss = this.options.loss;
    if (loss !== "hierarchical-softmax") return { loss };
    if (fresh || this.hsmTree === null) this.hsmTree = this.buildTree(denseRows("X", X), targets as Int32Array, c); // labels only
    return { loss, tree: this.hsmTree };
  }

  private buildTree(X: Matrix, y: Int32Array, c: number): HsmTree {
    switch (this.treeShape) {
      case "huffman": return huffmanTree(classCounts(y, c));
      case "balanced": return balancedTree(c);
      case "centroid": return centroidTree(classMeans(X, y, c));
    }
  }

  /** P(class | x), or log P, of hierarchical softmax, on the backend's kernels (W transposed to node-major V). */
  private treeProbabilities(X: RowsInput, log: boolean): Matrix {
    const { W, b, rows } = this.predictable(X);
    return sparseOpsOf(this.backend).hsmProbabilities(denseRows("X", rows), transpose(W), b, this.hsmTree!, log);
  }

  protected prepare(y: unknown, name: string, n: number, known: unknown) {
    const loss = this.options.loss, classes = known as Classes | null;
    if (y instanceof Int32Array || Array.isArray(y)) {
      const values = labelValues(name, y, n), list = classes ?? classesOf(name, values);
      return { prepared: labelTargets(encode(name, values, list), list, loss), outputs: list.length, kind: "labels" };
    }
    if (typeof y === "object" && y !== null && !ArrayBuffer.isView(y)) {
      if (LABEL_ONLY.includes(loss)) {
        throw new TypeError(`${name}: loss '${loss}' takes labels; a 0/1 target Matrix (multi-label) needs `
          + "loss 'logistic' or 'attribute-hinge'");
      }
      const T = v.matrixArg(name, y);
      if (T.rows !== n) throw new RangeError(`${name} has ${T.rows} rows but X has ${n}`);
      if (classes !== null && T.cols !== classes.length) throw new RangeError(`${name} has ${T.cols} columns but the model has ${classes.length} labels`);
      T.data.forEach((t, e) => {
        if (t !== 0 && t !== 1) throw new RangeError(`${name}.data[${e}] = ${t}: multi-label targets must be 0 or 1`);
      });
      const targets = loss === "logistic" ? T : { rows: T.rows, cols: T.cols, data: T.data.map((t) => 2 * t - 1) };
      const prepared: Prepared = { targets, known: range(T.cols), meter: () => subsetAccuracy(T), hitRule: "multilabel" };
      return { prepared, outputs: T.cols, kind: "multilabel" };
    }
    throw new TypeError(`${name} must be labels (an Int32Array, an array of integers or an array of strings) or a 0/1 `
      + `target Matrix, got ${v.describe(y)}`);
  }

  protected override classWeightFor(prepared: Prepared, c: number, fit: boolean): Float32Array | null {
    const cw = this.classWeight, y = prepared.targets;
    if (cw === null) return null;
    if (!(y instanceof Int32Array)) throw new RangeError("classWeight applies to labels, not to a target Matrix");
    if (cw instanceof Map) {
      const classes = prepared.known as Classes, weights = new Float32Array(c).fill(1);
      for (const [label, weight] of cw) {
        const j = (classes as Label[]).findIndex((known) => String(known) === String(label));
        if (j < 0) throw new RangeError(`classWeight names ${JSON.stringify(label)}, which is not one of the classes (${describeClasses(classes)})`);
        weights[j] = weight;
      }
      return v.classWeights("classWeight", weights);
    }
    if (cw !== "balanced") {
      if (cw.length !== c) throw new RangeError(`classWeight has ${cw.length} values but there are ${c} classes`);
      return cw;
    }
    if (!fit) throw new RangeError("classWeight 'balanced' needs the whole training set: use fit, or give the weights per class");
    const counts = new Float64Array(c);
    y.forEach((label) => counts[label]!++);
    return Float32Array.from(counts, (count) => (count > 0 ? y.length / (c * count) : 1));
  }
}

/** Hierarchical softmax trains with the update rules on every weight the batch's paths reach: no more. */
function refuseForHsm(o: Resolved<ClassificationLoss>): void {
  const why = "is not available with loss 'hierarchical-softmax'";
  if (o.rule === "random-search") throw new RangeError(`optimizer.rule 'random-search' ${why}; use an update rule`);
  if (o.maxNorm !== null) throw new RangeError(`maxNorm ${why}`);
  if (o.inputDropout > 0) throw new RangeError(`inputDropout ${why}`);
}

/** Dense rows: hierarchical softmax has no CSR kernels. */
function denseRows(name: string, X: Rows): Matrix {
  if (isCsr(X)) throw new TypeError(`${name}: loss 'hierarchical-softmax' takes dense rows (a Matrix), not a CsrMatrix`);
  return X;
}

/** A saved class tree: checked by treeFromChildren, its errors named after json.tree. */
function treeArg(value: unknown, classes: number): HsmTree {
  if (!Array.isArray(value)) {
    throw new TypeError(`json.tree must be the class tree's children (${2 * (classes - 1)} numbers) of a 'hierarchical-softmax' `
      + `model, got ${v.describe(value)}`);
  }
  try {
    return treeFromChildren(classes, value);
  } catch (e) {
    if (e instanceof Error) e.message = `json.tree: ${e.message}`;
    throw e;
  }
}

/** The engine's targets for labels: the labels themselves, or their one-hot matrix for the one-vs-rest losses. */
function labelTargets(y: Int32Array, classes: Classes, loss: ClassificationLoss): Prepared {
  const c = classes.length;
  const meter = (): ScoreMeter => {
    let correct = 0;
    return {
      visit: (S, stride, first, count) => {
        for (let i = 0; i < count; i++) if (argmax(S, i * stride, c) === y[first + i]) correct++;
      },
      result: () => correct / y.length,
    };
  };
  if (LABEL_ONLY.includes(loss)) return { targets: y, known: classes, meter, hitRule: "labels" };
  const off = loss === "attribute-hinge" ? -1 : 0, T = new Float32Array(y.length * c).fill(off);
  y.forEach((label, i) => (T[i * c + label] = 1));
  return { targets: { rows: y.length, cols: c, data: T }, known: classes, meter, hitRule: "one-hot" };
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

export { argmax };

/** classWeight: 'balanced', one weight per class (in the order of the sorted classes), or weights keyed by label. */
function classWeightArg(cw: unknown): "balanced" | Float32Array | Map<Label, number> {
  if (cw === "balanced") return "balanced";
  if (cw instanceof Map || (typeof cw === "object" && cw !== null && typeof (cw as ArrayLike<number>).length !== "number")) {
    const entries = cw instanceof Map ? [...cw.entries()] : Object.entries(cw);
    const weights = v.classWeights("classWeight", entries.map(([, w]) => w as number));
    return new Map(entries.map(([label], j) => [label as Label, weights[j]!]));
  }
  if (typeof cw !== "object" || cw === null) {
    throw new TypeError(`classWeight must be 'balanced', an array of numbers or an object of weights by label, got ${v.describe(cw)}`);
  }
  return v.classWeights("classWeight", cw as ArrayLike<number>);
}

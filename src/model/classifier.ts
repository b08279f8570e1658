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
 * Loss 'hierarchical-softmax' (many classes): the classes are the leaves of a binary tree (option `tree`), W holds
 * one column per inner node (C − 1), a step costs O(depth·D) per row instead of O(C·D), and the scores are
 * log P(class | x) (src/hsoftmax/). It takes dense rows and labels, and trains with the update rules without
 * max-norm or input dropout.
 *
 * Defaults: loss 'softmax'; optimizer adam with learning rate 1e-3 (β₁ 0.9, β₂ 0.999, ε 1e-8); batchSize 200;
 * epochs 10; init 'gaussian' (std 0.01), biases 0; no penalty, max-norm or dropout; seed 0; backend 'wasm'.
 */
import type { Matrix } from "../types.js";
import { isCsr, type Rows } from "../sparse/csr.js";
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
import { argmax } from "../reference/metrics.js";

export type ClassificationLoss = "hinge" | "squared-hinge" | "softmax" | "logistic" | "attribute-hinge"
  | "hierarchical-softmax";
export const CLASSIFICATION_LOSSES: readonly ClassificationLoss[] = ["hinge", "squared-hinge", "softmax", "logistic",
  "attribute-hinge", "hierarchical-softmax"];

/** The losses that take one label per row (and classWeight); the others also take 0/1 multi-label targets. */
const LABEL_ONLY: readonly ClassificationLoss[] = ["hinge", "squared-hinge", "softmax", "hierarchical-softmax"];

/** The class tree of hierarchical softmax (src/hsoftmax/tree.ts). */
export type TreeShape = "huffman" | "balanced" | "centroid";
export const TREE_SHAPES: readonly TreeShape[] = ["huffman", "balanced", "centroid"];

export interface LinearClassifierOptions extends LinearModelOptions<ClassificationLoss> {
  /**
   * Weight of each class's examples in the loss (hinge, squared-hinge, softmax with labels): one non-negative
   * number per class, or 'balanced' = n_samples / (n_classes · count_c) from the training labels, as sklearn
   * (a class with no example gets 1). Default: all 1.
   */
  classWeight?: "balanced" | ArrayLike<number>;
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
  /** As in partialFit: needed on the first call unless the first chunk holds the highest label. */
  classes?: number | ArrayLike<number>;
  /** Called after every epoch with its progressive loss and accuracy. */
  onEpoch?: FitOptions<unknown, "Accuracy">["onEpoch"];
}

export interface PartialFitOptions extends RunControl {
  /** On the first call: the number of classes, or all the class labels (0..C−1). Default: max label + 1. */
  classes?: number | ArrayLike<number>;
}

const TARGET_KINDS = ["labels", "multilabel"] as const;

export class LinearClassifier<Y extends Int32Array | Matrix = Int32Array> extends LinearModel<ClassificationLoss, "Accuracy", Y> {
  protected readonly modelName = "LinearClassifier";
  protected readonly metric = "Accuracy";
  private readonly classWeight: "balanced" | Float32Array | null;
  private readonly treeShape: TreeShape;
  /** The class tree the weights belong to (loss 'hierarchical-softmax' once started or loaded), else null. */
  private hsmTree: HsmTree | null = null;

  constructor(given: LinearClassifierOptions = {}) {
    super(given, CLASSIFICATION_LOSSES, "softmax", ["classWeight", "tree"]);
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
      if (cw === "balanced") this.classWeight = "balanced";
      else {
        if (typeof cw !== "object" || cw === null || typeof cw.length !== "number") {
          throw new TypeError(`classWeight must be 'balanced' or an array of numbers, got ${v.describe(cw)}`);
        }
        this.classWeight = v.classWeights("classWeight", cw);
      }
    }
  }

  /** Number of classes (labels) the model predicts, or null before fitting. */
  get classes(): number | null {
    return this.fittedOutputs;
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
   * accuracy). Classes are 0..max label (at least 2). Throws DivergenceError if the loss becomes NaN/∞.
   */
  fit(X: Rows, y: Y, options: FitOptions<Y, "Accuracy"> = {}): Promise<History<"Accuracy">> {
    return this.fitModel(X, y, options as FitOptions<unknown, "Accuracy">);
  }

  /** One epoch over this piece of the data, continuing the weights and the optimizer state. */
  async partialFit(X: Rows, y: Y, options: PartialFitOptions = {}): Promise<History<"Accuracy">> {
    const { classes, ...control } = object("options", options) as PartialFitOptions;
    return this.partialFitModel(X, y, classCount(classes, this.classes), control);
  }

  /**
   * Trains on a stream of { X, y } chunks (dense or CSR; src/stream/ reads them from CSV or binary files) with
   * memory bounded by one chunk, continuing the weights and optimizer state like partialFit. An epoch's loss and
   * trainAccuracy are progressive: each chunk is scored before the model trains on it. For epochs > 1, `source`
   * must be a function returning a fresh iterable per epoch.
   */
  fitStream(source: ChunkSource<Y>, options: FitStreamOptions = {}): Promise<History<"Accuracy">> {
    const opts = object("options", options);
    return this.fitStreamModel(source, opts, classCount(opts.classes as FitStreamOptions["classes"], this.classes));
  }

  /**
   * Scores S = X·W + b (N × C); for loss 'hierarchical-softmax', log P(class | x) from the tree (N × C), computed
   * by the backend's kernels.
   */
  override decisionFunction(X: Rows): Matrix {
    return this.options.loss === "hierarchical-softmax" ? this.treeProbabilities(X, true) : super.decisionFunction(X);
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
   * Class probabilities: softmax of the scores (loss 'softmax'); the products along the tree's paths
   * ('hierarchical-softmax'); for 'logistic', σ of each score, normalised over the classes for a one-vs-rest model
   * (as sklearn) and left as is for a multi-label one.
   */
  predictProba(X: Rows): Matrix {
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
  score(X: Rows, y: Y): number {
    return this.scoreModel(X, y);
  }

  /** As LinearModel's, with the class tree (`tree`: its children) for loss 'hierarchical-softmax'. */
  override toJSON(): LinearModelJSON {
    const json = super.toJSON();
    return this.hsmTree ? { ...json, tree: Array.from(this.hsmTree.children) } : json;
  }

  /**
   * A model saved with toJSON. Refuses (RangeError/TypeError) anything malformed: another format, a newer
   * version, wrong lengths, non-finite weights, a class tree that is not one. Predictions need a ready backend:
   * by default the reference backend (synchronous); pass `{ backend: await init() }`, or 'wasm' and then
   * `await model.ready()`.
   */
  static fromJSON<Y extends Int32Array | Matrix = Int32Array>(json: unknown,
                                                              options: { backend?: BackendOption } = {}): LinearClassifier<Y> {
    const parsed = parseModelJSON(json, "LinearClassifier", TARGET_KINDS);
    const backend = object("options", options).backend as BackendOption | undefined;
    const model = fromJSONOptions(() => new LinearClassifier<Y>({ ...parsed.options, backend: backend ?? "reference" }));
    const loss = model.options.loss;
    if (parsed.targets === "multilabel" && LABEL_ONLY.includes(loss)) {
      throw new RangeError(`json.targets is 'multilabel' but json.options.loss '${loss}' takes labels`);
    }
    if (loss === "hierarchical-softmax") model.hsmTree = treeArg(parsed.tree, parsed.outputs + 1);
    else if (parsed.tree !== undefined) throw new RangeError(`json.tree belongs to loss 'hierarchical-softmax', not '${loss}'`);
    return model.loadJSON(parsed);
  }

  protected override saveExtra(): unknown {
    return this.hsmTree;
  }

  protected override restoreExtra(saved: unknown): void {
    this.hsmTree = saved as HsmTree | null;
  }

  protected override rowsArg(name: string, X: unknown): Rows {
    const rows = super.rowsArg(name, X);
    if (this.options.loss === "hierarchical-softmax") denseRows(name, rows);
    return rows;
  }

  protected engineLoss(X: Rows, y: unknown, c: number, fresh: boolean): EngineLoss {
    const loss = this.options.loss;
    if (loss !== "hierarchical-softmax") return { loss };
    if (fresh || this.hsmTree === null) this.hsmTree = this.buildTree(denseRows("X", X), y as Int32Array, c); // prepare took labels only
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
  private treeProbabilities(X: Rows, log: boolean): Matrix {
    const { W, b, rows } = this.predictable(X);
    return sparseOpsOf(this.backend).hsmProbabilities(denseRows("X", rows), transpose(W), b, this.hsmTree!, log);
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
      if (LABEL_ONLY.includes(loss)) {
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
      const prepared: Prepared = { targets, meter: () => subsetAccuracy(T), hitRule: "multilabel" };
      return { prepared, outputs: T.cols, kind: "multilabel" };
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
function labelTargets(y: Int32Array, c: number, loss: ClassificationLoss): Prepared {
  const meter = (): ScoreMeter => {
    let correct = 0;
    return {
      visit: (S, stride, first, count) => {
        for (let i = 0; i < count; i++) if (argmax(S, i * stride, c) === y[first + i]) correct++;
      },
      result: () => correct / y.length,
    };
  };
  if (LABEL_ONLY.includes(loss)) return { targets: y, meter, hitRule: "labels" };
  const off = loss === "attribute-hinge" ? -1 : 0, T = new Float32Array(y.length * c).fill(off);
  y.forEach((label, i) => (T[i * c + label] = 1));
  return { targets: { rows: y.length, cols: c, data: T }, meter, hitRule: "one-hot" };
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

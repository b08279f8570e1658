/**
 * LinearRegressor: S = X·W + b trained on the l2 (squared error) or l1 (absolute error) regression loss.
 * Targets: a Float32Array (one output; predict returns a Float32Array) or an N×K Matrix (K outputs).
 * `score` is R² (the mean over the outputs, as sklearn's default).
 *
 * Defaults: loss 'l2'; the rest as LinearClassifier (adam 1e-3, batchSize 200, epochs 10, init 'gaussian', seed 0,
 * backend 'wasm').
 */
import type { Matrix } from "../types.js";
import { singleRow, type Row, type RowsInput } from "../sparse/csr.js";
import type { RunControl } from "./control.js";
import { object, type BackendOption, type LinearModelOptions } from "./options.js";
import {
  LinearModel, parseModelJSON, fromJSONOptions, type EngineLoss, type FitOptions, type History, type ScoreMeter,
} from "./linear-model.js";
import * as v from "../validate.js";
import { weightsJSON, type WeightsInput } from "./weights.js";

/** The loss of a regressor whose options name none. */
export const DEFAULT_REGRESSION_LOSS = "l2";

export type RegressionLoss = "l2" | "l1";
export const REGRESSION_LOSSES: readonly RegressionLoss[] = ["l2", "l1"];

export type LinearRegressorOptions = LinearModelOptions<RegressionLoss>;

const TARGET_KINDS = ["vector", "matrix"] as const;

export class LinearRegressor<Y extends Float32Array | Matrix = Float32Array> extends LinearModel<RegressionLoss, "R2", Y> {
  protected readonly modelName = "LinearRegressor";
  protected readonly metric = "R2";

  constructor(options: LinearRegressorOptions = {}) {
    super(options, REGRESSION_LOSSES, DEFAULT_REGRESSION_LOSS, []);
  }

  /** Number of outputs, or null before fitting. */
  get outputs(): number | null {
    return this.params?.W.cols ?? null;
  }

  /** Trains from scratch; resolves to the per-epoch history (loss, train and validation R²). */
  fit(X: RowsInput, y: Y, options: FitOptions<Y, "R2"> = {}): Promise<History<"R2">> {
    return this.fitModel(X, y, options as FitOptions<unknown, "R2">);
  }

  /** One epoch over this piece of the data, continuing the weights and the optimizer state. */
  async partialFit(X: RowsInput, y: Y, options: RunControl = {}): Promise<History<"R2">> {
    return this.partialFitModel(X, y, null, options);
  }

  /** The predictions (N values, or an N×outputs Matrix); a single row gives its value (or its outputs). */
  predict(X: RowsInput): Y;
  predict(row: Row): Y extends Matrix ? Float32Array : number;
  predict(X: RowsInput | Row): Y | number | Float32Array {
    const one = singleRow("X", X), S = this.decisionFunction(one ?? X as RowsInput);
    if (one) return this.targetKind === "vector" ? S.data[0]! : S.data;
    return (this.targetKind === "vector" ? S.data : S) as Y;
  }

  /** R², averaged over the outputs. */
  score(X: RowsInput, y: Y): number {
    return this.scoreModel(X, y);
  }

  /** As LinearClassifier.fromJSON. */
  static fromJSON<Y extends Float32Array | Matrix = Float32Array>(json: unknown,
                                                                  options: { backend?: BackendOption } = {}): LinearRegressor<Y> {
    const parsed = parseModelJSON(json, "LinearRegressor", TARGET_KINDS);
    const backend = object("options", options).backend as BackendOption | undefined;
    const model = fromJSONOptions(() => new LinearRegressor<Y>({ ...parsed.options, backend: backend ?? "reference" }));
    return model.loadJSON(parsed);
  }

  /**
   * A fitted model from outside weights: scikit-learn's `coef_` (outputs × D, or a flat D-vector for one output)
   * and `intercept_` with layout 'sklearn', or W (D×outputs) and b with layout 'cs231n'. Backend as fromJSON.
   */
  static fromWeights<Y extends Float32Array | Matrix = Float32Array>(weights: WeightsInput<RegressionLoss>,
                                                                     options: { backend?: BackendOption } = {}): LinearRegressor<Y> {
    return LinearRegressor.fromJSON<Y>(weightsJSON("LinearRegressor", weights, null, (n) => (n === 1 ? "vector" : "matrix")), options);
  }

  protected engineLoss(): EngineLoss {
    return { loss: this.options.loss };
  }

  protected get known(): number | null {
    return this.fittedOutputs;
  }

  protected prepare(y: unknown, name: string, n: number, known: unknown) {
    const outputs = known as number | null;
    let T: Matrix, kind: string;
    if (y instanceof Float32Array) {
      if (y.length !== n) throw new RangeError(`${name} has length ${y.length} but there are ${n} rows`);
      T = { rows: n, cols: 1, data: y };
      kind = "vector";
    } else if (typeof y === "object" && y !== null && !ArrayBuffer.isView(y)) {
      T = v.matrixArg(name, y, false);
      if (T.rows !== n) throw new RangeError(`${name} has ${T.rows} rows but X has ${n}`);
      kind = "matrix";
    } else {
      throw new TypeError(`${name} must be a Float32Array or a target Matrix, got ${v.describe(y)}`);
    }
    v.allFinite(name, T.data);
    if (outputs !== null && T.cols !== outputs) throw new RangeError(`${name} has ${T.cols} outputs but the model has ${outputs}`);
    return { prepared: { targets: T, known: T.cols, meter: () => rSquared(T) }, outputs: T.cols, kind };
  }
}

/** 1 − SS_res/SS_tot per output, averaged; a constant output scores 1 if predicted exactly, else 0 (sklearn). */
function rSquared(T: Matrix): ScoreMeter {
  const { rows: n, cols: c } = T;
  const mean = new Float64Array(c), total = new Float64Array(c), residual = new Float64Array(c);
  for (let e = 0; e < n * c; e++) mean[e % c] = mean[e % c]! + T.data[e]! / n;
  for (let e = 0; e < n * c; e++) total[e % c] = total[e % c]! + (T.data[e]! - mean[e % c]!) ** 2;
  return {
    visit: (S, stride, first, count) => {
      for (let i = 0; i < count; i++) {
        for (let j = 0; j < c; j++) residual[j] = residual[j]! + (S[i * stride + j]! - T.data[(first + i) * c + j]!) ** 2;
      }
    },
    result: () => {
      let sum = 0;
      for (let j = 0; j < c; j++) sum += total[j]! > 0 ? 1 - residual[j]! / total[j]! : residual[j] === 0 ? 1 : 0;
      return sum / c;
    },
  };
}

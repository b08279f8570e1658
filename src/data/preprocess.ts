/**
 * Preprocessing of SPEC.md "Initialisation and preprocessing": fitted on training data only, then applied
 * unchanged to validation and test data through `transform`. Statistics are float64; `toJSON`/`fromJSON` round-trip
 * them exactly, so that a saved model can carry its preprocessing. Inputs are never mutated.
 */
import type { Matrix } from "../types.js";
import * as v from "../validate.js";

export type PreprocessorJSON = StandardizeJSON | MinMaxJSON | OneHotJSON;

export interface StandardizeJSON {
  kind: "standardize";
  mean: number[];
  /** Population std (divisor N) per feature; 0 for a constant feature. */
  std: number[];
}

export interface MinMaxJSON {
  kind: "minmax";
  min: number[];
  max: number[];
}

export interface OneHotJSON {
  kind: "one-hot";
  /** Input width the encoder was fitted on. */
  features: number;
  columns: number[];
  /** Sorted categories of each encoded column, in the order of `columns`. */
  categories: number[][];
  unknown: "error" | "zeros";
}

/** What every preprocessor offers. `fit` returns the preprocessor itself, fitted. */
export interface Preprocessor {
  readonly fitted: boolean;
  fit(X: Matrix): this;
  transform(X: Matrix): Matrix;
  fitTransform(X: Matrix): Matrix;
  toJSON(): PreprocessorJSON;
}

abstract class Base implements Preprocessor {
  /** Input width, once fitted. */
  protected features = 0;

  get fitted(): boolean {
    return this.features > 0;
  }

  fit(X: Matrix): this {
    v.matrixArg("X", X);
    this.learn(X);
    this.features = X.cols;
    return this;
  }

  transform(X: Matrix): Matrix {
    this.mustBeFitted("transform");
    v.matrixArg("X", X);
    if (X.cols !== this.features) throw new RangeError(`X has ${X.cols} columns but the preprocessor was fitted on ${this.features}`);
    return this.apply(X);
  }

  fitTransform(X: Matrix): Matrix {
    return this.fit(X).transform(X);
  }

  toJSON(): PreprocessorJSON {
    this.mustBeFitted("toJSON");
    return this.json();
  }

  protected abstract learn(X: Matrix): void;
  protected abstract apply(X: Matrix): Matrix;
  protected abstract json(): PreprocessorJSON;

  private mustBeFitted(method: string): void {
    if (!this.fitted) throw new Error(`${this.constructor.name}: call fit() on training data before ${method}()`);
  }
}

/** Per feature x ↦ (x − shift) / scale; a zero spread (constant feature) takes scale 1, so it maps to 0, never NaN. */
abstract class AffineScaler extends Base {
  protected shift: Float64Array = new Float64Array(0);
  protected spread: Float64Array = new Float64Array(0);

  protected apply(X: Matrix): Matrix {
    const { rows, cols } = X, out = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) out[i * cols + j] = (X.data[i * cols + j]! - this.shift[j]!) / (this.spread[j]! || 1);
    }
    return { rows, cols, data: out };
  }
}

export class Standardizer extends AffineScaler {
  /** Per-feature mean and population std, two-pass in float64. */
  protected learn(X: Matrix): void {
    const { rows, cols, data } = X;
    const mean = new Float64Array(cols), sq = new Float64Array(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j]! += data[i * cols + j]!;
    for (let j = 0; j < cols; j++) mean[j]! /= rows;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) sq[j]! += (data[i * cols + j]! - mean[j]!) ** 2;
    }
    this.shift = mean;
    this.spread = sq.map((s) => Math.sqrt(s / rows));
  }

  protected json(): StandardizeJSON {
    return { kind: "standardize", mean: Array.from(this.shift), std: Array.from(this.spread) };
  }

  static fromJSON(json: unknown): Standardizer {
    const [mean, std] = featureStats(kindOf(json, "standardize"), "mean", "std");
    std.forEach((s, k) => v.nonNegative(`std[${k}]`, s));
    const scaler = new Standardizer();
    scaler.shift = mean;
    scaler.spread = std;
    scaler.features = mean.length;
    return scaler;
  }
}

export class MinMaxScaler extends AffineScaler {
  /** Kept as fitted, so that toJSON() returns max exactly rather than min + (max − min) rounded. */
  private max: Float64Array = new Float64Array(0);

  protected learn(X: Matrix): void {
    const { rows, cols, data } = X;
    const min = new Float64Array(cols).fill(Infinity), max = new Float64Array(cols).fill(-Infinity);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const x = data[i * cols + j]!;
        if (x < min[j]!) min[j] = x;
        if (x > max[j]!) max[j] = x;
      }
    }
    this.setRange(min, max);
  }

  protected json(): MinMaxJSON {
    return { kind: "minmax", min: Array.from(this.shift), max: Array.from(this.max) };
  }

  static fromJSON(json: unknown): MinMaxScaler {
    const [min, max] = featureStats(kindOf(json, "minmax"), "min", "max");
    max.forEach((hi, k) => { if (hi < min[k]!) throw new RangeError(`max[${k}] = ${hi} is below min[${k}] = ${min[k]}`); });
    const scaler = new MinMaxScaler();
    scaler.setRange(min, max);
    scaler.features = min.length;
    return scaler;
  }

  private setRange(min: Float64Array, max: Float64Array): void {
    this.shift = min;
    this.max = max;
    this.spread = max.map((hi, j) => hi - min[j]!);
  }
}

export interface OneHotOptions {
  /** Indices of the nominal columns; each is replaced in place by one indicator column per category. */
  columns: readonly number[];
  /**
   * A category not seen by fit(): 'error' (default) throws naming the row, column and value; 'zeros' encodes it
   * as an all-zero block.
   */
  unknown?: "error" | "zeros";
}

export class OneHotEncoder extends Base {
  readonly columns: readonly number[];
  readonly unknown: "error" | "zeros";
  private categories: number[][] = [];

  constructor(options: OneHotOptions) {
    super();
    if (typeof options !== "object" || options === null) throw new TypeError(`options must be an object, got ${v.describe(options)}`);
    const columns = numberArray("columns", options.columns);
    columns.forEach((c, k) => v.dimension(`columns[${k}]`, c, 0));
    if (new Set(columns).size !== columns.length) throw new RangeError(`columns has duplicates: ${columns.join(", ")}`);
    this.columns = [...columns].sort((a, b) => a - b);
    this.unknown = v.oneOf("unknown", options.unknown ?? "error", ["error", "zeros"] as const);
  }

  /** Output width: the input width with each encoded column widened to its category count. */
  get outputCols(): number {
    return this.features - this.columns.length + this.categories.reduce((s, c) => s + c.length, 0);
  }

  protected learn(X: Matrix): void {
    for (const c of this.columns) if (c >= X.cols) throw new RangeError(`columns: column ${c} is out of range for X with ${X.cols} columns`);
    this.categories = this.columns.map((c) => {
      const seen = new Set<number>();
      for (let i = 0; i < X.rows; i++) seen.add(X.data[i * X.cols + c]!);
      return [...seen].sort((a, b) => a - b);
    });
  }

  protected apply(X: Matrix): Matrix {
    const lookup = this.categories.map((cats) => new Map(cats.map((value, k) => [value, k])));
    const width = this.outputCols, out = new Float32Array(X.rows * width);
    for (let i = 0; i < X.rows; i++) {
      let o = i * width, e = 0;
      for (let j = 0; j < X.cols; j++) {
        const x = X.data[i * X.cols + j]!;
        if (this.columns[e] !== j) {
          out[o++] = x;
          continue;
        }
        const k = lookup[e]!.get(x);
        if (k !== undefined) out[o + k] = 1;
        else if (this.unknown === "error") {
          throw new RangeError(`X[${i}][${j}] = ${x}: column ${j} had no category ${x} when the encoder was fitted (known: ${this.categories[e]!.join(", ")})`);
        }
        o += this.categories[e++]!.length;
      }
    }
    return { rows: X.rows, cols: width, data: out };
  }

  protected json(): OneHotJSON {
    return { kind: "one-hot", features: this.features, columns: [...this.columns], categories: this.categories.map((c) => [...c]), unknown: this.unknown };
  }

  static fromJSON(json: unknown): OneHotEncoder {
    const j = kindOf(json, "one-hot") as Partial<OneHotJSON>;
    const enc = new OneHotEncoder({ columns: j.columns as number[], unknown: j.unknown });
    const features = v.dimension("features", j.features);
    enc.columns.forEach((c) => { if (c >= features) throw new RangeError(`columns: column ${c} is out of range for ${features} features`); });
    if (!Array.isArray(j.categories) || j.categories.length !== enc.columns.length) {
      throw new TypeError(`categories must be an array of ${enc.columns.length} arrays, got ${v.describe(j.categories)}`);
    }
    enc.categories = j.categories.map((cats, k) => {
      const values = numberArray(`categories[${k}]`, cats);
      if (values.length === 0) throw new RangeError(`categories[${k}] must not be empty`);
      values.forEach((x, i) => { if (i > 0 && !(x > values[i - 1]!)) throw new RangeError(`categories[${k}] must be sorted and distinct`); });
      return [...values];
    });
    enc.features = features;
    return enc;
  }
}

/** Per-feature standardisation to mean 0, std 1. */
export const standardize = (): Standardizer => new Standardizer();
/** Per-feature min-max scaling to [0, 1] on the training data (new data may fall outside; it is not clipped). */
export const minMax = (): MinMaxScaler => new MinMaxScaler();
/** One-hot encoding of the nominal `columns`. */
export const oneHot = (options: OneHotOptions): OneHotEncoder => new OneHotEncoder(options);

/** Rebuilds any preprocessor from its `toJSON()`. */
export function preprocessorFromJSON(json: unknown): Preprocessor {
  const kind = (json as { kind?: unknown } | null)?.kind;
  switch (kind) {
    case "standardize": return Standardizer.fromJSON(json);
    case "minmax": return MinMaxScaler.fromJSON(json);
    case "one-hot": return OneHotEncoder.fromJSON(json);
    default: return v.oneOf("json.kind", kind, ["standardize", "minmax", "one-hot"] as const) as never;
  }
}

function kindOf(json: unknown, kind: PreprocessorJSON["kind"]): object {
  if (typeof json !== "object" || json === null) throw new TypeError(`json must be an object, got ${v.describe(json)}`);
  const got = (json as { kind?: unknown }).kind;
  if (got !== kind) throw new RangeError(`json.kind must be '${kind}', got ${JSON.stringify(got)}`);
  return json;
}

/** Two non-empty per-feature arrays of equal length, e.g. mean and std. */
function featureStats(json: object, a: string, b: string): [Float64Array, Float64Array] {
  const first = numberArray(a, (json as Record<string, unknown>)[a]);
  if (first.length === 0) throw new RangeError(`${a} must not be empty`);
  return [Float64Array.from(first), Float64Array.from(numberArray(b, (json as Record<string, unknown>)[b], first.length))];
}

function numberArray(name: string, value: unknown, length?: number): readonly number[] {
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array of numbers, got ${v.describe(value)}`);
  if (length !== undefined && value.length !== length) throw new RangeError(`${name} has length ${value.length}, expected ${length}`);
  value.forEach((x, i) => v.finiteNumber(`${name}[${i}]`, x));
  return value as number[];
}

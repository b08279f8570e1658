/**
 * The validation layer: every public entry checks its input here before any kernel runs, and throws a
 * TypeError (wrong kind of thing) or RangeError (right kind, wrong value) whose message names the argument.
 */
import type { Matrix } from "./types.js";

export function oneOf<T extends string>(name: string, value: unknown, valid: readonly T[]): T {
  const expected = `expected one of ${valid.map((v) => `'${v}'`).join(", ")}`;
  if (typeof value !== "string") throw new TypeError(`${name} must be a string, got ${describe(value)}; ${expected}`);
  if (!(valid as readonly string[]).includes(value)) {
    throw new RangeError(`${name}: unknown value ${JSON.stringify(value)}; ${expected}`);
  }
  return value as T;
}

export function dimension(name: string, value: unknown, min = 1): number {
  if (typeof value !== "number") throw new TypeError(`${name} must be a number, got ${typeof value}`);
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer ≥ ${min}, got ${value}`);
  }
  return value;
}

export function finiteNumber(name: string, value: unknown): number {
  if (typeof value !== "number") throw new TypeError(`${name} must be a number, got ${typeof value}`);
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be finite, got ${value}`);
  return value;
}

/** A finite number rounded to float32 (how the kernels hold it); one past float32's range is refused. */
export function float32Number(name: string, value: unknown): number {
  const x = Math.fround(finiteNumber(name, value));
  if (!Number.isFinite(x)) throw new RangeError(`${name} is ${value}, beyond float32's range (±3.4e38)`);
  return x;
}

export function nonNegative(name: string, value: unknown): number {
  finiteNumber(name, value);
  if ((value as number) < 0) throw new RangeError(`${name} must be ≥ 0, got ${value}`);
  return value as number;
}

export function positive(name: string, value: unknown): number {
  finiteNumber(name, value);
  if ((value as number) <= 0) throw new RangeError(`${name} must be > 0, got ${value}`);
  return value as number;
}

export function inRange(name: string, value: unknown, lo: number, hi: number, hiOpen = true): number {
  finiteNumber(name, value);
  const v = value as number;
  if (v < lo || (hiOpen ? v >= hi : v > hi)) {
    throw new RangeError(`${name} must be in [${lo}, ${hi}${hiOpen ? ")" : "]"}, got ${v}`);
  }
  return v;
}

/** Throws naming the first NaN or ±Infinity element. */
export function allFinite(name: string, data: ArrayLike<number>): void {
  if (data instanceof Float32Array && finiteFloat32(data)) return;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw new RangeError(`${name}[${i}] is ${data[i]}: values must be finite`);
  }
}

/**
 * Whether every value is finite, fast (a training set is tens of millions of values): x·0 is ±0 for a finite x
 * and NaN for ±∞ and NaN, so four branch-free sums of x·0 stay 0 exactly when all are finite.
 */
function finiteFloat32(data: Float32Array): boolean {
  const n = data.length, m = n & ~3;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 0;
  for (; i < m; i += 4) {
    s0 += data[i]! * 0;
    s1 += data[i + 1]! * 0;
    s2 += data[i + 2]! * 0;
    s3 += data[i + 3]! * 0;
  }
  for (; i < n; i++) s0 += data[i]! * 0;
  return s0 + s1 + s2 + s3 === 0;
}

/** An options object (undefined: none given). */
export function optionsArg<T extends object>(name: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object, got ${describe(value)}`);
  }
  return ownEntries(value) as Partial<T>;
}

/**
 * A copy of an options object's own enumerable fields, each read once: a key inherited through the prototype
 * chain is no option, and a getter cannot answer the checks one thing and the computation another.
 */
export function ownEntries(value: object): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = (value as Record<string, unknown>)[key];
  return copy;
}

export function float32Array(name: string, value: unknown, length?: number): Float32Array {
  if (!(value instanceof Float32Array)) throw new TypeError(`${name} must be a Float32Array, got ${describe(value)}`);
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`${name} has length ${value.length}, expected ${length}`);
  }
  return value;
}

export function matrixArg(name: string, value: unknown, finite = true): Matrix {
  if (typeof value !== "object" || value === null) throw new TypeError(`${name} must be a Matrix {rows, cols, data}, got ${describe(value)}`);
  // Each field is read once, and what was checked is what the caller computes on: a getter or Proxy that
  // answers differently on a second read cannot slip past the checks.
  const m = value as Partial<Matrix>, rows = m.rows, cols = m.cols, data = m.data;
  dimension(`${name}.rows`, rows);
  dimension(`${name}.cols`, cols);
  float32Array(`${name}.data`, data);
  if (data!.length !== rows! * cols!) {
    throw new RangeError(`${name}.data has length ${data!.length} but ${name} is ${rows}×${cols} (${rows! * cols!})`);
  }
  if (finite) allFinite(name, data!);
  return { rows: rows!, cols: cols!, data: data! };
}

/** Labels: an Int32Array of length n with every value in 0..classes−1. */
export function labels(name: string, value: unknown, n: number, classes: number): Int32Array {
  if (!(value instanceof Int32Array)) throw new TypeError(`${name} must be an Int32Array of labels, got ${describe(value)}`);
  if (value.length !== n) throw new RangeError(`${name} has length ${value.length} but there are ${n} rows`);
  for (let i = 0; i < n; i++) {
    const label = value[i]!;
    if (label < 0 || label >= classes) throw new RangeError(`${name}[${i}] = ${label} is out of range 0..${classes - 1}`);
  }
  return value;
}

/** Per-class weights: non-negative, and at least one positive (all zero would make every loss 0). */
export function classWeights(name: string, value: ArrayLike<number>): Float32Array {
  const cw = new Float32Array(value.length);
  for (let j = 0; j < value.length; j++) cw[j] = float32Number(`${name}[${j}]`, nonNegative(`${name}[${j}]`, value[j]));
  if (!cw.some((w) => w > 0)) throw new RangeError(`${name} has no positive weight: every example would count 0 in the loss`);
  return cw;
}

/** One weight ≥ 0 per row (an array or a typed array of `rows` numbers), at least one of them positive. */
export function sampleWeights(name: string, value: unknown, rows: number): Float32Array {
  if (!Array.isArray(value) && !(ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    throw new TypeError(`${name} must be an array of numbers, one per row, got ${describe(value)}`);
  }
  const weights = value as ArrayLike<number>;
  if (weights.length !== rows) throw new RangeError(`${name} has ${weights.length} values but X has ${rows} rows`);
  return classWeights(name, weights);
}

export function sameShape(aName: string, a: Pick<Matrix, "rows" | "cols">, bName: string, b: Pick<Matrix, "rows" | "cols">): void {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new RangeError(`${aName} is ${a.rows}×${a.cols} but ${bName} is ${b.rows}×${b.cols}; they must match`);
  }
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return `an Array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return typeof value === "object" ? `an object (${value.constructor?.name ?? "Object"})` : `${typeof value} ${String(value)}`;
}

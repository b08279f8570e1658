/**
 * A classifier's labels: any int32 integers or any strings. The model's `classes` are the sorted distinct labels
 * (numbers ascending, strings by UTF-16 code units, as numpy and scikit-learn sort them); the engines see each
 * label's index in that list.
 */
import * as v from "../validate.js";

export type Label = number | string;
/** The labels a classifier takes: an Int32Array, integers, or strings. */
export type LabelArray = Int32Array | readonly number[] | readonly string[];
/** The sorted distinct labels of a classifier. */
export type Classes = readonly number[] | readonly string[];

/** The labels of `value` (n of them), read once: numbers that are int32 integers, or strings. */
export function labelValues(name: string, value: unknown, n: number): Int32Array | string[] {
  if (value instanceof Int32Array) {
    if (value.length !== n) throw new RangeError(`${name} has length ${value.length} but there are ${n} rows`);
    return value;
  }
  if (!Array.isArray(value)) {
    throw new TypeError(`${name} must be labels (an Int32Array, an array of integers or an array of strings), got ${v.describe(value)}`);
  }
  const values = value.slice(); // one read of each entry
  if (values.length !== n) throw new RangeError(`${name} has length ${values.length} but there are ${n} rows`);
  if (n === 0) return new Int32Array(0);
  if (typeof values[0] === "string") {
    values.forEach((label, i) => {
      if (typeof label !== "string") throw new TypeError(`${name}[${i}] is ${v.describe(label)} but ${name}[0] is a string: labels are all strings or all integers`);
    });
    return values as string[];
  }
  return Int32Array.from(values, (label: unknown, i) => {
    if (typeof label !== "number") throw new TypeError(`${name}[${i}] is ${v.describe(label)}: labels are all strings or all integers`);
    if (!Number.isInteger(label) || label < -(2 ** 31) || label >= 2 ** 31) {
      throw new RangeError(`${name}[${i}] = ${label}: a numeric label must be an integer in the int32 range`);
    }
    return label;
  });
}

/** The sorted distinct labels; at least two (a classifier needs two classes). */
export function classesOf(name: string, values: Int32Array | readonly string[]): Classes {
  const classes = values instanceof Int32Array ? Array.from(new Set(values)).sort((a, b) => a - b)
    : Array.from(new Set(values)).sort(byCodeUnits);
  if (classes.length < 2) {
    throw new RangeError(`${name} holds ${classes.length === 0 ? "no label" : `one class only (${JSON.stringify(classes[0])})`}: `
      + "a classifier needs at least 2 (partialFit's option `classes` declares the others)");
  }
  return classes;
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Each label's index in `classes`; a label that is not one of them is refused, naming it. */
export function encode(name: string, values: Int32Array | readonly string[], classes: Classes): Int32Array {
  const unknown = (i: number): never => {
    throw new RangeError(`${name}[${i}] = ${JSON.stringify(values[i])} is not one of the model's classes (${describeClasses(classes)})`);
  };
  if (values instanceof Int32Array && isRange(classes)) { // labels 0..C−1 are their own indices
    for (let i = 0; i < values.length; i++) if (values[i]! < 0 || values[i]! >= classes.length) unknown(i);
    return values;
  }
  const index = new Map<Label, number>((classes as Label[]).map((label, j) => [label, j]));
  return Int32Array.from(values as ArrayLike<Label>, (label, i) => index.get(label) ?? unknown(i));
}

/** The labels of class indices. */
export function decode(indices: Int32Array, classes: Classes): Int32Array | string[] {
  if (typeof classes[0] === "string") return Array.from(indices, (j) => classes[j] as string);
  return isRange(classes) ? indices : indices.map((j) => classes[j] as number);
}

/** Whether the classes are 0, 1, …, C−1. */
export const isRange = (classes: Classes): boolean => classes.every((label, j) => label === j);

/** 0, 1, …, c−1. */
export const range = (c: number): number[] => Array.from({ length: c }, (_, j) => j);

export function describeClasses(classes: Classes): string {
  const shown = classes.slice(0, 8).map((label) => JSON.stringify(label)).join(", ");
  return classes.length > 8 ? `${shown}, … ${classes.length} in all` : shown;
}

/**
 * Declared classes (partialFit's and fitStream's option, a model file's field): a count C (labels 0..C−1) or the
 * list of labels, which must be distinct and of one type; returned sorted.
 */
export function classesArg(name: string, value: unknown): Classes {
  if (typeof value === "number") return range(v.dimension(name, value, 2));
  if (typeof value !== "object" || value === null || typeof (value as ArrayLike<unknown>).length !== "number") {
    throw new TypeError(`${name} must be a count or an array of class labels, got ${v.describe(value)}`);
  }
  const list = Array.from(value as ArrayLike<unknown>);
  const values = labelValues(name, list, list.length);
  const classes = classesOf(name, values);
  if (classes.length !== list.length) throw new RangeError(`${name} lists a label twice`);
  return classes;
}

/**
 * Composition of feature blocks and preprocessing, fitted on training data and replayed unchanged on test data:
 *
 *   const features = pipeline(union((im) => hog(im), bagOfWords({ seed: 1 })), standardize());
 *   const Xtrain = features.fitTransform(trainImages), Xtest = features.transform(testImages);
 */
import type { Matrix } from "../types.js";
import * as v from "../validate.js";

/** Anything fitted on training input and then applied, such as `standardize()` or a BagOfWords. */
export interface Transformer<I = Matrix> {
  fit(input: I): unknown;
  transform(input: I): Matrix;
}

/** A step: a Transformer, or a plain function for a transform that learns nothing (hog, polar…). */
export type Step<I = Matrix> = Transformer<I> | ((input: I) => Matrix);

/** Joins blocks of features of the same rows side by side (columns of the first block first). */
export function concat(...blocks: Matrix[]): Matrix {
  if (blocks.length === 0) throw new RangeError("concat needs at least one block");
  blocks.forEach((b, i) => v.matrixArg(`blocks[${i}]`, b));
  const rows = blocks[0]!.rows, cols = blocks.reduce((s, b) => s + b.cols, 0);
  blocks.forEach((b, i) => {
    if (b.rows !== rows) throw new RangeError(`blocks[${i}] has ${b.rows} rows but blocks[0] has ${rows}; they must match`);
  });
  const out = new Float32Array(rows * cols);
  for (let r = 0, at = 0; r < rows; r++) {
    for (const b of blocks) {
      out.set(b.data.subarray(r * b.cols, (r + 1) * b.cols), at);
      at += b.cols;
    }
  }
  return { rows, cols, data: out };
}

/** Steps run in sequence: the first takes the input (images, points…), each next one the previous Matrix. */
export class Pipeline<I = Matrix> implements Transformer<I> {
  private readonly steps: Step<unknown>[];

  constructor(first: Step<I>, ...rest: Step<Matrix>[]) {
    this.steps = checkSteps([first, ...rest] as Step<unknown>[]);
  }

  fit(input: I): this {
    this.fitTransform(input);
    return this;
  }

  /** Fits every step on the output of the previous ones and returns the last output. */
  fitTransform(input: I): Matrix {
    return this.steps.reduce<unknown>((x, step, i) => output(i, fitStep(step, x)), input) as Matrix;
  }

  transform(input: I): Matrix {
    return this.steps.reduce<unknown>((x, step, i) => output(i, applyStep(step, x)), input) as Matrix;
  }
}

/** Steps applied to the same input, their outputs concatenated. */
export class Union<I = Matrix> implements Transformer<I> {
  private readonly steps: Step<I>[];

  constructor(...steps: Step<I>[]) {
    if (steps.length === 0) throw new RangeError("union needs at least one step");
    this.steps = checkSteps(steps);
  }

  fit(input: I): this {
    this.fitTransform(input);
    return this;
  }

  fitTransform(input: I): Matrix {
    return concat(...this.steps.map((step, i) => output(i, fitStep(step, input))));
  }

  transform(input: I): Matrix {
    return concat(...this.steps.map((step, i) => output(i, applyStep(step, input))));
  }
}

export const pipeline = <I = Matrix>(first: Step<I>, ...rest: Step<Matrix>[]): Pipeline<I> => new Pipeline(first, ...rest);
export const union = <I = Matrix>(...steps: Step<I>[]): Union<I> => new Union(...steps);

function checkSteps<I>(steps: Step<I>[]): Step<I>[] {
  steps.forEach((step, i) => {
    const ok = typeof step === "function" || (typeof step === "object" && step !== null
      && typeof step.fit === "function" && typeof step.transform === "function");
    if (!ok) throw new TypeError(`steps[${i}] must be a function or an object with fit() and transform(), got ${v.describe(step)}`);
  });
  return steps;
}

function fitStep<I>(step: Step<I>, input: I): Matrix {
  if (typeof step === "function") return step(input);
  const fitTransform = (step as { fitTransform?: unknown }).fitTransform;
  if (typeof fitTransform === "function") return fitTransform.call(step, input) as Matrix;
  step.fit(input);
  return step.transform(input);
}

function applyStep<I>(step: Step<I>, input: I): Matrix {
  return typeof step === "function" ? step(input) : step.transform(input);
}

function output(i: number, m: Matrix): Matrix {
  return v.matrixArg(`output of steps[${i}]`, m, false);
}

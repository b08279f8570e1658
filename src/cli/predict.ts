/** `simdlinear predict`: the labels a saved model gives the rows of a CSV, one per line. */
import { writeFileSync } from "node:fs";
import { featureMatrix, readCsv } from "./csv.js";
import { isNumpy, numpyFeatures } from "./numpy-data.js";
import { loadModel } from "./model-file.js";
import { extractFeatures } from "./features.js";
import { init, type Matrix } from "../index.js";
import type { ModelInput } from "./model-file.js";

export interface PredictOptions {
  model: string;
  data: string;
  xKey: string;
  out?: string;
}

/**
 * The CSV holds the model's features, with or without the training file's label column (which is then skipped);
 * the preprocessing saved with the model is replayed before predicting.
 */
export async function predict(opts: PredictOptions): Promise<void> {
  const { model, preprocessing, input } = await loadModel(opts.model);
  try {
    const raw = isNumpy(opts.data) ? checkedNumpy(opts, input.features) : csvFeatures(opts.data, input);
    const X = input.transform ? await withBackend((backend) => extractFeatures(backend, raw, input.transform!)) : raw;
    const labels = model.predict(preprocessing?.transform(X) ?? X);
    const text = labels.join("\n") + "\n";
    if (opts.out) writeFileSync(opts.out, text);
    else process.stdout.write(text);
  } finally {
    model.dispose();
  }
}

function checkedNumpy(opts: PredictOptions, features: number): Matrix {
  const X = numpyFeatures(opts.data, opts.xKey);
  if (X.cols !== features) throw new Error(`--data ${opts.data} has ${X.cols} columns but the model takes ${features} features`);
  return X;
}

function csvFeatures(file: string, input: ModelInput): Matrix {
  const table = readCsv(file);
  let skip: number | null = null;
  if (input.labelColumn !== null && table.cols === input.features + 1) skip = input.labelColumn;
  else if (table.cols !== input.features) {
    const withLabel = input.labelColumn === null ? "" : ` (or ${input.features + 1} with the label in column ${input.labelColumn})`;
    throw new Error(`${file} has ${table.cols} columns but the model takes ${input.features} features${withLabel}`);
  }
  return featureMatrix(table, file, skip);
}

async function withBackend<T>(body: (backend: Awaited<ReturnType<typeof init>>) => T): Promise<T> {
  const backend = await init();
  try {
    return body(backend);
  } finally {
    backend.dispose();
  }
}

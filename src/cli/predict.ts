/** `simdlinear predict`: the labels a saved model gives the rows of a CSV, one per line. */
import { writeFileSync } from "node:fs";
import { featureMatrix, readCsv } from "./csv.js";
import { loadModel } from "./model-file.js";
import { extractFeatures } from "./features.js";
import { init } from "../index.js";

export interface PredictOptions {
  model: string;
  data: string;
  out?: string;
}

/**
 * The CSV holds the model's features, with or without the training file's label column (which is then skipped);
 * the preprocessing saved with the model is replayed before predicting.
 */
export async function predict(opts: PredictOptions): Promise<void> {
  const { model, preprocessing, input } = await loadModel(opts.model);
  try {
    const table = readCsv(opts.data);
    let skip: number | null = null;
    if (input.labelColumn !== null && table.cols === input.features + 1) skip = input.labelColumn;
    else if (table.cols !== input.features) {
      const withLabel = input.labelColumn === null ? "" : ` (or ${input.features + 1} with the label in column ${input.labelColumn})`;
      throw new Error(`${opts.data} has ${table.cols} columns but the model takes ${input.features} features${withLabel}`);
    }
    const raw = featureMatrix(table, opts.data, skip);
    const X = input.transform ? await withBackend((backend) => extractFeatures(backend, raw, input.transform!)) : raw;
    const labels = model.predict(preprocessing?.transform(X) ?? X);
    const text = labels.join("\n") + "\n";
    if (opts.out) writeFileSync(opts.out, text);
    else process.stdout.write(text);
  } finally {
    model.dispose();
  }
}

async function withBackend<T>(body: (backend: Awaited<ReturnType<typeof init>>) => T): Promise<T> {
  const backend = await init();
  try {
    return body(backend);
  } finally {
    backend.dispose();
  }
}

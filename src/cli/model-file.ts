/**
 * The file written by `train --save` and read by `predict`: the classifier's own JSON, the preprocessing fitted
 * on the training data (replayed before predicting), and how the training CSV was laid out.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { LinearClassifier, preprocessorFromJSON, type Preprocessor, type PreprocessorJSON } from "../index.js";

const FORMAT = "simdlinear-model";
const VERSION = 1;

export interface ModelInput {
  /** Features the model takes (after removing the label column, before preprocessing). */
  features: number;
  /** The training CSV's label column, or null (built-in MNIST). */
  labelColumn: number | null;
}

export interface ModelFile {
  format: typeof FORMAT;
  version: typeof VERSION;
  input: ModelInput;
  preprocessing: PreprocessorJSON | null;
  model: ReturnType<LinearClassifier["toJSON"]>;
}

export function saveModel(file: string, model: LinearClassifier, preprocessing: Preprocessor | null, input: ModelInput): void {
  const content: ModelFile = { format: FORMAT, version: VERSION, input, preprocessing: preprocessing?.toJSON() ?? null, model: model.toJSON() };
  writeFileSync(file, JSON.stringify(content) + "\n");
}

export async function loadModel(file: string): Promise<{ model: LinearClassifier; preprocessing: Preprocessor | null; input: ModelInput }> {
  let json: Partial<ModelFile>;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file} is not a readable JSON model file: ${(e as Error).message}`);
  }
  if (json?.format !== FORMAT || json.version !== VERSION) {
    throw new Error(`${file} is not a simdlinear model file (format ${JSON.stringify(FORMAT)}, version ${VERSION}); write one with \`simdlinear train --save\``);
  }
  const input = json.input;
  if (typeof input?.features !== "number" || !(input.labelColumn === null || typeof input.labelColumn === "number")) {
    throw new Error(`${file}: "input" must hold "features" and "labelColumn"`);
  }
  return {
    model: await LinearClassifier.fromJSON(json.model, { backend: "wasm" }).ready(),
    preprocessing: json.preprocessing ? preprocessorFromJSON(json.preprocessing) : null,
    input,
  };
}

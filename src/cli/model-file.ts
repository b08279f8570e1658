/**
 * The file written by `train --save` and read by `predict`: the classifier's own JSON, the preprocessing fitted
 * on the training data (replayed before predicting), and how the training CSV was laid out.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { LinearClassifier, preprocessorFromJSON, type Preprocessor, type PreprocessorJSON } from "../index.js";
import { FEATURE_KINDS, type FeatureSpec } from "./features.js";

const FORMAT = "simdlinear-model";
const VERSION = 1;

export interface ModelInput {
  /** Features the model takes (after removing the label column, before preprocessing). */
  features: number;
  /** The training CSV's label column, or null (built-in MNIST). */
  labelColumn: number | null;
  /** Feature transforms applied before the preprocessing (--features), replayed by `predict`. */
  transform: FeatureSpec | null;
  /** The built-in data's image layout (not saved). */
  image?: FeatureSpec["image"];
}

export interface ModelFile {
  format: typeof FORMAT;
  version: typeof VERSION;
  input: ModelInput;
  preprocessing: PreprocessorJSON | null;
  model: ReturnType<LinearClassifier["toJSON"]>;
}

export function saveModel(file: string, model: LinearClassifier, preprocessing: Preprocessor | null, input: ModelInput): void {
  const { image: _layout, ...saved } = input;
  const content: ModelFile = { format: FORMAT, version: VERSION, input: saved, preprocessing: preprocessing?.toJSON() ?? null, model: model.toJSON() };
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
  if (typeof input !== "object" || input === null) throw new Error(`${file}: "input" must be an object`);
  if (!Number.isInteger(input.features) || input.features < 1) {
    throw new Error(`${file}: "input.features" must be an integer ≥ 1, got ${JSON.stringify(input.features)}`);
  }
  const label = input.labelColumn;
  // The training CSV had features + 1 columns, the label in one of them.
  if (label !== null && !(Number.isInteger(label) && label >= 0 && label <= input.features)) {
    throw new Error(`${file}: "input.labelColumn" must be null or a column index 0..${input.features} of the training `
      + `CSV, got ${JSON.stringify(label)}`);
  }
  input.transform ??= null;
  if (input.transform !== null && !validSpec(input.transform)) throw new Error(`${file}: "input.transform" is not a valid feature spec`);
  return {
    model: await LinearClassifier.fromJSON(json.model, { backend: "wasm" }).ready(),
    preprocessing: json.preprocessing ? preprocessorFromJSON(json.preprocessing) : null,
    input,
  };
}

function validSpec(spec: FeatureSpec): boolean {
  const positive = (n: unknown): boolean => Number.isInteger(n) && (n as number) > 0;
  return Array.isArray(spec.kinds) && spec.kinds.every((k) => (FEATURE_KINDS as readonly string[]).includes(k))
    && positive(spec.image?.height) && positive(spec.image?.width) && positive(spec.image?.channels) && positive(spec.cellSize);
}

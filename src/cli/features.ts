/**
 * `--features raw,hog,color`: the feature transforms of issue 8, applied to each row seen as an image. None of
 * them learns anything from data, so `predict` replays them from the spec saved with the model.
 */
import { features, type Backend, type Matrix } from "../index.js";

export const FEATURE_KINDS = ["raw", "hog", "color"] as const;
export type FeatureKind = (typeof FEATURE_KINDS)[number];

export interface FeatureSpec {
  kinds: FeatureKind[];
  /** How a row is laid out as an image: height × width × channels. */
  image: { height: number; width: number; channels: number };
  /** HoG cell side in pixels. */
  cellSize: number;
}

export function parseFeatureKinds(list: string): FeatureKind[] {
  const kinds = list.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const kind of kinds) {
    if (!(FEATURE_KINDS as readonly string[]).includes(kind)) {
      throw new RangeError(`--features: unknown transform '${kind}'; expected a comma-separated list of ${FEATURE_KINDS.join(", ")}`);
    }
  }
  if (kinds.length === 0) throw new RangeError("--features: the list is empty");
  return [...new Set(kinds)] as FeatureKind[];
}

/** "28x28" or "32x32x3". */
export function parseImageShape(text: string): FeatureSpec["image"] {
  const parts = text.split("x").map(Number);
  if ((parts.length !== 2 && parts.length !== 3) || !parts.every((p) => Number.isInteger(p) && p > 0)) {
    throw new RangeError(`--image: expected HEIGHTxWIDTH or HEIGHTxWIDTHxCHANNELS, got '${text}'`);
  }
  const [height, width, channels = 1] = parts as [number, number, number?];
  return { height, width, channels };
}

export function extractFeatures(backend: Backend, X: Matrix, spec: FeatureSpec): Matrix {
  const images = features.asImages(X, spec.image.height, spec.image.width, spec.image.channels);
  const blocks = spec.kinds.map((kind) => {
    if (kind === "raw") return X;
    if (kind === "hog") return features.hog(images, { backend, cellSize: spec.cellSize });
    return features.colorHistogram(images, { backend });
  });
  return blocks.length === 1 ? blocks[0]! : features.concat(...blocks);
}

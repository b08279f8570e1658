// `simdlinear export`: a model file saved by `train --save` as ONNX, its preprocessing included.
import { writeFileSync } from "node:fs";
import { toOnnx } from "../onnx/index.js";
import { loadModel } from "./model-file.js";

export async function exportModel(options: { model: string; onnx: string }): Promise<void> {
  const { model, preprocessing, input } = await loadModel(options.model);
  if (input.transform !== null) {
    throw new Error(`${options.model} was trained on feature transforms (--features), which the ONNX graph does not `
      + "include; export a model trained on the rows themselves");
  }
  const bytes = toOnnx(model, { preprocessing });
  writeFileSync(options.onnx, bytes);
  console.log(`wrote ${options.onnx} (${bytes.length} bytes, ONNX opset 13; input X: N×${input.features} float32)`);
}

/**
 * simdlinear/onnx: a fitted model as an ONNX model (opset 13, IR version 7), encoded with onnx-proto (the ONNX
 * schema on protobufjs). Its own entry so that the core import keeps zero runtime dependencies.
 */
import onnxProto from "onnx-proto";
import type { LinearModelJSON } from "../model/linear-model.js";
import type { PreprocessorJSON } from "../data/preprocess.js";
import { registerOnnxWriter, type OnnxOptions } from "../model/onnx-writer.js";
import { DEFAULT_CLASSIFICATION_LOSS } from "../model/classifier.js";
import { DEFAULT_REGRESSION_LOSS } from "../model/regressor.js";

const { onnx } = onnxProto;
export const ONNX_OPSET = 13;
const IR_VERSION = 7;
const { FLOAT, INT64, STRING, DOUBLE } = onnx.TensorProto.DataType;

export type ToOnnxOptions = OnnxOptions;

type Tensor = InstanceType<typeof onnx.TensorProto>;
const floats = (name: string, dims: number[], values: ArrayLike<number>): Tensor =>
  onnx.TensorProto.create({ name, dims, dataType: FLOAT, rawData: new Uint8Array(Float32Array.from(values).buffer) });
const node = (opType: string, input: string[], output: string[], attribute: object[] = []) =>
  onnx.NodeProto.create({ opType, input, output, name: output[0], attribute: attribute.map((a) => onnx.AttributeProto.create(a)) });
const INT = onnx.AttributeProto.AttributeType.INT;
const valueInfo = (name: string, elemType: number, dims: (number | string)[]) => onnx.ValueInfoProto.create({
  name,
  type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) } } },
});

/** Sub/Div nodes for a standardize or minmax preprocessor, mapping a constant feature to 0 as transform() does. */
function preprocessNodes(json: PreprocessorJSON, features: number, initializer: Tensor[]): ReturnType<typeof node>[] {
  let shift: number[], spread: number[];
  if (json.kind === "standardize") [shift, spread] = [json.mean, json.std];
  else if (json.kind === "minmax") [shift, spread] = [json.min, json.max.map((hi, j) => hi - json.min[j]!)];
  else throw new RangeError(`options.preprocessing: kind '${json.kind}' has no ONNX export (standardize and minmax have)`);
  if (shift.length !== features) throw new RangeError(`options.preprocessing has ${shift.length} features but the model has ${features}`);
  initializer.push(floats("shift", [features], shift), floats("scale", [features], spread.map((s) => s || 1)));
  return [node("Sub", ["X", "shift"], ["centred"]), node("Div", ["centred", "scale"], ["input"])];
}

/** The class labels as a tensor for Gather: int64 for integers, double for other numbers, strings as UTF-8. */
function classTensor(classes: (number | string)[]): { tensor: Tensor; type: number } {
  if (classes.every((c) => typeof c === "string")) {
    const enc = new TextEncoder();
    return { tensor: onnx.TensorProto.create({ name: "classes", dims: [classes.length], dataType: STRING, stringData: classes.map((c) => enc.encode(c)) }), type: STRING };
  }
  const numbers = classes as number[];
  if (numbers.every(Number.isSafeInteger)) {
    return { tensor: onnx.TensorProto.create({ name: "classes", dims: [classes.length], dataType: INT64, int64Data: numbers }), type: INT64 };
  }
  return { tensor: onnx.TensorProto.create({ name: "classes", dims: [classes.length], dataType: DOUBLE, doubleData: numbers }), type: DOUBLE };
}

/**
 * The model as ONNX bytes. Input `X` (float32, N×D, N dynamic). A classifier outputs `label` (N, its classes) and
 * `probabilities` (N×C: loss 'softmax' → Softmax; 'logistic' → Sigmoid per class, normalised per row as
 * predictProba does), or for the margin losses (hinge, squared-hinge) `scores` (N×C, the decision function) and
 * no probabilities. A regressor outputs `variable` (N×outputs). Losses 'hierarchical-softmax', 'attribute-hinge'
 * and multi-label models have no export (RangeError). Feature transforms (HoG, ...) are not part of the graph.
 */
export function toOnnx(model: { toJSON(): LinearModelJSON } | LinearModelJSON, options: ToOnnxOptions = {}): Uint8Array {
  const json = "toJSON" in model && typeof model.toJSON === "function" ? model.toJSON() : model as LinearModelJSON;
  // A model file keeps the options given: no loss there means the model's default.
  const loss = (json.options.loss ?? (json.model === "LinearClassifier" ? DEFAULT_CLASSIFICATION_LOSS : DEFAULT_REGRESSION_LOSS)) as string;
  const { features: D, outputs: C } = json;
  const initializer: Tensor[] = [floats("W", [D, C], json.W), floats("b", [C], json.b)];
  const pre = options.preprocessing;
  const nodes = pre ? preprocessNodes("toJSON" in pre && typeof pre.toJSON === "function" ? pre.toJSON() : pre as PreprocessorJSON, D, initializer) : [];
  const input = pre ? "input" : "X";
  const outputs = [];
  if (json.model === "LinearRegressor") {
    nodes.push(node("MatMul", [input, "W"], ["product"]), node("Add", ["product", "b"], ["variable"]));
    outputs.push(valueInfo("variable", FLOAT, ["N", C]));
  } else if (json.model === "LinearClassifier") {
    if (json.targets !== "labels" || !["softmax", "logistic", "hinge", "squared-hinge"].includes(loss)) {
      throw new RangeError(`toOnnx exports label classifiers with loss 'softmax', 'logistic', 'hinge' or 'squared-hinge', not '${loss}' (${json.targets})`);
    }
    const scores = loss === "hinge" || loss === "squared-hinge" ? "scores" : "logits";
    nodes.push(node("MatMul", [input, "W"], ["product"]), node("Add", ["product", "b"], [scores]));
    if (loss === "softmax") nodes.push(node("Softmax", ["logits"], ["probabilities"], [{ name: "axis", type: INT, i: 1 }]));
    if (loss === "logistic") {
      initializer.push(onnx.TensorProto.create({ name: "axis1", dims: [1], dataType: INT64, int64Data: [1] }));
      nodes.push(node("Sigmoid", ["logits"], ["sigmoid"]), node("ReduceSum", ["sigmoid", "axis1"], ["total"], [{ name: "keepdims", type: INT, i: 1 }]),
        node("Div", ["sigmoid", "total"], ["probabilities"]));
    }
    const { tensor, type } = classTensor(json.classes ?? Array.from({ length: C }, (_, k) => k));
    initializer.push(tensor);
    nodes.push(node("ArgMax", [scores], ["index"], [{ name: "axis", type: INT, i: 1 }, { name: "keepdims", type: INT, i: 0 }]),
      node("Gather", ["classes", "index"], ["label"], [{ name: "axis", type: INT, i: 0 }]));
    outputs.push(valueInfo("label", type, ["N"]), valueInfo(scores === "scores" ? "scores" : "probabilities", FLOAT, ["N", C]));
  } else {
    throw new TypeError(`model must be a LinearClassifier or LinearRegressor (or its toJSON()), got model '${json.model}'`);
  }
  const graph = onnx.GraphProto.create({ name: json.model, node: nodes, initializer, input: [valueInfo("X", FLOAT, ["N", D])], output: outputs });
  const proto = onnx.ModelProto.create({
    irVersion: IR_VERSION, producerName: "simdlinear", graph, opsetImport: [{ domain: "", version: ONNX_OPSET }],
  });
  return onnx.ModelProto.encode(proto).finish();
}

registerOnnxWriter(toOnnx);

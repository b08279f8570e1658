// Outside weights (scikit-learn's coef_/intercept_, or cs231n's W/b) to a model file.
import type { Matrix } from "../types.js";
import { FORMAT, FORMAT_VERSION, type LinearModelJSON } from "./linear-model.js";

export type WeightsLayout = "sklearn" | "cs231n";

export interface WeightsInput<L extends string> {
  /** 'sklearn': C×D (coef_); 'cs231n': D×C (W). A Matrix, rows as arrays, or (sklearn, one output) a flat D-vector. */
  coef: Matrix | ArrayLike<number>[] | ArrayLike<number>;
  /** C values (intercept_ / b), or one number for one output. */
  intercept: ArrayLike<number> | number;
  loss: L;
  /** Required: never guessed from the shape. */
  layout: WeightsLayout;
}

/** The coefficient matrix as rows × cols values, read as given. */
function grid(coef: WeightsInput<string>["coef"]): { rows: number; cols: number; at: (r: number, c: number) => number } {
  if (coef !== null && typeof coef === "object" && "rows" in coef && "cols" in coef && "data" in coef) {
    const m = coef as Matrix;
    return { rows: m.rows, cols: m.cols, at: (r, c) => m.data[r * m.cols + c]! };
  }
  if (Array.isArray(coef) && coef.length > 0 && typeof coef[0] === "object" && coef[0] !== null) {
    const rows = coef as ArrayLike<number>[];
    const cols = rows[0]!.length;
    rows.forEach((row, i) => {
      if (row?.length !== cols) throw new RangeError(`coef row ${i} has length ${row?.length} but row 0 has ${cols}`);
    });
    return { rows: rows.length, cols, at: (r, c) => rows[r]![c]! };
  }
  if (Array.isArray(coef) || ArrayBuffer.isView(coef)) {
    const flat = coef as ArrayLike<number>;
    return { rows: 1, cols: flat.length, at: (_r, c) => flat[c]! };
  }
  throw new TypeError("coef must be a Matrix, an array of rows or a flat array of numbers");
}

/**
 * A model file (LinearModelJSON, W features × outputs) from outside weights. `binary`: the two columns that each
 * value of a single sklearn row (binary classifier) becomes (null: keep one output, a regressor). Every value is checked finite by fromJSON's parser.
 */
export function weightsJSON<L extends string>(model: string, input: WeightsInput<L>,
                                              binary: ((v: number) => [number, number]) | null,
                                              targets: (outputs: number) => string): LinearModelJSON {
  if (input === null || typeof input !== "object") throw new TypeError("weights must be an object { coef, intercept, loss, layout }");
  const { layout, loss } = input;
  if (layout !== "sklearn" && layout !== "cs231n") {
    throw new TypeError(`layout must be 'sklearn' (coef C×D) or 'cs231n' (W D×C), got ${JSON.stringify(layout)}`);
  }
  const g = grid(input.coef);
  const [outputs, features] = layout === "sklearn" ? [g.rows, g.cols] : [g.cols, g.rows];
  const w = (d: number, c: number): number => (layout === "sklearn" ? g.at(c, d) : g.at(d, c));
  const b = typeof input.intercept === "number" ? [input.intercept] : Array.from(input.intercept ?? []);
  if (b.length !== outputs) throw new RangeError(`intercept has ${b.length} values but coef has ${outputs} outputs (layout '${layout}')`);
  if (features < 1 || outputs < 1) throw new RangeError("coef is empty");
  const W: number[] = [];
  let cols = outputs;
  let bias = b;
  if (binary && outputs === 1 && layout === "sklearn") {
    cols = 2;
    bias = binary(b[0]!);
    for (let d = 0; d < features; d++) W.push(...binary(w(d, 0)));
  } else {
    for (let d = 0; d < features; d++) for (let c = 0; c < outputs; c++) W.push(w(d, c));
  }
  return {
    format: FORMAT, version: FORMAT_VERSION, model, targets: targets(cols), features, outputs: cols, W, b: bias, epochs: 0,
    options: { loss },
  };
}

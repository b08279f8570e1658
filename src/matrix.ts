import type { Matrix } from "./types.js";
import { dimension, float32Array } from "./validate.js";

/**
 * A rows×cols row-major float32 matrix. `data` is used as is (not copied) when given, and must hold exactly
 * rows·cols values; otherwise the matrix is zero-filled.
 */
export function matrix(rows: number, cols: number, data?: Float32Array | ArrayLike<number>): Matrix {
  dimension("rows", rows);
  dimension("cols", cols);
  if (rows * cols > 2 ** 30) {
    throw new RangeError(`a ${rows}×${cols} matrix has ${rows * cols} values: more than the 2^30 float32 values (4 GiB) `
      + "a wasm32 memory can hold");
  }
  if (data === undefined) return { rows, cols, data: new Float32Array(rows * cols) };
  const values = data instanceof Float32Array ? data : Array.isArray(data) || ArrayBuffer.isView(data)
    ? Float32Array.from(data as ArrayLike<number>) : float32Array("data", data);
  if (values.length !== rows * cols) {
    throw new RangeError(`data has length ${values.length} but a ${rows}×${cols} matrix needs ${rows * cols}`);
  }
  return { rows, cols, data: values };
}

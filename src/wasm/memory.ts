/**
 * The one owner of the WebAssembly.Memory that every kernel reads and writes.
 *
 * - Allocation happens here, in TS, not in WASM: kernels only see raw byte addresses, so a later threaded build
 *   can import the same (shared) memory into several instances without a thread-aware WASM allocator.
 * - Blocks are 16-byte aligned and padded by 16 bytes, so a v128 load that starts at the last element stays inside.
 * - Typed-array views are built on every access: after `memory.grow` an old view is detached (length 0).
 */
const ALIGN = 16;
const PAGE = 65536;
/** wasm32 addresses 2^32 bytes at most (65536 pages); engines may refuse a grow well before that. */
export const MAX_WASM_BYTES = 2 ** 32;

const alignUp = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

interface FreeBlock {
  ptr: number;
  size: number;
}

export class WasmMemory {
  readonly memory: WebAssembly.Memory;
  private readonly base: number;
  private readonly limit: number;
  private top: number;
  private readonly free: FreeBlock[] = [];
  private readonly sizes = new Map<number, number>();

  /**
   * Allocates from heapBase up, or within the arena [heapBase, limit) when several allocators share one memory
   * (a search's lanes, src/tune/dataset.ts): each grows the memory only as far as its own blocks need.
   */
  constructor(memory: WebAssembly.Memory, heapBase: number, limit = MAX_WASM_BYTES) {
    this.memory = memory;
    this.base = alignUp(heapBase);
    this.limit = limit;
    this.top = this.base;
  }

  /** Bytes handed out and not yet freed (padding included). */
  get bytesInUse(): number {
    let total = 0;
    for (const size of this.sizes.values()) total += size;
    return total;
  }

  /** Number of live allocations; a leak shows up here first. */
  get liveBlocks(): number {
    return this.sizes.size;
  }

  /** Returns the byte address of a fresh block of at least `bytes` bytes (contents undefined). */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`alloc: bytes must be a non-negative integer, got ${bytes}`);
    if (bytes > MAX_WASM_BYTES) throw this.tooLarge(bytes, "more than the 4 GiB a wasm32 memory can address");
    const size = alignUp(bytes) + ALIGN;
    const fit = this.free.findIndex((b) => b.size >= size);
    let ptr: number;
    if (fit >= 0) {
      const block = this.free[fit]!;
      ptr = block.ptr;
      if (block.size === size) this.free.splice(fit, 1);
      else {
        block.ptr += size;
        block.size -= size;
      }
    } else {
      ptr = this.top;
      this.ensure(ptr + size);
      this.top = ptr + size;
    }
    this.sizes.set(ptr, size);
    return ptr >>> 0;
  }

  /**
   * Runs `build` (a constructor that allocates several blocks); if it throws, every block it allocated is
   * released, so that an owner that could not be built (a buffer too large for the memory) leaks nothing.
   */
  releasingOnThrow<T>(build: () => T): T {
    const before = new Set(this.sizes.keys());
    try {
      return build();
    } catch (e) {
      for (const ptr of [...this.sizes.keys()]) if (!before.has(ptr)) this.release(ptr);
      throw e;
    }
  }

  /** Returns a block to the allocator; neighbours merge so that memory does not fragment over long runs. */
  release(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) throw new Error(`release: ${ptr} is not a live allocation (freed twice?)`);
    this.sizes.delete(ptr);
    let at = this.free.findIndex((b) => b.ptr > ptr);
    if (at < 0) at = this.free.length;
    this.free.splice(at, 0, { ptr, size });
    const next = this.free[at + 1];
    const block = this.free[at]!;
    if (next && block.ptr + block.size === next.ptr) {
      block.size += next.size;
      this.free.splice(at + 1, 1);
    }
    const prev = this.free[at - 1];
    if (prev && prev.ptr + prev.size === block.ptr) {
      prev.size += block.size;
      this.free.splice(at, 1);
    }
    const tail = this.free[this.free.length - 1];
    if (tail && tail.ptr + tail.size === this.top) {
      this.top = tail.ptr;
      this.free.pop();
    }
  }

  /** Grows the memory to hold `end` bytes; a refusal (past 4 GiB, or the engine's own limit) is a RangeError. */
  private ensure(end: number): void {
    if (end > MAX_WASM_BYTES) throw this.tooLarge(end - this.top, "past the 4 GiB a wasm32 memory can address");
    if (end > this.limit) throw this.tooLarge(end - this.top, `past the end of this allocator's share of the memory (byte ${this.limit})`);
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // A relative grow: where other threads grow the same shared memory at once, it can only end up larger.
    try {
      this.memory.grow(Math.ceil((end - have) / PAGE));
    } catch (e) {
      throw this.tooLarge(end - this.top, `the engine refused to grow the memory to ${end} bytes (${(e as Error).message})`);
    }
  }

  private tooLarge(bytes: number, why: string): RangeError {
    return new RangeError(`simdlinear needs ${bytes} more bytes of WebAssembly memory, ${why}; ${this.bytesInUse} bytes `
      + "are in use. Use smaller batches, fewer features or classes, or fewer rows per call");
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr >>> 0, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr >>> 0, length);
  }

  u32(ptr: number, length: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, ptr >>> 0, length);
  }

  f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr >>> 0, length);
  }

  u16(ptr: number, length: number): Uint16Array {
    return new Uint16Array(this.memory.buffer, ptr >>> 0, length);
  }

  bytes(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr >>> 0, length);
  }
}

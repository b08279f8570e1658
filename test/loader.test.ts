// Build selection, the debug build's asserts and their decoding, and the WasmMemory allocator.
import { readFileSync } from "node:fs";
import { instantiate } from "@assemblyscript/loader";
import { afterEach, describe, expect, it, vi } from "vitest";
import { init, LOSSES, supportedSimd, type LossKind } from "../src/index.js";
import { Backend } from "../src/backend/backend.js";
import { WasmOps } from "../src/backend/wasm-ops.js";
import type { KernelExports } from "../src/wasm/abi.js";
import { loadDebugKernels } from "../src/wasm/debug.js";
import { decodeAbort, type Kernels } from "../src/wasm/loader.js";
import { WasmMemory } from "../src/wasm/memory.js";
import { Rng } from "../src/data/rng.js";
import { BUILDS, gaussian, lossError, normError, randomLabels } from "./helpers.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("build selection", () => {
  it("the test workers validate all three builds, best first", () => {
    expect(supportedSimd()).toEqual(["relaxed", "simd", "none"]);
  });

  it.each(BUILDS)("init({ simd: '%s' }) loads that build", async (simd) => {
    const be = await init({ backend: "wasm", simd });
    expect(be.simd).toBe(simd);
    expect((be.ops as WasmOps).kernels.simd).toBe(simd);
    be.dispose();
  });

  it("the default is the best build the engine validates", async () => {
    const be = await init();
    expect(be.simd).toBe("relaxed");
    be.dispose();
  });

  it("an engine without SIMD gets the plain build, and forcing a SIMD build is a RangeError naming simd", async () => {
    vi.spyOn(WebAssembly, "validate").mockReturnValue(false); // what an engine without SIMD answers for both probes
    expect(supportedSimd()).toEqual(["none"]);
    const be = await init();
    expect(be.simd).toBe("none");
    be.dispose();
    await expect(init({ simd: "relaxed" })).rejects.toThrow(RangeError);
    await expect(init({ simd: "simd" })).rejects.toThrow(/simd: 'simd' is not supported .*supports none/);
  });

  it("an unknown build or a build for the reference backend is a RangeError", async () => {
    await expect(init({ simd: "avx2" as never })).rejects.toThrow(RangeError);
    await expect(init({ simd: "avx2" as never })).rejects.toThrow(/simd.*'relaxed', 'simd', 'none'/);
    await expect(init({ backend: "reference", simd: "simd" })).rejects.toThrow(/simd/);
  });
});

/** Byte addresses for a kernel call: the contents do not matter, the asserts run first. */
function scratch(k: Kernels): number {
  return k.heap.alloc(4096);
}

const abortText = (e: unknown): string => /abort: (.*)$/.exec((e as Error).message)?.[1] ?? "";

describe("debug build", () => {
  it("a failed assert throws an Error with the decoded message and file, not a bare RuntimeError", async () => {
    const k = await loadDebugKernels();
    const p = scratch(k);
    let thrown: unknown;
    try {
      k.exports.scores(2, 3, 5, 5, p, 12, p, p, p, p);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).not.toBeInstanceOf(WebAssembly.RuntimeError);
    expect((thrown as Error).message).toMatch(/scores: cp must be c rounded up to a multiple of 4 at assembly\/kernels\/gemm\.ts:\d+:\d+/);
  });

  it.each([
    { name: "softmax with cp ≠ roundUp(c, 4)", message: /softmax: cp must be c rounded up to a multiple of 4/,
      call: (k: Kernels, p: number) => k.exports.softmax(2, 3, 8, p, p, p, 0, 0, p) },
    { name: "hinge with a label ≥ c", message: /marginLoss: label out of range 0\.\.c-1 at assembly\/kernels\/hinge\.ts/,
      call: (k: Kernels, p: number) => {
        k.heap.i32(p, 2).set([1, 7]); // labels
        k.heap.u32(p + 64, 2).set([0, 1]); // row index list
        return k.exports.hinge(2, 3, 4, p + 128, p, p + 64, 0, 0, 1, p + 256);
      } },
    { name: "maxNorm with limit 0", message: /maxNorm: need d >= 1, c >= 1 and limit > 0/,
      call: (k: Kernels, p: number) => k.exports.maxNorm(2, 3, 4, p, 0) },
    { name: "adam with len < 0", message: /adam: len must be >= 0/,
      call: (k: Kernels, p: number) => k.exports.adam(-1, p, p, p, p, 1e-3, 0.9, 0.999, 1e-8, 1, 1) },
  ])("$name", async ({ call, message }) => {
    const k = await loadDebugKernels();
    expect(() => call(k, scratch(k))).toThrow(message);
  });

  it("valid input passes every assert and agrees with the reference", async () => {
    const debug = new Backend(new WasmOps(await loadDebugKernels()), "simd");
    const reference = await init({ backend: "reference" });
    const rng = new Rng(11);
    const X = gaussian(rng, 6, 9), W = gaussian(rng, 9, 5, 1 / 3), b = gaussian(rng, 1, 5, 0.1).data;
    const y = randomLabels(rng, 6, 5);
    const T = { rows: 6, cols: 5, data: Float32Array.from({ length: 30 }, () => rng.int(2)) };
    const targets = (kind: LossKind) => (kind === "hinge" || kind === "squared-hinge" || kind === "softmax" ? y
      : kind === "attribute-hinge" ? { ...T, data: T.data.map((t) => 2 * t - 1) } : T);
    for (const kind of LOSSES) {
      const got = debug.linearLoss(kind, X, W, b, targets(kind), { l2: 0.1, l1: 0.01 });
      const want = reference.linearLoss(kind, X, W, b, targets(kind), { l2: 0.1, l1: 0.01 });
      expect(lossError(got.loss, want.loss)).toBeLessThanOrEqual(1e-5);
      expect(normError(got.dW.data, want.dW.data)).toBeLessThanOrEqual(1e-4);
    }
    const w = W.data.slice(), g = W.data.map((x) => 0.1 * x);
    const wRef = w.slice();
    debug.optimizerStep("adam", w, g);
    reference.optimizerStep("adam", wRef, g);
    expect(normError(w, wRef)).toBeLessThanOrEqual(1e-6);
    debug.dispose();
    reference.dispose();
  });

  it("@assemblyscript/loader decodes the same abort to the same text as decodeAbort", async () => {
    const bytes = readFileSync(new URL("../build/simdlinear.debug.wasm", import.meta.url));
    const memory = new WebAssembly.Memory({ initial: 1 });
    const { exports } = await instantiate<KernelExports & Record<string, unknown>>(bytes, { env: { memory } });
    const p = new WasmMemory(memory, exports.heapBase()).alloc(4096);
    const theirs = (() => {
      try {
        exports.softmax(2, 3, 8, p, p, p, 0, 0, p);
      } catch (e) {
        return e;
      }
    })();
    const ours = await loadDebugKernels();
    let mine: unknown;
    try {
      ours.exports.softmax(2, 3, 8, scratch(ours), 0, 0, 0, 0, 0);
    } catch (e) {
      mine = e;
    }
    expect(abortText(theirs)).toMatch(/^softmax: cp must be c rounded up to a multiple of 4 at assembly\/kernels\/softmax\.ts:\d+:\d+$/);
    expect(abortText(mine)).toBe(abortText(theirs));
  });

  it("decodeAbort of the null pointer is the empty string", () => {
    expect(decodeAbort(new WebAssembly.Memory({ initial: 1 }), 0)).toBe("");
  });
});

describe("WasmMemory", () => {
  const PAGE = 65536;

  it("views are rebuilt after memory.grow: an earlier buffer keeps its contents", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const heap = new WasmMemory(memory, 1000);
    const a = heap.alloc(4000);
    const pattern = Float32Array.from({ length: 1000 }, (_, i) => i * 0.5 - 7);
    const stale = heap.f32(a, 1000);
    stale.set(pattern);
    heap.alloc(3 * PAGE); // more than the one page: forces memory.grow
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(4 * PAGE);
    expect(stale.length).toBe(0); // the old view is detached: never keep one across an allocation
    expect(heap.f32(a, 1000)).toEqual(pattern);
  });

  it("alloc hands out 16-byte aligned blocks; release reuses, coalesces, and returns everything", () => {
    const heap = new WasmMemory(new WebAssembly.Memory({ initial: 1 }), 1000);
    const [a, b, c] = [heap.alloc(100), heap.alloc(100), heap.alloc(100)];
    for (const ptr of [a, b, c]) expect(ptr % 16).toBe(0);
    expect(b - a).toBeGreaterThanOrEqual(100 + 16); // padded by a vector, so a v128 load at the end stays inside
    expect(heap.liveBlocks).toBe(3);
    expect(heap.bytesInUse).toBe(3 * (b - a));

    heap.release(b);
    expect(heap.alloc(50)).toBe(b); // the freed block is reused
    heap.release(b);
    heap.release(a);
    expect(heap.alloc(2 * (b - a) - 16)).toBe(a); // a and b merged into one block that fits twice the size
    heap.release(a);
    heap.release(c);
    expect(heap.liveBlocks).toBe(0);
    expect(heap.bytesInUse).toBe(0);
    expect(heap.alloc(300)).toBe(a); // everything coalesced back to the start of the heap
  });

  it("release of a pointer that is not live, and a negative size, are errors", () => {
    const heap = new WasmMemory(new WebAssembly.Memory({ initial: 1 }), 1000);
    const a = heap.alloc(64);
    heap.release(a);
    expect(() => heap.release(a)).toThrow(/not a live allocation/);
    expect(() => heap.alloc(-1)).toThrow(RangeError);
  });

  it("an arena [start, limit): blocks stay inside it, even where another allocator grew the memory past it", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const low = new WasmMemory(memory, 1000, 2 * PAGE), high = new WasmMemory(memory, 2 * PAGE, 4 * PAGE);
    const h = high.alloc(PAGE); // grows the memory to 4 pages: the low arena's end is now well inside it
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(4 * PAGE);
    expect(h).toBeGreaterThanOrEqual(2 * PAGE);
    const l = low.alloc(PAGE);
    expect(l + PAGE).toBeLessThanOrEqual(2 * PAGE);
    expect(() => low.alloc(PAGE)).toThrow(RangeError);
    expect(() => low.alloc(PAGE)).toThrow(/past the end of this allocator's share of the memory \(byte 131072\)/);
    expect(low.liveBlocks).toBe(1); // the refused block was never handed out
  });
});

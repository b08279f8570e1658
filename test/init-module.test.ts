// init({ module, simd }): a kernel build the user hosts (package exports simdlinear/wasm/<level>.wasm).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { init, matrix } from "../src/index.js";

const wasm = (name: string) => readFileSync(new URL(`../build/simdlinear.${name}.wasm`, import.meta.url));

const X = matrix(3, 5, Array.from({ length: 15 }, (_, i) => Math.sin(i + 1)));
const W = matrix(5, 3, Array.from({ length: 15 }, (_, i) => Math.cos(2 * i)));
const b = Float32Array.of(0.25, -0.5, 1);

async function scoresWith(options: Parameters<typeof init>[0]) {
  const backend = await init(options);
  try {
    return { simd: backend.simd, S: Array.from(backend.scores(X, W, b).data) };
  } finally {
    backend.dispose();
  }
}

describe("init with a hosted kernel build", () => {
  it.each([["relaxed", "relaxed"], ["simd", "simd"], ["none", "plain"]] as const)(
    "the '%s' build as bytes, as a compiled Module and as a Response computes what the inlined build does",
    async (simd, file) => {
      const bytes = wasm(file);
      const inlined = await scoresWith({ simd });
      expect(await scoresWith({ module: bytes, simd })).toEqual(inlined);
      expect(await scoresWith({ module: await WebAssembly.compile(bytes), simd })).toEqual(inlined);
      const response = new Response(bytes, { headers: { "Content-Type": "application/wasm" } });
      expect(await scoresWith({ module: response, simd })).toEqual(inlined);
    });

  it("needs `simd` to name the build", async () => {
    await expect(init({ module: wasm("simd") })).rejects.toThrow(TypeError);
    await expect(init({ module: wasm("simd") })).rejects.toThrow(/simd: with `module`, name its build/);
  });

  it("rejects what is not a module, not a kernel build, or a threaded build", async () => {
    await expect(init({ module: "simd.wasm" as never, simd: "simd" })).rejects.toThrow(TypeError);
    const empty = Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0);
    await expect(init({ module: empty, simd: "none" })).rejects.toThrow(/module is not a simdlinear kernel build \(it imports nothing\)/);
    await expect(init({ module: wasm("simd-threads"), simd: "simd" })).rejects.toThrow(/not a single-threaded simdlinear kernel build/);
  });

  it("is a wasm-backend option only", async () => {
    await expect(init({ backend: "reference", module: wasm("plain") })).rejects.toThrow(/module: only the wasm backend/);
  });
});

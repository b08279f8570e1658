// The backends a test file loads (vitest hooks: kept apart from helpers.ts, which the bench imports too).
import { afterAll, beforeAll } from "vitest";
import { init, type Backend } from "../src/index.js";
import { BUILDS } from "./helpers.js";

/** Loads the reference backend and every wasm build before a file's tests, and disposes them after. */
export function everyBackend(): { readonly reference: Backend; readonly wasm: Map<(typeof BUILDS)[number], Backend> } {
  const loaded = { reference: null as unknown as Backend, wasm: new Map<(typeof BUILDS)[number], Backend>() };
  beforeAll(async () => {
    loaded.reference = await init({ backend: "reference" });
    for (const simd of BUILDS) loaded.wasm.set(simd, await init({ simd }));
  });
  afterAll(() => {
    for (const backend of [loaded.reference, ...loaded.wasm.values()]) backend?.dispose();
  });
  return loaded;
}

// Tests that call `init()` without `simd` run the build this engine picks: every file says which one it was.
import { supportedSimd } from "../src/wasm/loader.js";

console.log(`default wasm build: ${supportedSimd()[0]} (Node ${process.version})`);

import { init } from "../src/init.js";
import { resolveUpdate } from "../src/backend/optimizer.js";
import { ThreadedStep } from "../src/threads/step.js";
import { padCols, tailPackBytes } from "../src/wasm/scope.js";
import type { WasmOps } from "../src/backend/wasm-ops.js";
import { Rng } from "../src/data/rng.js";
const N = 10000, D = 3072, C = 10;
const two = await init({ threads: 2, simd: (process.env.SIMD ?? "relaxed") as never });
const kernels = (two.ops as WasmOps).kernels, heap = kernels.heap, cp = padCols(C);
const block = (bytes: number) => heap.bytes(heap.alloc(bytes), bytes).fill(0).byteOffset;
const x = heap.alloc(N * D * 4), labels = heap.alloc(N * 4), order = heap.alloc(N * 4);
const rng = new Rng(1);
{ const f = heap.f32(x, N * D); for (let i = 0; i < N * D; i++) f[i] = rng.normal(); }
heap.i32(labels, N).set(Int32Array.from({ length: N }, () => rng.int(C)));
const perm = Uint32Array.from({ length: N }, (_, i) => i);
for (let i = N - 1; i > 0; i--) { const j = rng.int(i + 1); [perm[i], perm[j]] = [perm[j]!, perm[i]!]; }
heap.u32(order, N).set(perm);
const layout = { loss: "softmax" as const, d: D, c: C, cp, delta: 1, cw: 0, l2: 1e-4, l1: 0,
  params: block((D + 1) * cp * 4), grad: block((D + 1) * cp * 4), s: block(256 * cp * 4), ds: block(256 * cp * 4),
  partials: block((D + 1) * cp * 4), packs: block(2 * tailPackBytes(D, C)), chunks: 2 };
const prev = block((D + 1) * cp * 4);
const step = new ThreadedStep(two.pool!, layout);
const hyper = resolveUpdate("sgd", { learningRate: 1e-3, momentum: 0 }, {});
for (const n of [200, 32]) {
  const res: Record<string, number[]> = {};
  for (let r = 0; r < 8; r++) for (const threads of [1, 2]) {
    let g = 0, u = 0;
    for (let start = 0; start + n <= N; start += n) {
      const rows = order + start * 4;
      const batch = { n, x, xStride: D * 4, rows, targets: labels, weights: 0, targetRows: rows };
      const t0 = performance.now();
      step.gradient(batch, threads);
      const t1 = performance.now();
      step.update("sgd", [], prev, hyper, threads);
      const t2 = performance.now();
      g += t1 - t0; u += t2 - t1;
      if (r === 7) (res[`all${threads}`] ??= []).push((t1 - t0) * 1000);
    }
    const steps = Math.floor(N / n);
    (res[`g${threads}`] ??= []).push(g / steps * 1000); (res[`u${threads}`] ??= []).push(u / steps * 1000);
  }
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!.toFixed(1);
  for (const t of [1, 2]) { const v = [...res[`all${t}`]!].sort((a, b) => a - b); console.log(t, 'p10', v[Math.floor(v.length*0.1)]!.toFixed(0), 'p50', v[v.length>>1]!.toFixed(0), 'p90', v[Math.floor(v.length*0.9)]!.toFixed(0), 'max', v[v.length-1]!.toFixed(0)); }
  console.log(`batch ${n}: gradient µs 1t ${med(res.g1!)} 2t ${med(res.g2!)} | update µs 1t ${med(res.u1!)} 2t ${med(res.u2!)}`);
}
two.dispose();

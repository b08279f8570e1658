// The training engines: the helper kernels against their twins, the WASM engine against the reference engine
// step by step, and the resident-memory contract (nothing allocated per step, everything freed on dispose).
import { describe, expect, it } from "vitest";
import { relError, type Backend, type LossKind, type Matrix } from "../src/index.js";
import { DEFAULT_FIXED_HYPER } from "../src/backend/optimizer.js";
import { Rng } from "../src/data/rng.js";
import { WasmOps } from "../src/backend/wasm-ops.js";
import { createEngine } from "../src/train/create-engine.js";
import type { EngineSpec, TrainRule } from "../src/train/engine.js";
import { WasmEngine } from "../src/train/wasm-engine.js";
import { ReferenceEngine } from "../src/train/reference-engine.js";
import * as twin from "../src/reference/train.js";
import { padCols, withScope } from "../src/wasm/scope.js";
import { BUILDS, gaussian, randomLabels } from "./helpers.js";
import { everyBackend } from "./backends.js";

const kernelsOf = (backend: Backend) => (backend.ops as WasmOps).kernels;

const backends = everyBackend();
const { wasm } = backends;

describe("gatherDropout and perturb: kernel = twin, bit for bit", () => {
  for (const simd of BUILDS) {
    it(`${simd}: gatherDropout for d with and without a vector tail, p ∈ {0, 0.3, 0.9}, whole batch or a chunk`, () => {
      const { exports: k, heap } = kernelsOf(wasm.get(simd)!);
      const rng = new Rng(3);
      for (const d of [1, 3, 4, 7, 17]) {
        for (const p of [0, 0.3, 0.9]) {
          const X = gaussian(rng, 9, d), batch = Uint32Array.of(1, 8, 0, 3, 3, 5, 2), whole = twin.gatherDropout(X, batch, p, 12345);
          // Rows 2..6 of the batch as a thread's chunk gets them: the same masks as in the whole batch's call.
          const row0 = 2, rows = batch.subarray(row0);
          const want = twin.gatherDropout(X, rows, p, 12345, row0);
          expect(want.data).toEqual(whole.data.subarray(row0 * d));
          const got = withScope(heap, (sc) => {
            const x = sc.f32(X.data), idx = sc.alloc(rows.length * 4), out = sc.alloc(rows.length * d * 4);
            heap.u32(idx, rows.length).set(rows);
            k.gatherDropout(rows.length, d, x, d * 4, idx, twin.dropoutThreshold(p), twin.dropoutScale(p), 12345, out, row0);
            return heap.f32(out, rows.length * d).slice();
          });
          expect(Array.from(got)).toEqual(Array.from(want.data));
        }
      }
    });

    it(`${simd}: perturb leaves the pad lanes alone`, () => {
      const { exports: k, heap } = kernelsOf(wasm.get(simd)!);
      const rows = 4, c = 3, cp = padCols(c), rng = new Rng(4);
      const W = gaussian(rng, rows, c);
      const want = twin.perturb(W.data, 0.25, 99);
      const got = withScope(heap, (sc) => {
        const w = sc.matrix(W, cp), out = sc.alloc(rows * cp * 4);
        k.perturb(rows, c, cp, w, out, 0.25, 99);
        return heap.f32(out, rows * cp).slice();
      });
      for (let r = 0; r < rows; r++) {
        expect(Array.from(got.subarray(r * cp, r * cp + c))).toEqual(Array.from(want.subarray(r * c, (r + 1) * c)));
        expect(got[r * cp + c]).toBe(0);
      }
    });
  }

  it("dropout drops a share p of the inputs and scales the others by 1/(1 − p)", () => {
    const X = { rows: 200, cols: 50, data: new Float32Array(200 * 50).fill(1) };
    const rows = Uint32Array.from({ length: 200 }, (_, i) => i);
    for (const p of [0.1, 0.5]) {
      const out = twin.gatherDropout(X, rows, p, 7).data;
      const dropped = out.filter((x) => x === 0).length / out.length;
      expect(Math.abs(dropped - p)).toBeLessThan(0.02);
      expect(out.every((x) => x === 0 || x === Math.fround(1 / (1 - p)))).toBe(true);
    }
  });

  it("perturb draws noise of mean 0 and standard deviation σ", () => {
    const z = twin.perturb(new Float32Array(20000), 0.5, 1);
    const mean = z.reduce((a, x) => a + x, 0) / z.length;
    const std = Math.sqrt(z.reduce((a, x) => a + (x - mean) ** 2, 0) / z.length);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(std - 0.5)).toBeLessThan(0.01);
  });
});

function spec(loss: LossKind, rule: TrainRule, extra: Partial<EngineSpec> = {}): EngineSpec {
  return {
    loss, d: 7, c: 5, delta: 1, classWeight: null, l2: 1e-3, l1: 1e-4, rule, batchSize: 16, inputDropout: 0,
    hyper: DEFAULT_FIXED_HYPER, ...extra,
  };
}

function targetsFor(rng: Rng, loss: LossKind, n: number, c: number): Int32Array | Matrix {
  if (loss === "hinge" || loss === "squared-hinge" || loss === "softmax") return randomLabels(rng, n, c);
  const T = gaussian(rng, n, c);
  if (loss === "logistic") return { ...T, data: T.data.map((t) => (t > 0 ? 1 : 0)) };
  if (loss === "attribute-hinge") return { ...T, data: T.data.map((t) => (t > 0 ? 1 : -1)) };
  return T;
}

/** Two epochs of 37 rows in batches of 16 (a short last batch), with max-norm; the losses and the parameters. */
function run(backend: Backend, s: EngineSpec) {
  const data = new Rng(11), order = new Rng(12), steps = new Rng(13);
  const X = gaussian(data, 37, s.d), targets = targetsFor(data, s.loss, 37, s.c);
  const engine = createEngine(backend, s);
  try {
    engine.load("train", X, targets);
    engine.setParams(gaussian(data, s.d, s.c, 0.1), Float32Array.from({ length: s.c }, () => data.normal()));
    const losses: number[] = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      engine.shuffle(order);
      for (let start = 0; start < 37; start += s.batchSize) {
        const count = Math.min(s.batchSize, 37 - start), seed = steps.nextU32();
        if (s.rule === "random-search") losses.push(engine.search(start, count, 0.05, seed));
        else {
          losses.push(engine.gradient(start, count, seed));
          engine.update(0.01, 0.9);
        }
        engine.maxNorm(1.5);
      }
    }
    let correct = 0;
    const evaluated = engine.evaluate("train", (S, stride, first, count) => {
      for (let i = 0; i < count; i++) correct += S[i * stride]! > 0 ? 1 : 0;
    });
    return { losses, evaluated, correct, ...engine.getParams() };
  } finally {
    engine.dispose();
  }
}

describe("WasmEngine = ReferenceEngine, step by step", () => {
  const cases: [LossKind, TrainRule, number][] = [
    ["softmax", "adam", 0], ["hinge", "sgd", 0], ["squared-hinge", "momentum", 0], ["logistic", "nesterov", 0.2],
    ["attribute-hinge", "adagrad", 0], ["l2", "rmsprop", 0], ["l1", "sgd", 0.5], ["softmax", "random-search", 0.3],
  ];
  for (const [loss, rule, inputDropout] of cases) {
    it(`${loss} + ${rule}${inputDropout ? ` + input dropout ${inputDropout}` : ""}, every build`, () => {
      const s = spec(loss, rule, { inputDropout, classWeight: loss === "softmax" ? Float32Array.of(1, 2, 0.5, 1, 3) : null });
      const r = run(backends.reference, s);
      for (const simd of BUILDS) {
        const a = run(wasm.get(simd)!, s);
        // float32 GEMMs against float64 ones: the trajectories drift apart by rounding only.
        a.losses.forEach((l, i) => expect(relError(l, r.losses[i]!)).toBeLessThan(1e-4));
        expect(relError(a.evaluated, r.evaluated)).toBeLessThan(1e-4);
        expect(a.correct).toBe(r.correct);
        expect(relError(a.W.data, r.W.data)).toBeLessThan(1e-3);
        expect(relError(a.b, r.b)).toBeLessThan(1e-3);
      }
    });
  }

  it("createEngine picks the engine of the backend", () => {
    const s = spec("softmax", "sgd");
    const a = createEngine(wasm.get("simd")!, s), r = createEngine(backends.reference, s);
    expect(a).toBeInstanceOf(WasmEngine);
    expect(r).toBeInstanceOf(ReferenceEngine);
    a.dispose();
    r.dispose();
  });
});

describe("resident memory", () => {
  it("a step allocates no WASM memory, and dispose frees every block", () => {
    const backend = wasm.get("simd")!, heap = kernelsOf(backend).heap;
    const blocks = heap.liveBlocks, bytes = heap.memory.buffer.byteLength;
    const engine = createEngine(backend, spec("softmax", "adam", { inputDropout: 0.1 }));
    const rng = new Rng(1);
    engine.load("train", gaussian(rng, 100, 7), randomLabels(rng, 100, 5));
    const loaded = heap.liveBlocks;
    engine.shuffle(rng);
    for (let start = 0; start < 100; start += 16) {
      engine.gradient(start, Math.min(16, 100 - start), start);
      engine.update(1e-3, 0);
    }
    expect(heap.liveBlocks).toBe(loaded);
    engine.unload("train");
    expect(heap.liveBlocks).toBeLessThan(loaded);
    engine.dispose();
    expect(heap.liveBlocks).toBe(blocks);
    expect(heap.memory.buffer.byteLength).toBeGreaterThanOrEqual(bytes);
  });

  it("restore puts back the parameters from before the last update", () => {
    const backend = wasm.get("simd")!;
    const engine = createEngine(backend, spec("softmax", "sgd"));
    const rng = new Rng(2);
    engine.load("train", gaussian(rng, 20, 7), randomLabels(rng, 20, 5));
    engine.setParams(gaussian(rng, 7, 5), new Float32Array(5));
    engine.gradient(0, 16, 0);
    engine.update(0.1, 0);
    const before = engine.getParams();
    engine.gradient(0, 16, 0);
    engine.update(0.1, 0);
    expect(engine.getParams().W.data).not.toEqual(before.W.data);
    engine.restore();
    expect(engine.getParams()).toEqual(before);
    engine.dispose();
  });
});

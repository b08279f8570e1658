// Where an epoch's time goes, and what share of this CPU's WASM peak each shape reaches, on the relaxed and SIMD
// builds side by side in one process:
// - the peak: a loop of independent multiply-add accumulators (AssemblyScript, compiled here with each build's
//   flags), the best of 8, 10 and 12 accumulators: how many the engine keeps in registers differs (Node 24's
//   V8 spills at 12 where Node 20's does not), read again before and after every row, as the machine drifts;
// - the profile of the CIFAR-shaped epoch (N = 10,000, D = 3,072, C = 10, batch 200, softmax + SGD): each kernel of
//   the unfused step summed over the epoch's 50 steps, the fused step, and LinearClassifier.fit's epoch;
// - the epoch by `fit` for every C of the issue, with GFLOP/s and share of the peak.
// node --experimental-wasm-relaxed-simd --import tsx bench/profile.ts [--reps 5]
import { parseArgs } from "node:util";
import asc from "assemblyscript/asc";
import { loadKernels, supportedSimd, type Kernels, type SimdLevel } from "../src/wasm/loader.js";
import { init } from "../src/init.js";
import { LOSSES } from "../src/types.js";
import { updateKernel } from "../src/backend/wasm-ops.js";
import { resolveUpdate } from "../src/backend/optimizer.js";
import { padCols, Scope, tailPackBytes } from "../src/wasm/scope.js";
import { epochData, fitWeights, KernelTrainer, ResidentData, type EpochData } from "./epoch.js";
import { median } from "./timing.js";

const { values } = parseArgs({ options: { reps: { type: "string", default: "5" } } });
const REPS = Number(values.reps);
const CLASSES = [2, 3, 10, 16, 17, 100, 1000];
const D = 3072, BATCH = 200;
const log = (line: string): void => void process.stderr.write(line + "\n");

const builds = supportedSimd().filter((s): s is Exclude<SimdLevel, "none"> => s !== "none");
if (!builds.includes("relaxed")) log("relaxed SIMD is not available: run with --experimental-wasm-relaxed-simd");

/** Median of `reps` timed calls after one untimed call. */
async function timed(reps: number, fn: () => unknown): Promise<number> {
  await fn();
  const ms: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

/**
 * `accumulators` independent f32x4 chains, each step a multiply-add: one relaxed_madd in the relaxed build,
 * f32x4.mul then f32x4.add in the SIMD build. 8 flops per accumulator per iteration.
 */
function peakSource(accumulators: number): string {
  const acc = Array.from({ length: accumulators }, (_, i) => `a${i}`);
  return `
    // @ts-ignore: decorator
    @inline function madd(a: v128, b: v128, c: v128): v128 {
      if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
      return f32x4.add(f32x4.mul(a, b), c);
    }
    export function peak(iterations: i32, seed: f32): f32 {
      const m = f32x4.splat(1 - seed * 1e-7), c = f32x4.splat(seed * 1e-7); // not constants: an engine could re-load those
      ${acc.map((a, i) => `let ${a} = f32x4.splat(seed + ${i});`).join(" ")}
      for (let i = 0; i < iterations; i++) { ${acc.map((a) => `${a} = madd(${a}, m, c);`).join(" ")} }
      let s = f32x4.splat(0);
      ${acc.map((a) => `s = f32x4.add(s, ${a});`).join(" ")}
      return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
    }`;
}

/**
 * A build's peak meter: it picks the best of 8, 10 and 12 accumulators once, and each call then returns the
 * GFLOP/s of the best of 3 runs of that loop (~0.1 s). The machine's speed drifts by tens of percent within a
 * run, so every share below divides by the mean of the meter's readings just before and just after its row.
 */
async function peakMeter(level: SimdLevel): Promise<() => number> {
  const enable = level === "relaxed" ? ["simd", "relaxed-simd"] : ["simd"], iterations = 1e7;
  let best = 0, meter: () => number = () => 0;
  for (const accumulators of [8, 10, 12]) {
    const { binary, error } = await asc.compileString(peakSource(accumulators), { optimizeLevel: 3, runtime: "stub", noAssert: true, enable });
    if (error || !binary) throw new Error(`the peak loop does not compile: ${error?.message}`);
    const { instance } = await WebAssembly.instantiate(binary as Uint8Array<ArrayBuffer>, { env: { abort() {} } });
    const run = instance.exports.peak as (iterations: number, seed: number) => number;
    // V8 tiers a wasm function up between calls (there is no on-stack replacement): short calls first.
    for (let w = 0; w < 200; w++) run(iterations / 1000, 1);
    const measure = (): number => {
      let top = 0;
      for (let r = 0; r < 3; r++) {
        const t0 = performance.now();
        run(iterations, 1);
        top = Math.max(top, (8 * accumulators * iterations) / (performance.now() - t0) / 1e6);
      }
      return top;
    };
    const reading = Math.max(...Array.from({ length: REPS }, measure));
    if (reading > best) [best, meter] = [reading, measure];
  }
  return meter;
}

const meters = Object.fromEntries(await Promise.all(builds.map(async (b) => [b, await peakMeter(b)] as const)));
/** Every peak reading of the run, per build, for the header's range. */
const readings: Record<string, number[]> = Object.fromEntries(builds.map((b) => [b, []]));
const readPeak = (b: string): number => {
  const g = meters[b]!();
  readings[b]!.push(g);
  return g;
};
/** A timed row and the peak around it (the mean of the readings just before and after). */
async function aroundPeak(b: string, row: () => Promise<number>): Promise<{ ms: number; peak: number }> {
  const before = readPeak(b), ms = await row();
  return { ms, peak: (before + readPeak(b)) / 2 };
}

/** Each kernel of the step, and the whole step, summed over one epoch's steps on resident buffers. */
function profile(kernels: Kernels, data: EpochData): Record<string, () => void> {
  const resident = new ResidentData(kernels, data), k = kernels.exports, { n: N, d, classes: c, x, y, order } = resident;
  const cp = padCols(c), scope = new Scope(kernels.heap), hyper = resolveUpdate("sgd", { learningRate: 1e-3 }, {});
  const block = (floats: number): number => {
    const p = scope.alloc(floats * 4);
    kernels.heap.f32(p, floats).fill(0);
    return p;
  };
  const pack = block(tailPackBytes(d, c) / 4), w = block(d * cp), b = block(cp), s = block(BATCH * cp), ds = block(BATCH * cp), dw = block(d * cp), db = block(cp);
  const steps = (body: (n: number, idx: number) => void) => () => {
    for (let start = 0; start < N; start += BATCH) body(Math.min(BATCH, N - start), order + start * 4);
  };
  const fused = new KernelTrainer(resident, { loss: "softmax", rule: "sgd" }, true);
  return {
    "scores S = X·W + b": steps((n, idx) => k.scores(n, d, c, cp, x, d * 4, idx, w, b, s)),
    "softmax loss and dS": steps((n, idx) => k.softmax(n, c, cp, s, y, idx, 0, 0, ds)),
    "rank update dW = Xᵀ·dS": steps((n, idx) => k.weightGradient(n, d, cp, x, d * 4, idx, ds, 1 / n, dw)),
    "bias gradient": steps((n) => k.biasGradient(n, cp, ds, 1 / n, db)),
    "SGD update of W and b": steps(() => updateKernel(k, "sgd", (d + 1) * cp, w, dw, 0, 0, hyper)),
    "fused step (scores, loss, rank update in one pass) + update": () => fused.epoch(),
    "fused kernel alone": steps((n, idx) => k.fusedStep(LOSSES.indexOf("softmax"), n, d, c, cp, x, d * 4, idx, y, idx, 0, 0, 1,
      w, b, s, ds, 1 / n, dw, db, pack)),
  };
}

/** One epoch of LinearClassifier.fit (the median of a 5-epoch fit's epochs). */
async function fitEpoch(simd: SimdLevel, data: EpochData, threads = 1): Promise<number> {
  const backend = await init({ simd, threads });
  try {
    const seconds: number[] = [];
    await fitWeights(backend, data, { loss: "softmax", rule: "sgd" }, 1); // warm
    for (let r = 0; r < Math.max(1, Math.floor(REPS / 2)); r++) {
      await fitWeights(backend, data, { loss: "softmax", rule: "sgd" }, 5, (s) => seconds.push(s * 1000));
    }
    return median(seconds);
  } finally {
    backend.dispose();
  }
}

const cifar = epochData(10_000, D, 10, BATCH);
const flop = 4 * cifar.X.rows * D * 10;
const profiles = await Promise.all(builds.map(async (b) => [b, profile(await loadKernels(b), cifar)] as const));
const phases = Object.keys(profiles[0]![1]);
const ms: Record<string, Record<string, { ms: number; peak: number }>> = {};
for (const [b] of profiles) ms[b] = {};
for (const phase of phases) for (const [b, fns] of profiles) ms[b]![phase] = await aroundPeak(b, () => timed(REPS, fns[phase]!));
for (const b of builds) {
  ms[b]!["LinearClassifier.fit epoch"] = await aroundPeak(b, () => fitEpoch(b, cifar));
  ms[b]!["LinearClassifier.fit epoch, 2 threads"] = await aroundPeak(b, () => fitEpoch(b, cifar, 2));
}
log("profile done");
const table: string[] = [];
table.push("", "| CIFAR-shaped epoch, softmax + SGD | " + builds.map((b) => `${b} ms | share`).join(" | ") + " |",
  "| --- | " + builds.map(() => "---: | ---:").join(" | ") + " |");
const unfused = phases.slice(0, 5);
for (const phase of [...phases, "LinearClassifier.fit epoch", "LinearClassifier.fit epoch, 2 threads"]) {
  table.push(`| ${phase} | ` + builds.map((b) => {
    const threads = phase.endsWith("2 threads") ? 2 : 1, { ms: t, peak } = ms[b]![phase]!;
    const share = phase.startsWith("fused") || phase.startsWith("Linear")
      ? `${((flop / t / 1e6 / peak / threads) * 100).toFixed(0)} % of ${threads > 1 ? "2 × " : ""}peak` : `${((t / ms[b]!["fused step (scores, loss, rank update in one pass) + update"]!.ms) * 100).toFixed(0)} % of the fused step`;
    return `${t.toFixed(1)} | ${share}`;
  }).join(" | ") + " |");
}
table.push(`| sum of the unfused kernels | ` + builds.map((b) => `${unfused.reduce((a, p) => a + ms[b]![p]!.ms, 0).toFixed(1)} | —`).join(" | ") + " |");

table.push("", "| C (D = 3,072, batch 200, softmax + SGD, `fit`) | N | " + builds.map((b) => `${b} ms/epoch | GFLOP/s | share of peak`).join(" | ") + " |",
  "| ---: | ---: | " + builds.map(() => "---: | ---: | ---:").join(" | ") + " |");
for (const C of CLASSES) {
  const N = Math.min(10_000, Math.max(1000, Math.round(1.23e9 / (4 * D * C) / BATCH) * BATCH));
  const data = epochData(N, D, C, BATCH), f = 4 * N * D * C;
  const cells: string[] = [];
  for (const b of builds) {
    const { ms: t, peak } = await aroundPeak(b, () => fitEpoch(b, data)), g = f / t / 1e6;
    cells.push(`${t.toFixed(1)} | ${g.toFixed(1)} | ${((g / peak) * 100).toFixed(0)} %`);
  }
  table.push(`| ${C} | ${N} | ${cells.join(" | ")} |`);
  log(`C = ${C} done`);
}
const range = (xs: number[]): string => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;
const header = `WASM peak (the best of 8, 10 and 12 independent accumulators, one thread), read before and after every row `
  + `of this run; each share divides by the mean of its row's two readings. Range of the readings: `
  + builds.map((b) => `${b} ${range(readings[b]!)} GFLOP/s (${b === "relaxed" ? "relaxed_madd" : "f32x4.mul + f32x4.add"})`).join(", ") + ".";
process.stdout.write([header, ...table].join("\n") + "\n");

/**
 * `npm run bench` (quick, under 2 minutes) and `npm run bench:full`: every kernel on every build, the reference
 * and tfjs-wasm at the BENCH_SHAPES shapes; one epoch at the CIFAR-10 shape by every contender; peak memory of
 * our training; the 25-trial search with 1 and 2 workers (bench/search.ts), the cost of a fit's yields
 * (bench/yield.ts), and the epoch's profile, the WASM peak and the epoch for every C (bench/profile.ts). Writes bench/results/{latest.md, latest.json, gflops.svg} and prints the markdown.
 * Node 20 needs --experimental-wasm-relaxed-simd for the relaxed build (the npm scripts pass it).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { loadKernels, supportedSimd, type Kernels } from "../src/wasm/loader.js";
import { init } from "../src/init.js";
import { BENCH_SHAPES } from "../test/shapes.js";
import { benchKernels } from "./kernels.js";
import {
  batchesOf, benchEpochs, epochData, FitTrainer, KernelTrainer, LEARNING_RATE, PlainJsTrainer, referenceFits,
  ReferenceTrainer, ResidentData, type Contender,
} from "./epoch.js";
import { initTfjs, tfjsEpoch } from "./tfjs.js";
import { chart, markdown, PEER, REFERENCE, TUNED_PEER, type Results } from "./report.js";
import type { MemoryReport } from "./memory.js";
import type { Mode } from "./timing.js";
import { numpyEpoch, numpySection } from "./numpy.js";

const RESULTS = "bench/results";
const REPS: Record<Mode, { fast: number; slow: number }> = { quick: { fast: 5, slow: 1 }, full: { fast: 11, slow: 3 } };

const log = (line: string): void => void process.stderr.write(line + "\n");

/** Our peak memory, measured in a child process with nothing else loaded. */
function memoryReport(build: string): MemoryReport | null {
  try {
    const out = execFileSync(process.execPath, [...process.execArgv, "--expose-gc", "bench/memory.ts", build], { encoding: "utf8" });
    return JSON.parse(out.trim().split("\n").pop()!) as MemoryReport;
  } catch (e) {
    log(`memory measurement failed: ${(e as Error).message}`);
    return null;
  }
}

/** What a standalone bench prints, run in a child process of its own. */
function childOutput(script: string, args: string[]): string {
  try {
    return execFileSync(process.execPath, [...process.execArgv, script, ...args], { encoding: "utf8" }).trim();
  } catch (e) {
    return `${script} failed: ${(e as Error).message}`;
  }
}

const childLine = (script: string, args: string[]): string => childOutput(script, args).split("\n").pop()!;

async function main(): Promise<void> {
  const mode: Mode = process.argv.includes("--full") ? "full" : "quick";
  const started = performance.now(), loadBefore = loadavg();
  const levels = supportedSimd();
  if (!levels.includes("relaxed")) log("relaxed SIMD is not available: run with --experimental-wasm-relaxed-simd (npm run bench does)");
  const builds: [string, Kernels][] = [];
  for (const level of levels) builds.push([`wasm-${level}`, await loadKernels(level)]);
  // fit runs on a backend of its own per build (its own memory), as a user's `await init({ simd })` gives.
  const backends = await Promise.all(levels.map((simd) => init({ simd })));
  // The threaded builds need SIMD: 2-thread fits on the SIMD levels.
  const threaded = await Promise.all(levels.filter((simd) => simd !== "none").map((simd) => init({ simd, threads: 2 })));
  const peer = await initTfjs();
  log(`bench (${mode}): builds ${builds.map(([b]) => b).join(", ")}; ${peer}`);

  log("memory of our training (child process)");
  const memory = memoryReport(levels[0]!);

  log("kernels");
  const kernels = benchKernels(BENCH_SHAPES, builds, mode, log);

  log("epochs");
  const data = epochData(10_000, 3072, 10, 200);
  const residents = builds.map(([name, k]) => [name, new ResidentData(k, data)] as const);
  const batches = batchesOf(data);
  const reference = referenceFits(data);
  const contenders: Contender[] = [
    ...residents.map(([backend], b): Contender => ({
      backend, slow: false, make: (c) => new FitTrainer(backends[b]!, data, c, reference(c)),
    })),
    ...threaded.map((backend): Contender => ({
      backend: `wasm-${backend.simd}`, threads: backend.threads, slow: false,
      make: (c) => new FitTrainer(backend, data, c, reference(c)),
    })),
    ...residents.map(([backend, resident]): Contender => ({
      backend: `${backend} kernel loop`, slow: false, make: (c) => new KernelTrainer(resident, c, true),
    })),
    { backend: `${residents[0]![0]} kernel loop unfused`, slow: false, make: (c) => new KernelTrainer(residents[0]![1], c, false) },
    { backend: REFERENCE, slow: true, make: (c) => new ReferenceTrainer(data, c) },
    ...[false, true].map((transposed): Contender => ({
      backend: transposed ? TUNED_PEER : PEER,
      slow: true,
      make: (c) => tfjsEpoch(data.X, data.y, data.classes, batches, data.W0, data.b0, c.loss, c.rule, LEARNING_RATE[c.rule], transposed),
    })),
    { backend: "plain-js", slow: true, make: (c) => new PlainJsTrainer(data, c) },
  ];
  const epochs = await benchEpochs(data, contenders, REPS[mode], log);
  for (const [, resident] of residents) resident.dispose();
  for (const backend of [...backends, ...threaded]) backend.dispose();
  log("numpy on 1 and 2 threads (child processes)");
  const numpy = [1, 2].map((threads) => ({ threads, epoch: numpyEpoch(data.X.rows, data.X.cols, data.classes, REPS[mode].fast, threads) }));

  const results: Results = {
    env: {
      date: new Date().toISOString().slice(0, 16).replace("T", " "), mode, node: process.versions.node,
      cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, loadBefore, loadAfter: loadavg(), peer,
      builds: builds.map(([b]) => b), seconds: (performance.now() - started) / 1e3,
    },
    kernels, epochs, memory,
  };
  log("search and yield (child processes)");
  const extras = [childLine("bench/search.ts", ["--rounds", mode === "full" ? "5" : "3"]), childLine("bench/yield.ts", [])];
  mkdirSync(RESULTS, { recursive: true });
  log("profile, peak and every C (child process)");
  const profile = childOutput("bench/profile.ts", ["--reps", mode === "full" ? "7" : "3"]);
  const report = `${markdown(results)}\n${numpySection(epochs, numpy)}\n\n## Search and the fits' yield to the event loop\n\n${extras.map((line) => `- ${line}`).join("\n")}\n`
    + `\n## Where the epoch's time goes, the WASM peak, and every C (bench/profile.ts)\n\n${profile}\n`;
  const json = JSON.stringify(results, null, 1);
  writeFileSync(join(RESULTS, "latest.md"), report);
  writeFileSync(join(RESULTS, "latest.json"), json);
  writeFileSync(join(RESULTS, `${mode}-${results.env.date.replace(/[ :]/g, "-")}.json`), json);
  writeFileSync(join(RESULTS, "gflops.svg"), chart(results));
  process.stdout.write(report + "\n");
}

await main();

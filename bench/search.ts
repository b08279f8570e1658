// The search row: cs231n's tuning grid (5 learning rates × 5 L2 strengths, 10-epoch softmax fits on the built-in
// MNIST, scored on its 2,000 held-out digits), with 1 worker (this thread) and 2 workers side by side, alternating.
// The first round starts the workers (reported apart, as "cold"); the timed rounds after it reuse them warm, as a
// second search in an app does.
// node --experimental-wasm-relaxed-simd --import tsx bench/search.ts [--rounds 3]
import { parseArgs } from "node:util";
// The built package (npm run build): the workers load dist/worker/fit-worker.js, as they do for a user.
import { loadMnist } from "../dist/index.js";
import { search, type SearchResult } from "../dist/tune/index.js";
import { median } from "./timing.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" } } });
const rounds = Number(values.rounds);
const { train, test } = await loadMnist();
const grid = { learningRate: [1e-3, 3e-3, 1e-2, 3e-2, 1e-1], l2: [0, 1e-5, 1e-4, 1e-3, 1e-2] };
const times: Record<1 | 2, number[]> = { 1: [], 2: [] };
const best: Record<1 | 2, SearchResult["best"]> = { 1: null, 2: null };
for (let round = 0; round <= rounds; round++) {
  for (const workers of [1, 2] as const) {
    const started = performance.now();
    const result = await search(train.X, train.y, { validation: [test.X, test.y], grid, base: { epochs: 10 }, workers });
    times[workers].push(performance.now() - started);
    best[workers] = result.best;
  }
}
const cold = times[2].shift()! / times[1].shift()!;
const [one, two] = [median(times[1]), median(times[2])];
const ratios = times[2].map((t, i) => t / times[1][i]!);
const same = best[1]!.index === best[2]!.index && best[1]!.score === best[2]!.score;
console.log(`search, 25 trials of 10-epoch MNIST fits, ${rounds} warm rounds: 1 worker ${(one / 1e3).toFixed(2)} s, `
  + `2 workers ${(two / 1e3).toFixed(2)} s (medians): ${median(ratios).toFixed(3)}× the serial time (the median `
  + `of the rounds' side-by-side ratios ${ratios.map((r) => r.toFixed(3)).join(", ")}; the first round, workers started cold: ${cold.toFixed(3)}×); `
  + `best trial ${best[2]!.index} (${JSON.stringify(best[2]!.options)}, validation accuracy ${best[2]!.score}), `
  + `${same ? "the same" : "NOT the same"} with 1 worker`);

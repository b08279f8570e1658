// What yielding to the event loop costs a fit: the CIFAR-shaped epoch (N = 10,000, D = 3,072, C = 10, batch 200,
// softmax + SGD) with the default 16 ms slices against a fit that never yields, epochs alternating in one run.
// node --experimental-wasm-relaxed-simd --import tsx bench/yield.ts [--rounds 9] [--simd simd|relaxed]
import { parseArgs } from "node:util";
import { init, LinearClassifier, type SimdLevel } from "../src/index.js";
import { makeProblem } from "./problem.js";
import { median } from "./timing.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "9" }, simd: { type: "string" } } });
const rounds = Number(values.rounds);

/** The same fit, never handing the event loop a turn. */
class NoYield extends LinearClassifier {
  protected override sliceMs = Infinity;
}

const { X, y } = makeProblem({ name: "cifar_epoch", N: 10_000, D: 3072, C: 10 });
const backend = await init({ simd: values.simd as SimdLevel | undefined });
const options = { backend, epochs: 1, batchSize: 200, optimizer: { rule: "sgd" as const } };
const times: Record<"yielding" | "never", number[]> = { yielding: [], never: [] };
let yields = 0;
for (let round = -1; round < rounds; round++) { // round −1 warms up
  for (const [name, Model] of [["yielding", LinearClassifier], ["never", NoYield]] as const) {
    const model = new Model(options);
    let ticking = true;
    const tick = () => { if (ticking) { yields++; setImmediate(tick); } };
    if (name === "yielding") setImmediate(tick);
    const history = await model.fit(X, y);
    ticking = false;
    if (round >= 0) times[name].push(history.epochs[0]!.seconds * 1e3);
    model.dispose();
  }
}
const [a, b] = [median(times.yielding), median(times.never)];
console.log(`${backend.simd} build, ${rounds} rounds: yielding ${a.toFixed(1)} ms, never ${b.toFixed(1)} ms per epoch; `
  + `overhead ${(100 * (a / b - 1)).toFixed(2)} % (min ${Math.min(...times.yielding).toFixed(1)} vs ${Math.min(...times.never).toFixed(1)} ms); `
  + `${(yields / (rounds + 1)).toFixed(1)} event-loop turns per yielding epoch`);
backend.dispose();

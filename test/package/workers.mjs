// The installed package's worker entries: fitInWorker and a 2-worker search find their worker file inside
// node_modules/simdlinear and give the bits of the same fits on this thread.
import { LinearClassifier, matrix } from "simdlinear";
import { fitInWorker } from "simdlinear/worker";
import { search } from "simdlinear/tune";

const n = 200, X = matrix(n, 2), y = Array.from({ length: n }, (_, r) => (r % 2 ? "odd" : "even"));
for (let r = 0; r < n; r++) {
  X.data[2 * r] = (r % 2 ? 2 : -2) + ((r * 37) % 11) / 11 - 0.5;
  X.data[2 * r + 1] = ((r * 53) % 13) / 13 - 0.5;
}
const options = { epochs: 10, batchSize: 16, optimizer: { rule: "adam", learningRate: 1e-2 } };
const { model } = await fitInWorker(X, y, options);
const local = new LinearClassifier(options);
await local.fit(X, y);
const same = JSON.stringify(model.toJSON()) === JSON.stringify(local.toJSON());
const found = await search(X, y, { validation: [X, y], grid: { learningRate: [1e-3, 1e-2] }, base: options, workers: 2 });
console.log(`workers ${process.version}: fitInWorker ${same ? "same bits" : "DIFFERENT"}, predict ${model.predict([2, 0])}, `
  + `search on ${found.workers} workers, best lr ${found.best.options.optimizer.learningRate}`);
const classes = model.classes.join();
model.dispose();
local.dispose();
if (!same || found.workers !== 2 || classes !== "even,odd") process.exit(1);

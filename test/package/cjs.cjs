// require() of the ESM package (Node >= 20.19).
const { LinearClassifier, matrix } = require("simdlinear");

const n = 200, X = matrix(n, 2), y = new Int32Array(n);
for (let r = 0; r < n; r++) {
  y[r] = r % 2;
  X.data[2 * r] = (y[r] ? 2 : -2) + ((r * 37) % 11) / 11 - 0.5;
  X.data[2 * r + 1] = ((r * 53) % 13) / 13 - 0.5;
}
const model = new LinearClassifier({ epochs: 20, batchSize: 16, optimizer: { rule: "adam", learningRate: 1e-2 } });
model.fit(X, y).then(() => {
  const accuracy = model.score(X, y);
  console.log(`cjs ${process.version}: accuracy ${accuracy}, predict ${Array.from(model.predict(X).slice(0, 4))}`);
  model.dispose();
  if (accuracy < 0.95) process.exit(1);
});

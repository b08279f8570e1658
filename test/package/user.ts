// A TypeScript user's file: typed options, and exports whose inferred types name the package's (TS2742 check).
import { LinearClassifier, matrix, type LinearClassifierOptions, type Matrix } from "simdlinear";

export const options: LinearClassifierOptions = {
  loss: "softmax", epochs: 20, batchSize: 16, l2: 1e-4, optimizer: { rule: "adam", learningRate: 1e-2 },
};

export function toyData(n: number): { X: Matrix; y: Int32Array } {
  const X = matrix(n, 2), y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    y[r] = r % 2;
    X.data[2 * r] = (y[r] ? 2 : -2) + ((r * 37) % 11) / 11 - 0.5;
    X.data[2 * r + 1] = ((r * 53) % 13) / 13 - 0.5;
  }
  return { X, y };
}

export async function train(n = 200) {
  const { X, y } = toyData(n);
  const model = new LinearClassifier(options);
  const history = await model.fit(X, y);
  return { model, history, predict: model.predict.bind(model), accuracy: model.score(X, y) };
}

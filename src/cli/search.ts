/** `simdlinear search`: cs231n's tuning loop, a grid of learning rates × L2 strengths kept by validation accuracy. */
import { LinearClassifier, standardize, trainTestSplit, type ClassificationLoss, type TrainRule } from "../index.js";
import { search as runSearch, type Trial } from "../tune/index.js";
import { fileData, mnistData, type DataCliOptions } from "./train.js";

export interface SearchCliOptions extends DataCliOptions {
  lr: number[];
  l2: number[];
  epochs: number;
  loss: ClassificationLoss;
  optimizer: TrainRule;
  folds?: number;
  workers?: number;
  json: boolean;
}

export async function search(opts: SearchCliOptions): Promise<void> {
  const data = opts.data ? fileData(opts.data, opts) : await mnistData();
  const scaler = opts.data ? standardize().fit(data.train.X) : null;
  const X = scaler?.transform(data.train.X) ?? data.train.X, Xtest = scaler?.transform(data.test.X) ?? data.test.X;
  // The validation rows come out of the training rows (the test rows stay unseen until the end), unless --folds.
  const split = opts.folds ? null : trainTestSplit(X, data.train.y, { testFraction: 0.1, seed: opts.seed, stratify: true });
  const total = opts.lr.length * opts.l2.length;
  const line = (t: Trial): string => `trial ${String(t.index + 1).padStart(3)}/${total}  lr ${t.options.optimizer!.learningRate!.toExponential(1)}  `
    + `l2 ${Number(t.options.l2).toExponential(1)}  validation accuracy ${(100 * t.score).toFixed(2)}%`;
  const result = await runSearch(split?.train.X ?? X, split?.train.y ?? data.train.y, {
    validation: split ? [split.test.X, split.test.y] : undefined, folds: opts.folds, seed: opts.seed,
    grid: { learningRate: opts.lr, l2: opts.l2 },
    base: { loss: opts.loss, epochs: opts.epochs, seed: opts.seed, optimizer: { rule: opts.optimizer } },
    workers: opts.workers ?? "auto", refit: false,
    onTrial: opts.json ? undefined : (t) => console.log(line(t)),
  });
  const best = result.best!;
  const model = new LinearClassifier(best.options);
  await model.fit(X, data.train.y); // the best options on every training row
  const testAccuracy = model.score(Xtest, data.test.y);
  model.dispose();
  const summary = { data: data.name, trials: result.trials.length, workers: result.workers, best: { ...best, histories: undefined },
    testAccuracy };
  if (opts.json) return console.log(JSON.stringify(summary));
  console.log(`best: ${line(best)} (${result.workers} worker${result.workers > 1 ? "s" : ""}); refitted on all ${X.rows} `
    + `training rows, test accuracy ${(100 * testAccuracy).toFixed(2)}%`);
}

#!/usr/bin/env node
// The `simdlinear` command (Node only; the library's core never imports it).
import { createRequire } from "node:module";
import { Command, InvalidArgumentError, Option } from "commander";
import { CLASSIFICATION_LOSSES, TRAIN_RULES, TREE_SHAPES } from "../index.js";
import { formatChecks, runChecks } from "./check.js";
import { exportModel } from "./export.js";
import { predict } from "./predict.js";
import { train } from "./train.js";
import { search } from "./search.js";

const { version } = createRequire(import.meta.url)("../../package.json") as { version: string };

const number = (value: string): number => {
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x)) throw new InvalidArgumentError("expected a number.");
  return x;
};
const integer = (value: string): number => {
  const x = number(value);
  if (!Number.isInteger(x)) throw new InvalidArgumentError("expected an integer.");
  return x;
};

/** Runs a command, turning any error into one line on stderr and exit code 1. */
const run = <A extends unknown[]>(action: (...args: A) => Promise<void>) => async (...args: A): Promise<void> => {
  try {
    await action(...args);
  } catch (e) {
    console.error(`simdlinear: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
};

const program = new Command("simdlinear")
  .description("Linear classifiers on WebAssembly SIMD (cs231n lectures 2-3)")
  .version(version);

/** --data and what goes with it (train, search). */
function dataOptions(command: Command, data: string, testFraction: string): Command {
  return command.option("--data <file>", data)
    .option("--labels <y.npy>", "with --data X.npy: the labels, a 1-D integer array")
    .option("--x-key <name>", "with --data file.npz: the features' array", "X")
    .option("--y-key <name>", "with --data file.npz: the labels' array", "y")
    .option("--label <column>", "the CSV's label column: 0-based index or header name", "0")
    .option("--test-fraction <f>", testFraction, number, 0.2);
}

dataOptions(program.command("train")
  .description("train a classifier on the built-in MNIST (10,000 digits, split 8,000/2,000) or on a CSV, and report test accuracy")
  .addOption(new Option("--loss <kind>", "loss").choices(CLASSIFICATION_LOSSES).default("softmax"))
  .addOption(new Option("--optimizer <rule>", "update rule").choices(TRAIN_RULES).default("adam"))
  .option("--lr <rate>", "learning rate", number, 1e-2)
  .option("--l2 <lambda>", "L2 penalty λ·ΣW²", number)
  .option("--l1 <lambda>", "L1 penalty λ·Σ|W|", number)
  .option("--epochs <n>", "epochs", integer, 20)
  .addOption(new Option("--schedule <type>", "learning-rate schedule over the epochs").choices(["constant", "cosine"]).default("cosine"))
  .option("--dropout <p>", "inverted dropout on the inputs during training (seed 004); default 0.2, and 0 for hierarchical-softmax, which has none", number)
  .addOption(new Option("--tree <shape>", "class tree of --loss hierarchical-softmax (default huffman: by label frequency)").choices(TREE_SHAPES))
  .option("--batch-size <n>", "mini-batch size", integer)
  .addOption(new Option("--backend <name>", "wasm (SIMD kernels) or reference (float64 oracle)").choices(["wasm", "reference"]).default("wasm"))
  .option("--seed <n>", "seed of the initialisation, the shuffles and the CSV split", integer, 0)
  .addOption(new Option("--scale <how>", "preprocessing fitted on the training rows (default: none for MNIST's raw pixels, already in [0, 1]; standardize otherwise)").choices(["standardize", "minmax", "none"]))
  .option("--features <list>", "train on feature transforms of each row seen as an image: raw, hog, color (comma-separated)")
  .option("--image <HxW[xC]>", "image layout of a CSV row for --features and --templates (MNIST: 28x28)")
  .option("--cell-size <n>", "HoG cell side in pixels", integer, 4)
  .option("--save <model.json>", "save the model with its preprocessing, for `predict`")
  .option("--templates <dir>", "write each class's weights as an image, <dir>/class-<j>.png (raw pixel input only)")
  .option("--json", "print one JSON line instead of the progress bar and report", false)
  .action(run(train)), "train on a CSV of numbers (a header line is optional), an .npz or an .npy instead of MNIST",
"share of the CSV's rows held out for testing (stratified)");

const numbers = (value: string): number[] => value.split(",").map((part) => number(part));

dataOptions(program.command("search")
  .description("try every learning rate × L2 strength (cs231n's tuning loop), in parallel workers, and keep the best by validation accuracy")
  .option("--lr <list>", "learning rates, comma-separated", numbers, [1e-3, 3e-3, 1e-2, 3e-2, 1e-1])
  .option("--l2 <list>", "L2 strengths λ, comma-separated", numbers, [0, 1e-5, 1e-4, 1e-3, 1e-2])
  .option("--epochs <n>", "epochs of each trial", integer, 10)
  .addOption(new Option("--loss <kind>", "loss").choices(CLASSIFICATION_LOSSES).default("softmax"))
  .addOption(new Option("--optimizer <rule>", "update rule").choices(TRAIN_RULES).default("adam"))
  .option("--folds <k>", "k-fold stratified cross-validation instead of a 10% validation split", integer)
  .option("--workers <n>", "trials at once (default: the cores)", integer)
  .option("--seed <n>", "seed of the models, the splits and the folds", integer, 0)
  .option("--json", "print one JSON line at the end instead of a line per trial", false)
  .action(run(search)), "search on a CSV, an .npz or an .npy instead of MNIST", "share of the CSV's rows held out for the final test");

program.command("predict")
  .description("print the label a saved model gives each row of a CSV, one per line")
  .requiredOption("--model <model.json>", "a model saved by `train --save`")
  .requiredOption("--data <file>", "rows to classify: a CSV (the training file's label column may be present; it is skipped), an .npy or an .npz")
  .option("--x-key <name>", "with --data file.npz: the features' array", "X")
  .option("--out <file>", "write the labels to a file instead of stdout")
  .action(run(predict));

program.command("export")
  .description("write a model saved by `train --save` as ONNX (opset 13), its preprocessing included")
  .requiredOption("--model <model.json>", "a model saved by `train --save`")
  .requiredOption("--onnx <model.onnx>", "the ONNX file to write")
  .action(run(exportModel));

program.command("check")
  .description("sanity, gradient and wasm-vs-reference checks on this engine; exits 1 if any is past its tolerance")
  .action(run(async () => {
    const rows = await runChecks();
    console.log(formatChecks(rows));
    const failed = rows.filter((r) => !(r.error <= r.tolerance)).length;
    if (failed > 0) throw new Error(`${failed} of ${rows.length} checks past their tolerance`);
    console.log(`all ${rows.length} checks within tolerance`);
  }));

await program.parseAsync();

/**
 * MNIST in the browser: a LinearClassifier trained on the package's 10,000 digits, piece by piece
 * (`partialFit` on 1,000 rows at a time, so the curves move and Pause is immediate), with its templates,
 * its confusion matrix on the test set, and a digit drawn by hand classified with its class probabilities.
 */
import { fitInWorker } from "simdlinear/worker";
import { LinearClassifier, loadMnist, matrix, templates, type ClassificationLoss, type Dataset, type UpdateRule } from "simdlinear";
import mnistUrl from "../../build/mnist.bin?url";
import { liveChart } from "./chart.js";
import { digitPad } from "./digit-pad.js";
import { byId, fixed, orShowError, showError, startBackend } from "./dom.js";
import "./style.css";

const CLASSES = 10;
const SIDE = 28;
/** Rows per partialFit call: 8 pieces per epoch of 8,000. */
const PIECE = 1000;

const ui = {
  loss: byId<HTMLSelectElement>("loss"),
  l2: byId<HTMLInputElement>("l2"),
  lr: byId<HTMLInputElement>("lr"),
  rule: byId<HTMLSelectElement>("rule"),
  batch: byId<HTMLSelectElement>("batch"),
  epochs: byId<HTMLInputElement>("epochs"),
  train: byId<HTMLButtonElement>("train"),
  reset: byId<HTMLButtonElement>("reset"),
  worker: byId<HTMLButtonElement>("worker"),
  status: byId("status"),
};
const controls = [ui.loss, ui.l2, ui.lr, ui.rule, ui.batch, ui.epochs];

let model: LinearClassifier | null = null;
/** Pieces of PIECE rows trained so far, over all epochs. */
let piecesDone = 0;
let running = false;
/** Bumped by every start and reset: a training loop that sees another value has been superseded and stops. */
let generation = 0;
let drawn: Float32Array | null = null;

const settings = () => ({
  loss: ui.loss.value as ClassificationLoss,
  l2: 10 ** ui.l2.valueAsNumber,
  learningRate: 10 ** ui.lr.valueAsNumber,
  rule: ui.rule.value as UpdateRule,
  batchSize: Number(ui.batch.value),
  epochs: ui.epochs.valueAsNumber,
});

function showSettings(): void {
  const s = settings();
  byId("l2-out").textContent = s.l2.toExponential(0);
  byId("lr-out").textContent = s.learningRate.toExponential(1);
  byId("epochs-out").textContent = String(s.epochs);
}

const lossChart = liveChart(byId("loss-chart"), {
  title: "training loss", xLabel: "epoch", yLabel: "loss", width: 330, height: 230,
  series: [{ label: "loss on the last 1,000 rows", stroke: "#1d2330" }],
});
const accuracyChart = liveChart(byId("accuracy-chart"), {
  title: "accuracy", xLabel: "epoch", yLabel: "accuracy", width: 330, height: 230,
  series: [{ label: "train (last 1,000 rows)", stroke: "#2e6fdb" }, { label: "test", stroke: "#e0483e" }],
});

// ---- templates and confusion matrix ----

const templateCanvases = Array.from({ length: CLASSES }, (_, digit) => {
  const figure = document.createElement("figure");
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = SIDE;
  const caption = document.createElement("figcaption");
  caption.textContent = String(digit);
  figure.append(canvas, caption);
  byId("templates").append(figure);
  return canvas;
});

/** Each class's template (the library's templates(): one gray scale over all classes, as cs231n); none: blank. */
function drawTemplates(trained: LinearClassifier | null): void {
  const images = trained ? templates(trained, { height: SIDE, width: SIDE, channels: 1 }) : null;
  templateCanvases.forEach((canvas, j) => {
    const context = canvas.getContext("2d")!;
    if (!images) return context.clearRect(0, 0, SIDE, SIDE);
    const image = new ImageData(SIDE, SIDE);
    image.data.set(images[j]!.data);
    context.putImageData(image, 0, 0);
  });
}

const confusion = byId<HTMLTableElement>("confusion");
confusion.tHead!.replaceChildren(headerRow());

function headerRow(): HTMLTableRowElement {
  const tr = document.createElement("tr");
  for (const text of ["", ...Array.from({ length: CLASSES }, (_, j) => String(j))]) {
    const th = document.createElement("th");
    th.textContent = text;
    tr.append(th);
  }
  return tr;
}

/** Counts of (true, predicted) pairs, shaded by their share of the true class's row. */
function drawConfusion(truth: Int32Array, predicted: Int32Array): void {
  const counts = Array.from({ length: CLASSES }, () => new Array<number>(CLASSES).fill(0));
  truth.forEach((t, i) => counts[t]![predicted[i]!]!++);
  confusion.tBodies[0]!.replaceChildren(...counts.map((row, t) => {
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    th.textContent = String(t);
    tr.append(th);
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, p) => {
      const td = document.createElement("td");
      td.textContent = String(count);
      const share = count / total;
      if (t === p) td.className = "diag";
      td.style.backgroundColor = t === p ? `rgba(42, 161, 95, ${0.15 + 0.6 * share})` : `rgba(224, 72, 62, ${Math.min(0.8, 4 * share)})`;
      tr.append(td);
    });
    return tr;
  }));
}

// ---- the drawing pad ----

const bars = Array.from({ length: CLASSES }, (_, digit) => {
  const label = document.createElement("span");
  label.textContent = String(digit);
  const bar = document.createElement("div");
  bar.className = "bar";
  const fill = document.createElement("span");
  fill.style.width = "0";
  bar.append(fill);
  const value = document.createElement("span");
  byId("bars").append(label, bar, value);
  return { label, fill, value };
});

const pad = digitPad(byId<HTMLCanvasElement>("pad"), byId<HTMLCanvasElement>("preview"), (pixels) => {
  drawn = pixels;
  classifyDrawing();
});
byId("clear").addEventListener("click", () => pad.clear());

/** Probabilities of the drawn digit (softmax), or the softmax of its scores for an SVM, which has none. */
function classifyDrawing(): void {
  const heading = byId("prediction");
  if (!drawn || !model?.classes) {
    bars.forEach((b) => ((b.fill.style.width = "0"), (b.value.textContent = ""), b.label.classList.remove("top")));
    heading.textContent = drawn ? "Class probabilities (train the model first)" : "Class probabilities";
    delete heading.dataset.prediction;
    return;
  }
  const x = matrix(1, SIDE * SIDE, drawn);
  const probabilities = settings().loss === "softmax" ? model.predictProba(x).data
    : backend.probabilities("softmax", model.decisionFunction(x)).data;
  const best = model.predict(x)[0]!;
  bars.forEach((b, j) => {
    b.fill.style.width = `${(100 * probabilities[j]!).toFixed(1)}%`;
    b.value.textContent = fixed(probabilities[j]!, 3);
    b.label.classList.toggle("top", j === best);
  });
  heading.textContent = settings().loss === "softmax" ? `It is a ${best}` : `It is a ${best} (softmax of the SVM's scores)`;
  heading.dataset.prediction = String(best);
  heading.dataset.probabilities = Array.from(probabilities, (p) => p.toPrecision(6)).join(",");
}

// ---- training ----

function modelOptions() {
  const s = settings();
  return { loss: s.loss, l2: s.l2, batchSize: s.batchSize, seed: 1, optimizer: { rule: s.rule, learningRate: s.learningRate } };
}

function newModel(): LinearClassifier {
  return new LinearClassifier({ ...modelOptions(), backend });
}

/** The whole fit in a Web Worker (fitInWorker): the page only draws each epoch's report, then the fitted model. */
async function trainInWorker(): Promise<void> {
  reset();
  const controller = new AbortController(), mine = generation, epochs = settings().epochs;
  setWorkerRunning(controller);
  try {
    const { model: fitted } = await fitInWorker(data.train.X, data.train.y, { ...modelOptions(), epochs }, {
      validation: [data.test.X, data.test.y], signal: controller.signal, backend,
      onEpoch: (info) => {
        lossChart.push(info.epoch, [info.loss]);
        accuracyChart.push(info.epoch, [info.trainAccuracy, info.valAccuracy!]);
        showStatus(info.epoch, info.loss, info.valAccuracy!);
      },
    });
    if (generation !== mine) return fitted.dispose();
    model = fitted;
    piecesDone = epochs * Math.ceil(data.train.X.rows / PIECE);
    const predicted = model.predict(data.test.X);
    drawTemplates(model);
    drawConfusion(data.test.y, predicted);
    classifyDrawing();
    ui.status.dataset.worker = "done";
  } catch (e) {
    if ((e as Error).name !== "AbortError") throw e;
  } finally {
    setWorkerRunning(null);
  }
}

let workerFit: AbortController | null = null;

function setWorkerRunning(controller: AbortController | null): void {
  workerFit = controller;
  ui.worker.textContent = controller ? "Stop the worker" : "Train in a worker";
  ui.train.disabled = controller !== null;
  ui.reset.disabled = controller !== null;
  for (const c of controls) c.disabled = controller !== null || piecesDone > 0;
}

function rowsOf(set: Dataset, start: number, end: number): Dataset {
  const d = set.X.cols;
  return { X: matrix(end - start, d, set.X.data.subarray(start * d, end * d)), y: set.y.subarray(start, end) };
}

async function train(): Promise<void> {
  const piecesPerEpoch = Math.ceil(data.train.X.rows / PIECE), total = settings().epochs * piecesPerEpoch;
  model ??= newModel();
  const mine = ++generation;
  while (running && generation === mine && piecesDone < total) {
    const start = (piecesDone % piecesPerEpoch) * PIECE, piece = rowsOf(data.train, start, Math.min(start + PIECE, data.train.X.rows));
    const history = await model.partialFit(piece.X, piece.y, { classes: CLASSES });
    piecesDone++;
    const epoch = piecesDone / piecesPerEpoch;
    const predicted = model.predict(data.test.X);
    const testAccuracy = predicted.reduce((n, p, i) => n + (p === data.test.y[i] ? 1 : 0), 0) / predicted.length;
    lossChart.push(epoch, [history.loss[0]!]);
    accuracyChart.push(epoch, [history.trainAccuracy[0]!, testAccuracy]);
    drawTemplates(model);
    drawConfusion(data.test.y, predicted);
    classifyDrawing();
    showStatus(epoch, history.loss[0]!, testAccuracy);
    await new Promise(requestAnimationFrame);
  }
  if (generation === mine) setRunning(false);
}

function showStatus(epoch: number, loss: number, testAccuracy: number): void {
  ui.status.textContent = `epoch ${fixed(epoch, 2)} of ${settings().epochs} · loss ${fixed(loss, 4)} · test accuracy ${fixed(100 * testAccuracy, 1)}%`;
  Object.assign(ui.status.dataset, { epoch: String(epoch), loss: String(loss), testAccuracy: String(testAccuracy) });
}

function setRunning(on: boolean): void {
  running = on;
  ui.train.textContent = on ? "Pause" : piecesDone > 0 ? "Continue" : "Train";
  // Settings shape the model: they change after a Reset, not during a run.
  for (const c of controls) c.disabled = on || piecesDone > 0;
  ui.reset.disabled = on;
}

function reset(): void {
  running = false;
  generation++;
  model?.dispose();
  model = null;
  piecesDone = 0;
  lossChart.clear();
  accuracyChart.clear();
  drawTemplates(null);
  confusion.tBodies[0]!.replaceChildren();
  ui.status.textContent = `${data.train.X.rows.toLocaleString("en")} digits to train on, ${data.test.X.rows.toLocaleString("en")} to test on`;
  setRunning(false);
  classifyDrawing();
}

ui.train.addEventListener("click", () => {
  setRunning(!running);
  if (running) void train().catch(showError);
});
ui.reset.addEventListener("click", reset);
ui.worker.addEventListener("click", () => {
  if (workerFit) workerFit.abort();
  else void trainInWorker().catch(showError);
});
for (const c of controls) c.addEventListener("input", showSettings);

showSettings();
const backend = await startBackend();
const data = await orShowError(loadMnist(mnistUrl));
reset();
ui.train.disabled = false;
ui.worker.disabled = false;
document.body.dataset.ready = "true";

/**
 * The 2D playground (after cs231n's interactive linear-classification demo): the model trains live on the
 * library's primitives — `backend.linearLoss` for loss and gradients, `backend.optimizerStep` for the update,
 * `backend.scores` for the regions, `backend.loss` for each point's L_i, `features.polar` for the polar features.
 * The page does no model math of its own: it only draws.
 */
import { features, matrix, type LossKind, type Matrix, type OptimizerState, type UpdateRule } from "simdlinear";
import { liveChart } from "./chart.js";
import { byId, fillTable, fixed, startBackend } from "./dom.js";
import "./style.css";

interface Point { x: number; y: number; label: number }

const CLASSES = 3;
const COLORS = ["#e0483e", "#2aa15f", "#2e6fdb"];
const TINTS = [[250, 214, 210], [206, 238, 217], [209, 224, 250]];
/** The plane shows [−VIEW, VIEW]². */
const VIEW = 1;
const GRID = 130;
const HIT_PX = 10;

const DATASETS: Record<string, () => Point[]> = {
  cs231n: () => [
    [0.5, 0.4, 0], [0.8, 0.3, 0], [0.3, 0.8, 0], [-0.4, 0.3, 1], [-0.3, 0.7, 1], [-0.7, 0.2, 1],
    [0.7, -0.4, 2], [0.5, -0.6, 2], [-0.4, -0.5, 2],
  ].map(([x, y, label]) => ({ x: x!, y: y!, label: label! })),
  blobs: () => Array.from({ length: 36 }, (_, i) => {
    const label = i % CLASSES, angle = (2 * Math.PI * label) / CLASSES + 0.5;
    return { x: 0.55 * Math.cos(angle) + gaussian() * 0.18, y: 0.55 * Math.sin(angle) + gaussian() * 0.18, label };
  }),
  rings: () => Array.from({ length: 45 }, (_, i) => {
    const label = i % CLASSES, r = 0.2 + 0.3 * label + (Math.random() - 0.5) * 0.1, angle = Math.random() * 2 * Math.PI;
    return { x: r * Math.cos(angle), y: r * Math.sin(angle), label };
  }),
};

/** A data sample's noise, not the model's: Box–Muller. */
function gaussian(): number {
  return Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
}

/** The feature maps the model can see; a feature map turns an N×2 matrix of points into an N×2 matrix. */
const FEATURE_MAPS: Record<string, (P: Matrix) => Matrix> = {
  xy: (P) => P,
  polar: features.polar,
};

// cs231n's starting parameters: w₀ = (1, 2), w₁ = (2, −4), w₂ = (3, −1), b = (0, 0.5, −0.5). W is D×C.
const START_W = [1, 2, 3, 2, -4, -1];
const START_B = [0, 0.5, -0.5];

const ui = {
  canvas: byId<HTMLCanvasElement>("plane"),
  loss: byId<HTMLSelectElement>("loss"),
  l2: byId<HTMLInputElement>("l2"),
  lr: byId<HTMLInputElement>("lr"),
  rule: byId<HTMLSelectElement>("rule"),
  speed: byId<HTMLInputElement>("speed"),
  features: byId<HTMLSelectElement>("features"),
  dataset: byId<HTMLSelectElement>("dataset"),
  play: byId<HTMLButtonElement>("play"),
  stats: byId("stats"),
};

const backend = await startBackend();

const W = matrix(2, CLASSES);
const b = new Float32Array(CLASSES);
let wState: OptimizerState = {};
let bState: OptimizerState = {};
let points: Point[] = [];
let X: Matrix = matrix(1, 2);
let y = new Int32Array(0);
let grid: Matrix = matrix(1, 2);
let steps = 0;
let firstLoss: number | null = null;
let playing = false;
let newClass = 0;
let selected: Point | null = null;
let dragging: Point | null = null;

const curve = liveChart(byId("curve"), {
  title: "loss", xLabel: "step", yLabel: "loss", width: 460, height: 230,
  series: [
    { label: "total", stroke: "#1d2330" },
    { label: "data", stroke: "#2e6fdb" },
    { label: "regularization", stroke: "#e0483e", dash: [6, 4] },
  ],
});

const settings = () => ({
  loss: ui.loss.value as LossKind,
  l2: ui.l2.valueAsNumber <= -4 ? 0 : 10 ** ui.l2.valueAsNumber,
  learningRate: 10 ** ui.lr.valueAsNumber,
  rule: ui.rule.value as UpdateRule,
  stepsPerFrame: ui.speed.valueAsNumber,
  featureMap: FEATURE_MAPS[ui.features.value]!,
});

/** Rebuilds the model's inputs (features of the points, and of the grid of region cells). */
function refreshInputs(): void {
  const { featureMap } = settings();
  const P = matrix(Math.max(points.length, 1), 2, points.length ? points.flatMap((p) => [p.x, p.y]) : [0, 0]);
  X = featureMap(P);
  y = Int32Array.from(points, (p) => p.label);
  const cells = new Float32Array(GRID * GRID * 2);
  for (let r = 0; r < GRID; r++) {
    for (let c = 0; c < GRID; c++) {
      cells[2 * (r * GRID + c)] = -VIEW + ((c + 0.5) * 2 * VIEW) / GRID;
      cells[2 * (r * GRID + c) + 1] = VIEW - ((r + 0.5) * 2 * VIEW) / GRID;
    }
  }
  grid = featureMap(matrix(GRID * GRID, 2, cells));
}

function restartOptimizer(): void {
  wState = {};
  bState = {};
  steps = 0;
  firstLoss = null;
  curve.clear();
}

function setParameters(w: ArrayLike<number>, bias: ArrayLike<number>): void {
  W.data.set(w);
  b.set(bias);
  restartOptimizer();
}

function randomParameters(): void {
  setParameters(Array.from(W.data, () => 4 * Math.random() - 2), Array.from(b, () => Math.random() - 0.5));
}

/** The loss of the current parameters, with its gradients (null without points). */
function evaluate() {
  if (points.length === 0) return null;
  const s = settings();
  return backend.linearLoss(s.loss, X, W, b, y, { l2: s.l2 });
}

/** One update of W and b from the gradient at the current parameters. */
function step(): void {
  const r = evaluate();
  if (!r) return;
  const s = settings();
  backend.optimizerStep(s.rule, W.data, r.dW.data, wState, { learningRate: s.learningRate });
  backend.optimizerStep(s.rule, b, r.db, bState, { learningRate: s.learningRate });
  steps++;
  firstLoss ??= r.loss;
  curve.push(steps, [r.loss, r.dataLoss, r.regLoss]);
}

// ---- drawing ----

const ctx = ui.canvas.getContext("2d")!;
const size = ui.canvas.width;
const regionImage = new ImageData(GRID, GRID);
const regionCanvas = new OffscreenCanvas(GRID, GRID);
const toPx = (x: number, y: number): [number, number] => [((x + VIEW) / (2 * VIEW)) * size, ((VIEW - y) / (2 * VIEW)) * size];
const toData = (px: number, py: number): [number, number] => [(px / size) * 2 * VIEW - VIEW, VIEW - (py / size) * 2 * VIEW];

function drawRegions(): void {
  const S = backend.scores(grid, W, b).data;
  const px = regionImage.data;
  for (let i = 0; i < GRID * GRID; i++) {
    let best = 0;
    for (let j = 1; j < CLASSES; j++) if (S[i * CLASSES + j]! > S[i * CLASSES + best]!) best = j;
    px.set(TINTS[best]!, 4 * i);
    px[4 * i + 3] = 255;
  }
  regionCanvas.getContext("2d")!.putImageData(regionImage, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(regionCanvas, 0, 0, size, size);
}

function drawAxes(): void {
  ctx.lineWidth = 1;
  for (let t = -VIEW; t <= VIEW + 1e-9; t += 0.25) {
    const [gx, gy] = toPx(t, t);
    ctx.strokeStyle = Math.abs(t) < 1e-9 ? "rgba(0,0,0,0.45)" : "rgba(0,0,0,0.08)";
    ctx.beginPath();
    ctx.moveTo(gx, 0);
    ctx.lineTo(gx, size);
    ctx.moveTo(0, gy);
    ctx.lineTo(size, gy);
    ctx.stroke();
  }
}

/** Class j's line w·x + b = 0 (in the plane, so for the (x, y) features only) and an arrow along w. */
function drawLines(): void {
  for (let j = 0; j < CLASSES; j++) {
    const wx = W.data[j]!, wy = W.data[CLASSES + j]!, norm2 = wx * wx + wy * wy;
    if (norm2 < 1e-12) continue;
    const x0 = (-b[j]! * wx) / norm2, y0 = (-b[j]! * wy) / norm2, far = 4 * VIEW / Math.sqrt(norm2);
    const [ax, ay] = toPx(x0 - wy * far, y0 + wx * far), [bx, by] = toPx(x0 + wy * far, y0 - wx * far);
    ctx.strokeStyle = COLORS[j]!;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(ax, ay);
    ctx.lineTo(bx, by);
    ctx.stroke();
    const len = 0.12 * VIEW / Math.sqrt(norm2);
    const [sx, sy] = toPx(x0, y0), [tx, ty] = toPx(x0 + wx * len, y0 + wy * len);
    const angle = Math.atan2(ty - sy, tx - sx);
    ctx.beginPath();
    ctx.moveTo(sx, sy);
    ctx.lineTo(tx, ty);
    ctx.lineTo(tx - 7 * Math.cos(angle - 0.45), ty - 7 * Math.sin(angle - 0.45));
    ctx.moveTo(tx, ty);
    ctx.lineTo(tx - 7 * Math.cos(angle + 0.45), ty - 7 * Math.sin(angle + 0.45));
    ctx.stroke();
  }
}

function drawPoints(): void {
  for (const p of points) {
    const [px, py] = toPx(p.x, p.y);
    ctx.beginPath();
    ctx.arc(px, py, p === selected ? 8 : 6.5, 0, 2 * Math.PI);
    ctx.fillStyle = COLORS[p.label]!;
    ctx.fill();
    ctx.lineWidth = p === selected ? 3 : 1.5;
    ctx.strokeStyle = "#111";
    ctx.stroke();
  }
}

function drawTables(): void {
  const [f1, f2] = ui.features.value === "polar" ? ["r", "θ"] : ["x", "y"];
  byId("w1").textContent = `weight of ${f1}`;
  byId("w2").textContent = `weight of ${f2}`;
  fillTable(byId<HTMLTableSectionElement>("params"), Array.from({ length: CLASSES }, (_, j) => [
    ["", `dot k${j}`], fixed(W.data[j]!), fixed(W.data[CLASSES + j]!), fixed(b[j]!),
  ]));
  if (points.length === 0) return fillTable(byId<HTMLTableSectionElement>("points"), []);
  const S = backend.scores(X, W, b);
  const kind = settings().loss;
  fillTable(byId<HTMLTableSectionElement>("points"), points.map((p, i) => {
    const row = matrix(1, CLASSES, S.data.subarray(i * CLASSES, (i + 1) * CLASSES));
    const Li = backend.loss(kind, row, Int32Array.of(p.label)).loss;
    return [["", `dot k${p.label}`], fixed(p.x, 2), fixed(p.y, 2), ...Array.from(row.data, (s) => fixed(s, 2)), fixed(Li)];
  }));
}

function drawStats(): void {
  const r = evaluate();
  const set = (id: string, text: string) => (byId(id).textContent = text);
  set("steps", String(steps));
  if (!r) return ["loss-total", "loss-data", "loss-reg", "accuracy"].forEach((id) => set(id, "–"));
  set("loss-total", fixed(r.loss, 4));
  set("loss-data", fixed(r.dataLoss, 4));
  set("loss-reg", fixed(r.regLoss, 4));
  const S = backend.scores(X, W, b).data;
  let correct = 0;
  points.forEach((p, i) => {
    const row = S.subarray(i * CLASSES, (i + 1) * CLASSES);
    if (row.indexOf(Math.max(...row)) === p.label) correct++;
  });
  set("accuracy", `${correct}/${points.length}`);
  // For tests and for anyone curious: the numbers behind the text.
  Object.assign(ui.stats.dataset, { steps: String(steps), loss: String(r.loss), firstLoss: String(firstLoss ?? r.loss) });
}

let lastTables = 0;
function render(now: number): void {
  ctx.clearRect(0, 0, size, size);
  drawRegions();
  drawAxes();
  if (ui.features.value === "xy") drawLines();
  drawPoints();
  drawStats();
  // The tables rebuild DOM: a few times a second is plenty while playing.
  if (!playing || now - lastTables > 150) {
    drawTables();
    lastTables = now;
  }
}

let frameRequested = false;
function requestRender(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(frame);
}

function frame(now: number): void {
  frameRequested = false;
  if (playing) {
    for (let k = 0; k < settings().stepsPerFrame; k++) step();
  }
  render(now);
  if (playing) requestRender();
}

// ---- interaction ----

function pointAt(px: number, py: number): Point | null {
  let best: Point | null = null, bestD = HIT_PX;
  for (const p of points) {
    const [qx, qy] = toPx(p.x, p.y), d = Math.hypot(qx - px, qy - py);
    if (d <= bestD) [best, bestD] = [p, d];
  }
  return best;
}

function canvasXY(e: MouseEvent): [number, number] {
  const rect = ui.canvas.getBoundingClientRect();
  return [((e.clientX - rect.left) * size) / rect.width, ((e.clientY - rect.top) * size) / rect.height];
}

function pointsChanged(): void {
  refreshInputs();
  requestRender();
}

function remove(p: Point): void {
  points = points.filter((q) => q !== p);
  if (selected === p) selected = null;
  pointsChanged();
}

ui.canvas.addEventListener("pointerdown", (e) => {
  if (e.button !== 0) return;
  const [px, py] = canvasXY(e);
  const hit = pointAt(px, py);
  if (hit && e.shiftKey) return remove(hit);
  if (hit) selected = hit;
  else {
    const [x, y] = toData(px, py);
    selected = { x, y, label: newClass };
    points.push(selected);
  }
  dragging = selected;
  ui.canvas.setPointerCapture(e.pointerId);
  pointsChanged();
});
ui.canvas.addEventListener("pointermove", (e) => {
  if (!dragging) return;
  const [px, py] = canvasXY(e);
  const [x, y] = toData(Math.min(Math.max(px, 0), size), Math.min(Math.max(py, 0), size));
  Object.assign(dragging, { x, y });
  pointsChanged();
});
ui.canvas.addEventListener("pointerup", () => (dragging = null));
ui.canvas.addEventListener("contextmenu", (e) => {
  e.preventDefault();
  const hit = pointAt(...canvasXY(e));
  if (hit) remove(hit);
});
document.addEventListener("keydown", (e) => {
  if ((e.key === "Delete" || e.key === "Backspace") && selected && document.activeElement === document.body) remove(selected);
});

for (const button of byId("classes").querySelectorAll<HTMLButtonElement>("button")) {
  button.addEventListener("click", () => {
    newClass = Number(button.dataset.class);
    for (const other of byId("classes").querySelectorAll("button")) other.setAttribute("aria-pressed", String(other === button));
  });
}

function setPlaying(on: boolean): void {
  playing = on;
  ui.play.textContent = on ? "Pause" : "Play";
  requestRender();
}

ui.play.addEventListener("click", () => setPlaying(!playing));
byId("step").addEventListener("click", () => {
  step();
  requestRender();
});
byId("randomize").addEventListener("click", () => {
  randomParameters();
  requestRender();
});
byId("reset").addEventListener("click", () => {
  setPlaying(false);
  loadDataset();
});

function showSettings(): void {
  const s = settings();
  byId("l2-out").textContent = s.l2 === 0 ? "0" : s.l2.toExponential(1);
  byId("lr-out").textContent = s.learningRate.toExponential(1);
  byId("speed-out").textContent = String(s.stepsPerFrame);
}

for (const input of [ui.l2, ui.lr, ui.speed]) {
  input.addEventListener("input", () => {
    showSettings();
    requestRender();
  });
}
// A new loss or update rule starts a new curve (the old one measured something else); parameters stay.
for (const select of [ui.loss, ui.rule]) select.addEventListener("change", () => (restartOptimizer(), requestRender()));
ui.features.addEventListener("change", () => (restartOptimizer(), pointsChanged()));
ui.dataset.addEventListener("change", () => loadDataset());

function loadDataset(): void {
  points = DATASETS[ui.dataset.value]!();
  selected = null;
  setParameters(START_W, START_B);
  pointsChanged();
}

showSettings();
loadDataset();
document.body.dataset.ready = "true";

// The bench's outputs: a markdown report (tables with ratios), the raw JSON, and an SVG bar chart of GFLOP/s.
import type { KernelRow } from "./kernels.js";
import { FIT_EPOCHS, type EpochRow } from "./epoch.js";
import type { MemoryReport } from "./memory.js";

export interface Environment {
  date: string;
  mode: string;
  node: string;
  cpu: string;
  cores: number;
  /** Load averages (1, 5, 15 min) when the run started and ended: the machine is shared. */
  loadBefore: number[];
  loadAfter: number[];
  peer: string;
  builds: string[];
  seconds: number;
}

export interface Results {
  env: Environment;
  kernels: KernelRow[];
  epochs: EpochRow[];
  memory: MemoryReport | null;
}

export const PEER = "tfjs-wasm";
/** The same tfjs loop with each batch's Xᵀ also made up front: the fastest tfjs loop we found. */
export const TUNED_PEER = "tfjs-wasm, Xᵀ up front";
export const REFERENCE = "reference";

const gflops = (flop: number | null, ms: number): number | null => (flop === null ? null : flop / ms / 1e6);
const fmt = (x: number | null, digits = 1): string => (x === null || !Number.isFinite(x) ? "—" : x.toFixed(digits));
const ratio = (other: number | undefined, ms: number, digits = 1): string =>
  (other === undefined ? "—" : `${(other / ms).toFixed(digits)}×`);
const err = (e: number | null): string => (e === null ? "—" : e === 0 ? "0" : e.toExponential(1));
const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(4));

/** Reference and peer kernels carry the name without " fused"/" unfused". */
const baseKernel = (kernel: string): string => kernel.replace(/ (un)?fused$/, "");

function kernelTable(rows: KernelRow[], shape: string): string[] {
  const find = (backend: string, kernel: string): number | undefined =>
    rows.find((r) => r.backend === backend && r.shape === shape && r.kernel === baseKernel(kernel))?.ms;
  const lines = [
    `| kernel | backend | median ms | GFLOP/s | vs ${PEER} | vs reference | max rel err |`,
    "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of rows.filter((row) => row.shape === shape)) {
    lines.push(`| ${r.kernel} | ${r.backend} | ${ms(r.ms)} | ${fmt(gflops(r.flop, r.ms))} | ${r.backend === PEER ? "—" : ratio(find(PEER, r.kernel), r.ms)} | ${r.backend === REFERENCE ? "—" : ratio(find(REFERENCE, r.kernel), r.ms)} | ${err(r.error)} |`);
  }
  return lines;
}

/** A row's backend as a label: "wasm-simd", or "wasm-simd, 2 threads". */
export const epochLabel = (r: EpochRow): string => ((r.threads ?? 1) > 1 ? `${r.backend}, ${r.threads} threads` : r.backend);

function epochTable(rows: EpochRow[]): string[] {
  const lines = [
    `| epoch | backend | threads | median ms | runs | GFLOP/s | vs 1 thread | vs ${PEER} | vs ${TUNED_PEER} | vs reference | max rel err of W, b |`,
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const find = (config: string, backend: string, threads: number): number | undefined =>
    rows.find((o) => o.config === config && o.backend === backend && (o.threads ?? 1) === threads)?.ms;
  for (const r of rows) {
    const threads = r.threads ?? 1;
    const vs = (backend: string): string => (r.backend === backend ? "—" : ratio(find(r.config, backend, 1), r.ms));
    const vsOne = threads > 1 ? ratio(find(r.config, r.backend, 1), r.ms, 2) : "—";
    lines.push(`| ${r.config} | ${r.backend} | ${threads} | ${ms(r.ms)} | ${r.reps} | ${fmt(gflops(r.flop, r.ms))} | ${vsOne} | ${vs(PEER)} | ${vs(TUNED_PEER)} | ${vs(REFERENCE)} | ${err(r.error)} |`);
  }
  return lines;
}

/** Adam's update (W and b) per epoch, from the kernel rows at the CIFAR batch shape, as a share of the epoch. */
function updateShare(res: Results, build: string): string | null {
  const update = res.kernels.find((r) => r.backend === build && r.shape === "cifar_batch" && r.kernel === "update adam");
  const epoch = res.epochs.find((r) => r.backend === build && (r.threads ?? 1) === 1 && r.config === "softmax + adam");
  if (!update || !epoch) return null;
  const perEpoch = update.ms * 50;
  return `Adam's update on ${build}: ${perEpoch.toFixed(2)} ms per epoch (50 steps × ${update.ms.toFixed(3)} ms, W only; b is 12 values) = ${(100 * perEpoch / epoch.ms).toFixed(1)}% of the softmax + adam epoch.`;
}

export function markdown(res: Results): string {
  const { env } = res;
  const out = [
    "# simdlinear benchmark",
    "",
    `${env.date}, ${env.mode} run (${env.seconds.toFixed(0)} s): Node ${env.node}, ${env.cpu}, one thread but for the epoch rows with 2 threads. Builds: ${env.builds.join(", ")}. Peer: ${env.peer}.`,
    `Load average (1/5/15 min) ${env.loadBefore.map((l) => l.toFixed(2)).join(" / ")} at the start and ${env.loadAfter.map((l) => l.toFixed(2)).join(" / ")} at the end, on ${env.cores} shared cores:`,
    "absolute times are noisy; ratios come from rows measured side by side (epochs round-robin).",
    "",
    "GFLOP/s counts 2·N·D·C per GEMM and 4·N·D·C per step or epoch step (C = 10 classes, not the padded 12).",
    "`vs X` is X's median time over this row's (higher is better for this row). Errors are ‖out − ref‖∞ / ‖ref‖∞",
    "against the float64 reference (and |Δ|/|ref| of the loss sum); for epochs, of W and b after one epoch.",
    `${PEER} computes dW with matMul(X, dS, transposeA), the product tf.grad forms; ${TUNED_PEER} also keeps each`,
    "batch's Xᵀ (twice the memory), which avoids tfjs-wasm's slow transposeA path: the strongest tfjs loop we found.",
    "Wasm update rules run over D×cp values (cp = 12 for C = 10), the reference over D×C.",
    "",
    "## Epoch at the CIFAR-10 shape (N = 10,000, D = 3,072, C = 10, batch 200)",
    "",
    `Rows wasm-<build>: \`LinearClassifier.fit\` as a user calls it (progressive training metrics), the median of the`,
    `per-epoch \`seconds\` of ${FIT_EPOCHS}-epoch fits; its error is against the reference backend's fit (same seed, one epoch).`,
    "Rows \"kernel loop\": the same kernels driven by hand (fusedStep, or the unfused sequence, and the update), from W0.",
    "Rows with 2 threads: the same fit on `init({ simd, threads: 2 })`; `vs 1 thread` is the same build's one-thread fit over it.",
    "",
    ...epochTable(res.epochs),
    "",
  ];
  const overheads = res.epochs.filter((r) => r.overheadMs !== undefined && r.config === "softmax + adam");
  if (overheads.length) {
    out.push(`- Fixed cost of a fit call beyond its epochs (checking X, copying it into wasm memory, weights out), softmax + adam: ${
      overheads.map((r) => `${epochLabel(r)} ${r.overheadMs!.toFixed(1)} ms`).join(", ")}.`);
  }
  const shares = (env.builds.map((b) => updateShare(res, b)).filter((s) => s !== null) as string[]);
  if (shares.length) out.push(...shares.map((s) => `- ${s}`), "");
  if (res.memory) {
    const m = res.memory, mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
    out.push("## Memory during fit", "",
      `Our ${m.build} fit (softmax + adam, ${m.epochs} epochs) in a process of its own: dataset ${mb(m.datasetBytes)} ` +
      `(X, labels) held by the caller; RSS before fit ${mb(m.rssBase)}, peak RSS while training ${mb(m.rssPeak)}; wasm memory ` +
      `${mb(m.wasmBytes)}. Beyond the caller's data, fit adds ${mb(m.rssPeak - m.rssBase)} (RSS, sampled after each epoch), ` +
      `nearly all of it its own copy of the dataset in wasm memory (${mb(m.datasetBytes)}).`, "");
  }
  for (const shape of [...new Set(res.kernels.map((r) => r.shape))]) {
    out.push(`## Kernels at ${shape}`, "", ...kernelTable(res.kernels, shape), "");
  }
  return out.join("\n");
}

const COLORS: Record<string, string> = {
  "wasm-relaxed": "#1b5e20", "wasm-simd": "#43a047", "wasm-none": "#a5d6a7",
  "wasm-relaxed, 2 threads": "#004d40", "wasm-simd, 2 threads": "#00897b",
  [REFERENCE]: "#9e9e9e", [PEER]: "#e65100", [TUNED_PEER]: "#ffb74d", "plain-js": "#5c6bc0",
};

/**
 * Grouped bars: the softmax step (forward + backward) at each kernel shape, and the softmax + sgd epoch, in
 * GFLOP/s per backend. Hand-written SVG (no dependency, no browser).
 */
export function chart(res: Results): string {
  const groups: { label: string; bars: { backend: string; value: number }[] }[] = [];
  for (const shape of [...new Set(res.kernels.map((r) => r.shape))]) {
    const bars = res.kernels
      .filter((r) => r.shape === shape && (r.kernel === "step softmax fused" || r.kernel === "step softmax"))
      .map((r) => ({ backend: r.backend, value: gflops(r.flop, r.ms)! }));
    groups.push({ label: `step, ${shape}`, bars });
  }
  const epochBars = res.epochs.filter((r) => r.config === "softmax + sgd" && !r.backend.includes("kernel loop"))
    .map((r) => ({ backend: epochLabel(r), value: gflops(r.flop, r.ms)! }));
  if (epochBars.length) groups.push({ label: "epoch, CIFAR-10", bars: epochBars });
  const step = 10, max = step * Math.ceil(Math.max(1, ...groups.flatMap((g) => g.bars.map((b) => b.value))) / step);
  const barW = 22, gap = 30, left = 60, top = 40, height = 300;
  const width = left + groups.reduce((w, g) => w + g.bars.length * barW + gap, 0) + 200;
  const y = (v: number): number => Math.round(top + height - (v / max) * height);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + height + 70}" font-family="sans-serif" font-size="11">`,
    `<text x="${left}" y="20" font-size="14">softmax step and epoch, GFLOP/s (4·N·D·C per step; one thread unless labelled; ${res.env.date})</text>`,
    `<line x1="${left}" y1="${top + height}" x2="${width - 200}" y2="${top + height}" stroke="#000"/>`,
  ];
  for (let v = 0; v <= max; v += step) {
    parts.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`,
      `<line x1="${left}" y1="${y(v)}" x2="${width - 200}" y2="${y(v)}" stroke="#eee"/>`);
  }
  let x = left + gap / 2;
  for (const g of groups) {
    const start = x;
    for (const b of g.bars) {
      parts.push(`<rect x="${x}" y="${y(b.value)}" width="${barW - 2}" height="${top + height - y(b.value)}" fill="${COLORS[b.backend] ?? "#000"}"><title>${b.backend}: ${b.value.toFixed(2)} GFLOP/s</title></rect>`,
        `<text x="${x + barW / 2 - 1}" y="${y(b.value) - 3}" text-anchor="middle" font-size="9">${b.value >= 10 ? b.value.toFixed(0) : b.value.toFixed(1)}</text>`);
      x += barW;
    }
    parts.push(`<text x="${(start + x) / 2}" y="${top + height + 16}" text-anchor="middle">${g.label}</text>`);
    x += gap;
  }
  const legend = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.backend)))];
  legend.forEach((backend, i) => parts.push(
    `<rect x="${width - 190}" y="${top + i * 18}" width="12" height="12" fill="${COLORS[backend] ?? "#000"}"/>`,
    `<text x="${width - 172}" y="${top + i * 18 + 10}">${backend}</text>`));
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

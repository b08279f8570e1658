// The fused step kernel (assembly/kernels/fused.ts) on every build:
// - against the float64 reference composition scores → loss → gradients (the agreement tolerances), and
// - against the unfused kernel sequence of the same build, which it must reproduce exactly (same sums, same order;
//   only the f64 loss total is summed in a different grouping).
// Rows come through a shuffled index list into a larger X with a padded row stride, as in training.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { init, LABEL_LOSSES, LOSSES, type Backend, type LossKind, type Matrix } from "../src/index.js";
import { loadKernels, type Kernels } from "../src/wasm/loader.js";
import { padCols, tailPackBytes, withScope, writeMatrix, type Scope } from "../src/wasm/scope.js";
import { Rng } from "../src/data/rng.js";
import { EDGE_SHAPES, GRID, type Shape } from "./shapes.js";
import {
  BUILDS, gaussian, labelsClearOfKinks, lossError, normError, realsClearOfKinks, signsClearOfKinks, WorstErrors,
} from "./helpers.js";

const LOSS_TOL = 1e-5;
const ARRAY_TOL = 1e-4;
const KINK_GAP = 1e-3;
/** Extra rows of X that the index list skips, and extra floats per row of X (xStride > D). */
const SPARE_ROWS = 2;
const ROW_PAD = 3;

const SHAPES: Shape[] = [...EDGE_SHAPES, ...GRID];

interface Fixture {
  /** (N + SPARE_ROWS)×D; the batch is rows idx[0..N) of it. */
  X: Matrix;
  idx: Uint32Array;
  W: Matrix;
  b: Float32Array;
  /** Per loss: labels or a target matrix, for every row of X (the kernel reads them through idx). */
  targets: Record<LossKind, Int32Array | Matrix>;
  classWeight: Float32Array;
  /** One per row of X. */
  sampleWeight: Float32Array;
  delta: number;
}

/** Outputs of one step; S, dS, dW and db unpadded. */
interface StepResult {
  sum: number;
  S: Float32Array;
  dS: Float32Array;
  dW: Float32Array;
  db: Float32Array;
  /** Pad lanes (classes c..cp−1) of S, dS, dW and db that are not +0: the contract keeps them zero. */
  dirtyPadLanes: number;
}

const gatherRows = (m: Matrix, idx: Uint32Array): Matrix => {
  const data = new Float32Array(idx.length * m.cols);
  idx.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return { rows: idx.length, cols: m.cols, data };
};

/** Writes batch targets (row i of `batch`) back to full-X rows idx[i] of `full`. */
function scatter(full: Matrix, batch: Matrix, idx: Uint32Array): Matrix {
  idx.forEach((r, i) => full.data.set(batch.data.subarray(i * batch.cols, (i + 1) * batch.cols), r * batch.cols));
  return full;
}

function fixture(reference: Backend, { N, D, C }: Shape): Fixture {
  const rng = new Rng(0xf05ed + N * 100_003 + D * 101 + C);
  const M = N + SPARE_ROWS;
  const X = gaussian(rng, M, D);
  const order = Array.from({ length: M }, (_, i) => i);
  for (let i = M - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const idx = Uint32Array.from(order.slice(0, N));
  const W = gaussian(rng, D, C, 1 / Math.sqrt(D));
  const b = gaussian(rng, 1, C, 0.1).data;
  const S = reference.scores(gatherRows(X, idx), W, b);
  const batchLabels = labelsClearOfKinks(rng, [S], KINK_GAP);
  const labels = Int32Array.from({ length: M }, () => rng.int(C));
  idx.forEach((r, i) => (labels[r] = batchLabels[i]!));
  const full = (): Matrix => ({ rows: M, cols: C, data: new Float32Array(M * C).fill(1) });
  const reals = scatter(full(), realsClearOfKinks(rng, S, KINK_GAP), idx);
  return {
    X, idx, W, b,
    targets: {
      hinge: labels, "squared-hinge": labels, softmax: labels,
      logistic: { rows: M, cols: C, data: Float32Array.from({ length: M * C }, () => rng.int(2)) },
      "attribute-hinge": scatter(full(), signsClearOfKinks(rng, S, KINK_GAP), idx),
      l2: reals, l1: reals,
    },
    classWeight: Float32Array.from({ length: C }, () => 0.5 + 1.5 * rng.uniform()),
    sampleWeight: Float32Array.from({ length: M }, () => 0.25 + 2 * rng.uniform()),
    delta: 0.75,
  };
}

/** The float64 reference composition on the gathered batch. */
function referenceStep(reference: Backend, fx: Fixture, kind: LossKind, weighted: boolean) {
  const Xb = gatherRows(fx.X, fx.idx);
  const targets = fx.targets[kind];
  const batchTargets = targets instanceof Int32Array ? Int32Array.from(fx.idx, (r) => targets[r]!) : gatherRows(targets, fx.idx);
  const S = reference.scores(Xb, fx.W, fx.b);
  const weights = weighted ? { classWeight: LABEL_LOSSES.includes(kind) ? fx.classWeight : undefined,
    sampleWeight: Float32Array.from(fx.idx, (r) => fx.sampleWeight[r]!) } : {};
  const { loss, dS } = reference.loss(kind, S, batchTargets, { delta: fx.delta, ...weights });
  const { dW, db } = reference.gradients(Xb, dS);
  return { loss, S: S.data, dS: dS.data, dW: dW.data, db };
}

/**
 * Inputs in wasm memory, laid out as the training engine keeps them, and output buffers filled with NaN.
 * `gathered`: X holds only the batch rows, in batch order (read through the identity list, as after an input
 * dropout gather), while the targets still go through the shuffled list.
 */
function stage(sc: Scope, fx: Fixture, kind: LossKind, weighted: boolean, gathered = false) {
  const { heap } = sc;
  const n = fx.idx.length, d = fx.X.cols, c = fx.W.cols, cp = padCols(c), xStride = d + ROW_PAD;
  const X = gathered ? gatherRows(fx.X, fx.idx) : fx.X;
  const x = sc.alloc(X.rows * xStride * 4);
  writeMatrix(heap, x, X, xStride);
  const tidx = sc.alloc(n * 4);
  heap.u32(tidx, n).set(fx.idx);
  const idx = gathered ? sc.identity(n) : tidx;
  const t = fx.targets[kind];
  const garbage = (floats: number): number => {
    const p = sc.alloc(floats * 4);
    heap.f32(p, floats).fill(NaN);
    return p;
  };
  return {
    n, d, c, cp, x, xStride: xStride * 4, idx, tidx,
    targets: t instanceof Int32Array ? sc.i32(t) : sc.matrix(t),
    cw: weighted ? sc.f32(fx.classWeight) : 0,
    sw: weighted ? sc.f32(fx.sampleWeight) : 0,
    w: sc.matrix(fx.W, cp), b: sc.matrix({ rows: 1, cols: c, data: fx.b }, cp),
    s: garbage(n * cp), ds: garbage(n * cp), dw: garbage(d * cp), db: garbage(cp), pack: garbage(tailPackBytes(d, c) / 4),
  };
}

type Staged = ReturnType<typeof stage>;

function unpad(sc: Scope, ptr: number, rows: number, cols: number, cp: number): Float32Array {
  const padded = sc.heap.f32(ptr, rows * cp), out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) out.set(padded.subarray(i * cp, i * cp + cols), i * cols);
  return out;
}

function dirtyPadLanes(sc: Scope, ptr: number, rows: number, c: number, cp: number): number {
  const padded = sc.heap.f32(ptr, rows * cp);
  let dirty = 0;
  for (let i = 0; i < rows; i++) for (let j = c; j < cp; j++) if (!Object.is(padded[i * cp + j], 0)) dirty++;
  return dirty;
}

function read(sc: Scope, p: Staged, sum: number): StepResult {
  const pads = [[p.s, p.n], [p.ds, p.n], [p.dw, p.d], [p.db, 1]] as const;
  return {
    sum,
    dirtyPadLanes: pads.reduce((acc, [ptr, rows]) => acc + dirtyPadLanes(sc, ptr, rows, p.c, p.cp), 0),
    S: unpad(sc, p.s, p.n, p.c, p.cp), dS: unpad(sc, p.ds, p.n, p.c, p.cp),
    dW: unpad(sc, p.dw, p.d, p.c, p.cp), db: unpad(sc, p.db, 1, p.c, p.cp),
  };
}

function fusedStep(kernels: Kernels, fx: Fixture, kind: LossKind, weighted: boolean, gathered = false): StepResult {
  return withScope(kernels.heap, (sc) => {
    const p = stage(sc, fx, kind, weighted, gathered);
    const sum = kernels.exports.fusedStep(LOSSES.indexOf(kind), p.n, p.d, p.c, p.cp, p.x, p.xStride, p.idx, p.targets,
      p.tidx, p.cw, p.sw, fx.delta, p.w, p.b, p.s, p.ds, 1 / p.n, p.dw, p.db, p.pack);
    return read(sc, p, sum);
  });
}

/** The same step as four separate kernels. */
function unfusedStep(kernels: Kernels, fx: Fixture, kind: LossKind, weighted: boolean): StepResult {
  const k = kernels.exports;
  return withScope(kernels.heap, (sc) => {
    const p = stage(sc, fx, kind, weighted);
    k.scores(p.n, p.d, p.c, p.cp, p.x, p.xStride, p.idx, p.w, p.b, p.s);
    const label = { hinge: k.hinge, "squared-hinge": k.squaredHinge }[kind as "hinge"];
    const target = { logistic: k.logistic, "attribute-hinge": k.attributeHinge, l2: k.l2, l1: k.l1 }[kind as "l2"];
    const sum = label ? label(p.n, p.c, p.cp, p.s, p.targets, p.idx, p.cw, p.sw, fx.delta, p.ds)
      : kind === "softmax" ? k.softmax(p.n, p.c, p.cp, p.s, p.targets, p.idx, p.cw, p.sw, p.ds)
        : target(p.n, p.c, p.cp, p.s, p.targets, p.idx, p.sw, p.ds);
    k.weightGradient(p.n, p.d, p.cp, p.x, p.xStride, p.idx, p.ds, 1 / p.n, p.dw);
    k.biasGradient(p.n, p.cp, p.ds, 1 / p.n, p.db);
    return read(sc, p, sum);
  });
}

/** Index of the first element whose bits differ (−1: identical); toEqual is too slow on 40k-element arrays. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (ua.length !== ub.length) return Math.min(ua.length, ub.length);
  return ua.findIndex((bits, i) => bits !== ub[i]);
}

/** Every loss, and again with sample weights (read through the target list) and, for the label losses, class weights. */
const CASES: [LossKind, boolean][] = [...LOSSES.map((kind): [LossKind, boolean] => [kind, false]),
  ...LOSSES.map((kind): [LossKind, boolean] => [kind, true])];

let reference: Backend;
const fixtures = new Map<string, Fixture>();
const worst = new WorstErrors();

beforeAll(async () => {
  reference = await init({ backend: "reference" });
  for (const shape of SHAPES) fixtures.set(shape.name, fixture(reference, shape));
});

afterAll(() => {
  reference.dispose();
  worst.report();
});

describe.each(BUILDS)("fusedStep on the %s build", (build) => {
  let kernels: Kernels;
  beforeAll(async () => {
    kernels = await loadKernels(build);
  });

  it.each(SHAPES.map((s) => [s.name, s] as const))("%s: every loss agrees with the reference", (_, shape) => {
    const fx = fixtures.get(shape.name)!;
    for (const [kind, weighted] of CASES) {
      const got = fusedStep(kernels, fx, kind, weighted);
      const want = referenceStep(reference, fx, kind, weighted);
      const key = `${build} ${kind}${weighted ? " weighted" : ""}`;
      expect(got.dirtyPadLanes, `${key} pad lanes`).toBe(0);
      expect(worst.record(`${key} loss`, lossError(got.sum / shape.N, want.loss)), `${key} loss`).toBeLessThanOrEqual(LOSS_TOL);
      for (const name of ["S", "dS", "dW", "db"] as const) {
        expect(worst.record(`${key} ${name}`, normError(got[name], want[name])), `${key} ${name}`).toBeLessThanOrEqual(ARRAY_TOL);
      }
    }
  });

  it.each(SHAPES.map((s) => [s.name, s] as const))("%s: reproduces the unfused kernel sequence exactly", (_, shape) => {
    const fx = fixtures.get(shape.name)!;
    for (const [kind, weighted] of CASES) {
      const fused = fusedStep(kernels, fx, kind, weighted), unfused = unfusedStep(kernels, fx, kind, weighted);
      const key = `${kind}${weighted ? " weighted" : ""}`;
      for (const name of ["S", "dS", "dW", "db"] as const) {
        expect(firstDifference(fused[name], unfused[name]), `${key} ${name}: first differing element`).toBe(-1);
      }
      expect(lossError(fused.sum, unfused.sum), `${key} loss`).toBeLessThanOrEqual(1e-12);
    }
  });

  it.each(EDGE_SHAPES.map((s) => [s.name, s] as const))("%s: gathered X rows with targets through their own list", (_, shape) => {
    const fx = fixtures.get(shape.name)!;
    for (const [kind, weighted] of CASES) {
      const direct = fusedStep(kernels, fx, kind, weighted), gathered = fusedStep(kernels, fx, kind, weighted, true);
      const key = `${kind}${weighted ? " weighted" : ""}`;
      for (const name of ["S", "dS", "dW", "db"] as const) {
        expect(firstDifference(gathered[name], direct[name]), `${key} ${name}: first differing element`).toBe(-1);
      }
      expect(gathered.sum, `${key} loss`).toBe(direct.sum);
    }
  });
});

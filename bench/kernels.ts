/**
 * Kernel rows: every kernel on every wasm build, on the float64 reference, and (scores, dW, a whole step) on
 * tfjs-wasm, at each BENCH_SHAPES shape. Wasm inputs are staged once in the build's memory, as training keeps
 * them; a timed call is the bare kernel call. Each row's error is its output against the reference's.
 */
import * as tf from "@tensorflow/tfjs-core";
import { LOSSES, UPDATE_RULES, type LossKind, type UpdateRule } from "../src/types.js";
import type { UpdateHyper } from "../src/backend/ops.js";
import { resolveUpdate, STATE_FIELDS } from "../src/backend/optimizer.js";
import { ReferenceOps } from "../src/backend/reference-ops.js";
import { updateKernel } from "../src/backend/wasm-ops.js";
import type { Kernels } from "../src/wasm/loader.js";
import { padCols, readMatrix, Scope, tailPackBytes } from "../src/wasm/scope.js";
import type { Shape } from "../test/shapes.js";
import { lossError, makeProblem, relError, targetsOf, type Problem } from "./problem.js";
import { gradients, lossAndGradient, oneHot, tensor, type PeerLoss } from "./tfjs.js";
import { measure, once, type Mode } from "./timing.js";

export interface KernelRow {
  kernel: string;
  shape: string;
  backend: string;
  ms: number;
  samples: number;
  /** Work of one call (4·N·D·C for a step, 2·N·D·C for a GEMM); null where flops mean little (losses, updates). */
  flop: number | null;
  /** ‖out − ref‖∞/‖ref‖∞ over the outputs (and |Δ|/|loss| for losses); 0 for the reference itself. */
  error: number | null;
}

/** One contender's version of a kernel: `run` is timed; `outputs` runs it once from fresh inputs and reads back. */
interface Impl {
  run(): void;
  outputs(): { arrays: ArrayLike<number>[]; loss?: number };
}

/** Losses of the whole-step rows (label losses take delta 1 and no class weights throughout). */
const STEP_LOSSES: PeerLoss[] = ["softmax", "hinge"];
/** A reference call slower than this is not benchmarked (benchmark.js would repeat it for too long). */
const REFERENCE_BUDGET_MS = 2000;

const gemmFlop = ({ N, D, C }: Shape): number => 2 * N * D * C;

/** One build's staged problem. */
class Staged {
  readonly scope: Scope;
  readonly n: number;
  readonly d: number;
  readonly c: number;
  readonly cp: number;
  readonly x: number;
  readonly idx: number;
  readonly w: number;
  readonly b: number;
  readonly s: number;
  readonly ds: number;
  readonly dsIn: number;
  readonly dw: number;
  readonly db: number;
  readonly pack: number;
  readonly y: number;
  readonly t: Record<string, number>;

  constructor(readonly kernels: Kernels, p: Problem) {
    const sc = (this.scope = new Scope(kernels.heap));
    const { N, D, C } = p.shape;
    [this.n, this.d, this.c, this.cp] = [N, D, C, padCols(C)];
    this.x = sc.matrix(p.X);
    this.idx = sc.identity(N);
    this.w = sc.matrix(p.W, this.cp);
    this.b = sc.matrix({ rows: 1, cols: C, data: p.b }, this.cp);
    this.s = sc.alloc(N * this.cp * 4);
    this.ds = sc.alloc(N * this.cp * 4);
    this.dsIn = sc.matrix(p.dS, this.cp);
    this.dw = sc.alloc(D * this.cp * 4);
    this.db = sc.alloc(this.cp * 4);
    this.pack = sc.alloc(tailPackBytes(D, C));
    this.y = sc.i32(p.y);
    this.t = { logistic: sc.matrix(p.T.logistic), "attribute-hinge": sc.matrix(p.T["attribute-hinge"]), regression: sc.matrix(p.T.regression) };
    kernels.exports.scores(N, D, C, this.cp, this.x, D * 4, this.idx, this.w, this.b, this.s);
  }

  get k() {
    return this.kernels.exports;
  }

  read(ptr: number, rows: number): Float32Array {
    return readMatrix(this.kernels.heap, ptr, rows, this.c, this.cp).data;
  }

  loss(kind: LossKind): number {
    const { k, n, c, cp, s, y, idx, ds } = this;
    switch (kind) {
      case "hinge": return k.hinge(n, c, cp, s, y, idx, 0, 0, 1, ds);
      case "squared-hinge": return k.squaredHinge(n, c, cp, s, y, idx, 0, 0, 1, ds);
      case "softmax": return k.softmax(n, c, cp, s, y, idx, 0, 0, ds);
      case "logistic": return k.logistic(n, c, cp, s, this.t.logistic!, idx, 0, ds);
      case "attribute-hinge": return k.attributeHinge(n, c, cp, s, this.t["attribute-hinge"]!, idx, 0, ds);
      case "l2": return k.l2(n, c, cp, s, this.t.regression!, idx, 0, ds);
      case "l1": return k.l1(n, c, cp, s, this.t.regression!, idx, 0, ds);
    }
  }

  step(kind: PeerLoss, fused: boolean): number {
    const { k, n, d, c, cp, x, idx, y, w, b, s, ds, dw, db } = this;
    if (fused) return k.fusedStep(LOSSES.indexOf(kind), n, d, c, cp, x, d * 4, idx, y, idx, 0, 0, 1, w, b, s, ds, 1 / n, dw, db, this.pack);
    k.scores(n, d, c, cp, x, d * 4, idx, w, b, s);
    const sum = this.loss(kind);
    k.weightGradient(n, d, cp, x, d * 4, idx, ds, 1 / n, dw);
    k.biasGradient(n, cp, ds, 1 / n, db);
    return sum;
  }

  dispose(): void {
    this.scope.release();
  }
}

/** Resolved defaults of a rule at t = 1, with Adam/others' default learning rates. */
const hyperOf = (rule: UpdateRule): UpdateHyper => resolveUpdate(rule, {}, {});

function wasmImpls(st: Staged, p: Problem): Map<string, Impl> {
  const { k, n, d, c, cp } = st;
  const impls = new Map<string, Impl>();
  impls.set("scores", {
    run: () => k.scores(n, d, c, cp, st.x, d * 4, st.idx, st.w, st.b, st.s),
    outputs: () => (k.scores(n, d, c, cp, st.x, d * 4, st.idx, st.w, st.b, st.s), { arrays: [st.read(st.s, n)] }),
  });
  impls.set("dW = Xᵀ·dS/N", {
    run: () => k.weightGradient(n, d, cp, st.x, d * 4, st.idx, st.dsIn, 1 / n, st.dw),
    outputs: () => (k.weightGradient(n, d, cp, st.x, d * 4, st.idx, st.dsIn, 1 / n, st.dw), { arrays: [st.read(st.dw, d)] }),
  });
  for (const kind of LOSSES) {
    impls.set(`loss ${kind}`, {
      run: () => st.loss(kind),
      outputs: () => ({ loss: st.loss(kind), arrays: [st.read(st.ds, n)] }),
    });
  }
  for (const kind of STEP_LOSSES) {
    for (const fused of [true, false]) {
      impls.set(`step ${kind} ${fused ? "fused" : "unfused"}`, {
        run: () => st.step(kind, fused),
        outputs: () => {
          const loss = st.step(kind, fused);
          return { loss, arrays: [st.read(st.dw, d), st.read(st.db, 1)] };
        },
      });
    }
  }
  for (const rule of UPDATE_RULES) impls.set(`update ${rule}`, wasmUpdate(st, p, rule));
  return impls;
}

/** An update rule on D×cp weights with the problem's dW as gradient; state arrays start at zero. */
function wasmUpdate(st: Staged, p: Problem, rule: UpdateRule): Impl {
  const { kernels: { heap }, d, cp } = st;
  const len = d * cp, hyper = hyperOf(rule);
  const g = st.scope.matrix(p.W, cp); // any fixed gradient will do; the reference gets the same values
  const w = st.scope.alloc(len * 4);
  const state = STATE_FIELDS[rule].map(() => st.scope.alloc(len * 4));
  const fresh = (): void => {
    heap.f32(w, len).fill(0).set(heap.f32(st.w, len));
    for (const s of state) heap.f32(s, len).fill(0);
  };
  fresh();
  const run = (): void => updateKernel(st.k, rule, len, w, g, state[0] ?? 0, state[1] ?? 0, hyper);
  return { run, outputs: () => (fresh(), run(), { arrays: [st.read(w, d)] }) };
}

function referenceImpls(p: Problem): Map<string, Impl> {
  const ops = new ReferenceOps();
  const { N } = p.shape;
  const impls = new Map<string, Impl>();
  const S = ops.scores(p.X, p.W, p.b);
  const lossOf = (kind: LossKind) => {
    const t = targetsOf(p, kind);
    return t instanceof Int32Array ? ops.labelLoss(kind as "hinge", S, t, 1, null, null) : ops.targetLoss(kind as "l2", S, t, null);
  };
  const stateless = (f: () => { arrays: ArrayLike<number>[]; loss?: number }): Impl => ({ run: f, outputs: f });
  impls.set("scores", stateless(() => ({ arrays: [ops.scores(p.X, p.W, p.b).data] })));
  impls.set("dW = Xᵀ·dS/N", stateless(() => ({ arrays: [ops.weightGradient(p.X, p.dS, 1 / N).data] })));
  for (const kind of LOSSES) {
    impls.set(`loss ${kind}`, stateless(() => {
      const { sum, dS } = lossOf(kind);
      return { loss: sum, arrays: [dS.data] };
    }));
  }
  for (const kind of STEP_LOSSES) {
    impls.set(`step ${kind}`, stateless(() => {
      const { sum, dS } = ops.labelLoss(kind, ops.scores(p.X, p.W, p.b), p.y, 1, null, null);
      return { loss: sum, arrays: [ops.weightGradient(p.X, dS, 1 / N).data, ops.biasGradient(dS, 1 / N)] };
    }));
  }
  for (const rule of UPDATE_RULES) {
    const hyper = hyperOf(rule);
    const w = p.W.data.slice(), state = STATE_FIELDS[rule].map(() => new Float32Array(w.length));
    const run = (): void => ops.update(rule, w, p.W.data, state, hyper);
    impls.set(`update ${rule}`, {
      run,
      outputs: () => {
        w.set(p.W.data);
        for (const s of state) s.fill(0);
        run();
        return { arrays: [w] };
      },
    });
  }
  return impls;
}

/** tfjs-wasm versions of scores, dW and a step (the peer's kernels; results stay in its memory, as ours do). */
function tfjsImpls(p: Problem): { impls: Map<string, Impl>; dispose(): void } {
  const X = tensor(p.X), W = tensor(p.W), b = tf.tensor1d(p.b), dS = tensor(p.dS), onehot = oneHot(p.y, p.shape.C);
  const impls = new Map<string, Impl>();
  const read = (f: () => tf.Tensor[]) => (): { arrays: Float32Array[]; loss?: number } =>
    tf.tidy(() => ({ arrays: f().map((t) => t.dataSync() as Float32Array) }));
  const timed = (f: () => tf.Tensor | tf.Tensor[]) => (): void => void tf.tidy(f);
  const scores = (): tf.Tensor2D => tf.add(tf.matMul(X, W), b);
  impls.set("scores", { run: timed(scores), outputs: read(() => [scores()]) });
  const dW = (): tf.Tensor2D => gradients(X, dS).dW;
  impls.set("dW = Xᵀ·dS/N", { run: timed(dW), outputs: read(() => [dW()]) });
  for (const kind of STEP_LOSSES) {
    const step = (): tf.Tensor[] => {
      const { sum, dS: g } = lossAndGradient(kind, scores(), onehot);
      const grads = gradients(X, g);
      return [grads.dW, grads.db, sum];
    };
    impls.set(`step ${kind}`, {
      run: timed(step),
      outputs: () => tf.tidy(() => {
        const [gW, gb, sum] = step().map((t) => t.dataSync() as Float32Array);
        return { arrays: [gW!, gb!], loss: sum![0]! };
      }),
    });
  }
  return { impls, dispose: () => tf.dispose([X, W, b, dS, onehot]) };
}

/** The reference implementation a wasm/tfjs kernel name is checked against. */
const referenceName = (kernel: string): string => kernel.replace(/ (un)?fused$/, "");

function errorOf(got: ReturnType<Impl["outputs"]>, want: ReturnType<Impl["outputs"]>): number {
  let worst = got.loss !== undefined && want.loss !== undefined ? lossError(got.loss, want.loss) : 0;
  got.arrays.forEach((a, i) => (worst = Math.max(worst, relError(a, want.arrays[i]!))));
  return worst;
}

export function benchKernels(shapes: Shape[], builds: [string, Kernels][], mode: Mode, log: (line: string) => void): KernelRow[] {
  const rows: KernelRow[] = [];
  for (const shape of shapes) {
    const p = makeProblem(shape);
    const flopOf = (kernel: string): number | null =>
      kernel.startsWith("step") ? 2 * gemmFlop(shape) : kernel === "scores" || kernel.startsWith("dW") ? gemmFlop(shape) : null;
    const reference = referenceImpls(p);
    const expected = new Map([...reference].map(([name, impl]) => [name, impl.outputs()]));
    const peer = tfjsImpls(p);
    const contenders: [string, Map<string, Impl>, () => void][] = [
      ...builds.map(([name, kernels]): [string, Map<string, Impl>, () => void] => {
        const st = new Staged(kernels, p);
        return [name, wasmImpls(st, p), () => st.dispose()];
      }),
      ["reference", reference, () => {}],
      ["tfjs-wasm", peer.impls, () => peer.dispose()],
    ];
    for (const [backend, impls, dispose] of contenders) {
      for (const [kernel, impl] of impls) {
        if (backend === "reference" && once(impl.run) > REFERENCE_BUDGET_MS) {
          log(`  ${shape.name} ${kernel} reference: skipped (one call > ${REFERENCE_BUDGET_MS} ms)`);
          continue;
        }
        const error = backend === "reference" ? 0 : errorOf(impl.outputs(), expected.get(referenceName(kernel))!);
        const { ms, samples } = measure(`${kernel} ${backend} ${shape.name}`, impl.run, mode);
        rows.push({ kernel, shape: shape.name, backend, ms, samples, flop: flopOf(kernel), error });
      }
      dispose();
      log(`  ${shape.name}: ${backend} done`);
    }
  }
  return rows;
}


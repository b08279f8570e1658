// Hierarchical softmax: the trees, probabilities that sum to 1, the gradient check, and the wasm builds against
// the float64 reference.
import { afterAll, describe, expect, it } from "vitest";
import { init, numericalGradient, relError, type Matrix } from "../src/index.js";
import { balancedTree, centroidTree, huffmanTree, treeFromChildren, type HsmTree } from "../src/hsoftmax/tree.js";
import { identityBatch, ReferenceSparseOps, sparseOpsOf, type SparseOps } from "../src/sparse/ops.js";
import * as hsm from "../src/reference/hsoftmax.js";
import { Rng } from "../src/data/rng.js";
import { BUILDS, gaussian, normError, randomLabels, WorstErrors } from "./helpers.js";

const errors = new WorstErrors();
afterAll(() => errors.report());

const depths = (tree: HsmTree): number[] =>
  Array.from({ length: tree.classes }, (_, y) => tree.pathStart[y + 1]! - tree.pathStart[y]!);

/** Checks the tree invariants: parents before children, each class a leaf once, paths follow children. */
function checkTree(tree: HsmTree): void {
  const c = tree.classes, leaves = new Set<number>();
  tree.children.forEach((child, e) => {
    if (child >= 0) expect(child).toBeGreaterThan(e >> 1);
    else leaves.add(-child - 1);
  });
  expect(leaves.size).toBe(c);
  for (let y = 0; y < c; y++) {
    const start = tree.pathStart[y]!, end = tree.pathStart[y + 1]!;
    expect(tree.pathNode[start]).toBe(0);
    for (let e = start; e < end; e++) {
      const next = tree.children[2 * tree.pathNode[e]! + tree.pathBit[e]!]!;
      expect(next).toBe(e + 1 < end ? tree.pathNode[e + 1] : -y - 1);
    }
  }
}

describe("trees", () => {
  it.each([2, 3, 5, 8, 13, 100])("balanced tree over %i classes has depth ⌈log₂ c⌉ or one less", (c) => {
    const tree = balancedTree(c);
    checkTree(tree);
    const d = depths(tree), max = Math.ceil(Math.log2(c));
    expect(Math.max(...d)).toBe(max);
    expect(Math.min(...d)).toBeGreaterThanOrEqual(max - 1);
  });

  it("Huffman tree: the textbook example's code lengths, and minimal expected depth", () => {
    // Frequencies a:45 b:13 c:12 d:16 e:9 f:5 (CLRS 16.3) give code lengths 1 3 3 3 4 4.
    const tree = huffmanTree([45, 13, 12, 16, 9, 5]);
    checkTree(tree);
    expect(depths(tree)).toEqual([1, 3, 3, 3, 4, 4]);
  });

  it("Huffman tree on Zipf frequencies beats the balanced tree's expected path length", () => {
    const c = 1000, counts = Array.from({ length: c }, (_, j) => 1 / (j + 1));
    const tree = huffmanTree(counts), balanced = balancedTree(c);
    checkTree(tree);
    const total = counts.reduce((a, b) => a + b, 0);
    const expected = (t: HsmTree) => depths(t).reduce((acc, d, j) => acc + (d * counts[j]!) / total, 0);
    expect(expected(tree)).toBeLessThan(expected(balanced) - 1);
    expect(depths(tree)[0]).toBeLessThan(depths(tree)[c - 1]!);
  });

  it("treeFromChildren rebuilds the same paths, and rejects what is not a tree", () => {
    const tree = huffmanTree([3, 1, 4, 1, 5, 9, 2, 6]);
    const again = treeFromChildren(8, Array.from(tree.children));
    expect(again).toEqual(tree);
    const broken = Array.from(tree.children);
    broken[0] = broken[1]!;
    expect(() => treeFromChildren(8, broken)).toThrow(RangeError);
    expect(() => treeFromChildren(8, broken)).toThrow(/children\[1\]/);
    expect(() => treeFromChildren(8, [1, 2])).toThrow(/= 14 entries/);
  });

  it("centroid tree: balanced, and the root separates the two groups of nearby class means", () => {
    const centroids = { rows: 6, cols: 2, data: Float32Array.of(-10, 1, 9, 0, -11, 0, 10, 1, -9, -1, 11, -1) };
    const tree = centroidTree(centroids);
    checkTree(tree);
    expect(Math.max(...depths(tree))).toBe(3);
    const side = (y: number) => tree.pathBit[tree.pathStart[y]!]!;
    expect(new Set([0, 2, 4].map(side)).size).toBe(1);
    expect(new Set([1, 3, 5].map(side)).size).toBe(1);
    expect(side(0)).not.toBe(side(1));
    expect(() => centroidTree({ rows: 1, cols: 2, data: Float32Array.of(0, 0) })).toThrow(/centroids.rows/);
  });

  it("rejects bad class counts", () => {
    expect(() => balancedTree(1)).toThrow(/classes must be an integer ≥ 2/);
    expect(() => huffmanTree([1])).toThrow(/counts.length/);
    expect(() => huffmanTree([1, -2])).toThrow(/counts\[1\]/);
    expect(() => huffmanTree("ab" as never)).toThrow(TypeError);
  });
});

async function backends(): Promise<[string, SparseOps][]> {
  const list: [string, SparseOps][] = [["reference", new ReferenceSparseOps()]];
  for (const simd of BUILDS) list.push([`wasm-${simd}`, sparseOpsOf(await init({ backend: "wasm", simd }))]);
  return list;
}

const CASES = [
  { name: "c2_d1", C: 2, D: 1, N: 3, tree: "balanced" },
  { name: "c3_d5", C: 3, D: 5, N: 7, tree: "huffman" },
  { name: "c10_d17", C: 10, D: 17, N: 20, tree: "balanced" },
  { name: "c37_d64", C: 37, D: 64, N: 41, tree: "huffman" },
  { name: "c1000_d8", C: 1000, D: 8, N: 5, tree: "huffman" },
];

function makeCase(seed: number, C: number, D: number, N: number, shape: string) {
  const rng = new Rng(seed);
  const counts = Array.from({ length: C }, () => 1 + rng.int(50));
  const tree = shape === "huffman" ? huffmanTree(counts) : balancedTree(C);
  const X = gaussian(rng, N, D), V = gaussian(rng, C - 1, D, 0.5), b = Float32Array.from({ length: C - 1 }, () => rng.normal());
  return { rng, tree, X, V, b, y: randomLabels(rng, N, C) };
}

describe.each(CASES)("hierarchical softmax $name ($tree tree)", ({ C, D, N, tree: shape }) => {
  it("probabilities of every backend sum to 1 within 1e-5 and match the path products", async () => {
    const { tree, X, V, b } = makeCase(C + D, C, D, N, shape);
    const P = hsm.hsmProbabilities(hsm.hsmNodeScores(X, V, b, identityBatch(N)), tree);
    for (const [backend, ops] of await backends()) {
      const got = ops.hsmProbabilities(X, V, b, tree);
      expect(got.cols).toBe(C);
      for (let i = 0; i < N; i++) {
        let sum = 0;
        for (let j = 0; j < C; j++) sum += got.data[i * C + j]!;
        expect(Math.abs(sum - 1), `${backend} row ${i}`).toBeLessThan(1e-5);
      }
      expect(errors.record(`P ${backend}`, normError(got.data, P)), backend).toBeLessThan(1e-5);
      const logP = ops.hsmProbabilities(X, V, b, tree, true);
      expect(errors.record(`log P ${backend}`, normError(logP.data, Float64Array.from(P, Math.log))), backend).toBeLessThan(1e-5);
    }
  });

  it("loss and node gradients of every backend match the reference", async () => {
    const { rng, tree, X, V, b, y } = makeCase(7 * C + D, C, D, N, shape);
    const batch = rng.shuffle(identityBatch(N)).subarray(0, Math.max(1, N - 2));
    const cw = Float32Array.from({ length: C }, () => 0.5 + rng.uniform());
    const oracle = new ReferenceSparseOps().hsmLoss(X, y, cw, V, b, tree, 1 / batch.length, batch);
    for (const [backend, ops] of await backends()) {
      const got = ops.hsmLoss(X, y, cw, V, b, tree, 1 / batch.length, batch);
      expect(got.rows, backend).toEqual(oracle.rows);
      expect(errors.record(`loss ${backend}`, relError(got.sum, oracle.sum)), backend).toBeLessThan(1e-5);
      expect(errors.record(`dV ${backend}`, normError(got.G.data, oracle.G.data)), backend).toBeLessThan(1e-5);
      expect(errors.record(`db ${backend}`, normError(got.gb, oracle.gb)), backend).toBeLessThan(1e-5);
    }
  });

  it("the loss is −log P(y | x), and the gradient passes the gradient check", () => {
    const { tree, X, V, b, y } = makeCase(11 * C + D, C, D, N, shape);
    const ops = new ReferenceSparseOps(), batch = identityBatch(N);
    const P = hsm.hsmProbabilities(hsm.hsmNodeScores(X, V, b, batch), tree);
    const nll = Array.from(y).reduce((acc, label, i) => acc - Math.log(P[i * C + label]!), 0);
    const result = ops.hsmLoss(X, y, null, V, b, tree, 1 / N, batch);
    expect(relError(result.sum, nll)).toBeLessThan(1e-6); // P comes from float32-rounded node scores
    // Gradient check in float64 on V and b: the mean loss as a function of each parameter (only the touched
    // nodes enter the loss, so the others have gradient 0 both ways).
    const V64 = Float64Array.from(V.data), b64 = Float64Array.from(b);
    const meanLoss = (): number => {
      const Vm: Matrix = { rows: C - 1, cols: D, data: V64 as unknown as Float32Array };
      return hsm.hsmLoss(X, y, null, null, Vm, b64 as unknown as Float32Array, tree, 1, result.rows, batch).sum / N;
    };
    const dV = numericalGradient(() => meanLoss(), V64, 1e-4);
    const db = numericalGradient(() => meanLoss(), b64, 1e-4);
    const fullV = new Float64Array((C - 1) * D), fullB = new Float64Array(C - 1);
    result.rows.forEach((node, r) => {
      for (let k = 0; k < D; k++) fullV[node * D + k] = result.G.data[r * D + k]!;
      fullB[node] = result.gb[r]!;
    });
    expect(errors.record("gradcheck V", relErrorWhereLarge(fullV, dV))).toBeLessThan(1e-4);
    expect(errors.record("gradcheck b", relErrorWhereLarge(fullB, db))).toBeLessThan(1e-4);
  });
});

/** cs231n's rel_error over the entries that are not both ≈ 0 (there the difference quotient is mostly rounding). */
function relErrorWhereLarge(a: ArrayLike<number>, n: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]!) + Math.abs(n[i]!) > 1e-5) worst = Math.max(worst, relError(a[i]!, n[i]!));
  return worst;
}

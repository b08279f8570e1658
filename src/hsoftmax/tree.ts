/**
 * The class tree of hierarchical softmax: c leaves (the classes) under c − 1 inner nodes, numbered so that every
 * parent precedes its children (breadth first; the root is node 0). Two shapes:
 * - `balancedTree(c)`: classes split in halves, depth ⌈log₂ c⌉ for every class;
 * - `huffmanTree(counts)`: word2vec's tree (Mikolov et al. 2013), built by Huffman's algorithm on the class
 *   frequencies, so that frequent classes get short paths and the expected path length is minimal.
 * - `centroidTree(centroids)`: balanced too, but each node splits its classes at the median of their mean
 *   vectors' projection on the principal direction, so that similar classes share subtrees and each node's
 *   split is close to linearly separable: what a linear model (unlike word2vec's learned vectors) needs.
 * At an inner node, the right branch has probability σ(s) and the left one σ(−s) (assembly/kernels/hsoftmax.ts).
 */
import type { Matrix } from "../types.js";
import { Rng } from "../data/rng.js";
import * as v from "../validate.js";

export interface HsmTree {
  readonly classes: number;
  /** Left and right child of inner node j at 2j and 2j + 1: an inner node's number, or −class − 1 for a leaf. */
  readonly children: Int32Array;
  /** Class y's path is pathNode/pathBit[pathStart[y] .. pathStart[y + 1]), root first. */
  readonly pathStart: Int32Array;
  readonly pathNode: Int32Array;
  /** 1 where the path turns right at that node, 0 where it turns left. */
  readonly pathBit: Int32Array;
}

/** Children lists with temporary ids: ids < c are leaves (classes), ids ≥ c are inner nodes; `root` is one of them. */
interface RawTree {
  left: Int32Array;
  right: Int32Array;
  root: number;
}

export function balancedTree(classes: number): HsmTree {
  v.dimension("classes", classes, 2);
  const raw: RawTree = { left: new Int32Array(classes - 1), right: new Int32Array(classes - 1), root: classes };
  let next = classes;
  // Each range [lo, hi) of classes becomes one subtree; a one-class range is the leaf itself.
  const build = (lo: number, hi: number): number => {
    if (hi - lo === 1) return lo;
    const id = next++, mid = lo + Math.ceil((hi - lo) / 2);
    raw.left[id - classes] = build(lo, mid);
    raw.right[id - classes] = build(mid, hi);
    return id;
  };
  build(0, classes);
  return renumber(classes, raw);
}

/**
 * Recursive principal-direction bisection of the class mean vectors (c×d, one row per class): the principal
 * direction of a node's centroids comes from 30 power iterations (seeded), the lower half of the projections
 * goes left. Depth ⌈log₂ c⌉ as balancedTree.
 */
export function centroidTree(centroids: Matrix): HsmTree {
  const { rows: classes, cols: d, data } = v.matrixArg("centroids", centroids);
  v.dimension("centroids.rows", classes, 2);
  const raw: RawTree = { left: new Int32Array(classes - 1), right: new Int32Array(classes - 1), root: classes };
  const rng = new Rng(0);
  let next = classes;
  const build = (members: number[]): number => {
    if (members.length === 1) return members[0]!;
    const direction = principalDirection(members, data, d, rng);
    const projection = new Map<number, number>();
    for (const j of members) {
      let p = 0;
      for (let k = 0; k < d; k++) p += data[j * d + k]! * direction[k]!;
      projection.set(j, p);
    }
    const sorted = [...members].sort((a, b) => projection.get(a)! - projection.get(b)! || a - b);
    const id = next++, half = Math.ceil(sorted.length / 2);
    raw.left[id - classes] = build(sorted.slice(0, half));
    raw.right[id - classes] = build(sorted.slice(half));
    return id;
  };
  build(Array.from({ length: classes }, (_, j) => j));
  return renumber(classes, raw);
}

/** The unit top eigenvector of the centred rows' covariance, by power iteration from a seeded random start. */
function principalDirection(members: number[], data: Float32Array, d: number, rng: Rng): Float64Array {
  const mean = new Float64Array(d);
  for (const j of members) for (let k = 0; k < d; k++) mean[k] = mean[k]! + data[j * d + k]! / members.length;
  let u = Float64Array.from({ length: d }, () => rng.normal());
  for (let iteration = 0; iteration < 30; iteration++) {
    const w = new Float64Array(d);
    for (const j of members) {
      let p = 0;
      for (let k = 0; k < d; k++) p += (data[j * d + k]! - mean[k]!) * u[k]!;
      for (let k = 0; k < d; k++) w[k] = w[k]! + p * (data[j * d + k]! - mean[k]!);
    }
    const norm = Math.sqrt(w.reduce((acc, x) => acc + x * x, 0));
    if (norm === 0) break; // identical centroids: any direction splits them
    u = w.map((x) => x / norm);
  }
  return u;
}

/**
 * Huffman's algorithm with two queues (leaves sorted by count, then merged nodes in creation order, which are
 * already sorted): O(c log c). Ties go to the leaf queue and then to the lower class, so the tree is
 * deterministic; the lighter subtree of each merge is the left child.
 */
export function huffmanTree(counts: ArrayLike<number>): HsmTree {
  if (typeof counts !== "object" || counts === null || typeof counts.length !== "number") {
    throw new TypeError(`counts must be an array of class frequencies, got ${v.describe(counts)}`);
  }
  const classes = v.dimension("counts.length", counts.length, 2);
  for (let j = 0; j < classes; j++) v.nonNegative(`counts[${j}]`, counts[j]);
  const leaves = Array.from({ length: classes }, (_, j) => j).sort((a, b) => counts[a]! - counts[b]! || a - b);
  const weight = new Float64Array(2 * classes - 1);
  for (let j = 0; j < classes; j++) weight[j] = counts[j]!;
  const raw: RawTree = { left: new Int32Array(classes - 1), right: new Int32Array(classes - 1), root: 2 * classes - 2 };
  let leaf = 0, merged = classes;
  const take = (made: number): number => {
    const useLeaf = leaf < classes && (merged >= made || weight[leaves[leaf]!]! <= weight[merged]!);
    return useLeaf ? leaves[leaf++]! : merged++;
  };
  for (let made = classes; made < 2 * classes - 1; made++) {
    const a = take(made), b = take(made);
    raw.left[made - classes] = a;
    raw.right[made - classes] = b;
    weight[made] = weight[a]! + weight[b]!;
  }
  return renumber(classes, raw);
}

/** How many rows of y (labels 0..c−1) each class has: the input of huffmanTree. */
export function classCounts(y: Int32Array, c: number): number[] {
  const counts = new Array<number>(c).fill(0);
  for (const label of y) counts[label]!++;
  return counts;
}

/** The mean row of each class (c×d; zeros for a class without rows): the input of centroidTree. */
export function classMeans(X: Matrix, y: Int32Array, c: number): Matrix {
  const d = X.cols, sums = new Float64Array(c * d), counts = classCounts(y, c);
  y.forEach((label, i) => {
    for (let k = 0; k < d; k++) sums[label * d + k]! += X.data[i * d + k]!;
  });
  return { rows: c, cols: d, data: Float32Array.from(sums, (s, e) => (counts[Math.floor(e / d)]! ? s / counts[Math.floor(e / d)]! : 0)) };
}

/** Rebuilds a tree from its `children` array (as saved in a model), checking that it is one: the inverse of `.children`. */
export function treeFromChildren(classes: number, children: ArrayLike<number>): HsmTree {
  v.dimension("classes", classes, 2);
  if (typeof children !== "object" || children === null || children.length !== 2 * (classes - 1)) {
    throw new RangeError(`children must hold 2·(classes − 1) = ${2 * (classes - 1)} entries, got ${v.describe(children)}`);
  }
  const raw: RawTree = { left: new Int32Array(classes - 1), right: new Int32Array(classes - 1), root: classes };
  const seen = new Uint8Array(2 * classes - 1);
  for (let e = 0; e < children.length; e++) {
    const child = children[e]!;
    const id = child >= 0 ? classes + child : -child - 1;
    if (!Number.isInteger(child) || id < 0 || id >= 2 * classes - 1 || id === classes || seen[id]) {
      throw new RangeError(`children[${e}] = ${child}: each of the inner nodes 1..${classes - 2} and classes 0..${classes - 1} must appear exactly once`);
    }
    if (child >= 0 && child <= e >> 1) throw new RangeError(`children[${e}] = ${child}: a child must be numbered after its parent ${e >> 1}`);
    seen[id] = 1;
    (e & 1 ? raw.right : raw.left)[e >> 1] = id;
  }
  return renumber(classes, raw);
}

/** Numbers the inner nodes breadth first from the root and lists every class's path. */
function renumber(classes: number, raw: RawTree): HsmTree {
  const m = classes - 1;
  const children = new Int32Array(2 * m);
  const parent = new Int32Array(classes + m).fill(-1), bit = new Int32Array(classes + m);
  const number = new Int32Array(classes + m); // temporary id → node number (inner) or class (leaf)
  const queue = [raw.root];
  let count = 0;
  number[raw.root] = count++;
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head]!, j = number[id]!;
    [raw.left[id - classes]!, raw.right[id - classes]!].forEach((child, side) => {
      parent[child] = j;
      bit[child] = side;
      if (child < classes) {
        children[2 * j + side] = -child - 1;
      } else {
        number[child] = count++;
        children[2 * j + side] = number[child]!;
        queue.push(child);
      }
    });
  }
  // Each class's path, read upwards from its leaf and stored root first.
  const depth = new Int32Array(classes), up: number[][] = [];
  for (let y = 0; y < classes; y++) {
    const path: number[] = [];
    for (let node = y; parent[node] !== -1; ) {
      path.push(node);
      node = queue[parent[node]!]!; // queue[j] is the temporary id of node j
    }
    up.push(path);
    depth[y] = path.length;
  }
  const pathStart = new Int32Array(classes + 1);
  for (let y = 0; y < classes; y++) pathStart[y + 1] = pathStart[y]! + depth[y]!;
  const pathNode = new Int32Array(pathStart[classes]!), pathBit = new Int32Array(pathStart[classes]!);
  for (let y = 0; y < classes; y++) {
    up[y]!.reverse().forEach((node, e) => {
      pathNode[pathStart[y]! + e] = parent[node]!;
      pathBit[pathStart[y]! + e] = bit[node]!;
    });
  }
  return { classes, children, pathStart, pathNode, pathBit };
}

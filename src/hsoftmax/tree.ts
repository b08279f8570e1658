/**
 * The class tree of hierarchical softmax: c leaves (the classes) under c − 1 inner nodes, numbered so that every
 * parent precedes its children (breadth first; the root is node 0). Two shapes:
 * - `balancedTree(c)`: classes split in halves, depth ⌈log₂ c⌉ for every class;
 * - `huffmanTree(counts)`: word2vec's tree (Mikolov et al. 2013), built by Huffman's algorithm on the class
 *   frequencies, so that frequent classes get short paths and the expected path length is minimal.
 * At an inner node, the right branch has probability σ(s) and the left one σ(−s) (assembly/kernels/hsoftmax.ts).
 */
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

// What both hierarchical-softmax engines check and size.
import type { Matrix } from "../types.js";
import type { HsmEngineSpec } from "../train/engine.js";
import type { HsmTree } from "./tree.js";
import { checkSparseSpec } from "../sparse/lazy.js";

/** The spec must fit its tree, and use an update rule without input dropout (as the sparse engines). */
export function checkHsmSpec(spec: HsmEngineSpec): void {
  const tree = spec.tree;
  checkSparseSpec(spec, "hierarchical softmax");
  if (tree.classes !== spec.c) throw new RangeError(`the tree has ${tree.classes} classes but the spec has c = ${spec.c}`);
}

/** The longest path: a batch of n rows touches at most n times this many inner nodes. */
export function maxPathNodes(tree: HsmTree): number {
  let longest = 0;
  for (let y = 0; y < tree.classes; y++) longest = Math.max(longest, tree.pathStart[y + 1]! - tree.pathStart[y]!);
  return longest;
}

/** Mᵀ: between the models' W (d×(c − 1)) and the node-major V ((c − 1)×d) of the kernels. */
export function transpose(M: Matrix): Matrix {
  const { rows, cols, data } = M, out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j]!;
  return { rows: cols, cols: rows, data: out };
}

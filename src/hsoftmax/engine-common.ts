// What both hierarchical-softmax engines check and size.
import type { EngineSpec } from "../train/engine.js";
import type { HsmTree } from "./tree.js";
import { checkSparseSpec } from "../sparse/lazy.js";

/** The spec must fit the tree, and use an update rule without input dropout (as the sparse engines). */
export function checkHsmSpec(spec: EngineSpec, tree: HsmTree): void {
  checkSparseSpec(spec, "hierarchical softmax");
  if (tree.classes !== spec.c) throw new RangeError(`the tree has ${tree.classes} classes but the spec has c = ${spec.c}`);
}

/** The longest path: a batch of n rows touches at most n times this many inner nodes. */
export function maxPathNodes(tree: HsmTree): number {
  let longest = 0;
  for (let y = 0; y < tree.classes; y++) longest = Math.max(longest, tree.pathStart[y + 1]! - tree.pathStart[y]!);
  return longest;
}

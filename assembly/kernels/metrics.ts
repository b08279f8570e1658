// Training metrics on a batch's scores, for the progressive history of fit (the scores a step computed anyway).
import { rowAt } from "./common";

/** Index of the first largest of the c floats at row (NaN never wins), as the models' argmax. */
// @ts-ignore: decorator
@inline function argmaxRow(row: usize, c: i32): i32 {
  let best = 0, top = load<f32>(row);
  for (let j = 1; j < c; j++) {
    const v = load<f32>(row + (<usize>j << 2));
    if (v > top) {
      top = v;
      best = j;
    }
  }
  return best;
}

/**
 * Rows of S (n×cp) whose prediction matches their target, the targets picked through idx. mode 0: i32 labels,
 * hit when argmax(s) = y. mode 1: f32 one-hot target rows (stride c, 0/1 or −1/+1), hit when argmax(s) = argmax(t).
 * mode 2: multi-label target rows, hit when every label is right, (s_j > 0) = (t_j > 0) (exact match, as sklearn).
 */
export function countHits(mode: i32, n: i32, c: i32, cp: i32, s: usize, targets: usize, idx: usize): i32 {
  assert(mode >= 0 && mode <= 2, "countHits: mode must be 0 (labels), 1 (one-hot rows) or 2 (multi-label rows)");
  assert(n >= 0 && c >= 1, "countHits: need n >= 0 rows and c >= 1 classes");
  assert(cp == ((c + 3) & ~3), "countHits: cp must be c rounded up to a multiple of 4");
  const ldc = <usize>cp << 2, ldt = <usize>c << 2;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const row = s + <usize>i * ldc;
    if (mode == 0) {
      hits += i32(argmaxRow(row, c) == load<i32>(rowAt(targets, 4, idx, i)));
    } else if (mode == 1) {
      hits += i32(argmaxRow(row, c) == argmaxRow(rowAt(targets, ldt, idx, i), c));
    } else {
      const t = rowAt(targets, ldt, idx, i);
      let all = true;
      for (let j: usize = 0; j < ldt && all; j += 4) all = (load<f32>(row + j) > 0) == (load<f32>(t + j) > 0);
      hits += i32(all);
    }
  }
  return hits;
}

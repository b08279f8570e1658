/**
 * The edge-case shape table shared by the tests and bench/ (XNNPACK-style names: each says which tail or
 * tile boundary it exercises). Kernels tile rows by 4 and whole vectors of classes by 8 + 4; the c mod 4 tail
 * classes run with the features along the lanes, in blocks of 256 features, 2 classes then 1. W's class stride
 * is padded to 4.
 */
export interface Shape {
  name: string;
  N: number;
  D: number;
  C: number;
}

/** The foundation issue's grid: N ∈ {1, 3, 64, 203}, D ∈ {1, 3, 4, 5, 17, 784, 3073}, C ∈ {2, 3, 10, 13}. */
export const GRID_N = [1, 3, 64, 203] as const;
export const GRID_D = [1, 3, 4, 5, 17, 784, 3073] as const;
export const GRID_C = [2, 3, 10, 13] as const;

export const GRID: Shape[] = GRID_N.flatMap((N) =>
  GRID_D.flatMap((D) => GRID_C.map((C) => ({ name: `n${N}_d${D}_c${C}`, N, D, C }))));

/** Named edge cases, cheap enough for every build. */
export const EDGE_SHAPES: Shape[] = [
  { name: "n_eq_1", N: 1, D: 5, C: 3 },
  { name: "n_lt_4_subtile", N: 3, D: 7, C: 10 },
  { name: "n_gt_4_tail", N: 6, D: 9, C: 10 },
  { name: "d_eq_1", N: 5, D: 1, C: 4 },
  { name: "d_lt_4", N: 5, D: 3, C: 4 },
  { name: "d_not_mult_4", N: 9, D: 17, C: 5 },
  { name: "c_eq_2", N: 8, D: 6, C: 2 },
  { name: "c_eq_4_one_vector", N: 8, D: 6, C: 4 },
  { name: "c_eq_8_one_tile", N: 8, D: 6, C: 8 },
  { name: "c_gt_8_tile_plus_tail", N: 8, D: 6, C: 13 },
  { name: "c_eq_16_two_tiles", N: 8, D: 6, C: 16 },
  { name: "c_mod_4_eq_3_tail_pair_and_one", N: 6, D: 9, C: 11 },
  { name: "c_eq_7_one_vector_plus_3", N: 5, D: 10, C: 7 },
  { name: "d_gt_tail_block", N: 7, D: 261, C: 6 },
  { name: "d_two_tail_blocks_plus_1", N: 5, D: 513, C: 3 },
];

/** Bench sizes: small, medium (MNIST batch), and the CIFAR-10 epoch of the performance issue. */
export const BENCH_SHAPES: Shape[] = [
  { name: "small", N: 32, D: 64, C: 10 },
  { name: "mnist_batch", N: 200, D: 784, C: 10 },
  { name: "cifar_batch", N: 200, D: 3072, C: 10 },
];

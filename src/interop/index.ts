// simdlinear/interop: readers for other tools' files. Its own entry so that the core import keeps zero runtime
// dependencies (the .npz reader uses fflate).
export { loadNpy, loadNpz, type NpyArray } from "./npy.js";

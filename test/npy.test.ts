// numpy .npy/.npz readers: bytes made here for every dtype/order/endianness, and files numpy itself writes.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { loadNpy, loadNpz } from "../src/interop/index.js";
import type { Matrix } from "../src/index.js";
import { npy, SIZE, type Dtype } from "./npy-helpers.js";

const ROWS = [[1, 2, 3], [4, 5, 6]]; // 2×3, C order 1..6, Fortran order 1,4,2,5,3,6
const C = ROWS.flat();
const F = [1, 4, 2, 5, 3, 6];

describe("loadNpy", () => {
  for (const dtype of Object.keys(SIZE) as Dtype[]) {
    for (const big of [false, true]) {
      for (const fortran of [false, true]) {
        it(`2-D ${dtype} ${big ? "big" : "little"}-endian ${fortran ? "Fortran" : "C"} order reads as a row-major 2×3 matrix`, () => {
          const m = loadNpy(npy(fortran ? F : C, [2, 3], dtype, { big, fortran })) as Matrix;
          expect([m.rows, m.cols]).toEqual([2, 3]);
          expect(Array.from(m.data)).toEqual(C);
        });
      }
    }
  }

  it("float64 values are rounded to float32", () => {
    const m = loadNpy(npy([0.1, -1e-3], [1, 2], "f8")) as Matrix;
    expect(Array.from(m.data)).toEqual([Math.fround(0.1), Math.fround(-1e-3)]);
  });

  it("1-D integer array (labels) reads as an Int32Array, negative int8 and int64 included", () => {
    expect(loadNpy(npy([3, -1, 0], [3], "i1"))).toEqual(new Int32Array([3, -1, 0]));
    expect(loadNpy(npy([9, -7], [2], "i8", { big: true }))).toEqual(new Int32Array([9, -7]));
    expect(loadNpy(npy([255, 7], [2], "u1"))).toEqual(new Int32Array([255, 7]));
  });

  it("1-D float array reads as an n×1 matrix", () => {
    const m = loadNpy(npy([1.5, 2.5], [2], "f4")) as Matrix;
    expect([m.rows, m.cols, ...m.data]).toEqual([2, 1, 1.5, 2.5]);
  });

  it("accepts an ArrayBuffer and a Uint8Array view at an offset", () => {
    const file = npy(C, [2, 3], "f4");
    expect(Array.from((loadNpy(file.slice().buffer) as Matrix).data)).toEqual(C);
    const padded = new Uint8Array(file.length + 3);
    padded.set(file, 3);
    expect(Array.from((loadNpy(padded.subarray(3)) as Matrix).data)).toEqual(C);
  });

  it("int64 labels outside int32 throw RangeError", () => {
    expect(() => loadNpy(npy([2 ** 40], [1], "i8"))).toThrow(/does not fit an Int32Array/);
  });

  it("empty input throws RangeError", () => {
    expect(() => loadNpy(new Uint8Array(0))).toThrow(RangeError);
    expect(() => loadNpy(new Uint8Array(0))).toThrow(/empty/);
  });

  it("not a .npy (no magic) throws RangeError", () => {
    expect(() => loadNpy(new TextEncoder().encode("a,b\n1,2\n"))).toThrow(/not a \.npy file/);
  });

  it("truncated data throws RangeError naming the bytes needed", () => {
    const file = npy(C, [2, 3], "f8");
    expect(() => loadNpy(file.subarray(0, file.length - 1))).toThrow(/truncated: shape 2×3 of <f8 needs 48 data bytes, the file has 47/);
  });

  it("truncated header throws RangeError", () => {
    expect(() => loadNpy(npy(C, [2, 3], "f4").subarray(0, 40))).toThrow(/truncated in its header/);
  });

  it("object array throws TypeError", () => {
    expect(() => loadNpy(npy([], [0], "u1", { descr: "|O" }))).toThrow(TypeError);
    expect(() => loadNpy(npy([], [0], "u1", { descr: "|O" }))).toThrow(/object arrays/);
  });

  it("unsupported dtypes (float16, complex, unicode, uint64) throw TypeError", () => {
    for (const descr of ["<f2", "<c16", "<U5", "<u8"]) {
      expect(() => loadNpy(npy([], [0], "u1", { descr }))).toThrow(new RegExp(`unsupported dtype ${descr}`));
    }
  });

  it("a 3-D array throws RangeError", () => {
    expect(() => loadNpy(npy(new Array(8).fill(0), [2, 2, 2], "f4"))).toThrow(/3-D array \(shape 2×2×2\)/);
  });

  it("non-bytes input throws TypeError naming the argument", () => {
    expect(() => loadNpy("x" as unknown as Uint8Array)).toThrow(/bytes must be a Uint8Array or ArrayBuffer/);
  });
});

describe("loadNpz", () => {
  it("reads every array of a stored and of a deflated zip by name", () => {
    const files = { "X.npy": npy(C, [2, 3], "f4"), "y.npy": npy([0, 1], [2], "i8") };
    for (const level of [0, 6] as const) {
      const out = loadNpz(zipSync(files, { level }));
      expect(Object.keys(out).sort()).toEqual(["X", "y"]);
      expect(Array.from((out.X as Matrix).data)).toEqual(C);
      expect(out.y).toEqual(new Int32Array([0, 1]));
    }
  });

  it("empty input throws RangeError", () => {
    expect(() => loadNpz(new Uint8Array(0))).toThrow(/empty/);
  });

  it("truncated zip throws RangeError", () => {
    const zip = zipSync({ "X.npy": npy(C, [2, 3], "f4") });
    expect(() => loadNpz(zip.subarray(0, zip.length - 10))).toThrow(/not a readable \.npz/);
  });

  it("a bad member names the member in its error", () => {
    expect(() => loadNpz(zipSync({ "X.npy": npy([], [0], "u1", { descr: "|O" }) }))).toThrow(/X\.npy: object arrays/);
  });
});

const PY = "python3";
const hasNumpy = spawnSync(PY, ["-c", "import numpy"]).status === 0;

describe.skipIf(!hasNumpy)(hasNumpy ? "files numpy writes" : "files numpy writes (skipped: python3 with numpy is not importable)", () => {
  it("np.save in every dtype, order and endianness, and np.savez / savez_compressed, read back equal", () => {
    const dir = mkdtempSync(join(tmpdir(), "npy-"));
    try {
      const script = `
import numpy as np, sys, os
d = sys.argv[1]
a = np.arange(12, dtype=np.float64).reshape(3, 4) - 5.25
for t in ['<f4', '>f4', '<f8', '>f8', '<i2', '>i4', '<i8', '|u1', '>u4']:
    b = (a if t[1] == 'f' else np.abs(np.round(a))).astype(t)
    np.save(os.path.join(d, t[1:] + ('b' if t[0] == '>' else 'l') + '.npy'), b)
    np.save(os.path.join(d, t[1:] + ('b' if t[0] == '>' else 'l') + 'F.npy'), np.asfortranarray(b))
np.savez(os.path.join(d, 'plain.npz'), X=a.astype(np.float32), y=np.array([2, 0, 1]))
np.savez_compressed(os.path.join(d, 'packed.npz'), X=a.astype(np.float32), y=np.array([2, 0, 1]))
`;
      const r = spawnSync(PY, ["-c", script, dir]);
      expect(r.stderr.toString()).toBe("");
      const a = Array.from({ length: 12 }, (_, i) => i - 5.25);
      for (const t of ["f4b", "f4l", "f8b", "f8l", "i2l", "i4b", "i8l", "u1l", "u4b"]) {
        const want = t[0] === "f" ? a : a.map((x) => Math.abs(Math.round(x)));
        for (const f of ["", "F"]) {
          const m = loadNpy(readFileSync(join(dir, `${t}${f}.npy`))) as Matrix;
          expect([m.rows, m.cols]).toEqual([3, 4]);
          expect(Array.from(m.data)).toEqual(want);
        }
      }
      for (const f of ["plain", "packed"]) {
        const z = loadNpz(readFileSync(join(dir, `${f}.npz`)));
        expect(Array.from((z.X as Matrix).data)).toEqual(a);
        expect(z.y).toEqual(new Int32Array([2, 0, 1]));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

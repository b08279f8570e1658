// .npy bytes built in the tests (test/npy.test.ts, test/cli.test.ts).

export type Dtype = "f4" | "f8" | "i1" | "i2" | "i4" | "i8" | "u1" | "u2" | "u4";
export const SIZE: Record<Dtype, number> = { f4: 4, f8: 8, i1: 1, i2: 2, i4: 4, i8: 8, u1: 1, u2: 2, u4: 4 };

/** A .npy v1.0 file as numpy writes it: header padded with spaces to a multiple of 64, ending in "\n". */
export function npy(values: number[], shape: number[], dtype: Dtype, opts: { big?: boolean; fortran?: boolean; descr?: string } = {}): Uint8Array {
  const order = SIZE[dtype] === 1 ? "|" : opts.big ? ">" : "<";
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let dict = `{'descr': '${opts.descr ?? order + dtype}', 'fortran_order': ${opts.fortran ? "True" : "False"}, 'shape': ${shapeText}, }`;
  dict += " ".repeat(63 - ((10 + dict.length) % 64)) + "\n";
  const out = new Uint8Array(10 + dict.length + values.length * SIZE[dtype]);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const v = new DataView(out.buffer);
  v.setUint16(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  const little = !opts.big;
  values.forEach((x, i) => {
    const at = 10 + dict.length + i * SIZE[dtype];
    switch (dtype) {
      case "f4": v.setFloat32(at, x, little); break;
      case "f8": v.setFloat64(at, x, little); break;
      case "i1": v.setInt8(at, x); break;
      case "i2": v.setInt16(at, x, little); break;
      case "i4": v.setInt32(at, x, little); break;
      case "i8": v.setBigInt64(at, BigInt(x), little); break;
      case "u1": v.setUint8(at, x); break;
      case "u2": v.setUint16(at, x, little); break;
      case "u4": v.setUint32(at, x, little); break;
    }
  });
  return out;
}

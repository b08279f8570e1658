// The hashing trick: MurmurHash3 against published test vectors, sklearn's column and sign rule, validation.
import { describe, expect, it } from "vitest";
import { features, hashing, murmurhash3 } from "../src/index.js";
import { csrToDense } from "../src/sparse/csr.js";

describe("murmurhash3 (x86, 32-bit)", () => {
  it.each([
    // scikit-learn's sklearn/utils/tests/test_murmurhash.py (murmurhash3_32(..., positive=True)).
    ["foo", 0, 4138058784],
    ["foo", 42, 2972666014],
    // The widely quoted vectors of the reference implementation (every tail length 0–3).
    ["", 0, 0],
    ["", 1, 0x514e28b7],
    ["", 0xffffffff, 0x81f16f39],
    ["a", 0x9747b28c, 0x7fa09ea6],
    ["aa", 0x9747b28c, 0x5d211726],
    ["aaa", 0x9747b28c, 0x283e0130],
    ["aaaa", 0x9747b28c, 0x5a97808a],
    ["Hello, world!", 0x9747b28c, 0x24884cba],
    ["The quick brown fox jumps over the lazy dog", 0x9747b28c, 0x2fa826cd],
  ])("%j with seed %i", (key, seed, want) => {
    expect(murmurhash3(key as string, seed as number)).toBe(want);
  });

  it("hashes strings as UTF-8", () => {
    expect(murmurhash3("é")).toBe(murmurhash3(Uint8Array.of(0xc3, 0xa9)));
  });
});

describe("hashing", () => {
  it("puts 'foo' where sklearn does: column |h| mod n, value −1 for a negative signed hash", () => {
    const h = -156908512; // sklearn: murmurhash3_32(b"foo", 0)
    for (const nFeatures of [16, 1000, 2 ** 18]) {
      const X = hashing([["foo"]], { nFeatures, norm: "none" });
      expect(Array.from(X.indices)).toEqual([Math.abs(h) % nFeatures]);
      expect(Array.from(X.values)).toEqual([-1]);
      expect(Array.from(hashing([["foo"]], { nFeatures, norm: "none", alternateSign: false }).values)).toEqual([1]);
    }
  });

  it("counts repeated tokens, sorts columns, and l2-normalises rows by default", () => {
    const rows = [["a", "b", "a"], [], ["b"]];
    const counts = hashing(rows, { nFeatures: 64, norm: "none", alternateSign: false });
    expect(counts.rows).toBe(3);
    expect(counts.cols).toBe(64);
    const dense = csrToDense(counts).data;
    const col = (t: string) => Math.abs(murmurhash3(t) | 0) % 64;
    expect(dense[col("a")]).toBe(col("a") === col("b") ? 3 : 2);
    expect(Array.from(counts.indptr)).toEqual([0, col("a") === col("b") ? 1 : 2, counts.indptr[1], counts.indptr[1]! + 1]);
    expect([...counts.indices.subarray(0, counts.indptr[1])]).toEqual([...counts.indices.subarray(0, counts.indptr[1])].sort((x, y) => x - y));
    const unit = hashing(rows, { nFeatures: 64 });
    const first = Array.from(unit.values.subarray(0, unit.indptr[1]));
    expect(Math.hypot(...first)).toBeCloseTo(1, 6);
  });

  it("is exported in the features namespace too", () => {
    expect(features.hashing).toBe(hashing);
  });

  it.each([
    ["tokensPerRow not an array", () => hashing("abc" as never), TypeError, /tokensPerRow must be an array/],
    ["a row not an array", () => hashing([["a"], "b" as never]), TypeError, /tokensPerRow\[1\]/],
    ["a token not a string", () => hashing([["a", 3 as never]]), TypeError, /tokensPerRow\[0\]\[1\]/],
    ["nFeatures 0", () => hashing([["a"]], { nFeatures: 0 }), RangeError, /nFeatures/],
    ["nFeatures fractional", () => hashing([["a"]], { nFeatures: 2.5 }), RangeError, /nFeatures/],
    ["unknown norm", () => hashing([["a"]], { norm: "l1" as never }), RangeError, /norm/],
    ["alternateSign not boolean", () => hashing([["a"]], { alternateSign: 1 as never }), TypeError, /alternateSign/],
  ])("rejects %s", (_, call, kind, message) => {
    expect(call).toThrow(kind);
    expect(call).toThrow(message);
  });
});

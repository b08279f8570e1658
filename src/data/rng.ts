/**
 * A seeded PRNG (xoshiro128**, seeded through splitmix32) so that the same seed gives the same run bit for bit,
 * in Node and in browsers alike. Not for cryptography.
 */
import * as v from "../validate.js";

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    v.dimension("seed", seed, 0);
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** An independent generator in this one's state: both go on to draw the same numbers. */
  clone(): Rng {
    return Object.assign(Object.create(Rng.prototype) as Rng, this);
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`n must be an integer ≥ 1, got ${v.describe(n)}`);
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Marsaglia polar method; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    let u: number, w: number, s: number;
    do {
      u = 2 * this.uniform() - 1;
      w = 2 * this.uniform() - 1;
      s = u * u + w * w;
    } while (s >= 1 || s === 0);
    const scale = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = w * scale;
    return u * scale;
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    if (typeof a !== "object" || a === null || !Number.isInteger(a.length)) {
      throw new TypeError(`a must be an array or a typed array, got ${v.describe(a)}`);
    }
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
    return a;
  }
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

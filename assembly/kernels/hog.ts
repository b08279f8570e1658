// Histogram of oriented gradients (Dalal–Triggs), the float64 twin is src/reference/hog.ts.
// Per image: copy into reflect-padded planes, centered [-1, 0, 1] gradients, per pixel the channel with the
// largest magnitude, unsigned orientation binned without trig, magnitude votes into cell histograms (no
// interpolation), then optional 2×2-cell block normalisation.

/** Block normalisation modes (the `norm` argument of `hog`). */
const NORM_NONE = 0;
const NORM_L2 = 1;
const NORM_L2HYS = 2;
const EPS: f32 = 1e-5;
const HYS_CLIP: f32 = 0.2;

/**
 * HoG of n images (h×w×c, row-major, channels interleaved; u8 ≠ 0: bytes, else f32) into out (n × features).
 * `dirs` holds (cos φ_k, sin φ_k) for the bin boundaries φ_k = k·180°/bins, k = 1..bins−1: a gradient folded
 * onto the upper half-plane lies in bin #{k : cos φ_k·gy − sin φ_k·gx ≥ 0}. Magnitudes are multiplied by
 * `scale` (1/255 for bytes). Scratch: planes c·(h+2)·(w+2)+4 f32, binRow and magRow roundUp(cx·cell, 4) each,
 * hist cy·cx·bins f32, where cy = ⌊h/cell⌋, cx = ⌊w/cell⌋.
 */
export function hog(n: i32, h: i32, w: i32, c: i32, src: usize, u8: i32, scale: f32, cell: i32, bins: i32,
                    dirs: usize, norm: i32, planes: usize, binRow: usize, magRow: usize, hist: usize, out: usize): void {
  assert(n >= 1 && h >= cell && w >= cell && c >= 1 && cell >= 1 && bins >= 1, "hog: bad sizes");
  assert(norm == NORM_NONE || norm == NORM_L2 || norm == NORM_L2HYS, "hog: bad norm");
  const cy = h / cell, cx = w / cell;
  assert(norm == NORM_NONE || (cy >= 2 && cx >= 2), "hog: blocks need at least 2×2 cells");
  const cellBins = cy * cx * bins;
  const features = norm == NORM_NONE ? cellBins : (cy - 1) * (cx - 1) * 4 * bins;
  const imageElems = <usize>h * <usize>w * <usize>c;
  for (let i = 0; i < n; i++) {
    if (u8) padPlanes<u8>(h, w, c, src + <usize>i * imageElems, planes);
    else padPlanes<f32>(h, w, c, src + (<usize>i * imageElems << 2), planes);
    memory.fill(hist, 0, <usize>cellBins << 2);
    for (let y = 0; y < cy * cell; y++) {
      if (ASC_FEATURE_SIMD) gradientRow4(h, w, c, y, cx * cell, planes, scale, bins, dirs, binRow, magRow);
      else gradientRow1(h, w, c, y, cx * cell, planes, scale, bins, dirs, binRow, magRow);
      vote(y / cell, cx, cell, bins, binRow, magRow, hist);
    }
    const o = out + <usize>i * <usize>features * 4;
    if (norm == NORM_NONE) memory.copy(o, hist, <usize>cellBins << 2);
    else normalizeBlocks(cy, cx, bins, norm, hist, o);
  }
}

/**
 * Channel planes with one reflected pixel on every side (row −1 = row 1, column −1 = column 1): the centered
 * difference is then 0 on the border, as for skimage's hog, and the row loops need no border case.
 */
function padPlanes<T>(h: i32, w: i32, c: i32, img: usize, planes: usize): void {
  const pw = <usize>(w + 2), planeBytes = pw * <usize>(h + 2) << 2;
  for (let ch = 0; ch < c; ch++) {
    const plane = planes + <usize>ch * planeBytes;
    for (let y = 0; y < h; y++) {
      const row = plane + (<usize>(y + 1) * pw << 2);
      const from = <usize>y * <usize>w * <usize>c + <usize>ch;
      for (let x = 0; x < w; x++) {
        const e = from + <usize>x * <usize>c;
        store<f32>(row + (<usize>(x + 1) << 2), <f32>load<T>(img + e * sizeof<T>()));
      }
      store<f32>(row, load<f32>(row + (<usize>reflect(1, w) << 2)));
      store<f32>(row + (<usize>(w + 1) << 2), load<f32>(row + (<usize>reflect(w - 2, w) << 2)));
    }
    memory.copy(plane, plane + (<usize>reflect(1, h) * pw << 2), pw << 2);
    memory.copy(plane + (<usize>(h + 1) * pw << 2), plane + (<usize>reflect(h - 2, h) * pw << 2), pw << 2);
  }
}

/** Padded index of the mirror of original index `j` (−1 → 1, len → len−2), clamped for len < 2. */
// @ts-ignore: decorator
@inline function reflect(j: i32, len: i32): i32 {
  return min(max(j, 0), len - 1) + 1;
}

/** Bin and magnitude of the pixels 0..len−1 of row y, 4 at a time; lanes past len read padding and are unused. */
function gradientRow4(h: i32, w: i32, c: i32, y: i32, len: i32, planes: usize, scale: f32, bins: i32, dirs: usize,
                      binRow: usize, magRow: usize): void {
  const pw = <usize>(w + 2), planeBytes = pw * <usize>(h + 2) << 2;
  const zero = f32x4.splat(0), vscale = f32x4.splat(scale);
  for (let x = 0; x < len; x += 4) {
    let gx = zero, gy = zero, m2 = f32x4.splat(-1);
    for (let ch = 0; ch < c; ch++) {
      const mid = planes + <usize>ch * planeBytes + (<usize>(y + 1) * pw + <usize>x << 2);
      const gxc = f32x4.sub(v128.load(mid, 8), v128.load(mid));
      const gyc = f32x4.sub(v128.load(mid + (pw << 2), 4), v128.load(mid - (pw << 2), 4));
      const m2c = f32x4.add(f32x4.mul(gxc, gxc), f32x4.mul(gyc, gyc));
      const take = f32x4.gt(m2c, m2); // strict: ties keep the first channel
      gx = v128.bitselect(gxc, gx, take);
      gy = v128.bitselect(gyc, gy, take);
      m2 = v128.bitselect(m2c, m2, take);
    }
    // Unsigned orientation: fold onto θ ∈ [0°, 180°), i.e. gy > 0, or gy = 0 and gx ≥ 0.
    const flip = v128.or(f32x4.lt(gy, zero), v128.and(f32x4.eq(gy, zero), f32x4.lt(gx, zero)));
    gx = v128.bitselect(f32x4.neg(gx), gx, flip);
    gy = v128.bitselect(f32x4.neg(gy), gy, flip);
    let bin = i32x4.splat(0);
    for (let k = 0; k < bins - 1; k++) {
      const d = dirs + (<usize>k << 3);
      const cross = f32x4.sub(f32x4.mul(v128.load32_splat(d), gy), f32x4.mul(v128.load32_splat(d, 4), gx));
      bin = i32x4.sub(bin, f32x4.ge(cross, zero)); // a true lane is −1
    }
    v128.store(binRow + (<usize>x << 2), bin);
    v128.store(magRow + (<usize>x << 2), f32x4.mul(f32x4.sqrt(m2), vscale));
  }
}

/** The same per pixel, for the build without SIMD. */
function gradientRow1(h: i32, w: i32, c: i32, y: i32, len: i32, planes: usize, scale: f32, bins: i32, dirs: usize,
                      binRow: usize, magRow: usize): void {
  const pw = <usize>(w + 2), planeBytes = pw * <usize>(h + 2) << 2;
  for (let x = 0; x < len; x++) {
    let gx: f32 = 0, gy: f32 = 0, m2: f32 = -1;
    for (let ch = 0; ch < c; ch++) {
      const mid = planes + <usize>ch * planeBytes + (<usize>(y + 1) * pw + <usize>x << 2);
      const gxc = load<f32>(mid, 8) - load<f32>(mid);
      const gyc = load<f32>(mid + (pw << 2), 4) - load<f32>(mid - (pw << 2), 4);
      const m2c = gxc * gxc + gyc * gyc;
      if (m2c > m2) {
        gx = gxc; gy = gyc; m2 = m2c;
      }
    }
    if (gy < 0 || (gy == 0 && gx < 0)) {
      gx = -gx; gy = -gy;
    }
    let bin = 0;
    for (let k = 0; k < bins - 1; k++) {
      const d = dirs + (<usize>k << 3);
      if (load<f32>(d) * gy - load<f32>(d, 4) * gx >= 0) bin++;
    }
    store<i32>(binRow + (<usize>x << 2), bin);
    store<f32>(magRow + (<usize>x << 2), Mathf.sqrt(m2) * scale);
  }
}

/** Adds the row's magnitudes into the histograms of cell row `cellY`. */
function vote(cellY: i32, cx: i32, cell: i32, bins: i32, binRow: usize, magRow: usize, hist: usize): void {
  for (let j = 0; j < cx; j++) {
    const h = hist + (<usize>(cellY * cx + j) * <usize>bins << 2);
    for (let x = j * cell, end = x + cell; x < end; x++) {
      const at = h + (<usize>load<i32>(binRow + (<usize>x << 2)) << 2);
      store<f32>(at, load<f32>(at) + load<f32>(magRow + (<usize>x << 2)));
    }
  }
}

/** Blocks of 2×2 cells at a stride of one cell, each written as its 4 cell histograms and normalised. */
function normalizeBlocks(cy: i32, cx: i32, bins: i32, norm: i32, hist: usize, out: usize): void {
  const len = 4 * bins, rowBytes = <usize>bins << 2;
  for (let by = 0; by < cy - 1; by++) {
    for (let bx = 0; bx < cx - 1; bx++) {
      for (let q = 0; q < 4; q++) {
        const cellAt = hist + (<usize>((by + (q >> 1)) * cx + bx + (q & 1)) * rowBytes);
        memory.copy(out + <usize>q * rowBytes, cellAt, rowBytes);
      }
      scaleToUnit(out, len);
      if (norm == NORM_L2HYS) {
        clip(out, len);
        scaleToUnit(out, len);
      }
      out += <usize>len << 2;
    }
  }
}

/** v ← v / √(‖v‖² + ε²); len is a multiple of 4 (4 cells × bins). */
function scaleToUnit(v: usize, len: i32): void {
  const end = v + (<usize>len << 2);
  // Four partial sums combined as (s0 + s1) + (s2 + s3) in both builds, so that they agree bit for bit.
  let sq: f32;
  if (ASC_FEATURE_SIMD) {
    let acc = f32x4.splat(0);
    for (let p = v; p < end; p += 16) {
      const e = v128.load(p);
      acc = f32x4.add(acc, f32x4.mul(e, e));
    }
    sq = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  } else {
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
    for (let p = v; p < end; p += 16) {
      const e0 = load<f32>(p), e1 = load<f32>(p, 4), e2 = load<f32>(p, 8), e3 = load<f32>(p, 12);
      s0 += e0 * e0; s1 += e1 * e1; s2 += e2 * e2; s3 += e3 * e3;
    }
    sq = (s0 + s1) + (s2 + s3);
  }
  const inv: f32 = 1 / Mathf.sqrt(sq + EPS * EPS);
  if (ASC_FEATURE_SIMD) {
    const vinv = f32x4.splat(inv);
    for (let p = v; p < end; p += 16) v128.store(p, f32x4.mul(v128.load(p), vinv));
  } else {
    for (let p = v; p < end; p += 4) store<f32>(p, load<f32>(p) * inv);
  }
}

/** v ← min(v, 0.2), the "Hys" of L2-Hys. */
function clip(v: usize, len: i32): void {
  const end = v + (<usize>len << 2);
  if (ASC_FEATURE_SIMD) {
    const limit = f32x4.splat(HYS_CLIP);
    for (let p = v; p < end; p += 16) v128.store(p, f32x4.min(v128.load(p), limit));
  } else {
    for (let p = v; p < end; p += 4) store<f32>(p, min(load<f32>(p), HYS_CLIP));
  }
}

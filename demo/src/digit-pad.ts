/**
 * A canvas to draw a digit on, and its conversion to an MNIST-like input: the ink's bounding box scaled so its
 * longer side is 20 px, placed in a 28×28 image with the centre of mass at the centre (as MNIST was made).
 */
const SIDE = 28;
const BOX = 20;

export function digitPad(pad: HTMLCanvasElement, preview: HTMLCanvasElement, onChange: (pixels: Float32Array | null) => void) {
  const ctx = pad.getContext("2d", { willReadFrequently: true })!;
  const small = preview.getContext("2d", { willReadFrequently: true })!;
  let last: [number, number] | null = null;
  let pending = false;

  const clear = () => {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, pad.width, pad.height);
    small.clearRect(0, 0, SIDE, SIDE);
    onChange(null);
  };
  const at = (e: PointerEvent): [number, number] => {
    const rect = pad.getBoundingClientRect();
    return [((e.clientX - rect.left) * pad.width) / rect.width, ((e.clientY - rect.top) * pad.height) / rect.height];
  };
  const stroke = (to: [number, number]) => {
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = pad.width / 11;
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(...(last ?? to));
    ctx.lineTo(...to);
    ctx.stroke();
    last = to;
    if (!pending) {
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        onChange(toInput());
      });
    }
  };

  /** The drawing as 784 values in [0, 1] (1 = ink), or null when nothing is drawn. */
  function toInput(): Float32Array | null {
    const { data, width, height } = ctx.getImageData(0, 0, pad.width, pad.height);
    let x0 = width, y0 = height, x1 = -1, y1 = -1;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (data[4 * (y * width + x)]! > 24) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
      }
    }
    if (x1 < 0) return null;
    const w = x1 - x0 + 1, h = y1 - y0 + 1, scale = BOX / Math.max(w, h);
    // First pass: the box scaled into the middle; second pass: shifted so the centre of mass sits at (14, 14).
    const first = new OffscreenCanvas(SIDE, SIDE), fctx = first.getContext("2d", { willReadFrequently: true })!;
    fctx.imageSmoothingQuality = "high";
    fctx.drawImage(pad, x0, y0, w, h, (SIDE - w * scale) / 2, (SIDE - h * scale) / 2, w * scale, h * scale);
    const img = fctx.getImageData(0, 0, SIDE, SIDE).data;
    let mass = 0, mx = 0, my = 0;
    for (let i = 0; i < SIDE * SIDE; i++) {
      const v = img[4 * i]!;
      mass += v;
      mx += v * (i % SIDE);
      my += v * Math.floor(i / SIDE);
    }
    small.clearRect(0, 0, SIDE, SIDE);
    small.fillStyle = "#000";
    small.fillRect(0, 0, SIDE, SIDE);
    small.drawImage(first, Math.round(SIDE / 2 - 0.5 - mx / mass), Math.round(SIDE / 2 - 0.5 - my / mass));
    const out = small.getImageData(0, 0, SIDE, SIDE).data;
    return Float32Array.from({ length: SIDE * SIDE }, (_, i) => out[4 * i]! / 255);
  }

  pad.addEventListener("pointerdown", (e) => {
    pad.setPointerCapture(e.pointerId);
    last = null;
    stroke(at(e));
  });
  pad.addEventListener("pointermove", (e) => {
    if (pad.hasPointerCapture(e.pointerId)) stroke(at(e));
  });
  pad.addEventListener("pointerup", () => (last = null));
  clear();
  return { clear };
}

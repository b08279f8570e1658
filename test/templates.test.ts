// templates(): class weight columns as RGBA images, scaled with one min and max over all classes (SPEC.md).
import { describe, expect, it } from "vitest";
import { LinearClassifier, templates, type Matrix } from "../src/index.js";
import { Rng } from "../src/data/rng.js";
import { gaussian } from "./helpers.js";

const withW = (rows: number, cols: number, values: number[]) => ({ weights: { W: { rows, cols, data: Float32Array.from(values) } as Matrix } });
const rgba = (gray: number[]) => gray.flatMap((g) => [g, g, g, 255]);

describe("templates", () => {
  it("gray 2×2, two classes: 255·(w − min)/(max − min) over both classes (min −1, max 3), ties to even", () => {
    // Rows are features (pixels), columns classes.
    const model = withW(4, 2, [-1, 3, 0, 1, 1, -1, 2, 0.5]);
    const [a, b] = templates(model, { height: 2, width: 2, channels: 1 });
    expect([a!.width, a!.height]).toEqual([2, 2]);
    // 63.75·(w + 1): class 0 → 0, 63.75, 127.5, 191.25; class 1 → 255, 127.5, 0, 95.625.
    expect(Array.from(a!.data)).toEqual(rgba([0, 64, 128, 191]));
    expect(Array.from(b!.data)).toEqual(rgba([255, 128, 0, 96]));
    expect(Array.from(model.weights.W.data)).toEqual([-1, 3, 0, 1, 1, -1, 2, 0.5]);
  });

  it("RGB 1×2: a pixel's three channels are adjacent features", () => {
    const [t] = templates(withW(6, 1, [0, 1, 2, 3, 4, 5]), { height: 1, width: 2, channels: 3 });
    expect(Array.from(t!.data)).toEqual([0, 51, 102, 255, 153, 204, 255, 255]);
  });

  it("equal weights have no contrast: every pixel 0, alpha 255", () => {
    const [t] = templates(withW(4, 1, [0.5, 0.5, 0.5, 0.5]), { height: 2, width: 2, channels: 1 });
    expect(Array.from(t!.data)).toEqual(rgba([0, 0, 0, 0]));
  });

  it("a fitted classifier: one template per class, spanning 0..255 over all of them", async () => {
    const rng = new Rng(3), X = gaussian(rng, 40, 12), y = Int32Array.from({ length: 40 }, (_, i) => i % 3);
    const model = new LinearClassifier({ backend: "reference", epochs: 2 });
    await model.fit(X, y);
    const images = templates(model, { height: 3, width: 4, channels: 1 });
    expect(images).toHaveLength(3);
    const bytes = images.flatMap((t) => Array.from(t.data).filter((_, k) => k % 4 === 0));
    expect(Math.min(...bytes)).toBe(0);
    expect(Math.max(...bytes)).toBe(255);
    model.dispose();
  });

  it("refuses bad arguments, naming them", () => {
    const model = withW(4, 1, [0, 1, 2, 3]);
    expect(() => templates(model, { height: 2, width: 3, channels: 1 })).toThrow(/4 features/);
    expect(() => templates(model, { height: 2, width: 2, channels: 2 })).toThrow(/shape\.channels/);
    expect(() => templates(model, { height: 0, width: 2, channels: 1 })).toThrow(/shape\.height/);
    expect(() => templates(model, { height: 2, width: 2.5, channels: 1 })).toThrow(/shape\.width/);
    expect(() => templates(null as never, { height: 2, width: 2, channels: 1 })).toThrow(TypeError);
    expect(() => templates(model, undefined as never)).toThrow(TypeError);
    expect(() => templates(new LinearClassifier(), { height: 2, width: 2, channels: 1 })).toThrow();
  });
});

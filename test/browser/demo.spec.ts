/**
 * The built demo (demo/dist, from `npm run build:demo`) in Chromium under the strict CSP: the playground trains
 * and draws, MNIST trains and renders its templates, confusion matrix and the classification of a drawn digit.
 * Screenshots of both pages go to test/artifacts/.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshot, type Browser, type WatchedPage } from "./harness.js";
import { serveStatic, type StaticServer } from "./server.js";

const DIST = resolve(import.meta.dirname, "../../demo/dist");

let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(join(DIST, "playground.html"))) throw new Error("demo/dist is missing: run `npm run build:demo` first (npm run test:browser does)");
  server = await serveStatic(DIST);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function open(path: string): Promise<WatchedPage> {
  const watched = await browser.newPage();
  await watched.page.goto(`${server.origin}/${path}`);
  await watched.page.waitForSelector("body[data-ready]");
  return watched;
}

/** Distinct opaque colours among a canvas's pixels (sampled every `stride` pixels). */
function canvasColours(w: WatchedPage, selector: string, stride = 7): Promise<number> {
  return w.page.$eval(selector, (el, s) => {
    const canvas = el as HTMLCanvasElement;
    const px = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < px.length; i += 4 * s) if (px[i + 3] === 255) seen.add((px[i]! << 16) | (px[i + 1]! << 8) | px[i + 2]!);
    return seen.size;
  }, stride);
}

const stats = (w: WatchedPage) => w.page.$eval("#stats", (el) => {
  const d = (el as HTMLElement).dataset;
  return { steps: Number(d.steps), loss: Number(d.loss), firstLoss: Number(d.firstLoss) };
});

describe("the 2D playground", () => {
  it("trains live: the loss goes down and the regions and lines are drawn", async () => {
    const w = await open("playground.html");
    const before = await stats(w);
    expect(before.steps).toBe(0);
    await w.page.click("#play");
    await w.page.waitForFunction(() => Number(document.getElementById("stats")!.dataset.steps) >= 200);
    await w.page.waitForTimeout(1000);
    await w.page.click("#play");
    const after = await stats(w);
    expect(after.steps).toBeGreaterThanOrEqual(200);
    expect(after.loss).toBeLessThan(after.firstLoss * 0.5);
    expect(await w.page.textContent("#accuracy")).toBe("9/9");
    // Three region tints plus lines, axes and points: many colours, and each class's tint somewhere.
    expect(await canvasColours(w, "#plane")).toBeGreaterThanOrEqual(6);
    expect(await w.page.locator("#points tr").count()).toBe(9);
    await screenshot(w.page, "playground");
    expect(w.problems).toEqual([]);
  });
});

describe("the 2D playground, by hand", () => {
  it("adds, drags and deletes points, and trains on polar features", async () => {
    const w = await open("playground.html");
    const plane = (await w.page.locator("#plane").boundingBox())!;
    // The plane shows [−1, 1]² on 520 px, y up.
    const at = (x: number, y: number) => [plane.x + ((x + 1) / 2) * plane.width, plane.y + ((1 - y) / 2) * plane.height] as const;
    const rows = () => w.page.$$eval("#points tr", (trs) => trs.map((tr) => ({
      cls: tr.cells[0]!.className, x: Number(tr.cells[1]!.textContent), y: Number(tr.cells[2]!.textContent),
    })));

    await w.page.click("#classes button[data-class='1']");
    await w.page.mouse.click(...at(0, -0.9));
    await expect.poll(rows).toHaveLength(10);
    expect((await rows())[9]).toEqual({ cls: "dot k1", x: expect.closeTo(0, 1), y: expect.closeTo(-0.9, 1) });

    await w.page.mouse.move(...at(0, -0.9));
    await w.page.mouse.down();
    await w.page.mouse.move(...at(-0.5, -0.8), { steps: 5 });
    await w.page.mouse.up();
    await expect.poll(async () => (await rows())[9]).toEqual({ cls: "dot k1", x: expect.closeTo(-0.5, 1), y: expect.closeTo(-0.8, 1) });

    await w.page.mouse.click(...at(-0.5, -0.8), { button: "right" });
    await expect.poll(rows).toHaveLength(9);

    await w.page.selectOption("#features", "polar");
    await w.page.click("#play");
    await w.page.waitForFunction(() => Number(document.getElementById("stats")!.dataset.steps) >= 200);
    await w.page.click("#play");
    const after = await stats(w);
    expect(after.loss).toBeLessThan(after.firstLoss * 0.6);
    expect(await canvasColours(w, "#plane")).toBeGreaterThanOrEqual(4);
    await screenshot(w.page, "playground-polar");
    expect(w.problems).toEqual([]);
  });
});

describe("the polar-features toggle (lecture 3: the right feature transform makes tangled data separable)", () => {
  it("takes the three-ring dataset from about chance accuracy on (x, y) to ≥ 0.98 on (r, θ)", async () => {
    const w = await open("playground.html");
    const setRange = (id: string, value: number) => w.page.$eval(`#${id}`, (el, x) => {
      (el as HTMLInputElement).value = String(x);
      el.dispatchEvent(new Event("input", { bubbles: true }));
    }, value);
    await w.page.selectOption("#dataset", "rings");
    await w.page.selectOption("#rule", "adam");
    await setRange("l2", -4); // λ = 1e-4: the rings need large weights on r
    await setRange("lr", -1); // step 0.1
    const accuracy = async () => {
      const [hits, total] = (await w.page.textContent("#accuracy"))!.split("/").map(Number);
      return hits! / total!;
    };
    const train = async (steps: number) => {
      const from = (await stats(w)).steps;
      await w.page.click("#play");
      await w.page.waitForFunction((n) => Number(document.getElementById("stats")!.dataset.steps) >= n, from + steps);
      await w.page.click("#play");
    };

    await train(400);
    const raw = await accuracy();
    expect(raw).toBeLessThan(0.7); // concentric rings: no line separates them; chance is 1/3

    await w.page.selectOption("#features", "polar");
    await train(600);
    expect(await accuracy()).toBeGreaterThanOrEqual(0.98);
    await screenshot(w.page, "playground-rings-polar");
    console.log(`rings: accuracy ${raw.toFixed(3)} on (x, y), ${(await accuracy()).toFixed(3)} on polar features`);
    expect(w.problems).toEqual([]);
  });
});

describe("MNIST in the browser", () => {
  it("trains a few epochs and renders the curves, the templates, the confusion matrix and a drawn digit's class", async () => {
    const w = await open("mnist.html");
    await w.page.$eval("#epochs", (el) => {
      (el as HTMLInputElement).value = "3";
      el.dispatchEvent(new Event("input"));
    });
    await w.page.click("#train");
    await w.page.waitForFunction(() => document.getElementById("status")!.dataset.epoch === "3", null, { timeout: 120_000 });
    await w.page.waitForFunction(() => document.getElementById("train")!.textContent === "Continue");
    const testAccuracy = Number(await w.page.$eval("#status", (el) => (el as HTMLElement).dataset.testAccuracy));
    expect(testAccuracy).toBeGreaterThan(0.85);

    // Ten templates, each a real image (many colours), not a blank canvas.
    const colours = await w.page.$$eval("#templates canvas", (canvases) => canvases.map((el) => {
      const c = el as HTMLCanvasElement, px = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < px.length; i += 4) seen.add((px[i]! << 16) | (px[i + 1]! << 8) | px[i + 2]!);
      return seen.size;
    }));
    expect(colours).toHaveLength(10);
    for (const n of colours) expect(n).toBeGreaterThan(50);

    // The confusion matrix counts every test digit once, and its diagonal is the test accuracy.
    const cells = await w.page.$$eval("#confusion tbody tr", (rows) => rows.map((r) => Array.from(r.querySelectorAll("td"), (td) => Number(td.textContent))));
    expect(cells).toHaveLength(10);
    const total = cells.flat().reduce((a, b) => a + b, 0);
    const diagonal = cells.reduce((a, row, i) => a + row[i]!, 0);
    expect(total).toBe(2000);
    expect(diagonal / total).toBeCloseTo(testAccuracy, 12);

    // Draw a "1": one vertical stroke down the middle of the pad.
    await w.page.locator("#pad").scrollIntoViewIfNeeded();
    const pad = (await w.page.locator("#pad").boundingBox())!;
    await w.page.mouse.move(pad.x + pad.width * 0.52, pad.y + pad.height * 0.15);
    await w.page.mouse.down();
    for (let k = 1; k <= 12; k++) await w.page.mouse.move(pad.x + pad.width * (0.52 - 0.01 * k), pad.y + pad.height * (0.15 + 0.058 * k));
    await w.page.mouse.up();
    await w.page.waitForFunction(() => document.getElementById("prediction")!.dataset.prediction !== undefined);
    const { prediction, probabilities } = await w.page.$eval("#prediction", (el) => ({ ...(el as HTMLElement).dataset }));
    const p = probabilities!.split(",").map(Number);
    expect(p).toHaveLength(10);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(prediction).toBe("1");
    await screenshot(w.page, "mnist");
    expect(w.problems).toEqual([]);
  });

  it("'Train in a worker' fits in a Web Worker (fitInWorker): requestAnimationFrame keeps running during the fit", async () => {
    const w = await open("mnist.html");
    await w.page.evaluate(() => {
      const state = window as unknown as { frames: number; epochsSeen: number[] };
      state.frames = 0;
      state.epochsSeen = [];
      const status = document.getElementById("status")!;
      const frame = (): void => {
        if (status.dataset.worker === "done") return;
        state.frames++;
        const epoch = Number(status.dataset.epoch);
        if (epoch && !state.epochsSeen.includes(epoch)) state.epochsSeen.push(epoch);
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
    await w.page.click("#worker");
    await w.page.waitForFunction(() => document.getElementById("status")!.dataset.worker === "done", null, { timeout: 120_000 });
    const { frames, epochsSeen } = await w.page.evaluate(() => {
      const { frames, epochsSeen } = window as unknown as { frames: number; epochsSeen: number[] };
      return { frames, epochsSeen };
    });
    console.log(`rAF frames during the worker's fit: ${frames}; epoch reports seen: ${epochsSeen.length}`);
    // Ten epochs of 8,000 digits: frames are drawn all through the fit, and the epoch reports arrive one by one.
    expect(frames).toBeGreaterThan(5); // 16 here; a fit holding the main thread gives 1 or 2
    expect(epochsSeen.length).toBeGreaterThan(2);
    const testAccuracy = Number(await w.page.$eval("#status", (el) => (el as HTMLElement).dataset.testAccuracy));
    expect(testAccuracy).toBeGreaterThan(0.85);
    const cells = await w.page.$$eval("#confusion tbody td", (tds) => tds.reduce((n, td) => n + Number(td.textContent), 0));
    expect(cells).toBe(2000);
    expect(w.problems).toEqual([]);
  });
});

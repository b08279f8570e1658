/**
 * toOnnx's bytes in onnxruntime-web (its wasm build) in headless Chromium, under the strict CSP: for every
 * exportable loss and the regressor, with preprocessing, the same labels as `predict` and probabilities within 1e-6
 * of `predictProba` on 1,000 rows, as test/onnx.test.ts checks in onnxruntime-node. Chromium only: the Firefox
 * suite is about our own engine.
 */
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LinearClassifier, LinearRegressor, minMax, standardize, type Matrix } from "../../dist/index.js";
import { toOnnx } from "../../dist/onnx/index.js";
import { Rng } from "../../dist/data/rng.js";
import { launchChromium, type Browser, type WatchedPage } from "./harness.js";
import { serveStatic, type StaticServer } from "./server.js";

const ROOT = resolve(import.meta.dirname, "../..");
const N = 1000, D = 6, C = 4;
const rng = new Rng(11);
const X: Matrix = { rows: N, cols: D, data: Float32Array.from({ length: N * D }, () => 3 * rng.normal() + 1) };
const y = Int32Array.from({ length: N }, (_, i) => (X.data[i * D]! > 1 ? 1 : 0) + (X.data[i * D + 1]! > 1 ? 2 : 0));
const names = Array.from(y, (k) => ["car", "cat", "dog", "frog"][k]!);

interface Output { dims: number[]; type: string; data: (number | string)[] }

let server: StaticServer;
let browser: Browser;
let page: WatchedPage;

beforeAll(async () => {
  server = await serveStatic(ROOT);
  browser = await launchChromium();
  page = await browser.newPage();
  await page.page.goto(server.origin + "/test/browser/pages/onnx.html");
  await page.page.waitForFunction(() => "harness" in window);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The page's onnxruntime-web session on the bytes, run on the raw rows of X. */
const runInPage = (bytes: Uint8Array): Promise<Record<string, Output>> =>
  page.page.evaluate(([b, data, rows, cols]) =>
    (window as unknown as { harness: { run(...a: unknown[]): Promise<Record<string, Output>> } }).harness.run(b, data, rows, cols),
  [Array.from(bytes), Array.from(X.data), N, D] as const);

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe("toOnnx in onnxruntime-web (Chromium)", () => {
  for (const loss of ["softmax", "logistic", "hinge", "squared-hinge"] as const) {
    for (const kind of ["standardize", "minmax", "none"] as const) {
      it(`${loss} with ${kind} preprocessing, string labels: same labels, ${loss.includes("hinge") ? "scores within 1e-4" : "probabilities within 1e-6"} on 1,000 rows`, async () => {
        const pre = kind === "standardize" ? standardize().fit(X) : kind === "minmax" ? minMax().fit(X) : null;
        const Xs = pre ? pre.transform(X) : X;
        const model = new LinearClassifier<string[]>({ loss, epochs: 3, batchSize: 50, optimizer: { rule: "adam", learningRate: 0.05 } });
        await model.fit(Xs, names);
        const out = await runInPage(toOnnx(model, { preprocessing: pre }));
        const predicted = model.predict(Xs);
        expect(new Set(predicted).size).toBeGreaterThan(1);
        expect(out.label!.data).toEqual(predicted);
        if (loss.includes("hinge")) {
          expect(out.probabilities).toBeUndefined();
          expect(maxDiff(out.scores!.data as number[], model.decisionFunction(Xs).data)).toBeLessThan(1e-4);
        } else {
          expect(out.probabilities!.dims).toEqual([N, C]);
          expect(maxDiff(out.probabilities!.data as number[], model.predictProba(Xs).data)).toBeLessThan(1e-6);
        }
        model.dispose();
      });
    }
  }

  it("integer labels come out as int64, the classes themselves", async () => {
    const model = new LinearClassifier({ epochs: 2 });
    await model.fit(X, Int32Array.from(y, (k) => 10 * k - 5));
    const out = await runInPage(model.toOnnx());
    expect(out.label!.type).toBe("int64");
    expect(out.label!.data).toEqual(Array.from(model.predict(X)));
    model.dispose();
  });

  it("regressor with standardize: variable within 1e-5 of predict, N×1", async () => {
    const pre = standardize().fit(X);
    const target = Float32Array.from({ length: N }, (_, i) => X.data[i * D]! - 2 * X.data[i * D + 1]!);
    const model = new LinearRegressor({ epochs: 3, optimizer: { rule: "adam", learningRate: 0.05 } });
    await model.fit(pre.transform(X), target);
    const out = await runInPage(toOnnx(model, { preprocessing: pre }));
    expect(out.variable!.dims).toEqual([N, 1]);
    expect(maxDiff(out.variable!.data as number[], model.predict(pre.transform(X)) as Float32Array)).toBeLessThan(1e-5);
    model.dispose();
  });

  it("the page loaded nothing from outside the test server and reported no problem", () => {
    expect(server.requests.some((p) => p.startsWith("/node_modules/onnxruntime-web/dist/ort-wasm"))).toBe(true);
    expect(page.problems).toEqual([]);
  });
});

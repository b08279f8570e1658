/**
 * The engine in Firefox (SpiderMonkey, Debian's firefox-esr), driven by puppeteer-core over WebDriver BiDi (no
 * browser download): the built demo's MNIST page trains to Chromium's accuracy, `simdlinear check` passes in a
 * page, and a cross-origin-isolated page trains on two threads as Node does.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import puppeteer, { type Browser as FirefoxBrowser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as simdlinear from "../../dist/index.js";
import type { CheckRow } from "../../dist/cli/check.js";
import { classifierRun, featuresRun } from "./fixtures/scenario.js";
import { launchChromium } from "./harness.js";
import { serveStatic, type StaticServer } from "./server.js";

const FIREFOX = "/usr/bin/firefox-esr";
const ROOT = resolve(import.meta.dirname, "../..");
const DIST = join(ROOT, "demo/dist");

let firefox: FirefoxBrowser;
const servers: StaticServer[] = [];

beforeAll(async () => {
  if (!existsSync(FIREFOX)) throw new Error(`${FIREFOX} is missing: apt-get install firefox-esr (.ci/run does)`);
  firefox = await puppeteer.launch({ browser: "firefox", executablePath: FIREFOX, headless: true });
});

afterAll(async () => {
  await firefox?.close();
  for (const s of servers) await s.close();
});

async function serve(root: string, crossOriginIsolated = false): Promise<StaticServer> {
  const server = await serveStatic(root, { crossOriginIsolated });
  servers.push(server);
  return server;
}

/** A Firefox tab whose uncaught errors are collected (but for the entry page's probe that eval is blocked). */
async function firefoxPage(url: string): Promise<{ page: Page; problems: string[] }> {
  const page = await firefox.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => {
    const line = `uncaught: ${e instanceof Error ? e.message : String(e)}`;
    if (!/blocked a JavaScript eval/.test(line)) problems.push(line);
  });
  await page.goto(url);
  return { page, problems };
}

/**
 * Polls `predicate` in the page until it holds. Not puppeteer's waitForFunction: over BiDi it builds the predicate
 * with Function() in the page, which these pages' CSP refuses in Firefox ESR 140 (Debian bookworm's), while an
 * evaluate goes through.
 */
async function waitUntil(page: Page, predicate: () => boolean, timeout = 30_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await page.evaluate(predicate))) {
    if (Date.now() > deadline) throw new Error(`Firefox: not true within ${timeout} ms: ${predicate}`);
    await new Promise((wake) => setTimeout(wake, 100));
  }
}

describe(`Firefox ESR (${FIREFOX})`, () => {
  it("the built demo's MNIST page trains 3 epochs on wasm to the test accuracy Chromium reaches", async () => {
    if (!existsSync(join(DIST, "mnist.html"))) throw new Error("demo/dist is missing: run `npm run build:demo` first");
    const server = await serve(DIST);
    // The same script in both browsers: 3 epochs, Train, and then the page's test accuracy once epoch 3 is done.
    const start = () => {
      const epochs = document.getElementById("epochs") as HTMLInputElement;
      epochs.value = "3";
      epochs.dispatchEvent(new Event("input"));
      document.getElementById("train")!.click();
    };
    const done = () => document.getElementById("status")!.dataset.epoch === "3";
    const accuracy = () => Number(document.getElementById("status")!.dataset.testAccuracy);

    const { page, problems } = await firefoxPage(`${server.origin}/mnist.html`);
    await page.waitForSelector("body[data-ready]");
    await page.evaluate(start);
    await waitUntil(page, done, 150_000);
    const inFirefox = await page.evaluate(accuracy);
    await page.close();

    const chromium = await launchChromium();
    try {
      const w = await chromium.newPage();
      await w.page.goto(`${server.origin}/mnist.html`);
      await w.page.waitForSelector("body[data-ready]");
      await w.page.evaluate(start);
      await w.page.waitForFunction(done, null, { timeout: 150_000 });
      const inChromium = await w.page.evaluate(accuracy);
      console.log(`demo MNIST, 3 epochs: test accuracy ${inFirefox} in Firefox, ${inChromium} in Chromium`);
      expect(inFirefox).toBeGreaterThan(0.85);
      expect(inFirefox).toBe(inChromium);
    } finally {
      await chromium.close();
    }
    expect(problems).toEqual([]);
  });

  it("simdlinear check: every loss and update rule of every build agrees with the reference in the page", async () => {
    const server = await serve(ROOT);
    const { page, problems } = await firefoxPage(`${server.origin}/test/browser/pages/entry.html`);
    await waitUntil(page, () => "harness" in window);
    // A string, so that vitest does not rewrite the page's import() into its own loader.
    const { builds, rows } = await page.evaluate(`(async () => {
      const { runChecks } = await import("/dist/cli/check.js");
      const { supportedSimd } = await import("/dist/index.js");
      return { builds: supportedSimd(), rows: await runChecks() };
    })()`) as { builds: string[]; rows: CheckRow[] };
    console.log(`Firefox builds: ${builds.join(", ")}; ${rows.length} checks`);
    expect(builds).toContain("simd");
    const agreement = rows.filter((r) => r.check === "agreement");
    expect(agreement.length).toBeGreaterThan(0);
    for (const loss of simdlinear.LOSSES) expect(agreement.some((r) => r.name.includes(loss))).toBe(true);
    for (const rule of simdlinear.UPDATE_RULES) expect(agreement.some((r) => r.name.includes(rule))).toBe(true);
    expect(rows.filter((r) => !(r.error <= r.tolerance)).map((r) => `${r.name}: ${r.error} > ${r.tolerance}`)).toEqual([]);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("the feature transforms run synchronously on their default backend, with Node's bits for that build", async () => {
    const server = await serve(ROOT);
    const { page, problems } = await firefoxPage(`${server.origin}/test/browser/pages/entry.html`);
    await waitUntil(page, () => "harness" in window);
    type Page_ = { harness: { supportedSimd: string[]; featuresRun(simd?: string): Promise<{ cols: number; digest: string }> } };
    const { best, byDefault } = await page.evaluate(async () => {
      const h = (window as unknown as Page_).harness;
      return { best: h.supportedSimd[0]!, byDefault: await h.featuresRun() };
    });
    expect(byDefault).toEqual(await featuresRun(simdlinear, best));
    await page.close();
    expect(problems).toEqual([]);
  });

  it("cross-origin isolated: init({ threads: 2 }) trains on two threads to the weights Node fits on two threads", async () => {
    const server = await serve(ROOT, true);
    const { page, problems } = await firefoxPage(`${server.origin}/test/browser/pages/entry.html`);
    await waitUntil(page, () => "harness" in window);
    const options = { simd: "simd", threads: 2 } as const;
    const inPage = await page.evaluate((o) => (window as unknown as { harness: { crossOriginIsolated: boolean; classifierRun(o: unknown): Promise<{ threads: number; threadsFallback: string | null; accuracy: number; digest: string }> } })
      .harness.classifierRun(o).then((r) => ({ ...r, isolated: (window as unknown as { harness: { crossOriginIsolated: boolean } }).harness.crossOriginIsolated })), options);
    const inNode = await classifierRun(simdlinear, options);
    expect(inPage.isolated).toBe(true);
    expect({ threads: inPage.threads, fallback: inPage.threadsFallback }).toEqual({ threads: 2, fallback: null });
    expect(inPage.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(inPage.digest).toBe(inNode.digest);
    await page.close();
    expect(problems).toEqual([]);
  });
});

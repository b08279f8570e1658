/**
 * The package's entry (dist/index.js), unbundled, in headless Chromium under the strict CSP: it loads from a
 * plain static server, trains, and computes the same float32 weights as Node, bit for bit on the same build; served
 * cross-origin isolated, it fits on two threads (Web Workers over a shared memory) exactly as Node does.
 */
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as simdlinear from "../../dist/index.js";
import * as tune from "../../dist/tune/index.js";
import { contentSecurityPolicy } from "../../demo/headers.js";
import { classifierRun, featuresRun, mnistRun, searchRun, softmaxRun } from "./fixtures/scenario.js";
import { launchChromium, type Browser, type WatchedPage } from "./harness.js";
import { serveStatic, type StaticServer } from "./server.js";

const ROOT = resolve(import.meta.dirname, "../..");
const PAGE = "/test/browser/pages/entry.html";

type Run = Awaited<ReturnType<typeof softmaxRun>>;
interface Harness {
  evalBlocked: boolean;
  crossOriginIsolated: boolean;
  supportedSimd: string[];
  softmaxRun(options: object): Promise<Run>;
  mnistRun(options: object): Promise<Awaited<ReturnType<typeof mnistRun>>>;
  classifierRun(options: object): Promise<Awaited<ReturnType<typeof classifierRun>>>;
  featuresRun(simd?: string): Promise<Awaited<ReturnType<typeof featuresRun>>>;
  searchRun(workers: number): Promise<Awaited<ReturnType<typeof searchRun>>>;
  hostedRun(url: string, simd: string): Promise<Run>;
}

let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  server = await serveStatic(ROOT);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function openEntry(from: StaticServer = server): Promise<WatchedPage & { csp: string | undefined }> {
  const watched = await browser.newPage();
  const response = await watched.page.goto(from.origin + PAGE);
  await watched.page.waitForFunction(() => "harness" in window);
  return { ...watched, csp: response?.headers()["content-security-policy"] };
}

/** Reads a property of, or calls a method of, the page's `window.harness` (entry.js); CDP evaluation is not subject to the CSP. */
function harness(w: WatchedPage) {
  return <K extends keyof Harness>(key: K, ...args: unknown[]): Promise<Awaited<Harness[K] extends (...a: never[]) => infer R ? R : Harness[K]>> =>
    w.page.evaluate(([k, a]) => {
      const value = (window as unknown as { harness: Record<string, unknown> }).harness[k];
      return typeof value === "function" ? value(...a) : value;
    }, [key, args] as const) as never;
}

/** The static import graph of a module file: every specifier, resolved to files where relative. */
function staticImports(entry: string): { files: string[]; bare: string[] } {
  const files = new Set<string>(), bare = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const code = readFileSync(file, "utf8");
    for (const [, from, sideEffect] of code.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm)) {
      const spec = (from ?? sideEffect)!;
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec));
      else bare.add(spec);
    }
  };
  visit(entry);
  return { files: [...files].map((f) => relative(ROOT, f)), bare: [...bare] };
}

describe("the entry, unbundled in Chromium", () => {
  let page: Awaited<ReturnType<typeof openEntry>>;
  let run: ReturnType<typeof harness>;

  beforeAll(async () => {
    page = await openEntry();
    run = harness(page);
  });

  it("is served under the strict CSP, which blocks eval but lets WebAssembly compile", async () => {
    expect(page.csp).toBe(contentSecurityPolicy());
    expect(await run("evalBlocked")).toBe(true);
    // The one violation is the page's own `new Function` probe; the library caused none.
    expect(page.problems.filter((p) => !/eval/i.test(p))).toEqual([]);
    expect(page.problems.some((p) => p.startsWith("csp: script-src"))).toBe(true);
  });

  it("statically imports nothing but its own relative modules (no Node built-in, no npm package)", () => {
    const graph = staticImports(join(ROOT, "dist/index.js"));
    expect(graph.bare).toEqual([]);
    expect(graph.files.every((f) => f.startsWith("dist/"))).toBe(true);
    const fetched = server.requests.filter((p) => p.startsWith("/dist/")).map((p) => p.slice(1));
    expect(fetched.sort()).toEqual(expect.arrayContaining(graph.files.sort()));
  });

  it("picks the best build this Chromium validates", async () => {
    const levels = await run("supportedSimd");
    expect(levels).toContain("simd");
    expect(levels.at(-1)).toBe("none");
  });

  it("trains a softmax classifier on every build the page supports", async () => {
    for (const simd of await run("supportedSimd")) {
      const r = await run("softmaxRun", { simd });
      expect(r.simd).toBe(simd);
      expect(r.accuracy).toBeGreaterThanOrEqual(0.95);
      expect(r.lastLoss).toBeLessThan(r.firstLoss / 5);
    }
    expect(page.problems.filter((p) => !/eval/i.test(p))).toEqual([]);
  });

  it("gives the same weights as Node, bit for bit, on each build both run", async () => {
    const common = (await run("supportedSimd")).filter((s) => simdlinear.supportedSimd().includes(s as never));
    expect(common).toEqual(expect.arrayContaining(["simd", "none"]));
    for (const simd of common) {
      const inPage = await run("softmaxRun", { simd });
      const inNode = await softmaxRun(simdlinear, { simd });
      expect({ simd, digest: inPage.digest }).toEqual({ simd, digest: inNode.digest });
      expect(inPage.weights).toEqual(inNode.weights);
      expect(inPage.bias).toEqual(inNode.bias);
      expect(inPage.lastLoss).toBe(inNode.lastLoss);
    }
  });
});

describe("feature transforms in the page", () => {
  it("run synchronously on their default backend, the shared instance of the page's best build, with Node's bits", async () => {
    const page = await openEntry();
    const run = harness(page);
    const best = (await run("supportedSimd"))[0]!;
    const byDefault = await run("featuresRun");
    expect(byDefault).toEqual(await run("featuresRun", best));
    expect(byDefault).toEqual(await featuresRun(simdlinear, best));
    expect(page.problems.filter((p) => !/eval/i.test(p))).toEqual([]);
    await page.page.close();
  });
});

describe("LinearClassifier on MNIST, in the page and in Node", () => {
  it("loads the digits with loadMnist's default source and trains to the same weights, bit for bit", async () => {
    const page = await openEntry();
    const run = harness(page);
    const common = (await run("supportedSimd")).filter((s) => simdlinear.supportedSimd().includes(s as never));
    for (const simd of common) {
      const inPage = await run("mnistRun", { simd });
      const inNode = await mnistRun(simdlinear, { simd });
      expect(inPage.testAccuracy).toBeGreaterThan(0.85);
      expect({ simd, digest: inPage.digest, loss: inPage.loss }).toEqual({ simd, digest: inNode.digest, loss: inNode.loss });
      expect(inPage.weights).toEqual(inNode.weights);
      expect(inPage.bias).toEqual(inNode.bias);
      expect(inPage.testAccuracy).toBe(inNode.testAccuracy);
    }
    expect(server.requests).toContain("/build/mnist.bin");
    expect(page.problems.filter((p) => !/eval/i.test(p))).toEqual([]);
  });
});

describe("a kernel build the page hosts itself", () => {
  it("init({ module, simd }) with a stream-compiled .wasm file trains exactly like the inlined build", async () => {
    const page = await openEntry();
    const run = harness(page);
    const hosted = await run("hostedRun", "/build/simdlinear.simd.wasm", "simd");
    const inlined = await softmaxRun(simdlinear, { simd: "simd" });
    expect(hosted.digest).toBe(inlined.digest);
    expect(hosted.weights).toEqual(inlined.weights);
    expect(page.problems.filter((p) => !/eval/i.test(p))).toEqual([]);
  });
});

describe("search in the page", () => {
  it("cross-origin isolated: two Web Workers over one shared dataset memory, the trials of a serial search bit for bit", async () => {
    const isolated = await serveStatic(ROOT, { crossOriginIsolated: true });
    try {
      const page = await openEntry(isolated);
      const run = harness(page);
      const parallel = await run("searchRun", 2), serial = await run("searchRun", 1);
      expect(parallel).toMatchObject({ workers: 2, fallback: null });
      expect({ digest: parallel.digest, best: parallel.best }).toEqual({ digest: serial.digest, best: serial.best });
      // Node (relaxed SIMD enabled by this suite's config) picks the build Chromium picks: the trials Node computes.
      expect(simdlinear.supportedSimd()[0]).toBe((await run("supportedSimd"))[0]);
      expect((await searchRun(simdlinear, tune, 2)).digest).toBe(parallel.digest);
      expect(page.problems.filter((p) => !/eval/i.test(p))).toEqual([]);
    } finally {
      await isolated.close();
    }
  });

  it("not isolated: the trials run on the page's thread, and the result says why", async () => {
    const page = await openEntry();
    const result = await harness(page)("searchRun", 2);
    expect(result.workers).toBe(1);
    expect(result.fallback).toMatch(/not cross-origin isolated/);
    await page.page.close();
  });
});

describe("init({ threads: 2 }) in the page", () => {
  const options = { simd: "simd", threads: 2 };

  it("cross-origin isolated: two threads, fitting to the weights Node fits on two threads, bit for bit", async () => {
    const isolated = await serveStatic(ROOT, { crossOriginIsolated: true });
    try {
      const page = await openEntry(isolated);
      const run = harness(page);
      expect(page.csp).toBe(contentSecurityPolicy({ crossOriginIsolated: true }));
      expect(await run("crossOriginIsolated")).toBe(true);
      const inPage = await run("classifierRun", options);
      const inNode = await classifierRun(simdlinear, options);
      expect({ threads: inPage.threads, fallback: inPage.threadsFallback }).toEqual({ threads: 2, fallback: null });
      expect(inNode.threads).toBe(2);
      expect(inPage.accuracy).toBeGreaterThanOrEqual(0.95);
      expect({ digest: inPage.digest, loss: inPage.loss }).toEqual({ digest: inNode.digest, loss: inNode.loss });
      expect(inPage.weights).toEqual(inNode.weights);
      expect(inPage.bias).toEqual(inNode.bias);
      // The scenario's batches are split over both threads: its bits are not those of a one-thread fit.
      expect((await classifierRun(simdlinear, { simd: "simd" })).digest).not.toBe(inNode.digest);
      expect(page.problems.filter((p) => !/eval/i.test(p))).toEqual([]);
    } finally {
      await isolated.close();
    }
  });

  it("not isolated: one thread, a warning that says why, and the one-thread fit's weights", async () => {
    const page = await openEntry();
    const warnings: string[] = [];
    page.page.on("console", (m) => void (m.type() === "warning" && warnings.push(m.text())));
    const run = harness(page);
    expect(await run("crossOriginIsolated")).toBe(false);
    const inPage = await run("classifierRun", options);
    expect(inPage.threads).toBe(1);
    expect(inPage.threadsFallback).toMatch(/not cross-origin isolated/);
    expect(warnings).toEqual([`simdlinear: running 1 thread instead of 2: ${inPage.threadsFallback}`]);
    const single = await classifierRun(simdlinear, { simd: "simd" });
    expect(inPage.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(inPage.digest).toBe(single.digest);
    expect(inPage.weights).toEqual(single.weights);
    expect(page.problems.filter((p) => !/eval/i.test(p))).toEqual([]);
  });
});

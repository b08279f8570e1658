/**
 * The package as a user's bundler sees it: `npm pack` (the published files only) installed into a scratch app
 * that imports 'simdlinear' by name, bundled by vite, webpack and esbuild with no configuration beyond entry and
 * output, then run in Chromium under the strict CSP. Each bundle trains exactly like Node.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build as esbuild } from "esbuild";
import { build as viteBuild, createLogger } from "vite";
import webpack from "webpack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as simdlinear from "../../dist/index.js";
import { softmaxRun } from "./fixtures/scenario.js";
import { launchChromium, type Browser } from "./harness.js";
import { serveStatic } from "./server.js";

const ROOT = resolve(import.meta.dirname, "../..");
const FIXTURES = join(import.meta.dirname, "fixtures");

let scratch: string;
let app: string;
let browser: Browser;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "simdlinear-bundlers-"));
  app = join(scratch, "app");
  mkdirSync(join(app, "node_modules", "simdlinear"), { recursive: true });
  // --ignore-scripts: `prepare` would rebuild everything; the test:browser script has built dist/ already.
  const tarball = execFileSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", scratch],
    { cwd: ROOT, encoding: "utf8" }).trim().split("\n").at(-1)!;
  execFileSync("tar", ["-xzf", join(scratch, tarball), "-C", join(app, "node_modules", "simdlinear"), "--strip-components=1"]);
  cpSync(join(FIXTURES, "app"), app, { recursive: true });
  cpSync(join(FIXTURES, "scenario.js"), join(app, "scenario.js"));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Total size of the files under a directory, by name. */
function listing(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      out[path.slice(dir.length + 1)] = statSync(path).size;
    }
  }
  return out;
}

/** Serves a bundle, loads its page, and runs the scenario on the 'simd' build. */
async function runBundle(dir: string) {
  const server = await serveStatic(dir);
  try {
    const { page, problems } = await browser.newPage();
    await page.goto(`${server.origin}/index.html`);
    await page.waitForFunction(() => "harness" in window);
    const run = await page.evaluate(() =>
      (window as unknown as { harness: { softmaxRun(o: object): Promise<Record<string, unknown>> } }).harness.softmaxRun({ simd: "simd" }));
    await page.close();
    return { run, problems, requests: server.requests };
  } finally {
    await server.close();
  }
}

/** The built app in Chromium: no page problem, no .wasm fetched (the kernels are inlined), Node's weights, < 1 MB. */
async function expectTrainsLikeNode(out: string): Promise<void> {
  const files = listing(out);
  const { run, problems, requests } = await runBundle(out);
  expect(problems).toEqual([]);
  expect(requests.filter((r) => r.endsWith(".wasm"))).toEqual([]);
  expect(run.digest).toBe((await softmaxRun(simdlinear, { simd: "simd" })).digest);
  expect(Object.values(files).reduce((a, b) => a + b, 0)).toBeLessThan(1_000_000);
}

describe("bundlers, with no plugin and no configuration", () => {
  it("the packed package resolves 'simdlinear' and each kernel build by name", () => {
    const require = createRequire(join(app, "main.js"));
    expect(require.resolve("simdlinear")).toBe(join(app, "node_modules/simdlinear/dist/index.js"));
    for (const level of ["relaxed", "simd", "none"]) {
      const bytes = readFileSync(require.resolve(`simdlinear/wasm/${level}.wasm`));
      expect(WebAssembly.validate(bytes)).toBe(true);
    }
  });

  it("vite builds the app, which trains in Chromium exactly as in Node", async () => {
    const out = join(scratch, "vite-dist");
    const warnings: string[] = [];
    const logger = createLogger("warn");
    logger.warn = logger.warnOnce = (message) => void warnings.push(message);
    await viteBuild({ root: app, configFile: false, customLogger: logger, build: { outDir: out, emptyOutDir: true } });
    expect(warnings).toEqual([]);
    await expectTrainsLikeNode(out);
  });

  it("webpack builds the app, which trains in Chromium exactly as in Node", async () => {
    const out = join(scratch, "webpack-dist");
    const stats = await new Promise<webpack.Stats>((ok, fail) =>
      webpack({ mode: "production", context: app, entry: "./main.js", output: { path: out } },
        (e, s) => (e ? fail(e) : ok(s!))));
    expect(stats.compilation.errors.map(String)).toEqual([]);
    expect(stats.compilation.warnings.map(String)).toEqual([]);
    writeFileSync(join(out, "index.html"),
      '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><p id="status">loading</p><script src="main.js"></script>');
    await expectTrainsLikeNode(out);
  });

  it("esbuild bundles the app for the browser, which trains in Chromium exactly as in Node", async () => {
    const out = join(scratch, "esbuild-dist");
    const result = await esbuild({ entryPoints: [join(app, "main.js")], bundle: true, format: "esm", platform: "browser",
      outdir: out, minify: true, logLevel: "silent" });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    writeFileSync(join(out, "index.html"),
      '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><p id="status">loading</p><script type="module" src="main.js"></script>');
    await expectTrainsLikeNode(out);
  });
});

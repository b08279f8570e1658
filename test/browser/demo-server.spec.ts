/**
 * `npm run demo` (vite's dev server on demo/vite.config.ts) sends COOP/COEP with the strict CSP, so its pages
 * are cross-origin isolated in Chromium and can train on threads.
 */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type ViteDevServer } from "vite";
import { contentSecurityPolicy } from "../../demo/headers.js";
import { launchChromium, type Browser } from "./harness.js";

let server: ViteDevServer;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  server = await createServer({ configFile: fileURLToPath(new URL("../../demo/vite.config.ts", import.meta.url)), server: { port: 0 }, logLevel: "error" });
  await server.listen();
  origin = server.resolvedUrls!.local[0]!.replace(/\/$/, "");
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("npm run demo", () => {
  it("sends COOP same-origin and COEP require-corp with the page's CSP", async () => {
    const response = await fetch(`${origin}/index.html`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cross-origin-opener-policy")).toBe("same-origin");
    expect(response.headers.get("cross-origin-embedder-policy")).toBe("require-corp");
    expect(response.headers.get("content-security-policy")).toBe(contentSecurityPolicy({ crossOriginIsolated: true, inlineStyles: true }));
  });

  it("serves a page that Chromium reports crossOriginIsolated", async () => {
    const { page } = await browser.newPage();
    await page.goto(`${origin}/index.html`);
    expect(await page.evaluate(() => [self.crossOriginIsolated, typeof SharedArrayBuffer])).toEqual([true, "function"]);
    await page.close();
  });
});

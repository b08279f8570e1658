/**
 * A static file server on 127.0.0.1 (node:http only) for the browser tests: every response carries the
 * headers of demo/headers.ts, so each page runs under the strict CSP a user may have.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { pageHeaders, type PageHeaderOptions } from "../../demo/headers.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
};

export interface StaticServer {
  /** e.g. http://127.0.0.1:40123 (no trailing slash). */
  readonly origin: string;
  /** Paths requested so far, in order (to check what a page fetched). */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function serveStatic(root: string, options: PageHeaderOptions = {}): Promise<StaticServer> {
  const base = resolve(root);
  const headers = pageHeaders(options);
  const requests: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    requests.push(path);
    let file = resolve(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) return sendText(res, headers, 403, "forbidden");
    try {
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      res.writeHead(200, { ...headers, "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      sendText(res, headers, 404, `not found: ${path}`);
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("server has no port");
  return {
    origin: `http://127.0.0.1:${address.port}`,
    requests,
    close: () => new Promise((ok, fail) => {
      server.closeAllConnections();
      server.close((e) => (e ? fail(e) : ok()));
    }),
  };
}

function sendText(res: ServerResponse, headers: Record<string, string>, status: number, text: string): void {
  res.writeHead(status, { ...headers, "Content-Type": "text/plain; charset=utf-8" });
  res.end(text);
}

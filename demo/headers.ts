/**
 * Response headers of every page we serve: the demo (vite dev and preview) and the browser tests' static server.
 *
 * The CSP is the strictest one a user of the package can have: scripts only from the page's origin, no `eval` or
 * `new Function` anywhere, and WebAssembly compilation allowed by 'wasm-unsafe-eval' alone.
 */
const STRICT_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export interface PageHeaderOptions {
  /** Cross-origin isolation (COOP + COEP), which `SharedArrayBuffer` and so threaded WebAssembly need. */
  crossOriginIsolated?: boolean;
  /**
   * Vite's dev server injects the CSS it serves as <style> elements; only `npm run demo` needs this.
   * Scripts stay strict in every case.
   */
  inlineStyles?: boolean;
}

export function contentSecurityPolicy(options: PageHeaderOptions = {}): string {
  let csp = options.inlineStyles ? STRICT_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") : STRICT_CSP;
  // The threaded backend starts its workers from a Blob URL (src/threads/worker-source.ts).
  if (options.crossOriginIsolated) csp += "; worker-src 'self' blob:";
  return csp;
}

export function pageHeaders(options: PageHeaderOptions = {}): Record<string, string> {
  const headers: Record<string, string> = {
    "Content-Security-Policy": contentSecurityPolicy(options),
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
  };
  if (options.crossOriginIsolated) {
    headers["Cross-Origin-Opener-Policy"] = "same-origin";
    headers["Cross-Origin-Embedder-Policy"] = "require-corp";
  }
  return headers;
}

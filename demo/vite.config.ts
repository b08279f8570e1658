// The demo site: `npm run demo` serves it, `npm run build:demo` writes demo/dist (relative URLs: host it anywhere).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { pageHeaders } from "./headers.js";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here("."),
  base: "./",
  // The demo imports the package by name, as a user would; here the name points at the source, so that
  // `npm run demo` shows library changes live.
  resolve: {
    alias: [
      { find: /^simdlinear$/, replacement: here("../src/index.ts") },
      { find: /^simdlinear\/worker$/, replacement: here("../src/worker/index.ts") },
    ],
  },
  // fitInWorker's worker is an ES module (the library loads its threaded builds lazily: code splitting).
  worker: { format: "es" },
  // Cross-origin isolated, so that the pages can train on threads (SharedArrayBuffer).
  server: { host: "127.0.0.1", headers: pageHeaders({ inlineStyles: true, crossOriginIsolated: true }) },
  preview: { host: "127.0.0.1", headers: pageHeaders({ crossOriginIsolated: true }) },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // The MNIST sample is 7.8 MB; anything larger than that in the bundle would be a mistake.
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      input: { index: here("index.html"), playground: here("playground.html"), mnist: here("mnist.html") },
    },
  },
});

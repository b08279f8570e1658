/**
 * The Node built-ins that the core's few Node-only paths need (reading a file, worker threads, the CPU count).
 * Import them through `nodeBuiltin`, never with `import("node:…")`: the specifier is computed and marked for the
 * bundlers, so vite, webpack and esbuild leave the import alone and a browser bundle never tries to resolve a Node
 * module (webpack fails on one; vite warns and stubs it). test/browser/bundlers.spec.ts bundles the entry with both.
 */
interface NodeBuiltins {
  "node:fs/promises": typeof import("node:fs/promises");
  "node:os": typeof import("node:os");
  "node:worker_threads": typeof import("node:worker_threads");
}

/** True on Node (and runtimes that pose as it), where `nodeBuiltin` works. */
export const onNode: boolean = typeof process !== "undefined" && typeof process.versions?.node === "string";

export function nodeBuiltin<K extends keyof NodeBuiltins>(name: K): Promise<NodeBuiltins[K]> {
  return import(/* webpackIgnore: true */ /* @vite-ignore */ name);
}

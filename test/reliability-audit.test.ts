// The validation audit of the whole public API: every function, constructor and public method exported by
// src/index.ts (features included) is called with random junk for its arguments. Each call must return, or throw
// a TypeError/RangeError of the library's own (one that says what was wrong), never an engine error that leaked
// through an unchecked argument ("Cannot read properties of undefined", "Invalid typed array length", ...) and
// never a WebAssembly trap. New exports are picked up automatically.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as lib from "../src/index.js";
import { checkProperty } from "./property-helpers.js";

/** What JS itself throws when unchecked junk reaches an operation: the marks of a validation gap. */
const ENGINE_MESSAGES = /Cannot read propert|Cannot set propert|is not a function|is not iterable|is not a constructor|Invalid typed array length|Invalid array length|Array buffer allocation failed|Maximum call stack|Cannot convert|unreachable|out of bounds/;

/**
 * Not called: the async loaders of files and backends (init is audited in test/loader.test.ts), and
 * DivergenceError, exported for `instanceof` and thrown by fit, not built by users.
 */
const SKIP = new Set(["init", "loadMnist", "DivergenceError"]);

const junk = fc.oneof(
  fc.anything({ withTypedArray: true, maxDepth: 2 }),
  fc.constantFrom(NaN, -1, 0, 2.5, 1e12, 2 ** 32, Infinity, -Infinity, "", "softmax", null, undefined, [], {}),
  fc.record({ rows: fc.integer({ min: -1, max: 7 }), cols: fc.integer({ min: -1, max: 5 }), data: fc.float32Array({ maxLength: 30 }) }),
  fc.int32Array({ maxLength: 8 }),
);

/** Runs one call; a failure message, or null when it returned or refused properly. */
async function outcome(call: () => unknown): Promise<string | null> {
  let error: unknown = null;
  try {
    await call();
  } catch (e) {
    error = e;
  }
  if (error === null) return null;
  if (error instanceof WebAssembly.RuntimeError) return `WebAssembly trap: ${error.message}`;
  if (!(error instanceof TypeError || error instanceof RangeError)) return `${(error as Error)?.constructor?.name}: ${String(error)}`;
  return ENGINE_MESSAGES.test(error.message) ? `unchecked argument: ${error.constructor.name}: ${error.message}` : null;
}

type Entry = [name: string, call: (args: unknown[]) => unknown];

let wasm: lib.Backend;
let classifier: lib.LinearClassifier;
const entries: Entry[] = [];
const X = lib.matrix(6, 4, Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)));
const y = Int32Array.of(0, 1, 2, 0, 1, 2);

beforeAll(async () => {
  wasm = await lib.init();
  classifier = new lib.LinearClassifier({ backend: wasm, epochs: 1 });
  await classifier.fit(X, y);
  const regressor = new lib.LinearRegressor({ backend: wasm, epochs: 1 });
  await regressor.fit(X, Float32Array.of(1, 2, 3, 4, 5, 6));
  const scaler = lib.standardize().fit(X), minMax = lib.minMax().fit(X), encoder = lib.oneHot({ columns: [0] }).fit(X);
  // Methods are audited on fitted objects: junk must meet the input checks, not a "call fit() first".
  const images = { data: Float32Array.from({ length: 4 * 8 * 8 }, (_, i) => Math.abs(Math.sin(i))), count: 4, height: 8, width: 8, channels: 1 };
  const bow = lib.features.bagOfWords({ backend: wasm, patchSize: 4, codebookSize: 2, samples: 8, iterations: 2 }).fit(images);

  const modules: [string, Record<string, unknown>][] = [["", lib as Record<string, unknown>], ["features.", lib.features]];
  for (const [prefix, module] of modules) {
    for (const [name, value] of Object.entries(module)) {
      if (typeof value !== "function" || SKIP.has(name)) continue;
      const f = value as (...a: unknown[]) => unknown;
      // Classes (capitalised exports) are called with new; their static fromJSON too.
      if (/^[A-Z]/.test(name)) {
        entries.push([`new ${prefix}${name}`, (a) => Reflect.construct(f, a)]);
        const fromJSON = (f as unknown as { fromJSON?: (...a: unknown[]) => unknown }).fromJSON;
        if (typeof fromJSON === "function") entries.push([`${prefix}${name}.fromJSON`, (a) => fromJSON.apply(f, a)]);
      } else {
        entries.push([`${prefix}${name}`, (a) => f(...a)]);
      }
    }
  }
  const methods: [string, object, string[]][] = [
    ["LinearClassifier", classifier, ["fit", "partialFit", "fitStream", "predict", "predictProba", "decisionFunction", "score"]],
    ["LinearRegressor", regressor, ["fit", "partialFit", "predict", "score"]],
    ["Backend", wasm, ["scores", "loss", "gradients", "regularization", "maxNorm", "probabilities", "linearLoss", "svmLoss",
      "softmaxLoss", "optimizerStep"]],
    ["Standardizer", scaler, ["fit", "transform", "fitTransform"]],
    ["MinMaxScaler", minMax, ["fit", "transform", "fitTransform"]],
    ["OneHotEncoder", encoder, ["fit", "transform", "fitTransform"]],
    ["BagOfWords", bow, ["fit", "transform", "fitTransform"]],
    ["Rng", new lib.Rng(1), ["int", "shuffle"]],
  ];
  for (const [cls, object, names] of methods) {
    for (const name of names) {
      const method = (object as Record<string, (...a: unknown[]) => unknown>)[name]!;
      expect(typeof method, `${cls}.${name}`).toBe("function");
      entries.push([`${cls}.${name}`, (a) => method.apply(object, a)]);
    }
  }
});

afterAll(() => wasm.dispose());

describe("every public export refuses junk with its own TypeError/RangeError", () => {
  it("functions, constructors and methods, 300 random argument lists each", async () => {
    expect(entries.length).toBeGreaterThan(60);
    if (process.env.SIMDLINEAR_REPORT_ERRORS) console.log(`${entries.length} entry points audited`);
    const scores = classifier.decisionFunction(X);
    const failures = new Map<string, string>();
    for (const [name, call] of entries) {
      // fc.check is synchronous; the argument lists are collected and the calls awaited one after another after
      // (a model trains one call at a time: a second concurrent fit is refused as such).
      const argLists: unknown[][] = [];
      checkProperty(name, fc.property(fc.array(junk, { maxLength: 5 }), (args) => void argLists.push(args)), 300);
      for (const args of argLists) {
        const failure = await outcome(() => call(args));
        if (failure && !failures.has(name)) failures.set(name, `${failure}\n    args: ${fc.stringify(args).slice(0, 300)}`);
      }
    }
    expect([...failures].map(([name, failure]) => `${name}: ${failure}`)).toEqual([]);
    // All that junk changed nothing: the fitted model scores as before, bit for bit.
    expect(classifier.decisionFunction(X)).toEqual(scores);
  });
});

// The Guarantees under misuse (README "Guarantees"): fits are all or nothing and one at a time, disposal during a
// fit ends it cleanly, user data and options are read once (own keys only), model files are as strict as the
// constructor, fits yield to the event loop and stop on an AbortSignal.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  init, LinearClassifier, LinearRegressor, matrix, type Backend, type LinearClassifierOptions, type Matrix,
} from "../src/index.js";
import type { WasmOps } from "../src/backend/wasm-ops.js";
import { Slicer } from "../src/model/control.js";
import { Rng } from "../src/data/rng.js";
import { gaussian, randomLabels } from "./helpers.js";
import { PROPERTY_SEED } from "./property-helpers.js";

const N = 120, D = 5, C = 3;
const rng = new Rng(17);
const X = gaussian(rng, N, D), y = randomLabels(rng, N, C);
const chunks = [0, 40, 80].map((first) => ({
  X: { rows: 40, cols: D, data: X.data.slice(first * D, (first + 40) * D) }, y: y.slice(first, first + 40),
}));

let be: Backend;
beforeAll(async () => {
  be = await init();
});
afterAll(() => be.dispose());

const liveBlocks = (backend: Backend) => (backend.ops as WasmOps).kernels.heap.liveBlocks;

/** Everything observable about a model: its file (weights, classes, epochs) and its next partialFit's result. */
async function state(model: LinearClassifier): Promise<unknown> {
  const file = JSON.stringify(model.toJSON());
  await model.partialFit(X, y); // continues from the optimizer state and the random streams
  return { file, next: JSON.stringify(model.toJSON()) };
}

const options = (extra: LinearClassifierOptions = {}): LinearClassifierOptions =>
  ({ backend: be, epochs: 3, batchSize: 16, optimizer: { rule: "adam", learningRate: 0.05 }, ...extra });

/** Two models trained alike: one to break, one to compare with. */
async function twins(extra?: LinearClassifierOptions): Promise<[LinearClassifier, LinearClassifier]> {
  const pair = [new LinearClassifier(options(extra)), new LinearClassifier(options(extra))] as const;
  for (const model of pair) await model.fit(X, y);
  return [pair[0], pair[1]];
}

const fail = (): never => {
  throw new Error("callback failed");
};

describe("all-or-nothing fits", () => {
  it("a fit whose onEpoch throws leaves the fitted model bit-identical: weights, optimizer state, epochs, streams", async () => {
    const [model, twin] = await twins();
    let calls = 0;
    await expect(model.fit(X, y, { onEpoch: () => (++calls === 2 ? fail() : undefined) })).rejects.toThrow("callback failed");
    expect(await state(model)).toEqual(await state(twin));
    model.dispose();
    twin.dispose();
  });

  it("a partialFit that fails leaves the model as it was", async () => {
    const [model, twin] = await twins({ optimizer: { rule: "momentum", learningRate: 0.01 } });
    const bad = { rows: N, cols: D, data: X.data.map((x, i) => (i === 7 ? NaN : x)) };
    await expect(model.partialFit(bad, y)).rejects.toThrow(RangeError);
    const controller = new AbortController();
    controller.abort();
    await expect(model.partialFit(X, y, { signal: controller.signal })).rejects.toThrow(/aborted/);
    expect(await state(model)).toEqual(await state(twin));
    model.dispose();
    twin.dispose();
  });

  it("fitStream whose iterator throws in its second chunk leaves the model as it was", async () => {
    const [model, twin] = await twins();
    function* failing() {
      yield chunks[0]!;
      throw new Error("the source failed");
    }
    await expect(model.fitStream(failing())).rejects.toThrow("the source failed");
    expect(await state(model)).toEqual(await state(twin));
    model.dispose();
    twin.dispose();
  });

  it("fitStream whose second chunk has the wrong number of columns leaves the model as it was", async () => {
    const [model, twin] = await twins();
    const wide = { X: matrix(40, D + 1), y: chunks[1]!.y };
    await expect(model.fitStream([chunks[0]!, wide])).rejects.toThrow(/chunk 1: X has 6 columns but the model has 5 features/);
    expect(await state(model)).toEqual(await state(twin));
    model.dispose();
    twin.dispose();
  });

  it("fitStream with keepProgress keeps the chunks trained on before the failure", async () => {
    const [model, twin] = await twins();
    const wide = { X: matrix(40, D + 1), y: chunks[1]!.y };
    await expect(model.fitStream([chunks[0]!, wide], { keepProgress: true })).rejects.toThrow(/chunk 1/);
    await twin.fitStream([chunks[0]!]); // what the good chunk did, with no failure after it
    expect(model.toJSON().W).toEqual(twin.toJSON().W);
    model.dispose();
    twin.dispose();
  });

  it("a fresh model whose first fit fails stays unfitted, and then fits as a fresh one does", async () => {
    const model = new LinearClassifier(options()), twin = new LinearClassifier(options());
    await expect(model.fit(X, y, { onEpoch: fail })).rejects.toThrow("callback failed");
    expect(model.classes).toBeNull();
    expect(() => model.predict(X)).toThrow(/not fitted yet/);
    await model.fit(X, y);
    await twin.fit(X, y);
    expect(model.toJSON()).toEqual(twin.toJSON());
    model.dispose();
    twin.dispose();
  });

  it("a diverging fit leaves the model as it was (keepProgress keeps the last finite weights instead)", async () => {
    const model = new LinearRegressor({ backend: be, epochs: 5, batchSize: 10, optimizer: { rule: "sgd", learningRate: 1e30 } });
    const t = Float32Array.from({ length: N }, (_, i) => 1e6 * X.data[i * D]!), big = { ...X, data: X.data.map((x) => 1e6 * x) };
    await expect(model.fit(big, t)).rejects.toThrow(/training diverged/);
    expect(model.features).toBeNull();
    model.dispose();
  });

  it("property: a random fit made to fail at a random epoch or chunk leaves the model bit-identical", async () => {
    const rules = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "rprop", "delta-bar-delta"] as const;
    await fc.assert(fc.asyncProperty(
      fc.record({
        loss: fc.constantFrom("softmax", "hinge", "squared-hinge", "logistic" as const),
        rule: fc.constantFrom(...rules),
        batchSize: fc.integer({ min: 1, max: 130 }),
        l2: fc.constantFrom(0, 1e-3),
        how: fc.constantFrom("fit", "fitStream", "partialFit" as const),
        at: fc.integer({ min: 1, max: 3 }),
      }),
      async ({ loss, rule, batchSize, l2, how, at }) => {
        const [model, twin] = await twins({ loss, l2, batchSize, optimizer: { rule, learningRate: 0.01 } });
        let epochs = 0;
        const onEpoch = () => (++epochs === at ? fail() : undefined);
        const call = how === "fit" ? model.fit(X, y, { onEpoch })
          : how === "fitStream" ? model.fitStream(function* () {
            for (let i = 0; i < 3; i++) {
              if (i === at - 1) throw new Error("callback failed");
              yield chunks[i]!;
            }
          }())
          : model.partialFit(X, y, { signal: AbortSignal.abort() });
        await expect(call).rejects.toThrow();
        const [a, b] = [await state(model), await state(twin)];
        model.dispose();
        twin.dispose();
        return JSON.stringify(a) === JSON.stringify(b);
      },
    ), { seed: PROPERTY_SEED, numRuns: 40 });
  });
});

describe("one fit at a time per model", () => {
  it("a second concurrent fit, partialFit or fitStream is refused with a clear Error, before it creates a backend", async () => {
    const model = new LinearClassifier({ epochs: 2 }); // loads its own wasm backend: the first call creates it
    const first = model.fit(X, y);
    const others = [model.fit(X, y), model.partialFit(X, y), model.fitStream(chunks)]; // made while the first runs
    for (const other of others) await expect(other).rejects.toThrow(/already training: await the running fit first/);
    await first;
    expect(model.predict(X)).toHaveLength(N);
    model.dispose();
  });

  it("fits on different models sharing a backend run concurrently and give the bits they give one after another", async () => {
    const together = [new LinearClassifier(options()), new LinearClassifier(options({ loss: "hinge" }))];
    await Promise.all(together.map((m) => m.fit(X, y, { onEpoch: () => new Promise((r) => setTimeout(r, 1)) })));
    for (const [i, extra] of [{}, { loss: "hinge" as const }].entries()) {
      const alone = new LinearClassifier(options(extra));
      await alone.fit(X, y);
      expect(together[i]!.toJSON()).toEqual(alone.toJSON());
      alone.dispose();
      together[i]!.dispose();
    }
  });
});

describe("disposal during a fit", () => {
  it("model.dispose() from inside onEpoch ends the fit with 'disposed during fit', and frees its memory", async () => {
    const before = liveBlocks(be);
    const model = new LinearClassifier(options());
    await expect(model.fit(X, y, { onEpoch: () => model.dispose() })).rejects.toThrow(/LinearClassifier was disposed during fit/);
    expect(liveBlocks(be)).toBe(before);
    expect(() => model.predict(X)).toThrow(/has been disposed/);
  });

  it("a borrowed backend disposed from inside onEpoch stops the fit", async () => {
    const backend = await init();
    const model = new LinearClassifier({ ...options(), backend });
    let epochs = 0;
    await expect(model.fit(X, y, { onEpoch: () => void (++epochs, backend.dispose()) }))
      .rejects.toThrow(/backend of this LinearClassifier was disposed during fit/);
    expect(epochs).toBe(1);
    model.dispose();
  });

  it("a model that loads its own backend and is disposed mid-fit releases that backend", async () => {
    const model = new LinearClassifier({ epochs: 3 });
    let backend: Backend | null = null;
    await expect(model.fit(X, y, {
      onEpoch: () => {
        backend = (model as unknown as { backendValue: Backend }).backendValue;
        model.dispose();
      },
    })).rejects.toThrow(/disposed during fit/);
    expect(backend!.isDisposed).toBe(true);
  });
});

describe("user data and options are read once, own keys only", () => {
  it("options carried by the prototype chain do not count", async () => {
    const inherited = Object.create({ loss: "hinge", epochs: 50 }) as LinearClassifierOptions;
    Object.assign(inherited, { backend: be, batchSize: 16 });
    const model = new LinearClassifier(inherited);
    await model.fit(X, y);
    expect(model.toJSON().options).toEqual({ batchSize: 16 }); // no loss, no epochs: the defaults (softmax, 10)
    expect(model.toJSON().epochs).toBe(10);
    expect(model.predictProba(X).rows).toBe(N); // softmax gives probabilities, hinge would not
    model.dispose();
  });

  it("a data getter that answers differently on a second read: what was checked is what is computed on", async () => {
    const poisoned = new Float32Array(N * D).fill(NaN);
    let reads = 0;
    const tricky = { rows: N, cols: D, get data() { return reads++ === 0 ? X.data : poisoned; } } as Matrix;
    const model = new LinearClassifier(options()), twin = new LinearClassifier(options());
    await model.fit(tricky, y);
    await twin.fit(X, y);
    expect(reads).toBe(1);
    expect(model.toJSON()).toEqual(twin.toJSON());
    reads = 0;
    expect(Array.from(model.decisionFunction(tricky).data).every(Number.isFinite)).toBe(true);
    model.dispose();
    twin.dispose();
  });

  it("classWeight of all zeros is refused", () => {
    expect(() => new LinearClassifier({ classWeight: [0, 0, 0] })).toThrow(/classWeight has no positive weight/);
    expect(() => be.loss("hinge", matrix(2, 3), Int32Array.of(0, 1), { classWeight: [0, 0, 0] })).toThrow(RangeError);
  });

  it("batchSize larger than N trains on the whole set in one step an epoch", async () => {
    const model = new LinearClassifier({ ...options(), batchSize: 16_000_000_000_000 });
    const history = await model.fit(X, y);
    expect(history.epochs.map((e) => e.steps)).toEqual([1, 1, 1]);
    model.dispose();
  });
});

describe("model files are as strict as the constructor", () => {
  let file: ReturnType<LinearClassifier["toJSON"]>;
  beforeAll(async () => {
    const model = new LinearClassifier(options());
    await model.fit(X, y);
    file = model.toJSON();
    model.dispose();
  });
  const with_ = (patch: Record<string, unknown>) => ({ ...file, ...patch });

  it("a weight array with a hole is refused", () => {
    const W = [...file.W];
    delete W[4];
    expect(() => LinearClassifier.fromJSON(with_({ W }))).toThrow(/json.W\[4\] is a hole/);
  });

  it("unknown backend, threads and options are refused naming the field", () => {
    expect(() => LinearClassifier.fromJSON(with_({ options: { ...file.options, backend: "cuda" } }))).toThrow(/json.options.backend/);
    expect(() => LinearClassifier.fromJSON(with_({ options: { ...file.options, threads: 64 } }))).toThrow(/json.options.threads/);
    expect(() => LinearClassifier.fromJSON(with_({ options: { ...file.options, loss: "cuda" } }))).toThrow(/json.options.loss: unknown value/);
    expect(() => LinearClassifier.fromJSON(with_({ options: { ...file.options, epochs: -1 } }))).toThrow(/json.options.epochs/);
  });

  it("unknown top-level keys are refused; metadata holds the user's own data and round-trips", () => {
    expect(() => LinearClassifier.fromJSON(with_({ comment: "mine" }))).toThrow(/json: unknown option 'comment'/);
    const model = LinearClassifier.fromJSON(with_({ metadata: { dataset: "blobs", rows: N } }));
    expect(model.metadata).toEqual({ dataset: "blobs", rows: N });
    expect(model.toJSON().metadata).toEqual({ dataset: "blobs", rows: N });
    model.dispose();
  });

  it("a prototype-carried field of a model file does not count", () => {
    const inherited = Object.assign(Object.create({ comment: "x" }), file);
    expect(LinearClassifier.fromJSON(inherited).features).toBe(D);
  });
});

describe("responsive fits", () => {
  /** A model whose fit yields after every step (the slice of work is 0 ms), so a timer must get turns. */
  class EveryStep extends LinearClassifier {
    protected override sliceMs = 0;
  }

  it("the event loop gets turns during a multi-epoch fit: a task queued before it runs between its steps", async () => {
    let ticks = 0, ticksAtFirstEpoch = -1, done = false;
    const tick = () => {
      ticks++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    const model = new EveryStep(options({ epochs: 4 }));
    const history = await model.fit(X, y, { onEpoch: () => void (ticksAtFirstEpoch < 0 && (ticksAtFirstEpoch = ticks)) });
    done = true;
    expect(ticksAtFirstEpoch).toBeGreaterThanOrEqual(history.epochs[0]!.steps); // a turn before every step
    expect(ticks).toBeGreaterThanOrEqual(history.epochs.reduce((sum, e) => sum + e.steps, 0));
    model.dispose();
  });

  it("a fit on the default 16 ms slices hands timers turns too (setTimeout fires before the fit ends)", async () => {
    let fired = false;
    setTimeout(() => void (fired = true), 0);
    const big = gaussian(new Rng(3), 20_000, 100), labels = randomLabels(new Rng(4), 20_000, 10);
    const model = new LinearClassifier({ backend: be, epochs: 20, optimizer: { rule: "sgd" } }); // ~0.1 s of work
    let firedBeforeEnd = false;
    await model.fit(big, labels, { onEpoch: (info) => void (info.epoch === 20 && (firedBeforeEnd = fired)) });
    expect(firedBeforeEnd).toBe(true);
    model.dispose();
  });

  it("the slicer is due after its slice of work, and not before", async () => {
    const slicer = new Slicer(1e9);
    expect(slicer.due).toBe(false);
    const zero = new Slicer(0);
    expect(zero.due).toBe(true);
    await zero.yield();
    expect(zero.due).toBe(true);
  });

  it("an abort during the fit ends it with an AbortError and leaves the model as it was", async () => {
    const [model, twin] = await twins();
    const controller = new AbortController();
    const fit = new EveryStep(options());
    await fit.fit(X, y);
    const saved = JSON.stringify(fit.toJSON());
    const running = fit.fit(X, y, { signal: controller.signal });
    setImmediate(() => controller.abort()); // at the fit's first yield
    const error = await running.then(() => null, (e: unknown) => e);
    expect((error as Error).name).toBe("AbortError");
    expect(JSON.stringify(fit.toJSON())).toBe(saved);
    expect(await state(model)).toEqual(await state(twin));
    for (const m of [model, twin, fit]) m.dispose();
  });

  it("a signal that is not an AbortSignal is refused", async () => {
    const model = new LinearClassifier(options());
    await expect(model.fit(X, y, { signal: {} as AbortSignal })).rejects.toThrow(/signal must be an AbortSignal/);
    model.dispose();
  });
});

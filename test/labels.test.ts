// Any labels: integers or strings; the classes are their sorted distinct values, predict answers in them, and
// model files carry them. Never a phantom class.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { init, LinearClassifier, type Backend, type Matrix } from "../src/index.js";
import { Rng } from "../src/data/rng.js";

let be: Backend;
beforeAll(async () => {
  be = await init();
});
afterAll(() => be.dispose());

/** Three separable blobs in 2-D, n rows, the blob of row i being i % 3. */
function blobs(n: number, seed = 1): { X: Matrix; blob: Int32Array } {
  const rng = new Rng(seed), blob = Int32Array.from({ length: n }, (_, i) => i % 3);
  const centres = [[0, 0], [6, 0], [0, 6]];
  const data = Float32Array.from({ length: 2 * n }, (_, e) => centres[blob[e >> 1]!]![e & 1]! + rng.normal());
  return { X: { rows: n, cols: 2, data }, blob };
}

const { X, blob } = blobs(150);
const options = { backend: be, epochs: 30, optimizer: { learningRate: 0.05 } };
const NAMES = ["frog", "cat", "car"]; // sorted: car, cat, frog

describe("any labels", () => {
  it("string labels: classes sorted by code units, predict answers in labels, probabilities in that order", async () => {
    const y = Array.from(blob, (b) => NAMES[b]!);
    const model = new LinearClassifier<string[]>({ ...options, backend: be });
    await model.fit(X, y);
    expect(model.classes).toEqual(["car", "cat", "frog"]);
    const predicted = model.predict(X);
    expect(predicted.filter((label, i) => label === y[i]).length / y.length).toBeGreaterThan(0.95);
    const P = model.predictProba(X);
    expect(P.cols).toBe(3);
    for (let i = 0; i < 10; i++) {
      const row = Array.from(P.data.subarray(3 * i, 3 * i + 3));
      expect(model.classes![row.indexOf(Math.max(...row))]).toBe(predicted[i]);
    }
    expect(model.score(X, y)).toBeGreaterThan(0.95);
    model.dispose();
  });

  it("labels {1, 2} give 2 classes and 2 probability columns: no phantom class 0", async () => {
    const two = Int32Array.from(blob, (b) => (b === 0 ? 1 : 2));
    const model = new LinearClassifier(options);
    await model.fit(X, two);
    expect(model.classes).toEqual([1, 2]);
    expect(model.predictProba(X).cols).toBe(2);
    expect(new Set(model.predict(X))).toEqual(new Set([1, 2]));
    model.dispose();
  });

  it("arbitrary integers as a number[]: sorted ascending, predicted as an Int32Array of those labels", async () => {
    const labels = [100, -5, 7], y = Array.from(blob, (b) => labels[b]!);
    const model = new LinearClassifier(options);
    await model.fit(X, y);
    expect(model.classes).toEqual([-5, 7, 100]);
    const predicted = model.predict(X);
    expect(predicted).toBeInstanceOf(Int32Array);
    expect(Array.from(predicted).filter((label, i) => label === y[i]).length).toBeGreaterThan(140);
    model.dispose();
  });

  it("the same data under renamed labels trains the same weights (labels are only names)", async () => {
    const a = new LinearClassifier(options), b = new LinearClassifier(options);
    await a.fit(X, blob);
    await b.fit(X, Array.from(blob, (k) => ["a", "b", "c"][k]!));
    expect(b.weights).toEqual(a.weights);
    a.dispose();
    b.dispose();
  });

  it("toJSON and fromJSON carry the classes; a file without them (older) loads as 0..C−1", async () => {
    const model = new LinearClassifier<string[]>(options);
    await model.fit(X, Array.from(blob, (b) => NAMES[b]!));
    const json = model.toJSON();
    expect(json.classes).toEqual(["car", "cat", "frog"]);
    const loaded = LinearClassifier.fromJSON<string[]>(JSON.parse(JSON.stringify(json)));
    expect(loaded.classes).toEqual(["car", "cat", "frog"]);
    expect(loaded.predict(X)).toEqual(model.predict(X));
    const { classes: _classes, ...older } = json;
    expect(LinearClassifier.fromJSON(older).classes).toEqual([0, 1, 2]);
    expect(() => LinearClassifier.fromJSON({ ...json, classes: ["a", "b"] })).toThrow(/json.classes has 2 labels but the model has 3/);
    expect(() => LinearClassifier.fromJSON({ ...json, classes: ["a", "a", "b"] })).toThrow(/json.classes lists a label twice/);
    for (const m of [model, loaded]) m.dispose();
  });

  it("classWeight keyed by label (an object or a Map) equals the same weights listed in the order of the classes", async () => {
    const y = Array.from(blob, (b) => NAMES[b]!);
    const listed = new LinearClassifier({ ...options, classWeight: [1, 3, 0.5] }); // car, cat, frog
    const keyed = new LinearClassifier({ ...options, classWeight: { cat: 3, frog: 0.5 } }); // car gets 1
    const mapped = new LinearClassifier({ ...options, classWeight: new Map([["frog", 0.5], ["cat", 3]]) });
    for (const m of [listed, keyed, mapped]) await m.fit(X, y);
    expect(keyed.weights).toEqual(listed.weights);
    expect(mapped.weights).toEqual(listed.weights);
    const unknown = new LinearClassifier({ ...options, classWeight: { dog: 2 } });
    await expect(unknown.fit(X, y)).rejects.toThrow(/classWeight names "dog", which is not one of the classes \("car", "cat", "frog"\)/);
    for (const m of [listed, keyed, mapped, unknown]) m.dispose();
  });

  it("partialFit's classes declares labels the first piece lacks", async () => {
    const y = Array.from(blob, (b) => NAMES[b]!);
    const model = new LinearClassifier<string[]>(options);
    const firstRows = { rows: 2, cols: 2, data: X.data.slice(0, 4) }; // blobs 0 and 1 only: frog, cat
    await model.partialFit(firstRows, y.slice(0, 2), { classes: ["frog", "cat", "car"] });
    expect(model.classes).toEqual(["car", "cat", "frog"]);
    await model.partialFit(X, y);
    await expect(model.partialFit(X, y, { classes: ["cat", "dog"] })).rejects.toThrow(/classes \("cat", "dog"\) are not the model's/);
    model.dispose();
  });
});

describe("labels refused, named by case", () => {
  const model = () => new LinearClassifier(options);

  it("empty: labels of the wrong length, and no labels at all", async () => {
    await expect(model().fit(X, [])).rejects.toThrow(/y has length 0 but there are 150 rows/);
  });

  it("a single class: a classifier needs two", async () => {
    await expect(model().fit(X, new Array(150).fill("cat"))).rejects.toThrow(/y holds one class only \("cat"\)/);
  });

  it("mixed numbers and strings, NaN, a fraction, a boolean", async () => {
    const mixed: unknown[] = Array.from(blob, (b) => NAMES[b]);
    mixed[4] = 3;
    await expect(model().fit(X, mixed as string[])).rejects.toThrow(/y\[4\] is number 3 but y\[0\] is a string/);
    await expect(model().fit(X, Array.from(blob, (b, i) => (i === 7 ? NaN : b)))).rejects.toThrow(/y\[7\] = NaN: a numeric label must be an integer/);
    await expect(model().fit(X, Array.from(blob, (b, i) => (i === 8 ? 0.5 : b)))).rejects.toThrow(/y\[8\] = 0.5/);
    await expect(model().fit(X, Array.from(blob, (b, i) => (i === 9 ? true : b)) as never)).rejects.toThrow(TypeError);
  });

  it("a label seen only in validation", async () => {
    const y = Array.from(blob, (b) => NAMES[b]!), yv = y.slice();
    yv[5] = "dog";
    await expect(model().fit(X, y, { validation: [X, yv] })).rejects.toThrow(/validation\[1\]\[5\] = "dog" is not one of the model's classes/);
  });

  it("an unknown label at score time, and labels of another type than the model's", async () => {
    const m = model();
    await m.fit(X, Array.from(blob, (b) => NAMES[b]!));
    const y = Array.from(blob, (b) => NAMES[b]!);
    y[2] = "horse";
    expect(() => m.score(X, y)).toThrow(/y\[2\] = "horse" is not one of the model's classes/);
    expect(() => m.score(X, blob)).toThrow(/y\[0\] = 0 is not one of the model's classes/);
    m.dispose();
  });
});

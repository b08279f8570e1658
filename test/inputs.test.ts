// Where X goes, number[][] rows go too; predict, predictProba and decisionFunction take one row as it is;
// anything else is refused with a message that shows matrix().
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { init, LinearClassifier, LinearRegressor, matrix, type Backend } from "../src/index.js";

let be: Backend, model: LinearClassifier, regressor: LinearRegressor;
const rows = [[0, 0], [0.2, 0.1], [5, 5], [5.1, 4.8], [0, 5], [0.3, 5.2]];
const labels = Int32Array.of(0, 0, 1, 1, 2, 2);
beforeAll(async () => {
  be = await init();
  model = new LinearClassifier({ backend: be, epochs: 200, optimizer: { learningRate: 0.05 } });
  await model.fit(rows, labels);
  regressor = new LinearRegressor({ backend: be, epochs: 300, optimizer: { learningRate: 0.05 } });
  await regressor.fit(rows, Float32Array.from(rows, ([a, b]) => a! - b!));
});
afterAll(() => {
  model.dispose();
  regressor.dispose();
  be.dispose();
});

const asMatrix = matrix(rows.length, 2, Float32Array.from(rows.flat()));

describe("number[][] where X goes", () => {
  it("fit on number[][] trains the model fit on the same Matrix trains", async () => {
    const twin = new LinearClassifier({ backend: be, epochs: 200, optimizer: { learningRate: 0.05 } });
    await twin.fit(asMatrix, labels);
    expect(twin.weights).toEqual(model.weights);
    twin.dispose();
  });

  it("predict, predictProba, decisionFunction and score take number[][]", () => {
    expect(model.predict(rows)).toEqual(model.predict(asMatrix));
    expect(model.predictProba(rows)).toEqual(model.predictProba(asMatrix));
    expect(model.decisionFunction(rows)).toEqual(model.decisionFunction(asMatrix));
    expect(model.score(rows, labels)).toBe(1);
  });

  it("ragged rows, a non-number and an empty list are refused naming the row", async () => {
    expect(() => model.predict([[1, 2], [3]])).toThrow(/X\[1\] has 1 values but X\[0\] has 2/);
    expect(() => model.predict([[1, "2" as never]])).toThrow(/X\[0\]\[1\] must be a number/);
    expect(() => model.predict([[1, NaN]])).toThrow(/X\[1\] is NaN/);
    await expect(model.fit([], labels)).rejects.toThrow(/X has no rows/);
  });
});

describe("a single row", () => {
  it("predict(row) gives its label, predictProba(row) and decisionFunction(row) its C values", () => {
    expect(model.predict([5, 5])).toBe(1);
    expect(model.predict(Float32Array.of(0, 5))).toBe(2);
    const p = model.predictProba([5, 5]);
    expect(p).toBeInstanceOf(Float32Array);
    expect(p).toEqual(model.predictProba(matrix(1, 2, Float32Array.of(5, 5))).data);
    expect(model.decisionFunction([0, 0])).toHaveLength(3);
  });

  it("a regressor's predict(row) gives its value", () => {
    expect(regressor.predict([3, 1])).toBeCloseTo(2, 1);
  });

  it("a row of the wrong length is refused naming the feature count", () => {
    expect(() => model.predict([1, 2, 3])).toThrow(/X has 3 columns but the model has 2 features/);
  });
});

describe("what is refused shows matrix()", () => {
  it("a flat array passed to fit", async () => {
    await expect(model.fit([0.1, 0.1] as never, labels)).rejects.toThrow(/X is a flat array of 2 values, not rows.*matrix\(rows, cols, data\)/);
  });

  it("a typed array passed to fit, and an object without data", async () => {
    await expect(model.fit(Float32Array.of(1, 2) as never, labels)).rejects.toThrow(/X must be a Matrix .*matrix\(rows, cols, data\) builds one.*got a Float32Array of 2 values/);
    expect(() => model.predict({ rows: 1 } as never)).toThrow(/matrix\(rows, cols, data\)/);
  });
});

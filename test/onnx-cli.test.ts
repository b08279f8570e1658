// `simdlinear export`: the built CLI (dist/cli/main.js) writes an ONNX file whose labels, from the raw CSV rows
// (preprocessing in the graph), are those of `simdlinear predict`.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { Rng } from "../src/data/rng.js";

const MAIN = resolve(import.meta.dirname, "../dist/cli/main.js");
const cli = (...args: string[]) => promisify(execFile)(process.execPath, [MAIN, ...args]);
const dir = mkdtempSync(join(tmpdir(), "simdlinear-onnx-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("simdlinear export --model --onnx", () => {
  it("a standardized CSV model: ONNX labels on the raw rows equal `predict`'s", async () => {
    const rng = new Rng(5), N = 150, D = 3;
    const rows = Array.from({ length: N }, (_, i) => [i % 3, 2 * (i % 3) + rng.normal(), rng.normal(), 50 + 10 * rng.normal()]);
    const data = join(dir, "data.csv"), model = join(dir, "model.json"), onnxFile = join(dir, "model.onnx");
    writeFileSync(data, rows.map((r) => r.map((x, j) => (j === 0 ? String(x) : x.toFixed(4))).join(",")).join("\n") + "\n");
    await cli("train", "--data", data, "--epochs", "5", "--scale", "standardize", "--save", model, "--json");
    const exported = await cli("export", "--model", model, "--onnx", onnxFile);
    expect(exported.stdout).toMatch(/ONNX opset 13; input X: N×3 float32/);
    const expected = (await cli("predict", "--model", model, "--data", data)).stdout.trim().split("\n");
    const X = Float32Array.from(rows.flatMap((r) => r.slice(1).map((x) => Number(x.toFixed(4)))));
    const session = await ort.InferenceSession.create(readFileSync(onnxFile));
    const out = await session.run({ X: new ort.Tensor("float32", X, [N, D]) });
    await session.release();
    expect(Array.from(out.label!.data as BigInt64Array, String)).toEqual(expected);
  });

  it("a missing model file exits 1 with one line on stderr", async () => {
    await expect(cli("export", "--model", join(dir, "none.json"), "--onnx", join(dir, "x.onnx"))).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/^simdlinear: .*none\.json/) });
  });
});

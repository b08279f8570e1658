/**
 * numpy + OpenBLAS on the CIFAR-shaped epoch, written as in cs231n (softmax loss and gradient, SGD, batch 200,
 * the batch gathered with fancy indexing), in a python3 child process with OpenBLAS limited to `threads`.
 * OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are dropped from that child's environment only: this machine's image
 * sets them for other tools, and they would pin OpenBLAS to a kernel that is not this CPU's.
 */
import { spawnSync } from "node:child_process";

export interface NumpyEpoch {
  median: number;
  min: number;
}

/** Median and minimum ms of `epochs` epochs after one warm-up, or a string saying why numpy did not run. */
export function numpyEpoch(N: number, D: number, C: number, epochs: number, threads: number): NumpyEpoch | string {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const run = spawnSync("python3", ["-c", `
import time, numpy as np
N, D, C, B = ${N}, ${D}, ${C}, 200
rng = np.random.default_rng(1)
X = rng.standard_normal((N, D), dtype=np.float32); y = rng.integers(0, C, N)
W = np.zeros((D, C), np.float32); b = np.zeros(C, np.float32)
def epoch():
    global W, b
    order = rng.permutation(N)
    for s in range(0, N, B):
        i = order[s:s + B]; xb = X[i]; n = len(i)
        S = xb @ W + b; S -= S.max(axis=1, keepdims=True)
        P = np.exp(S); P /= P.sum(axis=1, keepdims=True)
        loss = -np.log(P[np.arange(n), y[i]]).mean()
        P[np.arange(n), y[i]] -= 1; P /= n
        W -= 1e-3 * (xb.T @ P + 2e-4 * W); b -= 1e-3 * P.sum(axis=0)
epoch()
ts = []
for _ in range(${epochs}):
    t = time.perf_counter(); epoch(); ts.append((time.perf_counter() - t) * 1000)
print(sorted(ts)[len(ts) // 2], min(ts))
`], { encoding: "utf8", env });
  if (run.status !== 0) return (run.stderr || String(run.error)).trim().split("\n").pop() ?? "python3 failed";
  const [median, min] = run.stdout.trim().split(" ").map(Number);
  return { median: median!, min: min! };
}

/** Markdown: numpy on 1 and 2 threads against this run's softmax + SGD `fit` rows on the same thread counts. */
export function numpySection(rows: readonly { config: string; backend: string; threads: number; ms: number }[],
                             runs: readonly { threads: number; epoch: NumpyEpoch | string }[]): string {
  const builds = [...new Set(rows.filter((r) => /^wasm-(relaxed|simd)$/.test(r.backend)).map((r) => r.backend))];
  const lines = [
    "## numpy + OpenBLAS on the same epoch (softmax + SGD, batch 200, bench/numpy.ts)",
    "",
    "Measured in this run right after the epoch table; `numpy ÷ fit` above 1 means `fit` is faster.",
    "",
    `| threads | numpy median ms (min) | ${builds.map((b) => `${b} fit ms | numpy ÷ fit`).join(" | ")} |`,
    `| ---: | ---: | ${builds.map(() => "---: | ---:").join(" | ")} |`,
  ];
  for (const { threads, epoch } of runs) {
    if (typeof epoch === "string") {
      lines.push(`| ${threads} | not measured: ${epoch} | ${builds.map(() => "— | —").join(" | ")} |`);
      continue;
    }
    const cells = builds.map((backend) => {
      const fit = rows.find((r) => r.config === "softmax + sgd" && r.backend === backend && r.threads === threads);
      return fit ? `${fit.ms.toFixed(2)} | ${(epoch.median / fit.ms).toFixed(2)}×` : "— | —";
    });
    lines.push(`| ${threads} | ${epoch.median.toFixed(1)} (${epoch.min.toFixed(1)}) | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

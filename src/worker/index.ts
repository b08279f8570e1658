// simdlinear/worker: training off the main thread. A separate entry, so that an app that never trains in a
// worker has no worker for its bundler to build (vite needs \`worker: { format: "es" }\` for this one).
export { fitInWorker, type WorkerFitOptions } from "./fit-in-worker.js";

// simdlinear/tune: hyper-parameter search over workers. A separate entry, as simdlinear/worker is: an app that
// never searches has no worker for its bundler to build (vite needs `worker: { format: "es" }` for this one).
export { search, stopSearchWorkers, type Range, type SearchOptions, type SearchResult, type Trial } from "./search.js";

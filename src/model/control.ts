/**
 * What a running fit checks between steps: its AbortSignal, and whether it has held the event loop long enough
 * that it must let timers, input and rendering run (a page never freezes for a whole fit).
 */
import * as v from "../validate.js";

/** A fit gives the event loop a turn after at most this much work: one frame at 60 Hz. */
export const SLICE_MS = 16;

/** The run-control options of fit, partialFit and fitStream. */
export interface RunControl {
  /** Aborts the call: it rejects with an AbortError and leaves the model as it was. */
  signal?: AbortSignal;
  /**
   * On failure (an error, a DivergenceError, an abort, a stream that fails), keep what the call learned up to
   * there, instead of putting the model back as it was. Default false: all or nothing.
   */
  keepProgress?: boolean;
}

export const RUN_CONTROL_KEYS = ["signal", "keepProgress"] as const;

export function runControl(options: Record<string, unknown>): Required<Pick<RunControl, "keepProgress">> & RunControl {
  const { signal, keepProgress } = options;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(`signal must be an AbortSignal, got ${v.describe(signal)}`);
  }
  if (keepProgress !== undefined && typeof keepProgress !== "boolean") {
    throw new TypeError(`keepProgress must be a boolean, got ${v.describe(keepProgress)}`);
  }
  return { signal: signal as AbortSignal | undefined, keepProgress: keepProgress ?? false };
}

const isAbortSignal = (value: unknown): value is AbortSignal => typeof AbortSignal !== "undefined"
  && value instanceof AbortSignal;

/** The error an aborted call rejects with: the signal's reason, or an AbortError as fetch gives. */
export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("the fit was aborted", "AbortError");
}

/** A macrotask turn of the event loop: setImmediate in Node, a MessageChannel message in browsers (no 4 ms clamp). */
export const yieldToEventLoop: () => Promise<void> = typeof setImmediate === "function"
  ? () => new Promise((resolve) => setImmediate(resolve))
  : (() => {
    const channel = new MessageChannel(), waiting: (() => void)[] = [];
    channel.port1.onmessage = () => waiting.shift()?.();
    return () => new Promise<void>((resolve) => {
      waiting.push(resolve);
      channel.port2.postMessage(null);
    });
  })();

/** Times a fit's slices of work and yields between them. `sliceMs` is exposed for the yield bench. */
export class Slicer {
  private started = performance.now();

  constructor(private readonly sliceMs = SLICE_MS) {}

  /** Whether the current slice has run its time. */
  get due(): boolean {
    return performance.now() - this.started >= this.sliceMs;
  }

  async yield(): Promise<void> {
    await yieldToEventLoop();
    this.started = performance.now();
  }
}

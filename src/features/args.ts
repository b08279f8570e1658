import { Backend } from "../backend/backend.js";
import * as v from "../validate.js";

/** An options argument: undefined (all defaults) or a plain object. */
export function optionsArg<T extends object>(name: string, value: T | undefined): T {
  if (value === undefined) return {} as T;
  if (value instanceof Backend) {
    throw new TypeError(`${name} must be an options object, got a Backend: the backend is an option, { backend }`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an options object, got ${v.describe(value)}`);
  }
  return v.ownEntries(value) as T;
}

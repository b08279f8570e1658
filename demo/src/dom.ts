/** Small helpers shared by the demo pages. */
import { init, type Backend } from "simdlinear";

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
}

/** A table body rebuilt from rows of cells; a cell is text, or [text, class name]. */
export function fillTable(body: HTMLTableSectionElement, rows: (string | [string, string])[][]): void {
  body.replaceChildren(...rows.map((cells) => {
    const tr = document.createElement("tr");
    for (const cell of cells) {
      const td = document.createElement("td");
      const [text, cls] = typeof cell === "string" ? [cell, ""] : cell;
      td.textContent = text;
      if (cls) td.className = cls;
      tr.append(td);
    }
    return tr;
  }));
}

export const fixed = (x: number, digits = 3): string => (Object.is(x, -0) ? 0 : x).toFixed(digits);

/** Loads the wasm backend and says in the header which build runs. */
export async function startBackend(): Promise<Backend> {
  const backend = await orShowError(init());
  const build = backend.simd === "none" ? "no SIMD" : `${backend.simd} SIMD`;
  byId("backend").textContent = `backend: ${backend.name} (${build})`;
  return backend;
}

/** The promise's value; if it fails, the error is shown in the page's header too. */
export async function orShowError<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    showError(error);
    throw error;
  }
}

export function showError(error: unknown): void {
  const el = byId("backend");
  el.textContent = `error: ${error instanceof Error ? error.message : String(error)}`;
  el.classList.add("error");
  console.error(error);
}

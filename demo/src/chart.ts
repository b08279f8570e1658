/** Live line charts on uPlot: points are appended as training runs and drawn at most once per frame. */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface SeriesSpec {
  label: string;
  stroke: string;
  dash?: number[];
}

export interface LiveChart {
  /** Appends one x and one y per series (null: no value here). */
  push(x: number, ys: (number | null)[]): void;
  clear(): void;
  /** The number of points so far. */
  readonly length: number;
}

export function liveChart(parent: HTMLElement, opts: {
  title: string; xLabel: string; yLabel: string; series: SeriesSpec[]; width?: number; height?: number;
  yRange?: [number, number]; maxPoints?: number;
}): LiveChart {
  const maxPoints = opts.maxPoints ?? 4000;
  let columns: (number | null)[][] = [[], ...opts.series.map(() => [])];
  const plot = new uPlot({
    title: opts.title,
    width: opts.width ?? 420,
    height: opts.height ?? 220,
    scales: { x: { time: false }, y: opts.yRange ? { range: opts.yRange } : { auto: true } },
    axes: [{ label: opts.xLabel }, { label: opts.yLabel, size: 56 }],
    series: [{ label: opts.xLabel }, ...opts.series.map((s) => ({ label: s.label, stroke: s.stroke, dash: s.dash, width: 2, spanGaps: true }))],
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
  }, columns as uPlot.AlignedData, parent);
  let pending = false;
  const redraw = () => {
    pending = false;
    plot.setData(columns as uPlot.AlignedData);
  };
  return {
    push(x, ys) {
      columns[0]!.push(x);
      ys.forEach((y, i) => columns[i + 1]!.push(y));
      // Long runs keep every other point of the older half: the curve keeps its shape at a bounded cost.
      if (columns[0]!.length > maxPoints) columns = columns.map((c) => [...c.slice(0, maxPoints / 2).filter((_, i) => i % 2 === 0), ...c.slice(maxPoints / 2)]);
      if (!pending) {
        pending = true;
        requestAnimationFrame(redraw);
      }
    },
    clear() {
      columns = [[], ...opts.series.map(() => [])];
      redraw();
    },
    get length() {
      return columns[0]!.length;
    },
  };
}

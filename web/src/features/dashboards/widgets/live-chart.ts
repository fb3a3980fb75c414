// A live time series chart on uPlot, outside React: history loaded once, then live points folded
// into bounded buffers (SeriesBuffer). Drawing is coalesced to one per animation frame, and
// skipped while the chart is hidden (off screen, background tab) or paused; it catches up with
// one draw when shown again. Live points redraw at most once per pixel's worth of the range (and
// at least once a second): points that come faster would only move the line's last pixel. The
// cost per point and per draw is bounded by the range, not by how long the page has been open.

import uPlot from 'uplot';
import { formatValue } from '../../../lib/format';
import type { MetricUpdateData } from '../../../realtime';
import { resolveSeries, seriesPoints } from './metric-points';
import { type Agg, alignSeries, SeriesBuffer } from './ring-buffer';

export interface LiveChartOptions {
  codes: string[];
  labels?: Record<string, string>;
  rangeMs: number;
  stepMs: number;
  agg: Agg;
  unit: string | undefined;
  names: string[];
  colors: { series: string[]; axis: string; grid: string };
  /**
   * Live events showed that code k follows a labelled series (a query without labels on a code
   * that has no unlabelled series): load its history with these labels (mergeHistory).
   */
  onResolved?: (k: number, labels: Record<string, string>) => void;
  /** Elements showing each series' latest value (updated at each draw). */
  legend?: Array<HTMLElement | null>;
  now?: () => number;
}

const MAX_PENDING = 10_000;
/** The longest a live point waits for its draw. */
export const MAX_DRAW_INTERVAL_MS = 1000;
/** Width of the value axis (options().axes[1].size) plus margins: the plot is the rest. */
const AXIS_PX = 80;

/** A power of two giving about 4 steps over `span` (bytes read best in binary multiples). */
export function binaryStep(span: number): number {
  if (!(span > 0)) return 1;
  return 2 ** Math.ceil(Math.log2(span / 4));
}

/** Tick values from min to max, every binaryStep. */
export function binarySplits(min: number, max: number): number[] {
  const step = binaryStep(max - min);
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9 && out.length < 50; v += step)
    out.push(v);
  return out;
}

export class LiveChart {
  readonly bufs: SeriesBuffer[];
  private readonly el: HTMLElement;
  private readonly o: LiveChartOptions;
  private readonly now: () => number;
  private u: uPlot | null = null;
  private loading = true;
  private pending: Array<[number, number, number]> = [];
  /** Per code, the label set (JSON) whose history is loaded or asked for. */
  private historyLabels: string[];
  private visible = true;
  private paused = false;
  private dirty = false;
  private raf = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastDraw = Number.NEGATIVE_INFINITY;
  /** The first live point is drawn at once: it tells the user the chart is live. */
  private liveShown = false;
  /** Points received live since creation (for tests and the e2e). */
  received = 0;
  draws = 0;

  constructor(el: HTMLElement, o: LiveChartOptions) {
    this.el = el;
    this.o = o;
    this.now = o.now ?? Date.now;
    this.bufs = o.codes.map(() => new SeriesBuffer(o.rangeMs, o.stepMs, o.agg));
    this.historyLabels = o.codes.map(() => JSON.stringify(o.labels ?? {}));
    this.u = new uPlot(this.options(), [[], ...o.codes.map(() => [])], el);
  }

  private options(): uPlot.Options {
    const { unit, colors, rangeMs } = this.o;
    const binary = unit === 'bytes' || unit === 'bytes/s';
    const axis = {
      stroke: colors.axis,
      grid: { stroke: colors.grid, width: 1 },
      ticks: { stroke: colors.grid, width: 1 },
      font: '11px system-ui, sans-serif',
    };
    return {
      width: Math.max(100, this.el.clientWidth || 300),
      height: Math.max(60, this.el.clientHeight || 150),
      ms: 1,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true, range: () => [this.now() - rangeMs, this.now()] },
        y: {
          range: (_u, min, max) => {
            if (unit === 'percent') return [0, Math.max(100, max ?? 0)];
            const lo = min === null || !Number.isFinite(min) ? 0 : Math.min(0, min);
            const hi = max === null || !Number.isFinite(max) || max <= 0 ? 1 : max * 1.1;
            if (binary) {
              const step = binaryStep(hi - lo);
              return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
            }
            return [lo, hi];
          },
        },
      },
      axes: [
        { ...axis },
        {
          ...axis,
          size: 72,
          values: (_u, splits) => splits.map((v) => formatValue(v, unit)),
          // Bytes: steps of a power of two (512 MiB, 1 GiB, 1.5 GiB), not of ten (954 MiB).
          ...(binary ? { splits: (_u, _i, min, max) => binarySplits(min, max) } : {}),
        },
      ],
      series: [
        {},
        ...this.o.codes.map((_, i) => ({
          label: this.o.names[i] ?? this.o.codes[i],
          stroke: colors.series[i % colors.series.length],
          width: 1.5,
          spanGaps: true,
          points: { show: false },
          value: (_u: uPlot, v: number | null) => formatValue(v, unit),
        })),
      ],
    };
  }

  /** The history of each code (same order as codes), then the live points that came meanwhile. */
  loadHistory(series: ReadonlyArray<ReadonlyArray<readonly [number, number]>>): void {
    series.forEach((pts, k) => {
      this.bufs[k]?.load(pts);
    });
    this.loading = false;
    for (const [k, t, v] of this.pending) this.bufs[k]?.add(t, v);
    this.pending = [];
    this.requestDraw();
  }

  /** History of code k for a label set found later (see onResolved). */
  mergeHistory(k: number, points: ReadonlyArray<readonly [number, number]>): void {
    this.bufs[k]?.mergeHistory(points);
    this.requestDraw();
  }

  /** A metric_update: folds in the points of the chart's codes. */
  onMetric(d: MetricUpdateData): void {
    const k = this.o.codes.indexOf(d.code);
    if (k < 0) return;
    const pts = seriesPoints(d, this.o.labels, this.now);
    if (pts.length === 0) return;
    const r = resolveSeries(d, this.o.labels);
    if (r && Object.keys(r.labels).length > 0) {
      const key = JSON.stringify(r.labels);
      if (key !== this.historyLabels[k]) {
        this.historyLabels[k] = key;
        this.o.onResolved?.(k, r.labels);
      }
    }
    this.received += pts.length;
    if (this.loading) {
      for (const [t, v] of pts) this.pending.push([k, t, v]);
      if (this.pending.length > MAX_PENDING) this.pending.splice(0, this.pending.length - MAX_PENDING);
      return;
    }
    let changed = false;
    const buf = this.bufs[k];
    for (const [t, v] of pts) changed = (buf?.add(t, v) ?? false) || changed;
    if (changed) this.requestLiveDraw();
  }

  setVisible(v: boolean): void {
    this.visible = v;
    if (v) this.requestDraw();
  }

  setPaused(p: boolean): void {
    this.paused = p;
    if (!p) this.requestDraw();
  }

  resize(width: number, height: number): void {
    if (!this.u || width <= 0 || height <= 0) return;
    this.u.setSize({ width: Math.floor(width), height: Math.floor(height) });
  }

  /** Time per pixel of the plot: a redraw sooner than this after the last one shows little new. */
  drawIntervalMs(): number {
    const plot = Math.max(50, (this.u?.width ?? 300) - AXIS_PX);
    return Math.min(MAX_DRAW_INTERVAL_MS, this.o.rangeMs / plot);
  }

  /** Marks the chart out of date for a live point: draws once drawIntervalMs has passed. */
  private requestLiveDraw(): void {
    this.dirty = true;
    if (!this.visible || this.paused || this.raf !== 0 || this.timer !== undefined || !this.u) return;
    const wait = this.lastDraw + this.drawIntervalMs() - this.now();
    if (wait <= 0 || !this.liveShown) {
      this.liveShown = true;
      this.requestDraw();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.requestDraw();
    }, wait);
  }

  /** Marks the chart out of date and draws at the next frame if it can be seen. */
  requestDraw(): void {
    this.dirty = true;
    if (!this.visible || this.paused || this.raf !== 0 || !this.u) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const raf =
      globalThis.requestAnimationFrame ?? ((cb: FrameRequestCallback) => setTimeout(() => cb(0), 16));
    this.raf = raf(() => {
      this.raf = 0;
      this.draw();
    }) as number;
  }

  /** Draws now (if out of date and visible). */
  draw(): void {
    if (!this.dirty || !this.u || !this.visible || this.paused) return;
    this.dirty = false;
    const now = this.now();
    this.lastDraw = now;
    for (const b of this.bufs) b.trim(now, this.o.rangeMs);
    const data = alignSeries(this.bufs.map((b) => b.ring));
    this.u.setData(data as uPlot.AlignedData);
    this.draws++;
    this.el.dataset.points = String(data[0].length);
    this.el.dataset.received = String(this.received);
    this.el.dataset.draws = String(this.draws);
    this.el.dataset.last = String(data[0].length ? data[0][data[0].length - 1] : 0);
    this.o.legend?.forEach((span, k) => {
      const b = this.bufs[k];
      if (span && b) span.textContent = formatValue(b.ring.length ? b.ring.lastY() : null, this.o.unit);
    });
  }

  destroy(): void {
    if (this.raf) (globalThis.cancelAnimationFrame ?? clearTimeout)(this.raf);
    this.raf = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.u?.destroy();
    this.u = null;
  }
}

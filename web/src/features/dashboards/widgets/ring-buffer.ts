// Bounded storage for live chart series: a fixed-capacity ring of (time, value) pairs in typed
// arrays, so that a chart fed at 1 Hz for hours keeps a constant memory and per-point cost.

export class RingBuffer {
  readonly capacity: number;
  private readonly xs: Float64Array;
  private readonly ys: Float64Array;
  private start = 0;
  private size = 0;

  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new RangeError('capacity must be at least 1');
    this.capacity = Math.floor(capacity);
    this.xs = new Float64Array(this.capacity);
    this.ys = new Float64Array(this.capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Appends a point; when full, the oldest point is dropped. */
  push(x: number, y: number): void {
    if (this.size === this.capacity) {
      this.start = (this.start + 1) % this.capacity;
      this.size--;
    }
    const i = (this.start + this.size) % this.capacity;
    this.xs[i] = x;
    this.ys[i] = y;
    this.size++;
  }

  x(i: number): number {
    return this.xs[(this.start + i) % this.capacity] ?? Number.NaN;
  }

  y(i: number): number {
    return this.ys[(this.start + i) % this.capacity] ?? Number.NaN;
  }

  /** Time of the newest point; NaN when empty. */
  lastX(): number {
    return this.size === 0 ? Number.NaN : this.x(this.size - 1);
  }

  lastY(): number {
    return this.size === 0 ? Number.NaN : this.y(this.size - 1);
  }

  /** Replaces the value of the newest point. */
  setLastY(y: number): void {
    if (this.size > 0) this.ys[(this.start + this.size - 1) % this.capacity] = y;
  }

  /** Drops the points older than x (points are kept in time order). Returns how many went. */
  dropBefore(x: number): number {
    let n = 0;
    while (this.size > 0 && (this.xs[this.start] ?? 0) < x) {
      this.start = (this.start + 1) % this.capacity;
      this.size--;
      n++;
    }
    return n;
  }

  clear(): void {
    this.start = 0;
    this.size = 0;
  }

  toArrays(): [number[], number[]] {
    const xs = new Array<number>(this.size);
    const ys = new Array<number>(this.size);
    for (let i = 0; i < this.size; i++) {
      xs[i] = this.x(i);
      ys[i] = this.y(i);
    }
    return [xs, ys];
  }
}

export type Agg = 'avg' | 'min' | 'max' | 'last' | 'sum' | 'count' | (string & {});

/**
 * One chart series: points reduced to steps of `stepMs` (aligned to the epoch, like the server's
 * series query) with the widget's aggregation, in a ring that holds the chart's range.
 */
export class SeriesBuffer {
  readonly ring: RingBuffer;
  readonly stepMs: number;
  readonly agg: Agg;
  /** Points folded into the newest step (for avg). */
  private count = 0;
  private sum = 0;

  constructor(rangeMs: number, stepMs: number, agg: Agg = 'avg') {
    this.stepMs = Math.max(1, stepMs);
    this.agg = agg;
    // The range in steps, plus one for the step in progress and a little slack.
    this.ring = new RingBuffer(Math.ceil(rangeMs / this.stepMs) + 2);
  }

  /**
   * Adds a point at time t (ms). Points in the newest step are folded into it; points older than
   * the newest step are late and ignored. Returns whether the series changed.
   */
  add(t: number, v: number): boolean {
    if (!Number.isFinite(t) || !Number.isFinite(v)) return false;
    const bucket = Math.floor(t / this.stepMs) * this.stepMs;
    const last = this.ring.lastX();
    if (this.ring.length === 0 || bucket > last) {
      this.count = 1;
      this.sum = v;
      this.ring.push(bucket, this.agg === 'count' ? 1 : v);
      return true;
    }
    if (bucket < last) return false;
    const cur = this.ring.lastY();
    this.count++;
    this.sum += v;
    let next: number;
    switch (this.agg) {
      case 'min':
        next = Math.min(cur, v);
        break;
      case 'max':
        next = Math.max(cur, v);
        break;
      case 'sum':
        next = cur + v;
        break;
      case 'count':
        next = cur + 1;
        break;
      case 'last':
        next = v;
        break;
      default:
        next = this.sum / this.count;
    }
    this.ring.setLastY(next);
    return true;
  }

  /** Loads points already reduced per step (the series query's answer), replacing the content. */
  load(points: ReadonlyArray<readonly [number, number]>): void {
    this.ring.clear();
    this.count = 0;
    this.sum = 0;
    for (const [t, v] of points) {
      const bucket = Math.floor(t / this.stepMs) * this.stepMs;
      if (this.ring.length > 0 && bucket <= this.ring.lastX()) continue;
      this.ring.push(bucket, v);
      this.count = 1;
      this.sum = v;
    }
  }

  /**
   * Puts history (reduced per step) before the points already held: the history points older
   * than the first held one, then the held ones.
   */
  mergeHistory(points: ReadonlyArray<readonly [number, number]>): void {
    const [xs, ys] = this.ring.toArrays();
    const first = xs.length > 0 ? (xs[0] as number) : Number.POSITIVE_INFINITY;
    const lastCount = this.count;
    const lastSum = this.sum;
    this.load(points.filter(([t]) => Math.floor(t / this.stepMs) * this.stepMs < first));
    for (let i = 0; i < xs.length; i++) this.ring.push(xs[i] as number, ys[i] as number);
    if (xs.length > 0) {
      this.count = lastCount;
      this.sum = lastSum;
    }
  }

  /** Drops the steps that fell out of the range ending at `now`. */
  trim(now: number, rangeMs: number): void {
    this.ring.dropBefore(now - rangeMs - this.stepMs);
  }
}

/**
 * The uPlot data of several series: one shared time axis (the union of their times, in order)
 * and one array of values per series, null where a series has no point at that time.
 * Linear in the number of points (the series are each in time order).
 */
export function alignSeries(rings: readonly RingBuffer[]): [number[], ...(number | null)[][]] {
  if (rings.length === 1 && rings[0]) {
    const [xs, ys] = rings[0].toArrays();
    return [xs, ys];
  }
  const idx = rings.map(() => 0);
  const xs: number[] = [];
  const out: (number | null)[][] = rings.map(() => []);
  for (;;) {
    let min = Number.POSITIVE_INFINITY;
    for (let k = 0; k < rings.length; k++) {
      const r = rings[k];
      const i = idx[k] ?? 0;
      if (r && i < r.length) min = Math.min(min, r.x(i));
    }
    if (min === Number.POSITIVE_INFINITY) break;
    xs.push(min);
    for (let k = 0; k < rings.length; k++) {
      const r = rings[k];
      const i = idx[k] ?? 0;
      const col = out[k];
      if (!col) continue;
      if (r && i < r.length && r.x(i) === min) {
        col.push(r.y(i));
        idx[k] = i + 1;
      } else {
        col.push(null);
      }
    }
  }
  return [xs, ...out];
}

/** The step of a chart showing `rangeMs`: 1 s up to 15 min, then about 900 steps, in whole seconds. */
export function chartStepMs(rangeMs: number): number {
  return Math.max(1000, Math.ceil(rangeMs / 900 / 1000) * 1000);
}

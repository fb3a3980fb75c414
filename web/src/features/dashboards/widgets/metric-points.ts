// The points of one series (a code and a label set) carried by a metric_update.
//
// A query without labels means the metric's main series. When a code has no unlabelled series
// (the host collector labels every point with `host`, its totals carrying only that label;
// docs/metrics.md), it means the code's total: the one series with the fewest labels, when there
// is exactly one such (several hosts in one tenant are ambiguous: nothing is picked).

import type { MetricPoint, MetricSeriesData, MetricUpdateData } from '../../../realtime';

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  return ka.length === kb.length && ka.every((k) => a?.[k] === b?.[k]);
}

const isEmpty = (l: Record<string, string> | undefined) => !l || Object.keys(l).length === 0;

/** The code's total series among labelled ones: the unique series with the fewest labels. */
export function totalSeries(series: readonly MetricSeriesData[] | undefined): MetricSeriesData | undefined {
  if (!series || series.length === 0) return undefined;
  let best: MetricSeriesData | undefined;
  let tie = false;
  for (const s of series) {
    const n = Object.keys(s.labels ?? {}).length;
    const b = best ? Object.keys(best.labels ?? {}).length : Number.POSITIVE_INFINITY;
    if (n < b) {
      best = s;
      tie = false;
    } else if (n === b) {
      tie = true;
    }
  }
  return tie ? undefined : best;
}

/** Which series of the event a query with `labels` follows: its labels, or undefined when none. */
export function resolveSeries(
  d: MetricUpdateData,
  labels: Record<string, string> | undefined,
): { labels: Record<string, string>; points: MetricPoint[] } | undefined {
  if (!isEmpty(labels)) {
    const s = d.series?.find((x) => sameLabels(x.labels, labels));
    return s ? { labels: s.labels, points: s.points } : undefined;
  }
  if (d.points && d.points.length > 0) return { labels: {}, points: d.points };
  const t = totalSeries(d.series);
  return t ? { labels: t.labels, points: t.points } : undefined;
}

/** Points of the series `labels` (none: the main series, else the total) in the event, in time order. */
export function seriesPoints(
  d: MetricUpdateData,
  labels: Record<string, string> | undefined,
  now: () => number = Date.now,
): MetricPoint[] {
  const r = resolveSeries(d, labels);
  if (r) return r.points;
  // A one-value publication (e.g. POST /dashboard/broadcast {"code","value"}).
  if (isEmpty(labels) && typeof d.value === 'number' && isEmpty(d.labels)) {
    const t = d.ts ? Date.parse(d.ts) : now();
    return [[Number.isNaN(t) ? now() : t, d.value]];
  }
  return [];
}

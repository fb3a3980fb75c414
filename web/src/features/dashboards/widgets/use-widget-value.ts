// The value of a stat or gauge widget: GET /api/v1/widgets/{id}/value, then the `value` changes
// of widget_update (passed in by the dashboard). While paused, the shown value stays; the latest
// one is shown on resume.
//
// Fallback: a query without labels on a code that only has labelled series (the host collector
// labels every point with `host`) gets `null` from the server. The value is then computed here
// from the code's total series (see metric-points.ts), live.

import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '../../../api/client';
import { api } from '../../../api/resources';
import type { Widget, WidgetValue } from '../../../api/types';
import { useLiveControls } from '../../../context/live';
import { queryRangeMs } from '../../../lib/duration';
import { useRealtime, useRecoveryFailed } from '../../../realtime/react';
import { resolveSeries } from './metric-points';
import { chartStepMs } from './ring-buffer';

/** Reduces per-step values over a range with the widget's aggregation. */
export function reduce(values: readonly number[], agg: string): number | null {
  if (values.length === 0) return null;
  switch (agg) {
    case 'min':
      return Math.min(...values);
    case 'max':
      return Math.max(...values);
    case 'last':
      return values[values.length - 1] ?? null;
    case 'sum':
    case 'count':
      return values.reduce((a, b) => a + b, 0);
    default:
      return values.reduce((a, b) => a + b, 0) / values.length;
  }
}

function useFallbackValue(widget: Widget, enabled: boolean, paused: boolean): number | undefined {
  const { connection } = useRealtime();
  const [value, setValue] = useState<number | undefined>(undefined);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const code = widget.query.codes[0];
  const agg = widget.query.aggregation || 'avg';
  const rangeMs = queryRangeMs(widget.query.range);
  useEffect(() => {
    if (!enabled || !code) return;
    const ctl = new AbortController();
    let lastFetch = 0;
    const off = connection.on('metric_update', (e) => {
      if (e.data.code !== code || pausedRef.current) return;
      const r = resolveSeries(e.data, undefined);
      const last = r?.points[r.points.length - 1];
      if (!r || !last) return;
      if (agg === 'last') {
        setValue(last[1]);
        return;
      }
      const now = Date.now();
      if (now - lastFetch < 5000) return;
      lastFetch = now;
      const stepMs = chartStepMs(rangeMs);
      api.series(code, { from: now - rangeMs, to: now, stepMs, agg, labels: r.labels }, ctl.signal).then(
        (s) => {
          const v = reduce(
            s.points.map((p) => p[1]),
            agg,
          );
          if (v !== null) setValue(v);
        },
        () => {},
      );
    });
    return () => {
      off();
      ctl.abort();
    };
  }, [connection, enabled, code, agg, rangeMs]);
  return enabled ? value : undefined;
}

export function useWidgetValue(widget: Widget, live: WidgetValue | undefined) {
  const { paused, refreshKey } = useLiveControls();
  const [shown, setShown] = useState<WidgetValue | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef<WidgetValue | undefined>(undefined);
  // Values arrive on the board's channel: when it could not be recovered, fetch the value again.
  const [reloads, setReloads] = useState(0);
  useRecoveryFailed((f) => {
    if (f.name === `board:${widget.dashboard_id}` || f.name === 'dashboard') setReloads((n) => n + 1);
  });

  const accept = (v: WidgetValue | undefined, pausedNow: boolean) => {
    if (!v) return;
    const cur = latest.current;
    if (cur && (cur.version > v.version || (cur.version === v.version && cur.computed_at > v.computed_at)))
      return;
    latest.current = v;
    if (!pausedNow) setShown(v);
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: reload when the widget's version changes
  useEffect(() => {
    void refreshKey;
    void reloads;
    const ctl = new AbortController();
    api.widgetValue(widget.id, ctl.signal).then(
      (v) => {
        setError(null);
        latest.current = undefined;
        accept(v, false);
      },
      (err: unknown) => {
        if (!ctl.signal.aborted) setError(errorMessage(err));
      },
    );
    return () => ctl.abort();
  }, [widget.id, widget.version, refreshKey, reloads]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: accept reads refs only
  useEffect(() => {
    accept(live, paused);
  }, [live]);

  useEffect(() => {
    if (!paused && latest.current) setShown(latest.current);
  }, [paused]);

  const noLabels = Object.keys(widget.query.labels ?? {}).length === 0;
  const needFallback =
    shown !== undefined && shown.value === null && noLabels && widget.query.codes.length > 0;
  const fb = useFallbackValue(widget, needFallback, paused);
  const value =
    shown && needFallback && fb !== undefined
      ? {
          ...shown,
          value: fb,
          values: [{ code: widget.query.codes[0] ?? '', value: fb }, ...shown.values.slice(1)],
        }
      : shown;
  return { value, error, loading: shown === undefined && error === null };
}

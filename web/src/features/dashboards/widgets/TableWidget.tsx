import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '../../../api/client';
import { api } from '../../../api/resources';
import type { Widget } from '../../../api/types';
import { useLiveControls } from '../../../context/live';
import { queryRangeMs } from '../../../lib/duration';
import { formatValue } from '../../../lib/format';
import { useRealtime } from '../../../realtime/react';
import { resolveSeries, seriesPoints } from './metric-points';
import { chartStepMs, SeriesBuffer } from './ring-buffer';

interface Row {
  code: string;
  last: number | null;
  min: number | null;
  avg: number | null;
  max: number | null;
}

function stats(code: string, b: SeriesBuffer): Row {
  const n = b.ring.length;
  if (n === 0) return { code, last: null, min: null, avg: null, max: null };
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const y = b.ring.y(i);
    min = Math.min(min, y);
    max = Math.max(max, y);
    sum += y;
  }
  return { code, last: b.ring.lastY(), min, avg: sum / n, max };
}

/** One row per metric of the query: last, min, average and max over the range, live. */
export function TableWidget({ widget, unit, names }: { widget: Widget; unit?: string; names: string[] }) {
  const { connection } = useRealtime();
  const { paused, refreshKey } = useLiveControls();
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const codesKey = widget.query.codes.join('\n');
  const labelsKey = JSON.stringify(widget.query.labels ?? {});
  const rangeMs = queryRangeMs(widget.query.range);
  const agg = widget.query.aggregation || 'avg';

  useEffect(() => {
    void refreshKey;
    const codes = codesKey.split('\n');
    const labels = JSON.parse(labelsKey) as Record<string, string>;
    const stepMs = chartStepMs(rangeMs);
    const bufs = codes.map(() => new SeriesBuffer(rangeMs, stepMs, agg));
    const ctl = new AbortController();
    let loaded = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const render = () => {
      timer = undefined;
      if (pausedRef.current) {
        timer = setTimeout(render, 1000);
        return;
      }
      const now = Date.now();
      setRows(
        codes.map((c, k) => {
          const b = bufs[k] as SeriesBuffer;
          b.trim(now, rangeMs);
          return stats(c, b);
        }),
      );
    };
    const historyLabels = codes.map(() => labelsKey);
    const off = connection.on('metric_update', (e) => {
      const k = codes.indexOf(e.data.code);
      if (k < 0 || !loaded) return;
      const r = resolveSeries(e.data, labels);
      const found = r && Object.keys(r.labels).length > 0 ? JSON.stringify(r.labels) : null;
      if (r && found && found !== historyLabels[k]) {
        // The code's total is a labelled series: load its history (see metric-points.ts).
        historyLabels[k] = found;
        const now = Date.now();
        api
          .series(e.data.code, { from: now - rangeMs, to: now, stepMs, agg, labels: r.labels }, ctl.signal)
          .then(
            (s) => {
              bufs[k]?.mergeHistory(s.points);
              timer ??= setTimeout(render, 0);
            },
            () => {},
          );
      }
      for (const [t, v] of seriesPoints(e.data, labels)) bufs[k]?.add(t, v);
      timer ??= setTimeout(render, 1000);
    });
    const to = Date.now();
    Promise.all(
      codes.map((c) => api.series(c, { from: to - rangeMs, to, stepMs, agg, labels }, ctl.signal)),
    ).then(
      (series) => {
        series.forEach((s, k) => {
          bufs[k]?.load(s.points);
        });
        loaded = true;
        setError(null);
        render();
      },
      (err: unknown) => {
        if (!ctl.signal.aborted) setError(errorMessage(err));
      },
    );
    return () => {
      ctl.abort();
      off();
      clearTimeout(timer);
    };
  }, [connection, codesKey, labelsKey, rangeMs, agg, refreshKey]);

  if (error) return <p className="widget-error bad">{error}</p>;
  if (!rows) return <p className="muted">Loading…</p>;
  return (
    <div className="table-scroll">
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">Last</th>
            <th scope="col">Min</th>
            <th scope="col">Avg</th>
            <th scope="col">Max</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, k) => (
            <tr key={r.code}>
              <th scope="row">{names[k] ?? r.code}</th>
              <td>{formatValue(r.last, unit)}</td>
              <td>{formatValue(r.min, unit)}</td>
              <td>{formatValue(r.avg, unit)}</td>
              <td>{formatValue(r.max, unit)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

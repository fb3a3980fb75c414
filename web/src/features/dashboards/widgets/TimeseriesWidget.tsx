import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '../../../api/client';
import { api } from '../../../api/resources';
import type { Widget } from '../../../api/types';
import { useLiveControls } from '../../../context/live';
import { useTheme } from '../../../context/theme';
import { queryRangeMs } from '../../../lib/duration';
import { useRealtime, useRecoveryFailed } from '../../../realtime/react';
import { LiveChart } from './live-chart';
import { chartStepMs } from './ring-buffer';
import { useVisibility } from './use-visibility';

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export function TimeseriesWidget({
  widget,
  unit,
  names,
}: {
  widget: Widget;
  unit?: string;
  names: string[];
}) {
  const { connection } = useRealtime();
  const { paused, refreshKey } = useLiveControls();
  const { theme } = useTheme();
  const box = useRef<HTMLDivElement>(null);
  const legend = useRef<Array<HTMLElement | null>>([]);
  const chart = useRef<LiveChart | null>(null);
  const [state, setState] = useState<{ loading: boolean; error: string | null }>({
    loading: true,
    error: null,
  });
  const [reloads, setReloads] = useState(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  const codes = widget.query.codes;
  const codesKey = codes.join('\n');
  const labels = widget.query.labels;
  const labelsKey = JSON.stringify(labels ?? {});
  const rangeMs = queryRangeMs(widget.query.range);
  const agg = widget.query.aggregation || 'avg';
  const namesKey = names.join('\n');

  const visible = useVisibility(box, (v) => chart.current?.setVisible(v));

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    void refreshKey;
    void reloads;
    void theme;
    const cs = codesKey.split('\n');
    const lbl = JSON.parse(labelsKey) as Record<string, string>;
    const stepMs = chartStepMs(rangeMs);
    const ctl = new AbortController();
    const c = new LiveChart(el, {
      codes: cs,
      labels: lbl,
      rangeMs,
      stepMs,
      agg,
      unit,
      names: namesKey.split('\n'),
      colors: {
        series: [
          cssVar('--chart-1', '#2f81f7'),
          cssVar('--chart-2', '#d2762b'),
          cssVar('--chart-3', '#2da44e'),
          cssVar('--chart-4', '#a371f7'),
        ],
        axis: cssVar('--muted', '#687078'),
        grid: cssVar('--line', '#e3e6ea'),
      },
      legend: legend.current,
      onResolved: (k, found) => {
        const code = cs[k];
        if (!code) return;
        const now = Date.now();
        api.series(code, { from: now - rangeMs, to: now, stepMs, agg, labels: found }, ctl.signal).then(
          (s) => c.mergeHistory(k, s.points),
          () => {},
        );
      },
    });
    chart.current = c;
    c.setVisible(visible.current ?? true);
    c.setPaused(pausedRef.current);
    const offMetric = connection.on('metric_update', (e) => c.onMetric(e.data));
    setState({ loading: true, error: null });
    const to = Date.now();
    Promise.all(
      cs.map((code) =>
        api.series(code, { from: to - rangeMs, to, stepMs, agg, labels: lbl }, ctl.signal).then(
          (s) => s.points,
          (err: unknown) => {
            // A code with no data yet is not an error for the chart: live points will come.
            if ((err as { status?: number }).status === 404) return [];
            throw err;
          },
        ),
      ),
    ).then(
      (series) => {
        if (ctl.signal.aborted) return;
        c.loadHistory(series);
        setState({ loading: false, error: null });
      },
      (err: unknown) => {
        if (ctl.signal.aborted) return;
        c.loadHistory([]);
        setState({ loading: false, error: errorMessage(err) });
      },
    );
    let ro: ResizeObserver | undefined;
    if (typeof ResizeObserver === 'function') {
      ro = new ResizeObserver((entries) => {
        const r = entries[0]?.contentRect;
        if (r) c.resize(r.width, r.height);
      });
      ro.observe(el);
    }
    return () => {
      ctl.abort();
      offMetric();
      ro?.disconnect();
      c.destroy();
      if (chart.current === c) chart.current = null;
    };
  }, [connection, codesKey, labelsKey, rangeMs, agg, unit, namesKey, theme, refreshKey, reloads, visible]);

  // The metrics channel could not be recovered after a reconnect: load the history again.
  useRecoveryFailed((f) => {
    if (f.name === 'metrics') setReloads((n) => n + 1);
  });

  useEffect(() => {
    chart.current?.setPaused(paused);
  }, [paused]);

  return (
    <div className="timeseries">
      <ul className="chart-legend" aria-label="series">
        {codes.map((code, i) => (
          <li key={code}>
            <span className={`swatch swatch-${(i % 4) + 1}`} aria-hidden="true" />
            <span className="legend-name">{names[i] ?? code}</span>{' '}
            <span
              className="legend-value"
              ref={(span) => {
                legend.current[i] = span;
              }}
            >
              —
            </span>
          </li>
        ))}
      </ul>
      <div
        ref={box}
        className="chart-box"
        role="img"
        aria-label={`${widget.title || 'chart'}: ${names.join(', ')}, last ${widget.query.range || '1h'}`}
        data-testid="chart"
      />
      {state.loading && <p className="chart-note muted">Loading history…</p>}
      {state.error && (
        <p className="chart-note bad" role="alert">
          History unavailable: {state.error}
        </p>
      )}
    </div>
  );
}

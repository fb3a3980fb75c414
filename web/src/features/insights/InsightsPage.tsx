// Insights: anomalies the analytics engine found in recent metrics (GET /api/v1/insights, newest
// first), kept current by the `insight` event on the metrics channel (service/EVENTS.md).

import { useState } from 'react';
import { useInsights } from '../../api/hooks';
import type { Insight } from '../../api/types';
import { Badge, type BadgeTone } from '../../components/Badge';
import { Empty, ErrorState, Loading } from '../../components/States';
import { formatAgo, formatNumber } from '../../lib/format';
import { formatLabels } from '../../lib/labels';
import { useRealtime, useRealtimeEvent } from '../../realtime/react';

const TONE: Record<string, BadgeTone> = { critical: 'bad', warning: 'warn', info: 'neutral' };
const KIND: Record<string, string> = {
  sustained_high: 'Sustained high',
  sustained_low: 'Sustained low',
  spike: 'Spike',
  drop: 'Drop',
};
const RANK: Record<string, number> = { info: 0, warning: 1, critical: 2 };
const FILTERS = [
  ['info', 'All'],
  ['warning', 'Warning and up'],
  ['critical', 'Critical'],
] as const;

/** The server keeps at most 200 per tenant; so does the page. */
const KEEP = 200;

function isInsight(x: unknown): x is Insight {
  const i = x as Partial<Insight> | null;
  return !!i && typeof i.id === 'string' && typeof i.code === 'string' && typeof i.message === 'string';
}

export function InsightsPage() {
  useRealtime({ channels: ['metrics'] });
  const { data, error, loading, reload, mutate } = useInsights(100);
  const [min, setMin] = useState<string>('info');
  const [fresh, setFresh] = useState<Set<string>>(() => new Set());

  useRealtimeEvent('insight', (e) => {
    const i: unknown = e.data;
    if (!isInsight(i)) return;
    mutate((l) => (l?.some((x) => x.id === i.id) ? l : [i, ...(l ?? [])].slice(0, KEEP)));
    setFresh((s) => new Set(s).add(i.id));
  });

  const shown = (data ?? []).filter((i) => (RANK[i.severity] ?? 0) >= (RANK[min] ?? 0));

  return (
    <main className="page narrow" aria-labelledby="insights-title">
      <div className="page-head">
        <div>
          <h1 id="insights-title">Insights</h1>
          <p className="muted">Anomalies found in recent metrics, newest first. New ones appear live.</p>
        </div>
        <fieldset className="segmented" aria-label="Severity">
          {FILTERS.map(([v, label]) => (
            <button
              key={v}
              type="button"
              className="button"
              aria-pressed={min === v}
              onClick={() => setMin(v)}
            >
              {label}
            </button>
          ))}
        </fieldset>
      </div>
      {error && !data ? (
        <ErrorState error={error} onRetry={reload} title="Insights could not be loaded" />
      ) : loading && !data ? (
        <Loading label="Loading insights…" />
      ) : shown.length === 0 ? (
        <Empty title={data?.length ? 'No insights at this severity' : 'No insights yet'}>
          <span>
            Insights appear when a series moves away from its usual level. A server without the analytics
            engine has none.
          </span>
        </Empty>
      ) : (
        <ul className="plain-list" aria-live="polite" aria-relevant="additions">
          {shown.map((i) => {
            const labels = formatLabels(i.labels);
            return (
              <li key={i.id} className={`insight-item severity-${i.severity}`}>
                <div className="notification-head">
                  <Badge tone={TONE[i.severity] ?? 'neutral'}>{i.severity.toUpperCase()}</Badge>
                  <strong>{KIND[i.kind] ?? i.kind}</strong>
                  <code className="insight-series">
                    {i.code}
                    {labels && ` {${labels}}`}
                  </code>
                  {fresh.has(i.id) && <Badge tone="ok">new</Badge>}
                  <time className="muted" dateTime={i.ts}>
                    {formatAgo(i.ts)}
                  </time>
                </div>
                <p className="notification-body">{i.message}</p>
                <div className="insight-figures muted">
                  <span>value {formatNumber(i.value)}</span>
                  <span>usual {formatNumber(i.baseline)}</span>
                  <span>z-score {formatNumber(i.z)}</span>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </main>
  );
}

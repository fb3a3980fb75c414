// Alerts, live: the list from GET /api/v1/alerts, kept current by new_alert / alert_update on the
// `alerts` channel, with acknowledge (POST /api/v1/alerts/{id}/ack). Used by the alerts panel and
// the alert list widget.

import { useState } from 'react';
import { ApiError, errorMessage } from '../api/client';
import { useAlerts } from '../api/hooks';
import { api } from '../api/resources';
import type { Alert } from '../api/types';
import { Badge, type BadgeTone } from '../components/Badge';
import { Empty, ErrorState, Loading } from '../components/States';
import { useToast } from '../context/toasts';
import { formatAgo, formatNumber } from '../lib/format';
import { useRealtimeEvent, useRecoveryFailed } from '../realtime/react';

const SEVERITY_TONE: Record<string, BadgeTone> = { critical: 'bad', warning: 'warn', info: 'neutral' };

function upsert(list: Alert[], a: Alert, openOnly: boolean): Alert[] {
  const rest = list.filter((x) => x.id !== a.id);
  if (openOnly && a.state === 'resolved') return rest;
  const i = list.findIndex((x) => x.id === a.id);
  if (i < 0) return [a, ...rest];
  const copy = [...list];
  copy[i] = a;
  return copy;
}

export function useLiveAlerts(openOnly: boolean) {
  const res = useAlerts(openOnly);
  const { mutate, reload } = res;
  useRecoveryFailed((f) => {
    if (f.name === 'alerts') reload();
  });
  useRealtimeEvent('new_alert', (e) => mutate((l) => upsert(l ?? [], e.data.alert, openOnly)));
  useRealtimeEvent('alert_update', (e) => mutate((l) => upsert(l ?? [], e.data.alert, openOnly)));
  return res;
}

export function AlertList({ openOnly = true, compact = false }: { openOnly?: boolean; compact?: boolean }) {
  const { data, error, loading, reload, mutate } = useLiveAlerts(openOnly);
  const { toast } = useToast();
  const [busy, setBusy] = useState<string | null>(null);

  const ack = async (a: Alert) => {
    setBusy(a.id);
    try {
      const updated = await api.ackAlert(a.id);
      mutate((l) => upsert(l ?? [], updated, openOnly));
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        toast({ title: 'Already handled', body: `“${a.rule_name}” is no longer firing.`, tone: 'warn' });
        reload();
      } else {
        toast({ title: 'Could not acknowledge', body: errorMessage(err), tone: 'bad' });
      }
    } finally {
      setBusy(null);
    }
  };

  if (error && !data) return <ErrorState error={error} onRetry={reload} title="Alerts unavailable" />;
  if (loading && !data) return <Loading label="Loading alerts…" />;
  if (!data || data.length === 0)
    return (
      <Empty title={openOnly ? 'No open alerts' : 'No alerts'}>
        {compact ? null : <span>All quiet.</span>}
      </Empty>
    );
  return (
    <ul className={`alert-list${compact ? ' compact' : ''}`}>
      {data.map((a) => (
        <li key={a.id} className={`alert-item state-${a.state}`}>
          <div className="alert-head">
            <Badge tone={SEVERITY_TONE[a.severity] ?? 'neutral'}>{a.severity.toUpperCase()}</Badge>
            <strong>{a.rule_name}</strong>
            <span className="muted">{a.state}</span>
          </div>
          {!compact && <p className="alert-message">{a.message}</p>}
          <div className="alert-meta muted">
            <span>
              {a.metric_code} = {formatNumber(a.value)} (threshold {formatNumber(a.threshold)})
            </span>{' '}
            · <time dateTime={a.fired_at}>{formatAgo(a.fired_at)}</time>
          </div>
          {a.state === 'firing' && (
            <button
              type="button"
              className="button small"
              disabled={busy === a.id}
              onClick={() => void ack(a)}
              aria-label={`Acknowledge ${a.rule_name}`}
            >
              {busy === a.id ? 'Acknowledging…' : 'Acknowledge'}
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

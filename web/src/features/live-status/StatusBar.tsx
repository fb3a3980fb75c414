import { Badge, type BadgeTone } from '../../components/Badge';
import { formatCount, formatDuration, formatRtt } from '../../lib/format';
import type { ConnectionStatus } from '../../realtime';
import { useRealtime } from '../../realtime/react';

const STATUS: Record<ConnectionStatus, { label: string; tone: BadgeTone }> = {
  live: { label: 'LIVE', tone: 'ok' },
  connecting: { label: 'CONNECTING', tone: 'warn' },
  reconnecting: { label: 'RECONNECTING', tone: 'warn' },
  offline: { label: 'OFFLINE', tone: 'bad' },
};

/** The connection at a glance: state, transport, messages, uptime, RTT. */
export function StatusBar() {
  const { status, stats, reconnect } = useRealtime();
  const s = STATUS[status];
  return (
    <section className="status-bar" aria-label="connection status">
      <Badge tone={s.tone}>{s.label}</Badge>
      <Badge tone="neutral" title="transport">
        {stats.transport === 'sse' ? 'SSE' : 'WEBSOCKET'}
      </Badge>
      <span className="stat">
        <span className="stat-label">messages</span> {formatCount(stats.messagesReceived)}
      </span>
      <span className="stat">
        <span className="stat-label">uptime</span> {formatDuration(stats.uptimeMs)}
      </span>
      <span className="stat">
        <span className="stat-label">RTT</span> {formatRtt(stats.rttMs)}
      </span>
      <span className="stat">
        <span className="stat-label">reconnects</span> {formatCount(stats.reconnects)}
      </span>
      {status !== 'live' && (
        <button type="button" className="link" onClick={reconnect}>
          reconnect now
        </button>
      )}
    </section>
  );
}

import { formatTime } from '../../lib/format';
import { useEventLog } from './useEventLog';

export function EventLog({ limit = 50 }: { limit?: number }) {
  const entries = useEventLog(limit);
  return (
    <section className="event-log" aria-label="last events">
      <h2>Last events</h2>
      {entries.length === 0 ? (
        <p className="muted">Waiting for events…</p>
      ) : (
        <ol>
          {entries.map((e) => (
            <li key={e.key} className={`log-${e.kind}`}>
              <time>{formatTime(e.at)}</time> <strong>{e.title}</strong> <code>{e.detail}</code>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

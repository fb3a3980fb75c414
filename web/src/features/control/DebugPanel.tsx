// The last 200 events of the connection: channel, event, seq, size and time. Events are recorded
// all the time in a bounded ring (cheap); the table renders at most 4 times a second while open.

import { useEffect, useRef, useState } from 'react';
import { formatCount, formatTime } from '../../lib/format';
import type { RealtimeEvent } from '../../realtime';
import { useRealtime } from '../../realtime/react';

export const DEBUG_EVENTS = 200;

interface Row {
  key: number;
  channel: string;
  event: string;
  seq: number;
  ts: string;
  transport: string;
  data: unknown;
  size?: number;
}

function sizeOf(r: Row): number {
  if (r.size === undefined) {
    try {
      r.size = new TextEncoder().encode(JSON.stringify(r.data) ?? '').length;
    } catch {
      r.size = 0;
    }
  }
  return r.size;
}

/** Keeps the last DEBUG_EVENTS events from mount on, open or not. */
export function useEventRecorder() {
  const { connection } = useRealtime();
  const rows = useRef<Row[]>([]);
  const version = useRef(0);
  useEffect(() => {
    let key = 0;
    return connection.on('*', (e: RealtimeEvent) => {
      rows.current.push({
        key: key++,
        channel: e.channel,
        event: e.event,
        seq: e.seq,
        ts: e.ts,
        transport: e.transport,
        data: e.data,
      });
      if (rows.current.length > DEBUG_EVENTS) rows.current.splice(0, rows.current.length - DEBUG_EVENTS);
      version.current++;
    });
  }, [connection]);
  return { rows, version };
}

export function DebugPanel({
  recorder,
  onClose,
}: {
  recorder: ReturnType<typeof useEventRecorder>;
  onClose(): void;
}) {
  const [, setTick] = useState(0);
  const seen = useRef(-1);
  const { stats } = useRealtime();
  useEffect(() => {
    const t = setInterval(() => {
      if (seen.current !== recorder.version.current) {
        seen.current = recorder.version.current;
        setTick((n) => n + 1);
      }
    }, 250);
    return () => clearInterval(t);
  }, [recorder]);
  const rows = [...recorder.rows.current].reverse();
  return (
    <section className="debug-panel" aria-label="Debug: last events">
      <div className="debug-head">
        <h2>
          Last {DEBUG_EVENTS} events <span className="muted">({rows.length} shown)</span>
        </h2>
        <span className="muted small">
          connection {stats.connectionId ?? '—'} · events {formatCount(stats.eventsReceived)} · duplicates
          dropped {formatCount(stats.duplicatesDropped)} · gaps {formatCount(stats.gapsDetected)} · reconnects{' '}
          {formatCount(stats.reconnects)}
        </span>
        <button type="button" className="icon-button" aria-label="Close the debug panel" onClick={onClose}>
          ×
        </button>
      </div>
      {rows.length === 0 ? (
        <p className="muted">No event yet.</p>
      ) : (
        <div className="table-scroll debug-scroll">
          <table className="data-table debug-table">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Channel</th>
                <th scope="col">Event</th>
                <th scope="col">Seq</th>
                <th scope="col">Size</th>
                <th scope="col">Via</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.key}>
                  <td>
                    <time dateTime={r.ts}>{formatTime(r.ts)}</time>
                  </td>
                  <td>{r.channel}</td>
                  <td>{r.event}</td>
                  <td>{r.seq}</td>
                  <td>{formatCount(sizeOf(r))} B</td>
                  <td>{r.transport}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

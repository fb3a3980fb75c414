import { useEffect, useState } from 'react';
import type { RealtimeEvent } from '../../realtime';
import { useRealtime } from '../../realtime/react';

export interface LogEntry {
  key: number;
  kind: 'event' | 'recovery' | 'error';
  at: string;
  title: string;
  detail: string;
}

let nextKey = 1;

/** The last `limit` events, recovery failures and errors of the shared connection, newest first. */
export function useEventLog(limit = 50): LogEntry[] {
  const { connection } = useRealtime();
  const [entries, setEntries] = useState<LogEntry[]>([]);
  useEffect(() => {
    const push = (e: Omit<LogEntry, 'key'>) =>
      setEntries((prev) => [{ ...e, key: nextKey++ }, ...prev].slice(0, limit));
    const offs = [
      connection.on('*', (e: RealtimeEvent) =>
        push({
          kind: 'event',
          at: e.ts,
          title: `${e.event} · ${e.channel} #${e.seq}`,
          detail: JSON.stringify(e.data),
        }),
      ),
      connection.onRecoveryFailed((r) =>
        push({
          kind: 'recovery',
          at: new Date().toISOString(),
          title: `recovery failed · ${r.channel}`,
          detail: 'missed events are lost: reload this view',
        }),
      ),
      connection.onError((err) =>
        push({
          kind: 'error',
          at: new Date().toISOString(),
          title: `error · ${err.code}`,
          detail: err.message,
        }),
      ),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [connection, limit]);
  return entries;
}

// A snapshot of the connection for UIs: status, transport, stats and the last event, refreshed
// on status changes at once, on events at most every `throttleMs`, and every `intervalMs` (so
// uptime moves). Plain TypeScript, shaped for React's useSyncExternalStore.

import type { ConnectionStatus, Realtime, RealtimeStats } from './connection';
import type { RealtimeEvent, TransportKind } from './types';

export interface RealtimeSnapshot {
  status: ConnectionStatus;
  connected: boolean;
  transport: TransportKind;
  stats: RealtimeStats;
  lastEvent: RealtimeEvent | null;
}

export interface RealtimeStore {
  subscribe(onChange: () => void): () => void;
  getSnapshot(): RealtimeSnapshot;
}

export function createRealtimeStore(
  conn: Realtime,
  { intervalMs = 1_000, throttleMs = 200 }: { intervalMs?: number; throttleMs?: number } = {},
): RealtimeStore {
  const listeners = new Set<() => void>();
  let snapshot = take(conn);
  let throttle: ReturnType<typeof setTimeout> | undefined;
  let interval: ReturnType<typeof setInterval> | undefined;
  let offs: Array<() => void> = [];

  const refresh = () => {
    clearTimeout(throttle);
    throttle = undefined;
    snapshot = take(conn);
    for (const l of [...listeners]) l();
  };
  const refreshSoon = () => {
    if (throttle === undefined) throttle = setTimeout(refresh, throttleMs);
  };

  const start = () => {
    offs = [conn.onStatus(refresh), conn.on('*', refreshSoon)];
    if (intervalMs > 0) interval = setInterval(refresh, intervalMs);
    snapshot = take(conn);
  };
  const stop = () => {
    for (const off of offs) off();
    offs = [];
    clearInterval(interval);
    clearTimeout(throttle);
    interval = undefined;
    throttle = undefined;
  };

  return {
    subscribe(onChange) {
      if (listeners.size === 0) start();
      listeners.add(onChange);
      return () => {
        listeners.delete(onChange);
        if (listeners.size === 0) stop();
      };
    },
    getSnapshot: () => snapshot,
  };
}

function take(conn: Realtime): RealtimeSnapshot {
  const stats = conn.stats();
  return {
    status: stats.status,
    connected: stats.connected,
    transport: stats.transport,
    stats,
    lastEvent: stats.lastEvent,
  };
}

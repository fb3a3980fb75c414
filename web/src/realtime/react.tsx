// React bindings: one shared connection per app (RealtimeProvider) and hooks over it. Channels
// asked for by components are reference-counted and unsubscribed after a short linger.

import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import type { RecoveryFailure } from './api';
import { type ChannelRefs, createChannelRefs } from './channel-refs';
import {
  type ConnectionStatus,
  createRealtime,
  type EventListener,
  type Realtime,
  type RealtimeStats,
} from './connection';
import type { RealtimeOptions } from './options';
import { createRealtimeStore, type RealtimeStore } from './store';
import type { RealtimeEvent, TransportKind } from './types';

interface Shared {
  conn: Realtime;
  refs: ChannelRefs;
  store: RealtimeStore;
  owned: boolean;
  autoConnect: boolean;
  closeTimer: ReturnType<typeof setTimeout> | undefined;
}

const RealtimeContext = createContext<Shared | null>(null);

export interface RealtimeProviderProps {
  /** Options of the connection the provider creates (read once, on mount). */
  options?: RealtimeOptions;
  /** Or an existing connection; the provider then does not close it. */
  client?: Realtime;
  /** How long a channel stays subscribed after its last user let go (2 s). */
  lingerMs?: number;
  /** How often stats (uptime…) refresh in hooks (1 s). */
  statsIntervalMs?: number;
  children?: ReactNode;
}

export function RealtimeProvider({
  options,
  client,
  lingerMs = 2_000,
  statsIntervalMs = 1_000,
  children,
}: RealtimeProviderProps) {
  const [shared] = useState<Shared>(() => {
    // Not connected here: StrictMode may call this twice and drop one result. The effect connects.
    const conn = client ?? createRealtime({ ...options, autoConnect: false });
    return {
      conn,
      refs: createChannelRefs(conn, lingerMs),
      store: createRealtimeStore(conn, { intervalMs: statsIntervalMs }),
      owned: !client,
      autoConnect: !client && options?.autoConnect !== false,
      closeTimer: undefined,
    };
  });
  useEffect(() => {
    // StrictMode unmounts and mounts again at once: close only if the unmount sticks.
    clearTimeout(shared.closeTimer);
    if (shared.autoConnect) shared.conn.connect();
    return () => {
      shared.closeTimer = setTimeout(() => {
        shared.refs.dispose();
        if (shared.owned) shared.conn.close();
      }, 0);
    };
  }, [shared]);
  return <RealtimeContext.Provider value={shared}>{children}</RealtimeContext.Provider>;
}

function useShared(): Shared {
  const shared = useContext(RealtimeContext);
  if (!shared) throw new Error('useRealtime must be used inside <RealtimeProvider>');
  return shared;
}

export interface UseRealtimeOptions {
  /** Channels this component needs (short names), held while it is mounted. */
  channels?: string[];
  /** Adds `project:{projectId}`. */
  projectId?: string;
}

export interface UseRealtimeResult {
  isConnected: boolean;
  /** The live transport; null while not connected. */
  connectionType: TransportKind | null;
  status: ConnectionStatus;
  stats: RealtimeStats;
  /** The last event the connection delivered (any channel). */
  lastEvent: RealtimeEvent | null;
  reconnect(): void;
  /** Listens for an event (or '*'); returns the function that stops it. Use inside an effect. */
  on<E extends string>(event: E | '*', listener: EventListener<E>): () => void;
  /** The shared connection, for anything else (ping, onRecoveryFailed…). */
  connection: Realtime;
}

export function useRealtime({ channels, projectId }: UseRealtimeOptions = {}): UseRealtimeResult {
  const shared = useShared();
  const key = channelKey(channels, projectId);
  useEffect(() => {
    if (key === '') return;
    return shared.refs.acquire(key.split('\n'));
  }, [shared, key]);
  const snap = useSyncExternalStore(shared.store.subscribe, shared.store.getSnapshot);
  const reconnect = useCallback(() => shared.conn.reconnect(), [shared]);
  const on = useCallback(
    <E extends string>(event: E | '*', listener: EventListener<E>) => shared.conn.on(event, listener),
    [shared],
  );
  return useMemo(
    () => ({
      isConnected: snap.connected,
      connectionType: snap.connected ? snap.transport : null,
      status: snap.status,
      stats: snap.stats,
      lastEvent: snap.lastEvent,
      reconnect,
      on,
      connection: shared.conn,
    }),
    [snap, reconnect, on, shared],
  );
}

/** Calls `listener` for every `event` (or '*') while the component is mounted. */
export function useRealtimeEvent<E extends string>(event: E | '*', listener: EventListener<E>): void {
  const shared = useShared();
  const latest = useRef(listener);
  useEffect(() => {
    latest.current = listener;
  });
  useEffect(() => shared.conn.on<E>(event, (e) => latest.current(e)), [shared, event]);
}

/**
 * Calls `listener` when a channel could not be recovered after a reconnect (history gone, or a
 * server restart): the view showing that channel's data reloads it over REST.
 */
export function useRecoveryFailed(listener: (f: RecoveryFailure) => void): void {
  const shared = useShared();
  const latest = useRef(listener);
  useEffect(() => {
    latest.current = listener;
  });
  useEffect(() => shared.conn.onRecoveryFailed((f) => latest.current(f)), [shared]);
}

function channelKey(channels: string[] | undefined, projectId: string | undefined): string {
  const all = [...(channels ?? [])];
  if (projectId) all.push(`project:${projectId}`);
  return [...new Set(all)].sort().join('\n');
}

// The public shape of a realtime connection: what createRealtime returns and what it reports.

import type { Listener } from './emitter';
import type { RealtimeError } from './errors';
import type { ChannelPosition, RealtimeEvent, TransportKind, UserInfo } from './types';

/**
 * - `connecting`: first connection attempt, never connected yet
 * - `live`: connected (welcome / SSE ready received)
 * - `reconnecting`: lost; waiting to retry, or retrying
 * - `offline`: closed by close(), or stopped for good (4401 without a token function, 4403)
 *   until reconnect()
 */
export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface StatusChange {
  status: ConnectionStatus;
  /** The transport in use, or the one being tried. */
  transport: TransportKind;
  /** For `reconnecting`: the backoff step of the coming attempt (0-based) and its delay. */
  attempt?: number;
  delayMs?: number;
  /** The close code that caused the change, when there was one. */
  code?: number;
  reason?: string;
}

/** A channel whose missed events are lost: reload its view over REST. */
export interface RecoveryFailure {
  /** Canonical channel, e.g. `metrics.t1`. */
  channel: string;
  /** The name it was subscribed by, e.g. `metrics` (the channel itself for implicit ones). */
  name: string;
  /** The channel's current position: events up to it are covered by the reload. */
  seq: number;
  epoch: string;
  transport: TransportKind;
}

export interface RealtimeStats {
  status: ConnectionStatus;
  connected: boolean;
  transport: TransportKind;
  connectionId: string | null;
  user: UserInfo | null;
  /** Server messages received (events, replies, pings), all connections together. */
  messagesReceived: number;
  /** Events delivered to listeners. */
  eventsReceived: number;
  duplicatesDropped: number;
  gapsDetected: number;
  /** Connections established after the first one. */
  reconnects: number;
  /** How long the current connection has been live; 0 when not connected. */
  uptimeMs: number;
  lastEvent: RealtimeEvent | null;
  lastEventAt: number | null;
  /** Last measured round-trip time. */
  rttMs: number | null;
  /** The channels asked for (names). */
  channels: string[];
}

export type EventListener<E extends string> = (event: RealtimeEvent<E>) => void;

/** The connection object returned by createRealtime. */
export interface Realtime {
  /**
   * Adds channels (all-or-nothing, like the protocol's `subscribe`). Resolves with their positions
   * once subscribed; while disconnected the request waits for the next connection. Refusals reject
   * (and go to onError listeners); the refused channels are forgotten.
   */
  subscribe(channels: string | string[]): Promise<ChannelPosition[]>;
  /** Removes channels. Resolves once the server confirmed it (at once when disconnected). */
  unsubscribe(channels: string | string[]): Promise<void>;
  /** Listens for an event name, or `'*'` for every event. Returns the function that stops it. */
  on<E extends string>(event: E | '*', listener: EventListener<E>): () => void;
  /** Status changes. Returns the function that stops listening. */
  onStatus(listener: Listener<StatusChange>): () => void;
  /** Channels answered with `recovered: false`. */
  onRecoveryFailed(listener: Listener<RecoveryFailure>): () => void;
  /** Errors not tied to a pending promise (server errors, refusals, unauthorized…). */
  onError(listener: Listener<RealtimeError>): () => void;
  /** Measures the round-trip time in ms (WebSocket `ping`; over SSE a GET /websocket/health). */
  ping(): Promise<number>;
  /** Starts connecting, when created with `autoConnect: false`; does nothing once started. */
  connect(): void;
  /** Drops the current connection (if any) and connects again at once, WebSocket first. */
  reconnect(): void;
  /** Closes for good: no more reconnection, pending promises are rejected. */
  close(): void;
  stats(): RealtimeStats;
  readonly status: ConnectionStatus;
}

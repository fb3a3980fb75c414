// Options of createRealtime and their defaults.

import { type BackoffOptions, DEFAULT_BACKOFF } from './backoff';
import type { TransportKind } from './types';

export type TransportOption = 'auto' | TransportKind;

/** A token, or a function returning the current one (called before every connection attempt). */
export type TokenSource = string | (() => string | null | undefined | Promise<string | null | undefined>);

export type WebSocketConstructor = new (url: string) => WebSocket;
export type EventSourceConstructor = new (url: string, init?: EventSourceInit) => EventSource;

export interface RealtimeOptions {
  /**
   * Where the server is: an http(s) or ws(s) base URL, absolute or relative to the page
   * (default: the page's origin). `/ws` and `/dashboard/sse` are derived from it.
   */
  url?: string;
  /**
   * A JWT, or a function returning one. Without a token the browser's `livedash_session` cookie
   * is used (same origin, or an allowed origin over SSE). A function is called before every
   * connection attempt, so a rotated token is picked up, and a 4401 close is then retried.
   */
  token?: TokenSource;
  /** How the WebSocket carries the token: `?token=` (default) or an `authenticate` message. */
  tokenIn?: 'query' | 'message';
  /** Channels to subscribe (short names: `metrics`, `alerts`, `project:p1`, …). */
  channels?: string[];
  /** Adds the channel `project:{projectId}`. */
  projectId?: string;
  /** `auto` (default): WebSocket, falling back to SSE when it cannot connect. */
  transport?: TransportOption;
  /** WebSocket attempts that must fail in a row before `auto` tries SSE (default 2). */
  wsTriesBeforeFallback?: number;
  /** Reconnection backoff: full jitter in [0, initialMs·2^attempt], capped at maxMs (500 ms, 30 s). */
  backoff?: Partial<BackoffOptions>;
  /** A connection that lived this long restarts the backoff from the first step (10 s). */
  stableAfterMs?: number;
  /** After a 1012 (server restart) close, delays are capped at this (1 s)… */
  restartBackoffMaxMs?: number;
  /** …for this long after the close (30 s), so the client is back within ~1 s of the server. */
  restartWindowMs?: number;
  /** Added to the delay after a 4429 (limit) close (5 s). */
  rateLimitDelayMs?: number;
  /** Bound on one connection attempt, up to `welcome` / `ready` (10 s). */
  connectTimeoutMs?: number;
  /** While on SSE, the first WebSocket probe comes this long after the stream is ready (3 s)… */
  probeAfterMs?: number;
  /** …and the next ones at this interval (30 s). */
  probeIntervalMs?: number;
  /** A `ping()` not answered within this is rejected (10 s). */
  pingTimeoutMs?: number;
  /** Measure RTT on connect and at this interval (15 s; 0 disables). */
  rttIntervalMs?: number;
  /** Commands kept while disconnected (100); the oldest is dropped beyond. */
  maxQueue?: number;
  /**
   * Event names to listen for over SSE besides the known ones and those passed to `on()`
   * (EventSource delivers only named events that have a listener).
   */
  eventNames?: string[];
  /** Connect at once (default true); otherwise on the first `reconnect()`. */
  autoConnect?: boolean;

  // Injection points (tests, non-browser runtimes).
  WebSocket?: WebSocketConstructor;
  EventSource?: EventSourceConstructor;
  fetch?: typeof fetch;
  /** Returns a number in [0, 1); used for jitter. */
  random?: () => number;
  /** Milliseconds clock. */
  now?: () => number;
}

export interface ResolvedOptions {
  url: string | undefined;
  token: TokenSource | undefined;
  tokenIn: 'query' | 'message';
  channels: string[];
  transport: TransportOption;
  wsTriesBeforeFallback: number;
  backoff: BackoffOptions;
  stableAfterMs: number;
  restartBackoffMaxMs: number;
  restartWindowMs: number;
  rateLimitDelayMs: number;
  connectTimeoutMs: number;
  probeAfterMs: number;
  probeIntervalMs: number;
  pingTimeoutMs: number;
  rttIntervalMs: number;
  maxQueue: number;
  eventNames: string[];
  autoConnect: boolean;
  WebSocket: WebSocketConstructor | undefined;
  EventSource: EventSourceConstructor | undefined;
  fetch: typeof fetch | undefined;
  random: () => number;
  now: () => number;
}

export function resolveOptions(o: RealtimeOptions): ResolvedOptions {
  const channels = [...(o.channels ?? [])];
  if (o.projectId) channels.push(`project:${o.projectId}`);
  const g = globalThis as {
    WebSocket?: WebSocketConstructor;
    EventSource?: EventSourceConstructor;
    fetch?: typeof fetch;
  };
  return {
    url: o.url,
    token: o.token,
    tokenIn: o.tokenIn ?? 'query',
    channels: [...new Set(channels)],
    transport: o.transport ?? 'auto',
    wsTriesBeforeFallback: Math.max(1, o.wsTriesBeforeFallback ?? 2),
    backoff: { ...DEFAULT_BACKOFF, ...o.backoff },
    stableAfterMs: o.stableAfterMs ?? 10_000,
    restartBackoffMaxMs: o.restartBackoffMaxMs ?? 1_000,
    restartWindowMs: o.restartWindowMs ?? 30_000,
    rateLimitDelayMs: o.rateLimitDelayMs ?? 5_000,
    connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
    probeAfterMs: o.probeAfterMs ?? 3_000,
    probeIntervalMs: o.probeIntervalMs ?? 30_000,
    pingTimeoutMs: o.pingTimeoutMs ?? 10_000,
    rttIntervalMs: o.rttIntervalMs ?? 15_000,
    maxQueue: Math.max(1, o.maxQueue ?? 100),
    eventNames: o.eventNames ?? [],
    autoConnect: o.autoConnect ?? true,
    WebSocket: o.WebSocket ?? g.WebSocket,
    EventSource: o.EventSource ?? g.EventSource,
    // Bound, so that calling it detached from window does not throw "Illegal invocation".
    fetch: o.fetch ?? g.fetch?.bind(globalThis),
    random: o.random ?? Math.random,
    now: o.now ?? Date.now,
  };
}

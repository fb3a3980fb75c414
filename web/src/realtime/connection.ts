// The realtime connection: one WebSocket (or SSE stream) at a time, with reconnection, recovery,
// fallback and RTT. Plain TypeScript: no React, no globals besides the injected constructors.

export type {
  ConnectionStatus,
  EventListener,
  Realtime,
  RealtimeStats,
  RecoveryFailure,
  StatusChange,
} from './api';

import type {
  ConnectionStatus,
  EventListener,
  Realtime,
  RealtimeStats,
  RecoveryFailure,
  StatusChange,
} from './api';
import { backoffCeil } from './backoff';
import { ChannelBook } from './channels';
import { formatCursor, parseCursor } from './cursor';
import { Emitter, type Listener, report } from './emitter';
import { type Endpoints, resolveEndpoints, withQuery } from './endpoints';
import { RealtimeError } from './errors';
import { type RealtimeOptions, type ResolvedOptions, resolveOptions } from './options';
import { Positions } from './positions';
import {
  type ChannelPosition,
  type ClientCommand,
  CloseCode,
  EVENT_NAMES,
  type EventData,
  type RealtimeEvent,
  type ServerMessage,
  type SinceMap,
  type SseCloseData,
  type SseEventData,
  type SseReadyData,
  type TransportKind,
  type UserInfo,
} from './types';

interface WsHandle {
  kind: 'websocket';
  ws: WebSocket;
  /** A WebSocket opened while on SSE, adopted when it authenticates. */
  probe: boolean;
  /** The implicit channels' positions sent as ?since= (or in authenticate). */
  since: SinceMap;
  token: string | undefined;
  authed: boolean;
  heartbeatMs: number;
  connectionId: string | null;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface SseHandle {
  kind: 'sse';
  es: EventSource;
  names: string[];
  /** Names this stream added to a working stream's list (see onDisconnect). */
  added: string[];
  since: SinceMap;
  ready: boolean;
  listening: Set<string>;
  closeInfo: SseCloseData | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

type Handle = WsHandle | SseHandle;

interface PendingReply {
  reply(msg: ServerMessage): void;
  lost(err: RealtimeError): void;
}

interface Queued {
  run(): void;
  drop(err: RealtimeError): void;
}

// Errors worth retrying a subscribe for (the others refuse the channel).
const TRANSIENT_ERRORS = new Set(['rate_limited', 'internal']);

// Names EventSource uses for itself; never registered as event listeners.
const RESERVED_SSE_NAMES = new Set(['open', 'error', 'message', 'ready', 'close']);

/** Creates a realtime connection; it connects at once unless `autoConnect: false`. */
export function createRealtime(options: RealtimeOptions = {}): Realtime {
  return new Connection(options);
}

class Connection implements Realtime {
  private readonly o: ResolvedOptions;
  private readonly ep: Endpoints;
  private readonly positions = new Positions();

  private readonly book = new ChannelBook();
  /** Channels being subscribed again after a gap: their events are dropped meanwhile. */
  private readonly recovering = new Set<string>();
  private readonly pending = new Map<number, PendingReply>();
  private queue: Queued[] = [];
  private nextId = 1;

  private handle: Handle | null = null;
  private probe: WsHandle | null = null;
  private _status: ConnectionStatus = 'connecting';
  private live = false;
  private started = false;
  private closed = false;
  private stopped = false;
  private attempt = 0;
  private wsFailures = 0;
  private kind: TransportKind;
  private sseWorked = false;
  private restartUntil = 0;
  private extraDelay = 0;
  private gen = 0;
  private lastEventId: string | null = null;
  /** Channels added by the coming SSE restart. */
  private sseAdded: string[] = [];
  private heartbeatMs = 30_000;
  private lastRx = 0;
  private connectedAt = 0;
  private connectionId: string | null = null;
  private user: UserInfo | null = null;

  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private probeTimer: ReturnType<typeof setTimeout> | undefined;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private idleTimer: ReturnType<typeof setInterval> | undefined;
  private rttTimer: ReturnType<typeof setInterval> | undefined;

  private messagesReceived = 0;
  private eventsReceived = 0;
  private duplicates = 0;
  private gaps = 0;
  private connections = 0;
  private rttMs: number | null = null;
  private lastEvent: RealtimeEvent | null = null;
  private lastEventAt: number | null = null;

  private readonly eventListeners = new Map<string, Emitter<RealtimeEvent>>();
  private readonly statusListeners = new Emitter<StatusChange>();
  private readonly recoveryListeners = new Emitter<RecoveryFailure>();
  private readonly errorListeners = new Emitter<RealtimeError>();
  private readonly onOnline = () => {
    if (this.reconnectTimer !== undefined) this.connectNow();
  };

  constructor(options: RealtimeOptions) {
    this.o = resolveOptions(options);
    this.ep = resolveEndpoints(this.o.url);
    this.kind = this.o.transport === 'sse' ? 'sse' : 'websocket';
    for (const name of this.o.channels) this.book.desired.add(name);
    if (this.o.autoConnect) this.connect();
  }

  // ---------------------------------------------------------------------------------------------
  // Public API

  get status(): ConnectionStatus {
    return this._status;
  }

  subscribe(channels: string | string[]): Promise<ChannelPosition[]> {
    const names = toNames(channels);
    if (this.closed) return Promise.reject(new RealtimeError('closed', 'connection closed'));
    const fresh = names.filter((n) => !this.book.desired.has(n));
    for (const n of fresh) this.book.desired.add(n);
    const promise = this.book.wait(names);
    if (this.stopped) {
      this.book.forget(fresh);
      this.book.reject(names, new RealtimeError('disconnected', 'connection stopped', names));
    } else if (fresh.length > 0 && this.handle?.kind === 'sse') {
      this.scheduleSseRestart();
    } else if (fresh.length > 0 && this.live && this.handle?.kind === 'websocket') {
      this.sendSubscribe(this.handle, fresh);
    }
    this.book.settle();
    return promise;
  }

  unsubscribe(channels: string | string[]): Promise<void> {
    const names = toNames(channels).filter((n) => this.book.desired.has(n));
    if (names.length === 0) return Promise.resolve();
    for (const ch of this.book.forget(names)) this.positions.delete(ch);
    this.book.reject(names, new RealtimeError('unsubscribed', 'unsubscribed', names));
    const h = this.handle;
    if (h?.kind === 'sse') {
      this.scheduleSseRestart();
      return Promise.resolve();
    }
    if (!h || !this.live) return Promise.resolve();
    return new Promise((resolve) => {
      this.command(
        h,
        { type: 'unsubscribe', channels: names },
        { reply: () => resolve(), lost: () => resolve() },
      );
    });
  }

  on<E extends string>(event: E | '*', listener: EventListener<E>): () => void {
    let em = this.eventListeners.get(event);
    if (!em) {
      em = new Emitter<RealtimeEvent>();
      this.eventListeners.set(event, em);
    }
    const off = em.add(listener as unknown as Listener<RealtimeEvent>);
    if (this.handle?.kind === 'sse') this.listenSse(this.handle, event);
    return off;
  }

  onStatus(listener: Listener<StatusChange>): () => void {
    return this.statusListeners.add(listener);
  }

  onRecoveryFailed(listener: Listener<RecoveryFailure>): () => void {
    return this.recoveryListeners.add(listener);
  }

  onError(listener: Listener<RealtimeError>): () => void {
    return this.errorListeners.add(listener);
  }

  ping(): Promise<number> {
    if (this.closed) return Promise.reject(new RealtimeError('closed', 'connection closed'));
    return new Promise<number>((resolve, reject) => {
      const item: Queued = { run: () => this.pingNow(resolve, reject), drop: reject };
      if (this.live) item.run();
      else this.enqueue(item);
    });
  }

  connect(): void {
    if (this.started || this.closed) return;
    this.start();
    this.connectNow();
  }

  /** Listens for the browser coming back online, to retry at once rather than after the backoff. */
  private start(): void {
    if (this.started) return;
    this.started = true;
    const g = globalThis as { addEventListener?: (t: string, f: () => void) => void };
    g.addEventListener?.('online', this.onOnline);
  }

  reconnect(): void {
    if (this.closed) return;
    this.start();
    this.stopped = false;
    this.attempt = 0;
    this.wsFailures = 0;
    this.kind = this.o.transport === 'sse' ? 'sse' : 'websocket';
    this.teardown();
    this.setStatus(this.connections > 0 ? 'reconnecting' : 'connecting', {});
    this.connectNow();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const g = globalThis as { removeEventListener?: (t: string, f: () => void) => void };
    g.removeEventListener?.('online', this.onOnline);
    const err = new RealtimeError('closed', 'connection closed');
    this.teardown(err);
    this.dropQueue(err);
    this.book.reject(null, err);
    this.setStatus('offline', { code: CloseCode.Normal, reason: 'closed by the client' });
  }

  stats(): RealtimeStats {
    return {
      status: this._status,
      connected: this.live,
      transport: this.handle?.kind ?? this.kind,
      connectionId: this.live ? this.connectionId : null,
      user: this.user,
      messagesReceived: this.messagesReceived,
      eventsReceived: this.eventsReceived,
      duplicatesDropped: this.duplicates,
      gapsDetected: this.gaps,
      reconnects: Math.max(0, this.connections - 1),
      uptimeMs: this.live ? Math.max(0, this.o.now() - this.connectedAt) : 0,
      lastEvent: this.lastEvent,
      lastEventAt: this.lastEventAt,
      rttMs: this.rttMs,
      channels: [...this.book.desired],
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Connecting

  private chooseTransport(): TransportKind {
    if (this.o.transport !== 'auto') return this.o.transport;
    if (this.kind === 'sse') return this.sseWorked ? 'sse' : 'websocket';
    return this.wsFailures >= this.o.wsTriesBeforeFallback ? 'sse' : 'websocket';
  }

  /** Starts a connection attempt now, on the chosen transport (or `kind`). */
  private connectNow(kind?: TransportKind): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.closed || this.stopped) return;
    this.kind = kind ?? this.chooseTransport();
    const gen = ++this.gen;
    const chosen = this.kind;
    this.withToken(
      (token) => {
        if (gen !== this.gen || this.closed) return;
        if (chosen === 'websocket') this.openWebSocket(token, false);
        else this.openEventSource(token);
      },
      (err) => {
        if (gen !== this.gen) return;
        this.emitError(new RealtimeError('unauthorized', `token: ${String(err)}`));
        this.scheduleReconnect(false);
      },
    );
  }

  /** Calls `ok` with the current token: synchronously unless the token function returns a promise. */
  private withToken(ok: (token: string | undefined) => void, fail: (err: unknown) => void): void {
    const t = this.o.token;
    if (typeof t !== 'function') {
      ok(t);
      return;
    }
    let got: ReturnType<typeof t>;
    try {
      got = t();
    } catch (err) {
      fail(err);
      return;
    }
    if (got && typeof got === 'object' && 'then' in got) {
      got.then((v) => ok(v ?? undefined), fail);
    } else {
      ok(got ?? undefined);
    }
  }

  private openWebSocket(token: string | undefined, probe: boolean): void {
    const Ctor = this.o.WebSocket;
    if (!Ctor) {
      if (probe) return;
      this.onDisconnect(CloseCode.Abnormal, 'WebSocket is not available');
      return;
    }
    const since = this.positions.since(this.book.implicit);
    const url = withQuery(this.ep.ws, {
      token: this.o.tokenIn === 'query' ? token : undefined,
      since: formatCursor(since),
    });
    let ws: WebSocket;
    try {
      ws = new Ctor(url);
    } catch (err) {
      report(err);
      if (probe) this.scheduleProbe(this.o.probeIntervalMs);
      else this.onDisconnect(CloseCode.Abnormal, 'WebSocket could not be created');
      return;
    }
    const h: WsHandle = {
      kind: 'websocket',
      ws,
      probe,
      since,
      token,
      authed: false,
      heartbeatMs: 30_000,
      connectionId: null,
      timer: undefined,
    };
    if (probe) this.probe = h;
    else this.handle = h;
    ws.onmessage = (ev: MessageEvent) => this.onFrame(h, ev.data);
    ws.onclose = (ev: CloseEvent) => this.onWsClose(h, ev.code, ev.reason);
    // Browsers follow an error with a close event; some runtimes (Node's WebSocket) do not, so
    // an error is the end of the socket. The close code is then unknown: 1006.
    ws.onerror = () => this.onWsClose(h, CloseCode.Abnormal, 'WebSocket error');
    h.timer = setTimeout(() => {
      if (h.probe) this.dropProbe(h);
      else if (h === this.handle) this.onDisconnect(CloseCode.Abnormal, 'connect timeout');
    }, this.o.connectTimeoutMs);
  }

  private openEventSource(token: string | undefined): void {
    const Ctor = this.o.EventSource;
    if (!Ctor) {
      this.onDisconnect(CloseCode.Abnormal, 'EventSource is not available');
      return;
    }
    const names = [...this.book.desired];
    this.sseAdded = this.sseAdded.filter((n) => this.book.desired.has(n));
    const known = [...this.book.implicit, ...this.book.channelsOf(names)];
    // Resume from the stream's last event id; when coming from a WebSocket (or after a gap,
    // which never updates it) build the cursor from the positions we hold.
    const cursor = this.lastEventId ?? this.positions.cursor(known);
    const url = withQuery(this.ep.sse, {
      channels: names.join(','),
      token,
      last_event_id: cursor,
    });
    let es: EventSource;
    try {
      es = new Ctor(url, { withCredentials: true });
    } catch (err) {
      report(err);
      this.onDisconnect(CloseCode.Abnormal, 'EventSource could not be created');
      return;
    }
    const h: SseHandle = {
      kind: 'sse',
      es,
      names,
      added: this.sseAdded,
      since: parseCursor(cursor),
      ready: false,
      listening: new Set(),
      closeInfo: undefined,
      timer: undefined,
    };
    this.handle = h;
    es.addEventListener('ready', (ev) => this.onSseReady(h, ev as MessageEvent));
    es.addEventListener('close', (ev) => this.onSseClose(h, ev as MessageEvent));
    es.onerror = () => this.onSseError(h);
    for (const name of [...EVENT_NAMES, ...this.o.eventNames, ...this.eventListeners.keys()]) {
      this.listenSse(h, name);
    }
    h.timer = setTimeout(() => {
      if (h === this.handle && !h.ready) this.onDisconnect(CloseCode.Abnormal, 'connect timeout');
    }, this.o.connectTimeoutMs);
  }

  private listenSse(h: SseHandle, name: string): void {
    if (name === '*' || RESERVED_SSE_NAMES.has(name) || h.listening.has(name)) return;
    h.listening.add(name);
    h.es.addEventListener(name, (ev) => this.onSseEvent(h, name, ev as MessageEvent));
  }

  /** The connection is live: welcome (authenticated) or SSE ready. */
  private becomeLive(kind: TransportKind): void {
    const wasLive = this.live;
    const prevKind = this.kind;
    this.live = true;
    this.kind = kind;
    this.connectedAt = this.o.now();
    this.lastRx = this.connectedAt;
    this.connections++;
    if (kind === 'websocket') {
      this.wsFailures = 0;
      // A later SSE stream resumes from the positions, not from an old stream's id.
      this.lastEventId = null;
    } else {
      this.sseWorked = true;
    }
    this.restartUntil = 0;
    this.extraDelay = 0;
    this.setStatus('live', {}, wasLive || prevKind !== kind);
    this.startTimers(kind);
  }

  private startTimers(kind: TransportKind): void {
    clearInterval(this.idleTimer);
    clearInterval(this.rttTimer);
    this.idleTimer = undefined;
    this.rttTimer = undefined;
    if (kind === 'websocket') {
      // The server pings every heartbeat_interval: silence for two of them means a dead link.
      const every = Math.max(1_000, Math.min(this.heartbeatMs / 2, 5_000));
      this.idleTimer = setInterval(() => {
        if (this.o.now() - this.lastRx > this.heartbeatMs * 2 + 5_000) {
          this.onDisconnect(CloseCode.HeartbeatTimeout, 'heartbeat timeout');
        }
      }, every);
    }
    if (this.o.rttIntervalMs > 0 && (kind === 'websocket' || this.o.fetch)) {
      const measure = () => {
        this.ping().catch(() => {});
      };
      measure();
      this.rttTimer = setInterval(measure, this.o.rttIntervalMs);
    }
    if (kind === 'sse') this.scheduleProbe(this.o.probeAfterMs);
  }

  /**
   * The connection dropped, or an attempt failed before it was live (or could not even start):
   * account for it and schedule the next attempt, unless the close code says to stop.
   */
  private onDisconnect(code: number, reason: string): void {
    const h = this.handle;
    const kind = h?.kind ?? this.kind;
    const wasLive = this.live;
    this.teardown();
    if (this.closed) return;
    const now = this.o.now();
    if (wasLive && now - this.connectedAt >= this.o.stableAfterMs) this.attempt = 0;
    let immediate = false;
    if (!wasLive) {
      if (kind === 'websocket') this.wsFailures++;
      else if (h?.kind === 'sse') {
        this.sseWorked = false;
        // A working stream was restarted to add channels, and the new one would not start:
        // they are the likely cause (EventSource cannot tell why; a refused channel fails the
        // whole stream). Drop them and go back to the previous list at once.
        const fresh = h.added.filter((n) => this.book.desired.has(n) && !this.book.accepted.has(n));
        if (fresh.length > 0) {
          this.refuse(
            fresh,
            new RealtimeError('refused', `the event stream would not start with ${fresh.join(', ')}`, fresh),
          );
          this.sseWorked = true;
          immediate = true;
        }
      }
    }
    switch (code) {
      case CloseCode.Forbidden:
        this.stop('forbidden', code, reason || 'forbidden');
        return;
      case CloseCode.Unauthorized:
        if (typeof this.o.token !== 'function') {
          this.stop('unauthorized', code, reason || 'unauthorized');
          return;
        }
        break;
      case CloseCode.ServerRestart:
        this.restartUntil = now + this.o.restartWindowMs;
        this.attempt = 0;
        break;
      case CloseCode.SlowConsumer:
        this.attempt = 0;
        break;
      case CloseCode.Limit:
        this.extraDelay = this.o.rateLimitDelayMs;
        break;
    }
    this.scheduleReconnect(immediate, code, reason);
  }

  private scheduleReconnect(immediate: boolean, code?: number, reason?: string): void {
    if (this.closed || this.stopped) return;
    clearTimeout(this.reconnectTimer);
    let delay = 0;
    const attempt = this.attempt;
    if (!immediate) {
      let ceil = backoffCeil(this.attempt, this.o.backoff);
      if (this.o.now() < this.restartUntil) ceil = Math.min(ceil, this.o.restartBackoffMaxMs);
      delay = Math.floor(this.o.random() * (ceil + 1)) + this.extraDelay;
      this.attempt++;
    }
    this.setStatus(this.connections > 0 ? 'reconnecting' : 'connecting', {
      attempt,
      delayMs: delay,
      code,
      reason,
    });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connectNow();
    }, delay);
  }

  /** Stops reconnecting until reconnect(): 4401 without a token function, 4403. */
  private stop(code: 'unauthorized' | 'forbidden', closeCode: number, reason: string): void {
    this.stopped = true;
    const err = new RealtimeError(code, reason);
    this.dropQueue(err);
    this.book.reject(null, err);
    this.setStatus('offline', { code: closeCode, reason });
    this.emitError(err);
  }

  /** Detaches and closes the current connection and the probe; keeps the desired state. */
  private teardown(lost = new RealtimeError('disconnected', 'connection lost before the reply')): void {
    const h = this.handle;
    this.handle = null;
    this.gen++;
    if (h) detach(h);
    if (this.probe) {
      detach(this.probe);
      this.probe = null;
    }
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.probeTimer);
    clearTimeout(this.restartTimer);
    clearInterval(this.idleTimer);
    clearInterval(this.rttTimer);
    this.reconnectTimer = undefined;
    this.probeTimer = undefined;
    this.restartTimer = undefined;
    this.idleTimer = undefined;
    this.rttTimer = undefined;
    this.live = false;
    this.book.current.clear();
    this.recovering.clear();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.lost(lost);
  }

  // ---------------------------------------------------------------------------------------------
  // WebSocket

  private onFrame(h: WsHandle, data: unknown): void {
    if (typeof data !== 'string') return;
    for (const line of data.split('\n')) {
      if (h !== this.handle && h !== this.probe) return;
      if (line.trim() === '') continue;
      let msg: ServerMessage;
      try {
        msg = JSON.parse(line) as ServerMessage;
      } catch {
        this.emitError(new RealtimeError('bad_message', `not JSON: ${line.slice(0, 80)}`));
        continue;
      }
      this.onWsMessage(h, msg);
    }
  }

  private onWsMessage(h: WsHandle, msg: ServerMessage): void {
    this.messagesReceived++;
    this.lastRx = this.o.now();
    switch (msg.type) {
      case 'ping':
        send(h, { type: 'pong', id: msg.id });
        return;
      case 'welcome':
        h.heartbeatMs = Math.max(1, msg.heartbeat_interval || 30) * 1000;
        h.connectionId = msg.connection_id;
        if (msg.authenticated) {
          this.onAuthenticated(h, msg.channels ?? [], msg.user ?? null);
        } else if (h.token) {
          send(h, { type: 'authenticate', token: h.token, since: h.since });
        } else {
          this.authFailed(h, 'the server wants a token and none was given (no session cookie?)');
        }
        return;
      case 'authenticated':
        if (!h.authed) this.onAuthenticated(h, msg.channels ?? [], msg.user);
        return;
      case 'event':
        if (h.probe || !h.authed) return;
        this.onEvent(msg.channel, msg.event, msg.seq, msg.ts, msg.data, 'websocket');
        return;
      case 'error':
        if (h.probe && !h.authed) {
          this.dropProbe(h);
          return;
        }
        if (!h.authed && msg.code === 'unauthenticated') {
          this.authFailed(h, msg.message);
          return;
        }
        break;
    }
    const id = 'id' in msg ? msg.id : undefined;
    const p = id === undefined ? undefined : this.pending.get(id);
    if (p && id !== undefined) {
      this.pending.delete(id);
      p.reply(msg);
    } else if (msg.type === 'error') {
      this.emitError(new RealtimeError(msg.code, msg.message));
    }
  }

  private authFailed(h: WsHandle, message: string): void {
    if (h.probe) {
      this.dropProbe(h);
      return;
    }
    // Without a token function this stops (status offline, an `unauthorized` error).
    if (typeof this.o.token === 'function') this.emitError(new RealtimeError('unauthenticated', message));
    this.onDisconnect(CloseCode.Unauthorized, message);
  }

  private onAuthenticated(h: WsHandle, channels: ChannelPosition[], user: UserInfo | null): void {
    h.authed = true;
    clearTimeout(h.timer);
    if (h.probe) this.adoptProbe(h);
    this.user = user;
    this.heartbeatMs = h.heartbeatMs;
    this.connectionId = h.connectionId;
    for (const entry of channels) {
      this.book.implicit.add(entry.channel);
      this.book.nameToChannel.set(entry.name, entry.channel);
      this.syncEntry(entry, h.since, 'websocket');
    }
    this.becomeLive('websocket');
    this.sendSubscribe(h, [...this.book.desired]);
    this.flushQueue();
  }

  /** The WebSocket probe authenticated while on SSE: it becomes the connection. */
  private adoptProbe(h: WsHandle): void {
    const old = this.handle;
    this.probe = null;
    clearTimeout(this.probeTimer);
    clearTimeout(this.restartTimer);
    this.probeTimer = undefined;
    this.restartTimer = undefined;
    if (old) detach(old);
    h.probe = false;
    this.handle = h;
    this.live = false;
    this.book.current.clear();
    this.sseWorked = false;
    this.lastEventId = null;
  }

  private dropProbe(h: WsHandle): void {
    if (this.probe !== h) return;
    detach(h);
    this.probe = null;
    if (this.handle?.kind === 'sse' && this.live) this.scheduleProbe(this.o.probeIntervalMs);
  }

  private scheduleProbe(delay: number): void {
    if (this.o.transport !== 'auto' || !this.o.WebSocket) return;
    clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      if (this.handle?.kind !== 'sse' || this.probe || this.closed) return;
      const gen = this.gen;
      this.withToken(
        (token) => {
          if (gen === this.gen && this.handle?.kind === 'sse') this.openWebSocket(token, true);
        },
        () => this.scheduleProbe(this.o.probeIntervalMs),
      );
    }, delay);
  }

  private onWsClose(h: WsHandle, code: number, reason: string): void {
    if (h === this.probe) {
      this.dropProbe(h);
      return;
    }
    if (h !== this.handle) return;
    this.onDisconnect(code || CloseCode.Abnormal, reason);
  }

  /**
   * Subscribes channels with `since` where a position is known. A refusal of several channels
   * (all-or-nothing) is retried one by one to find the refused ones, which are forgotten; a
   * transient error (rate_limited, internal) is retried after a second or two.
   */
  private sendSubscribe(h: WsHandle, names: string[]): void {
    if (names.length === 0) return;
    const since = this.sinceFor(names);
    this.command(
      h,
      { type: 'subscribe', channels: names, since: nonEmpty(since) },
      {
        reply: (msg) => {
          if (msg.type === 'subscribed') {
            this.applySubscribed(msg.channels, since, 'websocket');
          } else if (msg.type === 'error' && h === this.handle) {
            const still = names.filter((n) => this.book.desired.has(n) && !this.book.current.has(n));
            if (TRANSIENT_ERRORS.has(msg.code)) {
              setTimeout(
                () => {
                  if (h === this.handle && this.live) this.sendSubscribe(h, still);
                },
                1_000 + this.o.random() * 1_000,
              );
            } else if (names.length > 1) {
              for (const n of still) this.sendSubscribe(h, [n]);
            } else {
              this.refuse(still, new RealtimeError(msg.code, msg.message, names));
            }
          }
        },
        lost: () => {},
      },
    );
  }

  private applySubscribed(entries: ChannelPosition[], since: SinceMap, transport: TransportKind): void {
    const unwanted: string[] = [];
    for (const entry of entries) {
      if (!this.book.desired.has(entry.name)) {
        unwanted.push(entry.name);
        continue;
      }
      this.book.accept(entry);
      this.recovering.delete(entry.channel);
      this.syncEntry(entry, since, transport);
    }
    // Unsubscribed while the reply was on its way.
    const h = this.handle;
    if (unwanted.length > 0 && h?.kind === 'websocket' && this.live) {
      this.command(h, { type: 'unsubscribe', channels: unwanted }, { reply: () => {}, lost: () => {} });
    }
    this.book.settle();
  }

  private syncEntry(entry: ChannelPosition, since: SinceMap, transport: TransportKind): void {
    if (!this.positions.sync(entry, since[entry.channel])) {
      this.recoveryListeners.emit({
        channel: entry.channel,
        name: entry.name,
        seq: entry.seq,
        epoch: entry.epoch,
        transport,
      });
    }
  }

  /** Sends a command with an id and a reply handler. */
  private command(h: WsHandle, cmd: ClientCommand, p: PendingReply): number {
    const id = this.nextId++;
    this.pending.set(id, p);
    send(h, { ...cmd, id });
    return id;
  }

  private pingNow(resolve: (ms: number) => void, reject: (err: RealtimeError) => void): void {
    const h = this.handle;
    if (!h || !this.live) {
      this.enqueue({ run: () => this.pingNow(resolve, reject), drop: reject });
      return;
    }
    if (h.kind === 'sse') {
      this.httpPing(resolve, reject);
      return;
    }
    const sentAt = this.o.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const id = this.command(
      h,
      { type: 'ping' },
      {
        reply: (msg) => {
          clearTimeout(timer);
          if (msg.type === 'pong') {
            this.rttMs = Math.max(0, this.o.now() - sentAt);
            resolve(this.rttMs);
          } else if (msg.type === 'error') {
            reject(new RealtimeError(msg.code, msg.message));
          }
        },
        lost: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      },
    );
    timer = setTimeout(() => {
      if (this.pending.delete(id)) reject(new RealtimeError('timeout', 'no pong in time'));
    }, this.o.pingTimeoutMs);
  }

  /** RTT over SSE: the stream is one-way, so time a GET of the health endpoint instead. */
  private httpPing(resolve: (ms: number) => void, reject: (err: RealtimeError) => void): void {
    const f = this.o.fetch;
    if (!f) {
      reject(new RealtimeError('not_supported', 'no fetch to measure RTT over SSE'));
      return;
    }
    const sentAt = this.o.now();
    const ctl = typeof AbortController === 'function' ? new AbortController() : undefined;
    const timer = setTimeout(() => ctl?.abort(), this.o.pingTimeoutMs);
    f(this.ep.health, { cache: 'no-store', signal: ctl?.signal })
      .then((res) => {
        clearTimeout(timer);
        if (!res.ok && res.status !== 503) throw new Error(`HTTP ${res.status}`);
        this.rttMs = Math.max(0, this.o.now() - sentAt);
        resolve(this.rttMs);
      })
      .catch((err: unknown) => {
        clearTimeout(timer);
        reject(new RealtimeError('timeout', `health check failed: ${String(err)}`));
      });
  }

  // ---------------------------------------------------------------------------------------------
  // SSE

  private onSseReady(h: SseHandle, ev: MessageEvent): void {
    if (h !== this.handle) return;
    let ready: SseReadyData;
    try {
      ready = JSON.parse(String(ev.data)) as SseReadyData;
    } catch {
      this.emitError(new RealtimeError('bad_message', 'SSE ready is not JSON'));
      return;
    }
    this.messagesReceived++;
    h.ready = true;
    clearTimeout(h.timer);
    this.lastEventId = ev.lastEventId || null;
    this.connectionId = ready.connection_id;
    this.user = ready.user ?? null;
    this.heartbeatMs = Math.max(1, ready.heartbeat_interval || 30) * 1000;
    const asked = new Set(h.names);
    for (const entry of ready.channels ?? []) {
      if (asked.has(entry.name)) {
        this.book.accept(entry);
      } else {
        this.book.nameToChannel.set(entry.name, entry.channel);
        this.book.implicit.add(entry.channel);
      }
      this.syncEntry(entry, h.since, 'sse');
    }
    this.becomeLive('sse');
    this.book.settle();
    this.flushQueue();
    if (!sameSet(h.names, this.book.desired)) this.scheduleSseRestart();
  }

  private onSseEvent(h: SseHandle, name: string, ev: MessageEvent): void {
    if (h !== this.handle || !h.ready) return;
    let d: SseEventData;
    try {
      d = JSON.parse(String(ev.data)) as SseEventData;
    } catch {
      this.emitError(new RealtimeError('bad_message', `SSE ${name} is not JSON`));
      return;
    }
    this.messagesReceived++;
    const verdict = this.onEvent(d.channel, name, d.seq, d.ts, d.data, 'sse');
    // The id is the cursor after this event: only move past events we applied or had seen.
    if (verdict !== 'gap' && ev.lastEventId) this.lastEventId = ev.lastEventId;
  }

  private onSseClose(h: SseHandle, ev: MessageEvent): void {
    if (h !== this.handle) return;
    try {
      h.closeInfo = JSON.parse(String(ev.data)) as SseCloseData;
    } catch {
      h.closeInfo = { code: CloseCode.GoingAway, reason: 'stream closed' };
    }
    // Handle it now rather than letting EventSource reconnect by itself: jittered backoff,
    // token refresh, and the WebSocket probe all live here.
    this.onDisconnect(h.closeInfo.code, h.closeInfo.reason);
  }

  private onSseError(h: SseHandle): void {
    if (h !== this.handle) return;
    // Native EventSource would reconnect by itself (sending Last-Event-ID); we close it and
    // reconnect with our backoff and ?last_event_id= instead.
    this.onDisconnect(h.closeInfo?.code ?? CloseCode.Abnormal, h.closeInfo?.reason ?? 'stream error');
  }

  /** The SSE channel list is fixed per stream: open a new one with the new list and our cursor. */
  private scheduleSseRestart(): void {
    if (this.restartTimer !== undefined) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      const h = this.handle;
      if (h?.kind !== 'sse' || sameSet(h.names, this.book.desired)) return;
      // Only a stream that worked vouches for its list; otherwise keep what was being added.
      const base = h.ready ? h.names : h.names.filter((n) => !h.added.includes(n));
      this.sseAdded = [...this.book.desired].filter((n) => !base.includes(n));
      this.teardown();
      this.connectNow('sse');
    }, 0);
  }

  // ---------------------------------------------------------------------------------------------
  // Events

  private onEvent(
    channel: string,
    event: string,
    seq: number,
    ts: string,
    data: unknown,
    transport: TransportKind,
  ): 'apply' | 'duplicate' | 'gap' | 'ignored' {
    if (!this.book.wanted(channel) || this.recovering.has(channel)) return 'ignored';
    const verdict = this.positions.check(channel, seq);
    if (verdict === 'duplicate') {
      this.duplicates++;
      return verdict;
    }
    if (verdict === 'gap') {
      this.gaps++;
      this.onGap(channel);
      return verdict;
    }
    this.positions.advance(channel, seq);
    const e = { channel, event, seq, ts, data: data as EventData<string>, transport };
    this.eventsReceived++;
    this.lastEvent = e;
    this.lastEventAt = this.o.now();
    this.eventListeners.get(event)?.emit(e);
    this.eventListeners.get('*')?.emit(e);
    return verdict;
  }

  /**
   * An event skipped seqs. It is not delivered: the channel is recovered from history so that
   * events are applied in order. A subscribed channel over WebSocket is unsubscribed and
   * subscribed again with `since` (subscribing a held channel would not replay); implicit
   * channels and SSE streams reconnect at once with their positions.
   */
  private onGap(channel: string): void {
    const h = this.handle;
    const name = this.book.nameOf(channel);
    if (h?.kind === 'websocket' && this.live && name && !this.book.implicit.has(channel)) {
      this.recovering.add(channel);
      const since = this.positions.since([channel]);
      this.command(h, { type: 'unsubscribe', channels: [name] }, { reply: () => {}, lost: () => {} });
      this.command(
        h,
        { type: 'subscribe', channels: [name], since },
        {
          reply: (msg) => {
            if (msg.type === 'subscribed') {
              this.applySubscribed(msg.channels, since, 'websocket');
            } else if (msg.type === 'error' && h === this.handle) {
              // Recover the other way: a new connection resubscribes with `since`.
              this.teardown();
              this.scheduleReconnect(true, undefined, `gap on ${channel}: ${msg.message}`);
            }
          },
          lost: () => {},
        },
      );
      return;
    }
    this.teardown();
    this.scheduleReconnect(true, undefined, `gap on ${channel}`);
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private sinceFor(names: string[]): SinceMap {
    return this.positions.since(this.book.channelsOf(names));
  }

  /** The server refused channels: forget them, reject who waits for them, report. */
  private refuse(names: string[], err: RealtimeError): void {
    this.book.forget(names);
    this.book.reject(names, err);
    this.emitError(err);
  }

  private enqueue(item: Queued): void {
    if (this.queue.length >= this.o.maxQueue) {
      this.queue.shift()?.drop(new RealtimeError('queue_full', 'too many commands while disconnected'));
    }
    this.queue.push(item);
  }

  private flushQueue(): void {
    const q = this.queue;
    this.queue = [];
    for (const item of q) item.run();
  }

  private dropQueue(err: RealtimeError): void {
    const q = this.queue;
    this.queue = [];
    for (const item of q) item.drop(err);
  }

  private setStatus(status: ConnectionStatus, extra: Partial<StatusChange>, force = false): void {
    const changed = status !== this._status;
    this._status = status;
    if (changed || force || extra.delayMs !== undefined) {
      this.statusListeners.emit({ status, transport: this.handle?.kind ?? this.kind, ...clean(extra) });
    }
  }

  private emitError(err: RealtimeError): void {
    this.errorListeners.emit(err);
  }
}

function send(h: WsHandle, cmd: ClientCommand): void {
  try {
    h.ws.send(JSON.stringify(cmd));
  } catch (err) {
    report(err);
  }
}

/** Removes our handlers from a transport and closes it. */
function detach(h: Handle): void {
  clearTimeout(h.timer);
  if (h.kind === 'websocket') {
    h.ws.onmessage = null;
    h.ws.onclose = null;
    h.ws.onerror = null;
    try {
      h.ws.close(CloseCode.Normal);
    } catch {
      // Already closed.
    }
  } else {
    h.es.onerror = null;
    h.es.close();
  }
}

function toNames(channels: string | string[]): string[] {
  const list = typeof channels === 'string' ? [channels] : channels;
  return [...new Set(list.map((c) => c.trim()).filter((c) => c !== ''))];
}

function nonEmpty(m: SinceMap): SinceMap | undefined {
  return Object.keys(m).length > 0 ? m : undefined;
}

function sameSet(a: string[], b: Set<string>): boolean {
  return a.length === b.size && a.every((x) => b.has(x));
}

function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

// Fakes of WebSocket and EventSource for the SDK's tests: no network, driven by the test.

import { createRealtime, type RecoveryFailure, type StatusChange } from './connection';
import type { RealtimeError } from './errors';
import type { EventSourceConstructor, RealtimeOptions, WebSocketConstructor } from './options';
import type { ChannelPosition, ClientCommand, RealtimeEvent, ServerMessage } from './types';

type Handler<E> = ((ev: E) => void) | null;

export class FakeWebSocket {
  static instances: FakeWebSocket[] = [];
  /** Called for every new socket (e.g. to make the "server" refuse it). */
  static onCreate: ((ws: FakeWebSocket) => void) | null = null;

  static reset(): void {
    FakeWebSocket.instances = [];
    FakeWebSocket.onCreate = null;
  }

  static last(): FakeWebSocket {
    const ws = FakeWebSocket.instances.at(-1);
    if (!ws) throw new Error('no WebSocket was created');
    return ws;
  }

  readonly url: URL;
  readyState = 0;
  sent: string[] = [];
  closedWith: { code?: number; reason?: string } | null = null;
  onopen: Handler<unknown> = null;
  onmessage: Handler<{ data: unknown }> = null;
  onclose: Handler<{ code: number; reason: string; wasClean: boolean }> = null;
  onerror: Handler<unknown> = null;

  constructor(url: string) {
    this.url = new URL(url);
    FakeWebSocket.instances.push(this);
    FakeWebSocket.onCreate?.(this);
  }

  send(data: string): void {
    if (this.readyState === 0) throw new Error('InvalidStateError: still CONNECTING');
    if (this.readyState === 1) this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }

  // The server's side.

  open(): this {
    this.readyState = 1;
    this.onopen?.({});
    return this;
  }

  /** Delivers one frame carrying the messages (joined by "\n", as the server coalesces them). */
  receive(...msgs: Array<ServerMessage | Record<string, unknown>>): this {
    this.onmessage?.({ data: msgs.map((m) => JSON.stringify(m)).join('\n') });
    return this;
  }

  receiveRaw(data: string): this {
    this.onmessage?.({ data });
    return this;
  }

  /** Opens and sends an authenticated welcome with the implicit channels. */
  welcome(channels: ChannelPosition[] = [], extra: Record<string, unknown> = {}): this {
    if (this.readyState === 0) this.open();
    return this.receive({
      type: 'welcome',
      protocol: 1,
      connection_id: `c${FakeWebSocket.instances.indexOf(this)}`,
      heartbeat_interval: 30,
      authenticated: true,
      user: { id: 'u1', tenant: 't1', roles: ['viewer'] },
      channels,
      ...extra,
    });
  }

  serverClose(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean: true });
  }

  /** The connection could not be made (refused, blocked by a proxy…): error then close 1006. */
  fail(): void {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code: 1006, reason: '', wasClean: false });
  }

  /** An error without a close event, as Node's WebSocket does when it cannot connect. */
  errorOnly(): void {
    this.readyState = 3;
    this.onerror?.({});
  }

  commands(): Array<ClientCommand & { id?: number }> {
    return this.sent.map((s) => JSON.parse(s) as ClientCommand & { id?: number });
  }

  /** The last command of a type. */
  lastCommand<T extends ClientCommand['type']>(
    type: T,
  ): Extract<ClientCommand, { type: T }> & { id: number } {
    const c = this.commands()
      .filter((x) => x.type === type)
      .at(-1);
    if (!c) throw new Error(`no ${type} command was sent; sent: ${this.sent.join(' | ')}`);
    return c as Extract<ClientCommand, { type: T }> & { id: number };
  }

  get active(): boolean {
    return this.onmessage !== null && this.readyState !== 3;
  }
}

interface FakeMessageEvent {
  type: string;
  data: string;
  lastEventId: string;
}

export class FakeEventSource {
  static instances: FakeEventSource[] = [];
  static onCreate: ((es: FakeEventSource) => void) | null = null;

  static reset(): void {
    FakeEventSource.instances = [];
    FakeEventSource.onCreate = null;
  }

  static last(): FakeEventSource {
    const es = FakeEventSource.instances.at(-1);
    if (!es) throw new Error('no EventSource was created');
    return es;
  }

  readonly url: URL;
  readonly withCredentials: boolean;
  readyState = 0;
  onopen: Handler<unknown> = null;
  onmessage: Handler<FakeMessageEvent> = null;
  onerror: Handler<unknown> = null;
  private readonly listeners = new Map<string, Set<(ev: FakeMessageEvent) => void>>();
  private lastId = '';

  constructor(url: string, init?: { withCredentials?: boolean }) {
    this.url = new URL(url);
    this.withCredentials = init?.withCredentials ?? false;
    FakeEventSource.instances.push(this);
    FakeEventSource.onCreate?.(this);
  }

  addEventListener(type: string, fn: (ev: FakeMessageEvent) => void): void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(fn);
  }

  removeEventListener(type: string, fn: (ev: FakeMessageEvent) => void): void {
    this.listeners.get(type)?.delete(fn);
  }

  close(): void {
    this.readyState = 2;
  }

  get closed(): boolean {
    return this.readyState === 2;
  }

  listensFor(type: string): boolean {
    return (this.listeners.get(type)?.size ?? 0) > 0;
  }

  // The server's side.

  open(): this {
    this.readyState = 1;
    this.onopen?.({});
    return this;
  }

  /** Dispatches a named event; like a browser, an event without id keeps the last one. */
  emit(type: string, data: unknown, id?: string): this {
    if (this.readyState === 2) return this;
    if (id !== undefined) this.lastId = id;
    const ev = { type, data: JSON.stringify(data), lastEventId: this.lastId };
    for (const fn of [...(this.listeners.get(type) ?? [])]) fn(ev);
    return this;
  }

  ready(channels: ChannelPosition[], id: string): this {
    if (this.readyState === 0) this.open();
    return this.emit(
      'ready',
      {
        connection_id: `s${FakeEventSource.instances.indexOf(this)}`,
        heartbeat_interval: 30,
        user: { id: 'u1', tenant: 't1', roles: ['viewer'] },
        channels,
      },
      id,
    );
  }

  /** A network error: a native EventSource would now reconnect by itself (CONNECTING). */
  error(): void {
    if (this.readyState === 2) return;
    this.readyState = 0;
    this.onerror?.({});
  }

  /** The request was refused (HTTP error): the EventSource is CLOSED. */
  fail(): void {
    if (this.readyState === 2) return;
    this.readyState = 2;
    this.onerror?.({});
  }
}

export const FakeWebSocketCtor = FakeWebSocket as unknown as WebSocketConstructor;
export const FakeEventSourceCtor = FakeEventSource as unknown as EventSourceConstructor;

// ---------------------------------------------------------------------------------------------
// A harness: a connection on the fakes, with everything it emits recorded.

export const U1: ChannelPosition = { name: 'user.u1', channel: 'user.u1', seq: 0, epoch: 'eu' };
export const T1: ChannelPosition = { name: 'tenant.t1', channel: 'tenant.t1', seq: 0, epoch: 'et' };
export const G: ChannelPosition = { name: 'global', channel: 'global', seq: 0, epoch: 'eg' };
export const IMPLICIT = [U1, T1, G];
export const METRICS: ChannelPosition = { name: 'metrics', channel: 'metrics.t1', seq: 0, epoch: 'em' };
export const ALERTS: ChannelPosition = { name: 'alerts', channel: 'alerts.u1', seq: 0, epoch: 'ea' };

export function ev(channel: string, seq: number, event = 'metric_update', data: unknown = { seq }) {
  return { type: 'event' as const, channel, event, seq, ts: '2026-11-21T10:00:00.123456789Z', data };
}

export function sseData(channel: string, seq: number, data: unknown = { seq }) {
  return { channel, seq, ts: '2026-11-21T10:00:00.123456789Z', data };
}

/** Answers the last subscribe command of `ws` with the entries. */
export function replySubscribed(ws: FakeWebSocket, entries: ChannelPosition[]): void {
  const cmd = ws.lastCommand('subscribe');
  ws.receive({ type: 'subscribed', id: cmd.id, channels: entries });
}

export function harness(opts: RealtimeOptions = {}) {
  const rt = createRealtime({
    url: 'http://srv.test',
    token: 'tok',
    channels: ['metrics'],
    WebSocket: FakeWebSocketCtor,
    EventSource: FakeEventSourceCtor,
    rttIntervalMs: 0,
    random: () => 0.9999999, // the worst case: delays at their ceiling
    ...opts,
  });
  const statuses: StatusChange[] = [];
  const events: RealtimeEvent[] = [];
  const failures: RecoveryFailure[] = [];
  const errors: RealtimeError[] = [];
  rt.onStatus((s) => statuses.push(s));
  rt.on('*', (e) => events.push(e));
  rt.onRecoveryFailed((f) => failures.push(f));
  rt.onError((e) => errors.push(e));
  return {
    rt,
    statuses,
    events,
    failures,
    errors,
    seqs: (channel?: string) => events.filter((e) => !channel || e.channel === channel).map((e) => e.seq),
    delays: () => statuses.filter((s) => s.delayMs !== undefined).map((s) => s.delayMs),
  };
}

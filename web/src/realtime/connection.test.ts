import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ALERTS,
  ev,
  FakeEventSource,
  FakeWebSocket,
  G,
  harness,
  IMPLICIT,
  METRICS,
  replySubscribed,
  T1,
  U1,
} from './test-fakes';

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
  FakeEventSource.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

const ws = () => FakeWebSocket.last();

describe('connecting', () => {
  it('opens /ws with ?token=, subscribes after the welcome, resolves subscribe()', async () => {
    const h = harness({ transport: 'websocket' });
    expect(h.rt.status).toBe('connecting');
    expect(ws().url.pathname).toBe('/ws');
    expect(ws().url.protocol).toBe('ws:');
    expect(ws().url.searchParams.get('token')).toBe('tok');
    expect(ws().url.searchParams.has('since')).toBe(false);

    const sub = h.rt.subscribe('alerts');
    ws().welcome(IMPLICIT);
    expect(h.rt.status).toBe('live');
    expect(h.rt.stats()).toMatchObject({ connected: true, transport: 'websocket', connectionId: 'c0' });
    const cmd = ws().lastCommand('subscribe');
    expect(cmd.channels).toEqual(['metrics', 'alerts']);
    expect(cmd.since).toBeUndefined();
    replySubscribed(ws(), [METRICS, ALERTS]);
    await expect(sub).resolves.toEqual([ALERTS]);
  });

  it('uses the cookie when no token is given', () => {
    harness({ token: undefined, transport: 'websocket' });
    expect(ws().url.searchParams.has('token')).toBe(false);
  });

  it('can send the token in an authenticate message instead of the URL', () => {
    const h = harness({ tokenIn: 'message', transport: 'websocket' });
    expect(ws().url.searchParams.has('token')).toBe(false);
    ws().welcome([], { authenticated: false, user: undefined });
    expect(ws().lastCommand('authenticate')).toMatchObject({ token: 'tok' });
    expect(h.rt.status).toBe('connecting');
    ws().receive({
      type: 'authenticated',
      id: 1,
      user: { id: 'u1', tenant: 't1', roles: [] },
      channels: IMPLICIT,
    });
    expect(h.rt.status).toBe('live');
    expect(ws().lastCommand('subscribe').channels).toEqual(['metrics']);
  });

  it('waits for connect() with autoConnect: false', () => {
    const h = harness({ autoConnect: false });
    expect(FakeWebSocket.instances).toHaveLength(0);
    h.rt.connect();
    h.rt.connect();
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});

describe('frames and heartbeats', () => {
  it('splits a frame into its messages', () => {
    const h = harness({ transport: 'websocket' });
    ws().welcome(IMPLICIT);
    const id = ws().lastCommand('subscribe').id;
    ws().receive({ type: 'subscribed', id, channels: [METRICS] }, ev('metrics.t1', 1), ev('metrics.t1', 2), {
      type: 'ping',
      id: 7,
    });
    expect(h.seqs()).toEqual([1, 2]);
    ws().receiveRaw(`${JSON.stringify(ev('metrics.t1', 3))}\n\n${JSON.stringify(ev('metrics.t1', 4))}\n`);
    expect(h.seqs()).toEqual([1, 2, 3, 4]);
    expect(ws().lastCommand('pong')).toEqual({ type: 'pong', id: 7 });
    expect(h.rt.stats().messagesReceived).toBe(7);
  });

  it('answers the server ping with a pong of the same id', () => {
    harness({ transport: 'websocket' });
    ws().welcome(IMPLICIT);
    ws().receive({ type: 'ping', id: 17 });
    ws().receive({ type: 'ping', id: 18 });
    expect(ws().sent.slice(-2)).toEqual(['{"type":"pong","id":17}', '{"type":"pong","id":18}']);
  });

  it('reports bad JSON and keeps going', () => {
    const h = harness({ transport: 'websocket' });
    ws().welcome(IMPLICIT);
    replySubscribed(ws(), [METRICS]);
    ws().receiveRaw(`nope\n${JSON.stringify(ev('metrics.t1', 1))}`);
    expect(h.errors.map((e) => e.code)).toEqual(['bad_message']);
    expect(h.seqs()).toEqual([1]);
  });

  it('drops a silent connection after two heartbeats', () => {
    const h = harness({ transport: 'websocket' });
    const first = ws();
    first.welcome(IMPLICIT);
    vi.advanceTimersByTime(30_000);
    first.receive({ type: 'ping', id: 1 });
    vi.advanceTimersByTime(60_000);
    expect(h.rt.status).toBe('live');
    vi.advanceTimersByTime(10_000);
    expect(h.rt.status).toBe('reconnecting');
    expect(first.closedWith).not.toBeNull();
  });

  it('measures RTT with its own pings', async () => {
    const h = harness({ transport: 'websocket' });
    ws().welcome(IMPLICIT);
    const p = h.rt.ping();
    const { id } = ws().lastCommand('ping');
    vi.advanceTimersByTime(42);
    ws().receive({ type: 'pong', id, ts: '2026-11-21T10:00:00.5Z' });
    await expect(p).resolves.toBe(42);
    expect(h.rt.stats().rttMs).toBe(42);

    const late = h.rt.ping();
    vi.advanceTimersByTime(10_000);
    await expect(late).rejects.toMatchObject({ code: 'timeout' });
  });

  it('measures RTT on connect and periodically when asked', () => {
    harness({ transport: 'websocket', rttIntervalMs: 5_000 });
    ws().welcome(IMPLICIT);
    expect(
      ws()
        .commands()
        .filter((c) => c.type === 'ping'),
    ).toHaveLength(1);
    vi.advanceTimersByTime(10_000);
    expect(
      ws()
        .commands()
        .filter((c) => c.type === 'ping'),
    ).toHaveLength(3);
  });
});

describe('order and duplicates', () => {
  it('drops events already seen', () => {
    const h = harness({ transport: 'websocket' });
    ws().welcome(IMPLICIT);
    replySubscribed(ws(), [METRICS]);
    for (const seq of [1, 2, 2, 1, 3]) ws().receive(ev('metrics.t1', seq));
    expect(h.seqs()).toEqual([1, 2, 3]);
    expect(h.rt.stats()).toMatchObject({ eventsReceived: 3, duplicatesDropped: 2 });
    expect(h.rt.stats().lastEvent).toMatchObject({ seq: 3, channel: 'metrics.t1', transport: 'websocket' });
  });

  it('delivers by event name and to "*"', () => {
    const h = harness({ transport: 'websocket' });
    const alerts: number[] = [];
    const off = h.rt.on('new_alert', (e) => alerts.push(e.seq));
    ws().welcome(IMPLICIT);
    replySubscribed(ws(), [METRICS]);
    ws().receive(ev('metrics.t1', 1), ev('metrics.t1', 2, 'new_alert'));
    off();
    ws().receive(ev('metrics.t1', 3, 'new_alert'));
    expect(alerts).toEqual([2]);
    expect(h.seqs()).toEqual([1, 2, 3]);
  });

  it('ignores events of channels it does not hold', () => {
    const h = harness({ transport: 'websocket' });
    ws().welcome(IMPLICIT);
    replySubscribed(ws(), [METRICS]);
    ws().receive(ev('alerts.u1', 1));
    expect(h.events).toHaveLength(0);
  });

  it('on a gap in a subscribed channel, subscribes it again with since and delivers in order', () => {
    const h = harness({ transport: 'websocket' });
    ws().welcome(IMPLICIT);
    replySubscribed(ws(), [METRICS]);
    ws().receive(ev('metrics.t1', 1), ev('metrics.t1', 3), ev('metrics.t1', 4));
    expect(h.seqs()).toEqual([1]);
    const unsub = ws().lastCommand('unsubscribe');
    const sub = ws().lastCommand('subscribe');
    expect(unsub.channels).toEqual(['metrics']);
    expect(sub.channels).toEqual(['metrics']);
    expect(sub.since).toEqual({ 'metrics.t1': { seq: 1, epoch: 'em' } });
    expect(sub.id).toBeGreaterThan(unsub.id);
    ws().receive(
      { type: 'unsubscribed', id: unsub.id, channels: ['metrics.t1'] },
      { type: 'subscribed', id: sub.id, channels: [{ ...METRICS, seq: 4, recovered: true }] },
      ev('metrics.t1', 2),
      ev('metrics.t1', 3),
      ev('metrics.t1', 4),
      ev('metrics.t1', 5),
    );
    expect(h.seqs()).toEqual([1, 2, 3, 4, 5]);
    expect(h.rt.stats().gapsDetected).toBe(1);
    expect(h.failures).toEqual([]);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('on a gap in an implicit channel, reconnects at once with ?since=', () => {
    const h = harness({ transport: 'websocket' });
    const first = ws();
    first.welcome(IMPLICIT);
    replySubscribed(first, [METRICS]);
    first.receive(ev('user.u1', 1, 'direct'), ev('user.u1', 3, 'direct'));
    expect(h.seqs()).toEqual([1]);
    expect(first.closedWith).toEqual({ code: 1000, reason: undefined });
    vi.advanceTimersByTime(0);
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(ws().url.searchParams.get('since')).toBe('global~0~eg,tenant.t1~0~et,user.u1~1~eu');
  });
});

describe('resuming', () => {
  it('reconnects with ?since= for implicit channels and since for subscribed ones', () => {
    const h = harness({ transport: 'websocket' });
    const first = ws();
    first.welcome(IMPLICIT);
    replySubscribed(first, [METRICS]);
    for (let s = 1; s <= 5; s++) first.receive(ev('metrics.t1', s));
    first.receive(ev('user.u1', 1, 'direct'), ev('user.u1', 2, 'direct'));
    first.serverClose(1012, 'server restart');
    expect(h.rt.status).toBe('reconnecting');
    vi.advanceTimersByTime(1_000);
    const second = ws();
    expect(second).not.toBe(first);
    expect(second.url.searchParams.get('since')).toBe('global~0~eg,tenant.t1~0~et,user.u1~2~eu');
    expect(second.url.searchParams.get('token')).toBe('tok');

    second.welcome([
      { ...U1, seq: 3, recovered: true },
      { ...T1, recovered: true },
      { ...G, seq: 9, epoch: 'eg2', recovered: false },
    ]);
    expect(h.failures).toEqual([
      { channel: 'global', name: 'global', seq: 9, epoch: 'eg2', transport: 'websocket' },
    ]);
    const sub = second.lastCommand('subscribe');
    expect(sub.channels).toEqual(['metrics']);
    expect(sub.since).toEqual({ 'metrics.t1': { seq: 5, epoch: 'em' } });
    second.receive(
      { type: 'subscribed', id: sub.id, channels: [{ ...METRICS, seq: 7, recovered: true }] },
      ev('user.u1', 3, 'direct'),
      ev('metrics.t1', 6),
      ev('metrics.t1', 7),
    );
    expect(h.seqs('metrics.t1')).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(h.seqs('user.u1')).toEqual([1, 2, 3]);
    expect(h.rt.stats().reconnects).toBe(1);
  });

  it('reports recovered: false and skips the replay the reload covers', () => {
    const h = harness({ transport: 'websocket' });
    const first = ws();
    first.welcome(IMPLICIT);
    replySubscribed(first, [METRICS]);
    first.receive(ev('metrics.t1', 1));
    first.serverClose(4000, 'slow consumer');
    vi.advanceTimersByTime(500);
    const second = ws();
    second.welcome(IMPLICIT);
    const sub = second.lastCommand('subscribe');
    expect(sub.since).toEqual({ 'metrics.t1': { seq: 1, epoch: 'em' } });
    second.receive(
      { type: 'subscribed', id: sub.id, channels: [{ ...METRICS, seq: 900, recovered: false }] },
      ev('metrics.t1', 899),
      ev('metrics.t1', 900),
      ev('metrics.t1', 901),
    );
    expect(h.failures).toEqual([
      { channel: 'metrics.t1', name: 'metrics', seq: 900, epoch: 'em', transport: 'websocket' },
    ]);
    expect(h.seqs()).toEqual([1, 901]);
  });
});

describe('backoff', () => {
  it('retries first within 1 s, doubles, caps at 30 s', () => {
    const h = harness({ transport: 'websocket' });
    for (let i = 0; i < 8; i++) {
      const before = FakeWebSocket.instances.length;
      ws().fail();
      const delay = h.delays().at(-1) ?? -1;
      vi.advanceTimersByTime(delay - 1);
      expect(FakeWebSocket.instances).toHaveLength(before);
      vi.advanceTimersByTime(1);
      expect(FakeWebSocket.instances).toHaveLength(before + 1);
    }
    expect(h.delays()).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(h.statuses.at(-1)).toMatchObject({ status: 'connecting', attempt: 7 });
  });

  it('jitters the delays in [0, ceiling]', () => {
    const values = [0, 0.25, 0.5];
    let i = 0;
    const h = harness({ transport: 'websocket', random: () => values[i++ % values.length] ?? 0 });
    for (let n = 0; n < 6; n++) {
      ws().fail();
      vi.advanceTimersByTime(h.delays().at(-1) ?? 0);
    }
    // ceilings 500, 1000, 2000, 4000, 8000, 16000
    expect(h.delays()).toEqual([0, 250, 1000, 0, 2000, 8000]);
  });

  it('starts over after a stable connection, not after a short one', () => {
    const h = harness({ transport: 'websocket' });
    for (let n = 0; n < 3; n++) {
      ws().fail();
      vi.advanceTimersByTime(h.delays().at(-1) ?? 0);
    }
    ws().welcome(IMPLICIT);
    vi.advanceTimersByTime(1_000);
    ws().serverClose(1001);
    expect(h.delays().at(-1)).toBe(4_000);
    vi.advanceTimersByTime(4_000);
    ws().welcome(IMPLICIT);
    vi.advanceTimersByTime(10_000);
    ws().serverClose(1001);
    expect(h.delays().at(-1)).toBe(500);
    expect(h.statuses.at(-1)).toMatchObject({ status: 'reconnecting', code: 1001 });
  });

  it('is back within 5 s of a server restart (1012), even at the worst jitter', () => {
    let down = false;
    FakeWebSocket.onCreate = (s) => {
      setTimeout(() => (down ? s.fail() : s.welcome(IMPLICIT)), 5);
    };
    FakeEventSource.onCreate = (es) => {
      setTimeout(() => (down ? es.fail() : es.ready([...IMPLICIT, METRICS], 'c')), 5);
    };
    const h = harness();
    vi.advanceTimersByTime(5);
    expect(h.rt.status).toBe('live');
    down = true;
    ws().serverClose(1012, 'server shutting down');
    setTimeout(() => {
      down = false;
    }, 3_000);
    let back = -1;
    for (let t = 0; t <= 5_000 && back < 0; t += 10) {
      vi.advanceTimersByTime(10);
      if (h.rt.stats().connected) back = t + 10;
    }
    expect(back).toBeGreaterThan(3_000);
    expect(back).toBeLessThan(5_000);
    // Whichever transport answered first, it ends on WebSocket.
    vi.advanceTimersByTime(4_000);
    expect(h.rt.stats().transport).toBe('websocket');
  });

  it('takes an error without a close event as the end of the socket', () => {
    const h = harness({ transport: 'websocket' });
    ws().errorOnly();
    expect(h.delays()).toEqual([500]);
    vi.advanceTimersByTime(500);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('waits longer after a 4429 (limit)', () => {
    const h = harness({ transport: 'websocket', random: () => 0 });
    ws().welcome(IMPLICIT);
    ws().serverClose(4429, 'too many');
    expect(h.delays().at(-1)).toBe(5_000);
  });

  it('retries at once when the browser comes back online', () => {
    const target = new EventTarget();
    const g = globalThis as unknown as Record<string, unknown>;
    g.addEventListener = target.addEventListener.bind(target);
    g.removeEventListener = target.removeEventListener.bind(target);
    try {
      const h = harness({ transport: 'websocket' });
      ws().fail();
      ws().fail();
      expect(FakeWebSocket.instances).toHaveLength(1);
      target.dispatchEvent(new Event('online'));
      expect(FakeWebSocket.instances).toHaveLength(2);
      h.rt.close();
    } finally {
      delete g.addEventListener;
      delete g.removeEventListener;
    }
  });
});

describe('close codes', () => {
  it('stops on 4403', () => {
    const h = harness({ transport: 'websocket' });
    ws().welcome(IMPLICIT);
    ws().serverClose(4403, 'forbidden');
    vi.advanceTimersByTime(120_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(h.rt.status).toBe('offline');
    expect(h.errors.map((e) => e.code)).toEqual(['forbidden']);
    h.rt.reconnect();
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('stops on 4401 with a fixed token, retries with a token function', () => {
    const h = harness({ transport: 'websocket' });
    ws().welcome(IMPLICIT);
    ws().serverClose(4401, 'token expired');
    expect(h.rt.status).toBe('offline');
    expect(h.errors.map((e) => e.code)).toEqual(['unauthorized']);

    FakeWebSocket.reset();
    let n = 0;
    const h2 = harness({ transport: 'websocket', token: () => `tok${++n}` });
    expect(ws().url.searchParams.get('token')).toBe('tok1');
    ws().welcome(IMPLICIT);
    ws().serverClose(4401, 'token expired');
    expect(h2.rt.status).toBe('reconnecting');
    vi.advanceTimersByTime(500);
    expect(ws().url.searchParams.get('token')).toBe('tok2');
  });

  it('waits for an async token', async () => {
    harness({ transport: 'websocket', token: () => Promise.resolve('async-tok') });
    expect(FakeWebSocket.instances).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(ws().url.searchParams.get('token')).toBe('async-tok');
  });

  it('stops when the server wants a token and there is none', () => {
    const h = harness({ transport: 'websocket', token: undefined });
    ws().welcome([], { authenticated: false });
    expect(h.rt.status).toBe('offline');
    expect(h.errors.map((e) => e.code)).toEqual(['unauthorized']);
  });
});

describe('commands while disconnected', () => {
  it('queues them and sends them once connected', async () => {
    const h = harness({ transport: 'websocket' });
    const pong = h.rt.ping();
    const sub = h.rt.subscribe(['alerts']);
    const unsub = h.rt.unsubscribe('metrics');
    await expect(unsub).resolves.toBeUndefined();
    expect(ws().sent).toEqual([]);
    ws().welcome(IMPLICIT);
    const cmds = ws().commands();
    expect(cmds.map((c) => c.type)).toEqual(['subscribe', 'ping']);
    expect(cmds[0]).toMatchObject({ channels: ['alerts'] });
    replySubscribed(ws(), [ALERTS]);
    ws().receive({ type: 'pong', id: ws().lastCommand('ping').id, ts: '' });
    await expect(sub).resolves.toEqual([ALERTS]);
    await expect(pong).resolves.toBe(0);
  });

  it('keeps them across a reconnection', async () => {
    const h = harness({ transport: 'websocket' });
    ws().welcome(IMPLICIT);
    ws().serverClose(1001);
    const p = h.rt.ping();
    vi.advanceTimersByTime(500);
    ws().welcome(IMPLICIT);
    ws().receive({ type: 'pong', id: ws().lastCommand('ping').id, ts: '' });
    await expect(p).resolves.toBeGreaterThanOrEqual(0);
  });

  it('bounds the queue, dropping the oldest', async () => {
    const h = harness({ transport: 'websocket', maxQueue: 2 });
    const p1 = h.rt.ping();
    h.rt.ping();
    h.rt.ping();
    await expect(p1).rejects.toMatchObject({ code: 'queue_full' });
    ws().welcome(IMPLICIT);
    expect(
      ws()
        .commands()
        .filter((c) => c.type === 'ping'),
    ).toHaveLength(2);
  });

  it('rejects what waits on close()', async () => {
    const h = harness({ transport: 'websocket' });
    const p = h.rt.ping();
    const sub = h.rt.subscribe('alerts');
    h.rt.close();
    await expect(p).rejects.toMatchObject({ code: 'closed' });
    await expect(sub).rejects.toMatchObject({ code: 'closed' });
    expect(h.rt.status).toBe('offline');
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    await expect(h.rt.subscribe('x')).rejects.toMatchObject({ code: 'closed' });
  });
});

describe('subscriptions', () => {
  it('rejects a refused channel and forgets it', async () => {
    const h = harness({ transport: 'websocket' });
    ws().welcome(IMPLICIT);
    replySubscribed(ws(), [METRICS]);
    const p = h.rt.subscribe('project:p9');
    const cmd = ws().lastCommand('subscribe');
    expect(cmd.channels).toEqual(['project:p9']);
    ws().receive({ type: 'error', id: cmd.id, code: 'forbidden', message: 'not your project' });
    await expect(p).rejects.toMatchObject({ code: 'forbidden', channels: ['project:p9'] });
    expect(h.errors.map((e) => e.code)).toEqual(['forbidden']);
    expect(h.rt.stats().channels).toEqual(['metrics']);
  });

  it('finds the refused channel one by one when a resubscription is refused', () => {
    const h = harness({ transport: 'websocket', channels: ['metrics', 'alerts', 'project:p9'] });
    ws().welcome(IMPLICIT);
    const all = ws().lastCommand('subscribe');
    ws().receive({ type: 'error', id: all.id, code: 'forbidden', message: 'no' });
    const singles = ws()
      .commands()
      .filter((c) => c.type === 'subscribe')
      .slice(1);
    expect(singles.map((c) => (c.type === 'subscribe' ? c.channels : []))).toEqual([
      ['metrics'],
      ['alerts'],
      ['project:p9'],
    ]);
    const [m, a, p] = singles;
    ws().receive(
      { type: 'subscribed', id: m?.id, channels: [METRICS] },
      { type: 'subscribed', id: a?.id, channels: [ALERTS] },
      { type: 'error', id: p?.id, code: 'forbidden', message: 'no' },
    );
    expect(h.rt.stats().channels).toEqual(['metrics', 'alerts']);
  });

  it('retries a subscribe refused for a transient reason', () => {
    const h = harness({ transport: 'websocket' });
    ws().welcome(IMPLICIT);
    const first = ws().lastCommand('subscribe');
    ws().receive({ type: 'error', id: first.id, code: 'rate_limited', message: 'slow down' });
    expect(h.rt.stats().channels).toEqual(['metrics']);
    vi.advanceTimersByTime(2_000);
    const again = ws().lastCommand('subscribe');
    expect(again.id).not.toBe(first.id);
    expect(again.channels).toEqual(['metrics']);
  });

  it('unsubscribes, and drops the channel position', async () => {
    const h = harness({ transport: 'websocket' });
    ws().welcome(IMPLICIT);
    replySubscribed(ws(), [METRICS]);
    ws().receive(ev('metrics.t1', 1));
    const p = h.rt.unsubscribe('metrics');
    const cmd = ws().lastCommand('unsubscribe');
    expect(cmd.channels).toEqual(['metrics']);
    ws().receive({ type: 'unsubscribed', id: cmd.id, channels: ['metrics.t1'] }, ev('metrics.t1', 2));
    await expect(p).resolves.toBeUndefined();
    expect(h.seqs()).toEqual([1]);
    h.rt.subscribe('metrics');
    expect(ws().lastCommand('subscribe').since).toBeUndefined();
  });
});

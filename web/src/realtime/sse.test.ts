import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ALERTS,
  FakeEventSource,
  FakeWebSocket,
  G,
  harness,
  IMPLICIT,
  METRICS,
  sseData,
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

const es = () => FakeEventSource.last();
const ws = () => FakeWebSocket.last();
/** The stream's cursor with metrics.t1 at seq m (what the server puts in SSE ids). */
const cur = (m: number) => `global~0~eg,metrics.t1~${m}~em,tenant.t1~0~et,user.u1~0~eu`;
const CURSOR0 = cur(0);

describe('fallback', () => {
  it('falls back to SSE after 2 failed WebSocket attempts, and back to WebSocket by probing', async () => {
    const h = harness({ random: () => 0 });
    const sub = h.rt.subscribe('alerts');
    ws().fail();
    vi.advanceTimersByTime(0);
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(FakeEventSource.instances).toHaveLength(0);
    ws().fail();
    vi.advanceTimersByTime(0);
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(FakeEventSource.instances).toHaveLength(1);

    const url = es().url;
    expect(url.pathname).toBe('/dashboard/sse');
    expect(url.protocol).toBe('http:');
    expect(url.searchParams.get('channels')).toBe('metrics,alerts');
    expect(url.searchParams.get('token')).toBe('tok');
    expect(url.searchParams.has('last_event_id')).toBe(false);
    expect(es().withCredentials).toBe(true);

    es().ready([...IMPLICIT, METRICS, ALERTS], CURSOR0);
    expect(h.rt.status).toBe('live');
    expect(h.rt.stats().transport).toBe('sse');
    expect(h.statuses.at(-1)).toMatchObject({ status: 'live', transport: 'sse' });
    await expect(sub).resolves.toEqual([ALERTS]);
    es().emit('metric_update', sseData('metrics.t1', 1), cur(1));
    expect(h.events.map((e) => [e.event, e.seq, e.transport])).toEqual([['metric_update', 1, 'sse']]);

    // The probe: a WebSocket a little after the stream is ready. It fails: try again later.
    vi.advanceTimersByTime(3_000);
    expect(FakeWebSocket.instances).toHaveLength(3);
    ws().fail();
    expect(h.rt.status).toBe('live');
    vi.advanceTimersByTime(29_999);
    expect(FakeWebSocket.instances).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(4);

    // This one works: it becomes the connection, resuming where the stream was.
    const probe = ws();
    expect(probe.url.searchParams.get('since')).toBe('global~0~eg,tenant.t1~0~et,user.u1~0~eu');
    probe.welcome(IMPLICIT.map((c) => ({ ...c, recovered: true })));
    expect(es().closed).toBe(true);
    expect(h.rt.stats().transport).toBe('websocket');
    expect(h.statuses.at(-1)).toMatchObject({ status: 'live', transport: 'websocket' });
    const cmd = probe.lastCommand('subscribe');
    expect(cmd.channels).toEqual(['metrics', 'alerts']);
    expect(cmd.since).toEqual({
      'metrics.t1': { seq: 1, epoch: 'em' },
      'alerts.u1': { seq: 0, epoch: 'ea' },
    });
    expect(h.failures).toEqual([]);
  });

  it('alternates with WebSocket while SSE does not work either', () => {
    harness({ random: () => 0 });
    ws().fail();
    vi.advanceTimersByTime(0);
    ws().fail();
    vi.advanceTimersByTime(0);
    es().fail();
    vi.advanceTimersByTime(0);
    expect(FakeWebSocket.instances).toHaveLength(3);
    ws().fail();
    vi.advanceTimersByTime(0);
    expect(FakeEventSource.instances).toHaveLength(2);
  });

  it('never falls back when the transport is forced', () => {
    harness({ transport: 'websocket', random: () => 0 });
    for (let i = 0; i < 5; i++) {
      ws().fail();
      vi.advanceTimersByTime(0);
    }
    expect(FakeEventSource.instances).toHaveLength(0);
  });

  it('measures RTT over SSE with a GET of the health endpoint', async () => {
    const fetch = vi.fn(async () => {
      vi.advanceTimersByTime(25);
      return new Response('{"status":"ok"}');
    });
    const h = harness({ transport: 'sse', fetch });
    es().ready([...IMPLICIT, METRICS], CURSOR0);
    await expect(h.rt.ping()).resolves.toBe(25);
    expect(fetch).toHaveBeenCalledWith('http://srv.test/websocket/health', expect.anything());
  });
});

describe('SSE', () => {
  it('listens for the known events and those given to on()', () => {
    const h = harness({ transport: 'sse', eventNames: ['direct'] });
    expect(es().listensFor('new_alert')).toBe(true);
    expect(es().listensFor('direct')).toBe(true);
    expect(es().listensFor('maintenance')).toBe(false);
    const got: string[] = [];
    h.rt.on('maintenance', (e) => got.push(e.event));
    expect(es().listensFor('maintenance')).toBe(true);
    es().ready([...IMPLICIT, METRICS], CURSOR0);
    es().emit('maintenance', sseData('global', 1), 'x');
    expect(got).toEqual(['maintenance']);
  });

  it('reconnects itself after an error, resuming with ?last_event_id=', () => {
    const h = harness({ transport: 'sse', random: () => 0 });
    const first = es();
    first.ready([...IMPLICIT, METRICS], CURSOR0);
    first.emit('metric_update', sseData('metrics.t1', 1), cur(1));
    first.emit('metric_update', sseData('metrics.t1', 2), cur(2));
    first.error(); // a native EventSource would reconnect itself: we take over
    expect(first.closed).toBe(true);
    expect(h.rt.status).toBe('reconnecting');
    vi.advanceTimersByTime(0);
    const second = es();
    expect(second).not.toBe(first);
    expect(second.url.searchParams.get('last_event_id')).toBe(cur(2));

    second.ready(
      [
        { ...U1, recovered: true },
        { ...T1, recovered: true },
        { ...G, recovered: true },
        { ...METRICS, seq: 3, recovered: true },
      ],
      cur(2),
    );
    second.emit('metric_update', sseData('metrics.t1', 2), cur(2)); // duplicate
    second.emit('metric_update', sseData('metrics.t1', 3), cur(3));
    expect(h.seqs()).toEqual([1, 2, 3]);
    expect(h.failures).toEqual([]);
  });

  it('reports recovered: false from the ready event', () => {
    const h = harness({ transport: 'sse', random: () => 0 });
    es().ready([...IMPLICIT, METRICS], CURSOR0);
    es().emit('metric_update', sseData('metrics.t1', 1), cur(1));
    es().error();
    vi.advanceTimersByTime(0);
    expect(es().url.searchParams.get('last_event_id')).toBe(cur(1));
    es().ready([...IMPLICIT, { ...METRICS, seq: 40, epoch: 'em2', recovered: false }], 'c40');
    expect(h.failures).toEqual([
      { channel: 'metrics.t1', name: 'metrics', seq: 40, epoch: 'em2', transport: 'sse' },
    ]);
    es().emit('metric_update', sseData('metrics.t1', 41), 'c41');
    expect(h.seqs()).toEqual([1, 41]);
  });

  it('on a gap, reopens the stream at once from the last event it applied', () => {
    const h = harness({ transport: 'sse', random: () => 0.9 });
    const first = es();
    first.ready([...IMPLICIT, METRICS], CURSOR0);
    first.emit('metric_update', sseData('metrics.t1', 1), cur(1));
    first.emit('metric_update', sseData('metrics.t1', 3), cur(3));
    expect(h.seqs()).toEqual([1]);
    expect(first.closed).toBe(true);
    vi.advanceTimersByTime(0);
    expect(es()).not.toBe(first);
    expect(es().url.searchParams.get('last_event_id')).toBe(cur(1));
  });

  it('honours the close event: 1012 reconnects soon, 4403 stops', () => {
    const h = harness({ transport: 'sse' });
    es().ready([...IMPLICIT, METRICS], CURSOR0);
    es().emit('close', { code: 1012, reason: 'server shutting down' });
    es().error();
    expect(h.delays().at(-1)).toBeLessThanOrEqual(1_000);
    vi.advanceTimersByTime(1_000);
    expect(FakeEventSource.instances).toHaveLength(2);
    es().ready([...IMPLICIT, METRICS], CURSOR0);
    es().emit('close', { code: 4403, reason: 'forbidden' });
    expect(h.rt.status).toBe('offline');
    vi.advanceTimersByTime(60_000);
    expect(FakeEventSource.instances).toHaveLength(2);
  });

  it('opens a new stream when channels change, with the cursor', async () => {
    const h = harness({ transport: 'sse', random: () => 0 });
    es().ready([...IMPLICIT, METRICS], CURSOR0);
    es().emit('metric_update', sseData('metrics.t1', 1), cur(1));
    const sub = h.rt.subscribe('alerts');
    h.rt.unsubscribe('metrics');
    vi.advanceTimersByTime(0);
    expect(FakeEventSource.instances).toHaveLength(2);
    expect(es().url.searchParams.get('channels')).toBe('alerts');
    expect(es().url.searchParams.get('last_event_id')).toBe(cur(1));
    es().ready([...IMPLICIT, ALERTS], 'global~0~eg,alerts.u1~0~ea,tenant.t1~0~et,user.u1~0~eu');
    await expect(sub).resolves.toEqual([ALERTS]);
    expect(h.rt.stats().reconnects).toBe(1);
  });

  it('drops channels that keep a working stream from starting', async () => {
    const h = harness({ transport: 'sse', random: () => 0 });
    es().ready([...IMPLICIT, METRICS], CURSOR0);
    const sub = h.rt.subscribe('project:p9');
    vi.advanceTimersByTime(0);
    expect(es().url.searchParams.get('channels')).toBe('metrics,project:p9');
    es().fail(); // 403: EventSource cannot say why
    await expect(sub).rejects.toMatchObject({ code: 'refused', channels: ['project:p9'] });
    vi.advanceTimersByTime(0);
    expect(es().url.searchParams.get('channels')).toBe('metrics');
    es().ready([...IMPLICIT, METRICS], CURSOR0);
    expect(h.rt.status).toBe('live');
  });
});

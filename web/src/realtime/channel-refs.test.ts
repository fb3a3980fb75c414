import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createChannelRefs } from './channel-refs';
import type { Realtime } from './connection';

function fakeConn() {
  const calls: string[] = [];
  const conn = {
    subscribe: vi.fn(async (c: string | string[]) => {
      calls.push(`+${String(c)}`);
      return [];
    }),
    unsubscribe: vi.fn(async (c: string | string[]) => {
      calls.push(`-${String(c)}`);
    }),
  } as unknown as Realtime;
  return { conn, calls };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('channel refs', () => {
  it('subscribes once per channel and unsubscribes after the last release and a linger', () => {
    const { conn, calls } = fakeConn();
    const refs = createChannelRefs(conn, 1_000);
    const a = refs.acquire(['metrics', 'alerts']);
    const b = refs.acquire(['metrics']);
    expect(calls).toEqual(['+metrics', '+alerts']);
    a();
    a(); // releasing twice is harmless
    expect(refs.counts()).toEqual({ metrics: 1, alerts: 0 });
    vi.advanceTimersByTime(1_000);
    expect(calls).toEqual(['+metrics', '+alerts', '-alerts']);
    b();
    vi.advanceTimersByTime(999);
    expect(calls).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(['+metrics', '+alerts', '-alerts', '-metrics']);
  });

  it('keeps the subscription when taken again within the linger', () => {
    const { conn, calls } = fakeConn();
    const refs = createChannelRefs(conn, 1_000);
    refs.acquire(['metrics'])();
    vi.advanceTimersByTime(500);
    const again = refs.acquire(['metrics']);
    vi.advanceTimersByTime(5_000);
    expect(calls).toEqual(['+metrics']);
    again();
    refs.dispose();
    vi.advanceTimersByTime(5_000);
    expect(calls).toEqual(['+metrics']);
  });
});

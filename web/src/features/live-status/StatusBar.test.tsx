// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { RealtimeProvider } from '../../realtime/react';
import { ev, FakeWebSocket, FakeWebSocketCtor, IMPLICIT } from '../../realtime/test-fakes';
import { LiveStatus } from './LiveStatus';

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

it('shows the connection state and the last events', () => {
  render(
    <RealtimeProvider options={{ url: 'http://srv.test', WebSocket: FakeWebSocketCtor, rttIntervalMs: 0 }}>
      <LiveStatus />
    </RealtimeProvider>,
  );
  expect(screen.getByText('CONNECTING')).toBeTruthy();
  expect(screen.getByText('WEBSOCKET')).toBeTruthy();
  const ws = FakeWebSocket.last();
  act(() => {
    ws.welcome(IMPLICIT);
  });
  expect(screen.getByText('LIVE')).toBeTruthy();
  const sub = ws.lastCommand('subscribe');
  expect([...(sub.channels ?? [])].sort()).toEqual([
    'alerts',
    'dashboard',
    'metrics',
    'notifications',
    'system',
  ]);
  act(() => {
    ws.receive(
      {
        type: 'subscribed',
        id: sub.id,
        channels: [{ name: 'metrics', channel: 'metrics.t1', seq: 0, epoch: 'em' }],
      },
      ev('metrics.t1', 1, 'metric_update', { code: 'host.cpu.percent', value: 12.5 }),
    );
    vi.advanceTimersByTime(1_000);
  });
  expect(screen.getByText('metric_update · metrics.t1 #1')).toBeTruthy();
  expect(screen.getByText('{"code":"host.cpu.percent","value":12.5}')).toBeTruthy();
  act(() => {
    ws.serverClose(1012, 'restart');
  });
  expect(screen.getByText('RECONNECTING')).toBeTruthy();
  expect(screen.getByRole('button', { name: 'reconnect now' })).toBeTruthy();
});

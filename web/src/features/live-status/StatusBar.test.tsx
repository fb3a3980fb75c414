// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { RealtimeProvider, useRealtime } from '../../realtime/react';
import { ev, FakeWebSocket, FakeWebSocketCtor, IMPLICIT } from '../../realtime/test-fakes';
import { StatusBar } from './StatusBar';

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

function Live() {
  useRealtime({ channels: ['metrics'] });
  return <StatusBar />;
}

it('shows the connection state, transport, messages and a reconnect button', () => {
  render(
    <RealtimeProvider options={{ url: 'http://srv.test', WebSocket: FakeWebSocketCtor, rttIntervalMs: 0 }}>
      <Live />
    </RealtimeProvider>,
  );
  expect(screen.getByText('CONNECTING')).toBeTruthy();
  expect(screen.getByText('WEBSOCKET')).toBeTruthy();
  const ws = FakeWebSocket.last();
  // No token: the session cookie authenticates, nothing in the URL.
  expect(ws.url.searchParams.has('token')).toBe(false);
  act(() => {
    ws.welcome(IMPLICIT);
  });
  expect(screen.getByText('LIVE')).toBeTruthy();
  const sub = ws.lastCommand('subscribe');
  act(() => {
    ws.receive(
      {
        type: 'subscribed',
        id: sub.id,
        channels: [{ name: 'metrics', channel: 'metrics.t1', seq: 0, epoch: 'em' }],
      },
      ev('metrics.t1', 1, 'metric_update', { code: 'host.cpu.percent', points: [[1, 12.5]], last: 12.5 }),
    );
    vi.advanceTimersByTime(3_000);
  });
  expect(screen.getByText('3s')).toBeTruthy();
  act(() => {
    ws.serverClose(1012, 'restart');
  });
  expect(screen.getByText('RECONNECTING')).toBeTruthy();
  expect(screen.getByRole('button', { name: 'reconnect now' })).toBeTruthy();
});

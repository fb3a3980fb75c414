// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react';
import { StrictMode, useState } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RealtimeProvider, useRealtime, useRealtimeEvent } from './react';
import { ALERTS, ev, FakeWebSocket, FakeWebSocketCtor, IMPLICIT } from './test-fakes';

const P1 = { name: 'project:p1', channel: 'project.p1', seq: 0, epoch: 'ep' };

function Status() {
  const rt = useRealtime({ channels: ['alerts'], projectId: 'p1' });
  const [alerts, setAlerts] = useState<number[]>([]);
  useRealtimeEvent('new_alert', (e) => setAlerts((a) => [...a, e.seq]));
  return (
    <div>
      <span data-testid="status">
        {rt.status}|{String(rt.isConnected)}|{rt.connectionType ?? '-'}
      </span>
      <span data-testid="last">{rt.lastEvent ? `${rt.lastEvent.event}#${rt.lastEvent.seq}` : '-'}</span>
      <span data-testid="alerts">{alerts.join(',')}</span>
    </div>
  );
}

function App({ show }: { show: boolean }) {
  return (
    <StrictMode>
      <RealtimeProvider
        options={{ url: 'http://srv.test', token: 'tok', WebSocket: FakeWebSocketCtor, rttIntervalMs: 0 }}
        lingerMs={500}
      >
        {show && <Status />}
      </RealtimeProvider>
    </StrictMode>
  );
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const text = (id: string) => screen.getByTestId(id).textContent;

describe('useRealtime', () => {
  it('shares one connection, reflects its state, counts channel references', () => {
    const view = render(<App show />);
    expect(FakeWebSocket.instances).toHaveLength(1);
    const ws = FakeWebSocket.last();
    expect(text('status')).toBe('connecting|false|-');

    act(() => {
      ws.welcome(IMPLICIT);
    });
    expect(text('status')).toBe('live|true|websocket');
    const sub = ws.lastCommand('subscribe');
    expect([...(sub.channels ?? [])].sort()).toEqual(['alerts', 'project:p1']);
    act(() => {
      ws.receive(
        { type: 'subscribed', id: sub.id, channels: [ALERTS, P1] },
        ev('alerts.u1', 1, 'new_alert'),
        ev('project.p1', 1, 'project_update'),
      );
    });
    expect(text('alerts')).toBe('1');
    act(() => {
      vi.advanceTimersByTime(200);
    });
    expect(text('last')).toBe('project_update#1');

    // Unmounting the user releases its channels after the linger; StrictMode's double effects
    // never unsubscribed them.
    expect(ws.commands().filter((c) => c.type === 'unsubscribe')).toHaveLength(0);
    view.rerender(<App show={false} />);
    act(() => {
      vi.advanceTimersByTime(499);
    });
    expect(ws.commands().filter((c) => c.type === 'unsubscribe')).toHaveLength(0);
    act(() => {
      vi.advanceTimersByTime(1);
    });
    const unsubs = ws.commands().flatMap((c) => (c.type === 'unsubscribe' ? c.channels : []));
    expect(unsubs.sort()).toEqual(['alerts', 'project:p1']);

    // Unmounting the provider closes the connection.
    view.unmount();
    act(() => {
      vi.advanceTimersByTime(0);
    });
    expect(ws.closedWith).toEqual({ code: 1000, reason: undefined });
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('needs a provider', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => render(<Status />)).toThrow(/RealtimeProvider/);
    spy.mockRestore();
  });
});

// @vitest-environment jsdom
import { act, screen, waitFor } from '@testing-library/react';
import { expect, it } from 'vitest';
import { useAuth } from '../context/auth';
import { useRealtime } from '../realtime/react';
import { FakeWebSocket } from '../realtime/test-fakes';
import { answerSubscribes, emit, goLive, ME, renderApp, setupAppHarness } from '../test/app-harness';
import { useEventToasts } from './use-event-toasts';

function Probe() {
  useRealtime({ channels: ['alerts', 'system'] });
  useEventToasts();
  const { me } = useAuth();
  return <output data-testid="unread">{me?.unread_notifications}</output>;
}

setupAppHarness();

it('toasts new alerts and system notifications, and counts the notifications as unread', async () => {
  renderApp(<Probe />);
  expect((await screen.findByTestId('unread')).textContent).toBe('2');
  const ws = await goLive(['alerts', 'system']);

  emit(ws, 'system', 'system_notification', {
    notification: {
      id: 'n1',
      tenant: 't1',
      author_id: 'u2',
      title: 'Maintenance',
      body: 'Tonight 22:00–22:30',
      severity: 'warning',
      created_at: '2026-01-10T12:00:00Z',
      read: false,
    },
  });
  const toast = await screen.findByText('Maintenance');
  expect(toast.closest('.toast')?.textContent).toContain('Tonight 22:00–22:30');
  expect(toast.closest('.toast')?.className).toContain('toast-warn');
  expect(screen.getByTestId('unread').textContent).toBe('3');

  emit(ws, 'alerts', 'new_alert', {
    change: 'firing',
    alert: {
      id: 'a1',
      tenant: 't1',
      rule_id: 'r1',
      rule_name: 'CPU high',
      metric_code: 'host.cpu.percent',
      severity: 'critical',
      state: 'firing',
      value: 97,
      threshold: 90,
      message: 'CPU high: host.cpu.percent is 97 (gt 90)',
      fired_at: '2026-01-10T12:01:00Z',
    },
  });
  const alert = await screen.findByText('Alert: CPU high');
  expect(alert.closest('.toast')?.getAttribute('role')).toBe('alert');
  expect(alert.closest('.toast')?.textContent).toContain('is 97 (gt 90)');

  // A hand-made broadcast on the system channel (fields at the top level) is shown too.
  emit(ws, 'system', 'system_notification', { title: 'Deploy done', body: 'v2 is live' });
  expect(await screen.findByText('Deploy done')).toBeTruthy();
  expect(screen.getByTestId('unread').textContent).toBe('3');
  expect(screen.getAllByRole('status').length).toBeGreaterThanOrEqual(2);
});

it('reloads the unread count when the notification channels could not be recovered', async () => {
  const r = renderApp(<Probe />);
  expect((await screen.findByTestId('unread')).textContent).toBe('2');
  const first = await goLive(['alerts', 'system']);
  const meCalls = () => r.srv.requests.filter((q) => q.path === '/api/v1/me').length;
  const before = meCalls();

  // The server restarts: its history is gone, and two notifications were made meanwhile.
  r.srv.on('GET', '/api/v1/me', { body: { ...ME, unread_notifications: 4 } });
  act(() => first.serverClose(1012, 'restart'));
  const second = await waitFor(
    () => {
      const ws = FakeWebSocket.last();
      if (ws === first) throw new Error('not reconnected yet');
      return ws;
    },
    { timeout: 3000 },
  );
  act(() => {
    second.welcome([]);
  });
  await waitFor(() => expect(second.commands().some((c) => c.type === 'subscribe')).toBe(true));
  answerSubscribes(second, true);
  await waitFor(() => expect(screen.getByTestId('unread').textContent).toBe('4'));
  expect(meCalls()).toBe(before + 1);

  // A recovered reconnect does not ask again.
  act(() => second.serverClose(1012, 'restart'));
  const third = await waitFor(
    () => {
      const ws = FakeWebSocket.last();
      if (ws === second) throw new Error('not reconnected yet');
      return ws;
    },
    { timeout: 3000 },
  );
  act(() => {
    third.welcome([]);
  });
  await waitFor(() => expect(third.commands().some((c) => c.type === 'subscribe')).toBe(true));
  answerSubscribes(third);
  await new Promise((ok) => setTimeout(ok, 50));
  expect(meCalls()).toBe(before + 1);
});

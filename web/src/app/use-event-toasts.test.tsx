// @vitest-environment jsdom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { useAuth } from '../context/auth';
import { useRealtime } from '../realtime/react';
import { emit, goLive, renderApp, resetHarness } from '../test/app-harness';
import { useEventToasts } from './use-event-toasts';

function Probe() {
  useRealtime({ channels: ['alerts', 'system'] });
  useEventToasts();
  const { me } = useAuth();
  return <output data-testid="unread">{me?.unread_notifications}</output>;
}

let restore = () => {};
beforeEach(() => resetHarness());
afterEach(() => {
  cleanup();
  restore();
});

it('toasts new alerts and system notifications, and counts the notifications as unread', async () => {
  const r = renderApp(<Probe />);
  restore = r.restore;
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

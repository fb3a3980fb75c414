// @vitest-environment jsdom
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { expect, it } from 'vitest';
import type { Alert } from '../api/types';
import { useRealtime } from '../realtime/react';
import { emit, goLive, renderApp, setupAppHarness } from '../test/app-harness';
import { FakeServer } from '../test/fake-server';
import { AlertList } from './alerts';

const alert = (id: string, name: string, state: Alert['state'] = 'firing'): Alert => ({
  id,
  tenant: 't1',
  rule_id: `r-${id}`,
  rule_name: name,
  metric_code: 'host.cpu.percent',
  severity: 'critical',
  state,
  value: 97,
  threshold: 90,
  message: `${name}: host.cpu.percent is 97 (gt 90)`,
  fired_at: '2026-01-10T12:01:00Z',
});

function Panel() {
  useRealtime({ channels: ['alerts'] });
  return <AlertList />;
}

setupAppHarness();

it('acknowledges a firing alert and follows new_alert / alert_update live', async () => {
  const srv = new FakeServer();
  srv.on('GET', '/api/v1/alerts', { body: { items: [alert('a1', 'CPU high')] } });
  srv.on('POST', '/api/v1/alerts/a1/ack', {
    body: { ...alert('a1', 'CPU high', 'acknowledged'), acknowledged_by: 'u1' },
  });
  renderApp(<Panel />, srv);
  fireEvent.click(await screen.findByRole('button', { name: 'Acknowledge CPU high' }));
  await waitFor(() => expect(screen.queryByRole('button', { name: 'Acknowledge CPU high' })).toBeNull());
  expect(screen.getByText('acknowledged')).toBeTruthy();
  const ack = srv.made('POST', '/api/v1/alerts/a1/ack')[0];
  expect(ack?.headers.get('X-Livedash-CSRF')).toBe('1');
  expect(srv.made('GET', '/api/v1/alerts')[0]?.query.get('open')).toBe('true');

  const ws = await goLive(['alerts']);
  emit(ws, 'alerts', 'new_alert', { change: 'firing', alert: alert('a2', 'Disk full') });
  expect(await screen.findByRole('button', { name: 'Acknowledge Disk full' })).toBeTruthy();
  emit(ws, 'alerts', 'alert_update', { change: 'resolved', alert: alert('a1', 'CPU high', 'resolved') });
  await waitFor(() => expect(screen.queryByText('CPU high')).toBeNull());
  expect(screen.getByText('Disk full')).toBeTruthy();
});

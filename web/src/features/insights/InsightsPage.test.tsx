// @vitest-environment jsdom
import { fireEvent, screen, within } from '@testing-library/react';
import { expect, it } from 'vitest';
import type { Insight } from '../../api/types';
import { emit, goLive, meAs, renderApp, setupAppHarness } from '../../test/app-harness';
import { FakeServer } from '../../test/fake-server';
import { InsightsPage } from './InsightsPage';

function insight(id: string, over: Partial<Insight> = {}): Insight {
  return {
    id,
    tenant: 't1',
    code: 'host.cpu.percent',
    labels: { host: 'web-1' },
    ts: '2026-03-01T12:11:00Z',
    severity: 'warning',
    kind: 'sustained_high',
    value: 90.2,
    baseline: 30.1,
    z: 39.9,
    message: `message ${id}`,
    ...over,
  };
}

setupAppHarness();

function setup(srv: FakeServer) {
  renderApp(<InsightsPage />, srv, { me: meAs('viewer') });
}

it('lists insights and adds new ones live, newest first', async () => {
  const srv = new FakeServer();
  srv.on('GET', '/api/v1/insights', {
    body: { items: [insight('i1', { severity: 'info', labels: undefined })] },
  });
  setup(srv);
  expect(await screen.findByText('message i1')).toBeTruthy();
  expect(srv.made('GET', '/api/v1/insights')[0]?.query.get('limit')).toBe('100');
  const ws = await goLive(['metrics']);
  emit(ws, 'metrics', 'insight', insight('i2', { severity: 'critical', kind: 'spike' }));
  const items = await screen.findAllByRole('listitem');
  expect(items).toHaveLength(2);
  expect(items[0]?.textContent).toContain('message i2');
  expect(items[0]?.textContent).toContain('Spike');
  expect(items[0]?.textContent).toContain('host.cpu.percent {host=web-1}');
  expect(within(items[0] as HTMLElement).getByText('new')).toBeTruthy();
  // The same insight again (e.g. replayed after a reconnect) is not listed twice.
  emit(ws, 'metrics', 'insight', insight('i2', { severity: 'critical', kind: 'spike' }));
  expect(screen.getAllByRole('listitem')).toHaveLength(2);

  fireEvent.click(screen.getByRole('button', { name: 'Critical' }));
  expect(screen.getAllByRole('listitem')).toHaveLength(1);
  expect(screen.queryByText('message i1')).toBeNull();
});

it('explains an empty list and shows a load error', async () => {
  const srv = new FakeServer();
  srv.on(
    'GET',
    '/api/v1/insights',
    { status: 500, body: { error: { code: 'internal', message: 'analytics exploded' } } },
    { body: { items: [] } },
  );
  setup(srv);
  expect((await screen.findByRole('alert')).textContent).toContain('analytics exploded');
  fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
  expect(await screen.findByText('No insights yet')).toBeTruthy();
});

// @vitest-environment jsdom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Widget } from '../../api/types';
import { useRealtime } from '../../realtime/react';
import {
  answerSubscribes,
  emit,
  emitFrame,
  goLive,
  renderApp,
  setupAppHarness,
} from '../../test/app-harness';
import { FakeServer } from '../../test/fake-server';
import { dashboard, T } from '../../test/fixtures';
import { DashboardView } from './DashboardView';

/** The app shell follows the user's own dashboard channel too (dashboard.u1). */
function Follow() {
  useRealtime({ channels: ['dashboard'] });
  return null;
}

function widget(id: string, title: string, x: number, version = 1): Widget {
  return {
    id,
    tenant: 't1',
    dashboard_id: 'd1',
    type: 'text',
    title,
    query: { codes: [], aggregation: '', range: '0s' },
    options: { text: `<b>${title}</b> notes` },
    position: { x, y: 0, w: 3, h: 2 },
    version,
    created_at: T,
    updated_at: T,
  };
}

const board = (widgets: Widget[]) => dashboard({ widgets });

setupAppHarness();

function setup(srv: FakeServer) {
  srv.on('GET', '/api/v1/metrics', { body: { items: [] } });
  return renderApp(
    <>
      <Follow />
      <DashboardView id="d1" />
    </>,
    srv,
  );
}

const item = (id: string) => document.querySelector(`[data-widget-id="${id}"]`) as HTMLElement;

describe('dashboard layout saves', () => {
  it('explains a 409 and overwrites when the user says so', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/dashboards/d1', {
      body: board([widget('w1', 'Notes', 0), widget('w2', 'Links', 6)]),
    });
    srv.on(
      'PATCH',
      '/api/v1/widgets/w1',
      {
        status: 409,
        body: {
          error: { code: 'conflict', message: 'widget w1 was changed by someone else', current_version: 3 },
        },
      },
      (req) => ({ body: { ...widget('w1', 'Notes', 1, 4), position: (req.body as Widget).position } }),
    );
    setup(srv);
    const move = await screen.findByRole('button', { name: 'Move Notes' });
    // Text from options is shown as text, never as HTML.
    expect(screen.getByText('<b>Notes</b> notes')).toBeTruthy();

    fireEvent.keyDown(move, { key: 'ArrowRight' });
    expect(item('w1').dataset.x).toBe('1');

    const dialog = await screen.findByRole('dialog', { name: 'Someone else changed this layout' });
    expect(dialog.textContent).toContain('“Notes”');
    expect(dialog.textContent).toContain('now version 3');
    expect(dialog.textContent).toContain('not saved');
    const first = srv.made('PATCH', '/api/v1/widgets/w1')[0];
    expect(first?.body).toEqual({ position: { x: 1, y: 0, w: 3, h: 2 }, version: 1, dashboard_id: 'd1' });
    expect(first?.headers.get('X-Livedash-CSRF')).toBe('1');

    fireEvent.click(within(dialog).getByRole('button', { name: 'Overwrite with mine' }));
    await waitFor(() => expect(srv.made('PATCH', '/api/v1/widgets/w1')).toHaveLength(2));
    expect(srv.made('PATCH', '/api/v1/widgets/w1')[1]?.body).toMatchObject({
      position: { x: 1, y: 0, w: 3, h: 2 },
      version: 3,
    });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(item('w1').dataset.x).toBe('1');
  });

  it('reloads the server version when the user gives up their change', async () => {
    const srv = new FakeServer();
    srv.on(
      'GET',
      '/api/v1/dashboards/d1',
      { body: board([widget('w1', 'Notes', 0)]) },
      { body: board([{ ...widget('w1', 'Notes', 0, 3), position: { x: 0, y: 4, w: 3, h: 2 } }]) },
    );
    srv.on('PATCH', '/api/v1/widgets/w1', {
      status: 409,
      body: { error: { code: 'conflict', message: 'stale', current_version: 3 } },
    });
    setup(srv);
    fireEvent.keyDown(await screen.findByRole('button', { name: 'Move Notes' }), { key: 'ArrowDown' });
    expect(item('w1').dataset.y).toBe('1');
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Reload their version' }));
    await waitFor(() => expect(item('w1').dataset.y).toBe('4'));
    expect(srv.made('GET', '/api/v1/dashboards/d1')).toHaveLength(2);
    expect(srv.made('PATCH', '/api/v1/widgets/w1')).toHaveLength(1);
  });

  it('sends quick moves one at a time, each based on the version the previous one returned', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/dashboards/d1', { body: board([widget('w1', 'Notes', 0)]) });
    let version = 1;
    srv.on('PATCH', '/api/v1/widgets/w1', (req) => {
      const b = req.body as Widget;
      if (b.version !== version)
        return { status: 409, body: { error: { code: 'conflict', message: 'stale' } } };
      version++;
      return { body: { ...widget('w1', 'Notes', 0, version), position: b.position } };
    });
    setup(srv);
    const move = await screen.findByRole('button', { name: 'Move Notes' });
    fireEvent.keyDown(move, { key: 'ArrowRight' });
    fireEvent.keyDown(move, { key: 'ArrowRight' });
    fireEvent.keyDown(move, { key: 'ArrowRight', shiftKey: true });
    await waitFor(() => expect(version).toBe(3));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(item('w1').dataset.x).toBe('2');
    expect(item('w1').dataset.w).toBe('4');
    expect(srv.made('PATCH', '/api/v1/widgets/w1').map((r) => (r.body as Widget).version)).toEqual([1, 2]);
  });
});

describe('live changes', () => {
  it('applies a move by someone else with a toast, and our own without one', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/dashboards/d1', {
      body: board([widget('w1', 'Notes', 0), widget('w2', 'Links', 6)]),
    });
    setup(srv);
    await screen.findByRole('button', { name: 'Move Notes' });
    const ws = await goLive(['board:d1', 'dashboard']);
    const sub = ws.commands().find((c) => c.type === 'subscribe' && c.channels.includes('board:d1'));
    expect(sub).toBeTruthy();
    answerSubscribes(ws);

    // The owner gets each change twice, on board.d1 and dashboard.u1, in one frame.
    const change = {
      dashboard_id: 'd1',
      widget_id: 'w1',
      version: 2,
      change: 'config',
      by: 'u2',
      widget: { ...widget('w1', 'Notes', 0, 2), position: { x: 0, y: 3, w: 3, h: 2 } },
    };
    emitFrame(ws, ['board:d1', 'widget_update', change], ['dashboard', 'widget_update', change]);
    expect(item('w1').dataset.y).toBe('3');
    const toast = await screen.findByText('Dashboard changed by Bob');
    expect(toast.parentElement?.textContent).toContain('“Notes” was moved.');
    expect(screen.getAllByText('Dashboard changed by Bob')).toHaveLength(1);

    // Our own change: applied, no toast.
    emit(ws, 'board:d1', 'widget_update', {
      dashboard_id: 'd1',
      widget_id: 'w2',
      version: 2,
      change: 'config',
      by: 'u1',
      widget: { ...widget('w2', 'Links', 6, 2), title: 'Links!' },
    });
    await screen.findByRole('button', { name: 'Move Links!' });
    expect(screen.getAllByText(/Dashboard changed by/)).toHaveLength(1);

    emit(ws, 'board:d1', 'dashboard_update', {
      dashboard_id: 'd1',
      version: 1,
      change: 'widget_removed',
      by: 'u2',
      widget_id: 'w2',
    });
    expect(item('w2')).toBeNull();
    expect(await screen.findByText('“Links!” was removed.')).toBeTruthy();
  });
});

// @vitest-environment jsdom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Dashboard } from '../../api/types';
import { meAs, renderApp, setupAppHarness } from '../../test/app-harness';
import { FakeServer } from '../../test/fake-server';
import { dashboard } from '../../test/fixtures';
import { DashboardList } from './DashboardList';

const board = (over: Partial<Dashboard> = {}) => dashboard({ description: 'on call', ...over });

setupAppHarness({ resetUrl: true });

function setup(srv: FakeServer, role: 'viewer' | 'editor' = 'editor') {
  return renderApp(<DashboardList />, srv, { me: meAs(role) });
}

const type = (el: HTMLElement, value: string) => fireEvent.change(el, { target: { value } });

describe('dashboard list', () => {
  it('is read-only for a viewer', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/dashboards', { body: { items: [board()] } });
    setup(srv, 'viewer');
    expect(await screen.findByText('Ops')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'New dashboard' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Settings/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /Delete/ })).toBeNull();
  });

  it('shows a load error with a retry', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/dashboards', {
      status: 503,
      body: { error: { code: 'unavailable', message: 'shutting down' } },
    });
    setup(srv);
    expect((await screen.findByRole('alert')).textContent).toContain('shutting down');
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
  });

  it('creates a dashboard with the right body', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/dashboards', { body: { items: [] } });
    srv.on('POST', '/api/v1/dashboards', { status: 201, body: board({ id: 'd9', name: 'New' }) });
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'New dashboard' }));
    const form = screen.getByRole('form', { name: 'New dashboard' });
    expect((within(form).getByRole('button', { name: 'Create' }) as HTMLButtonElement).disabled).toBe(true);
    type(within(form).getByLabelText('Name'), ' New ');
    fireEvent.change(within(form).getByLabelText('Visibility'), { target: { value: 'private' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(location.pathname).toBe('/dashboards/d9'));
    expect(srv.made('POST', '/api/v1/dashboards')[0]?.body).toEqual({
      layout: { columns: 12 },
      name: 'New',
      description: '',
      visibility: 'private',
    });
  });

  it('renames a dashboard and changes its visibility with its version', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/dashboards', { body: { items: [board()] } });
    srv.on('PATCH', '/api/v1/dashboards/d1', (req) => ({
      body: { ...board(req.body as Partial<Dashboard>), version: 2, widgets: [] },
    }));
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Settings of “Ops”' }));
    const dialog = screen.getByRole('dialog', { name: 'Dashboard settings: “Ops”' });
    type(within(dialog).getByLabelText('Name'), '  ');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(within(dialog).getByText('Give the dashboard a name.')).toBeTruthy();
    expect(srv.made('PATCH', '/api/v1/dashboards/d1')).toHaveLength(0);

    type(within(dialog).getByLabelText('Name'), 'Operations');
    fireEvent.change(within(dialog).getByLabelText('Visibility'), { target: { value: 'private' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(srv.made('PATCH', '/api/v1/dashboards/d1')[0]?.body).toEqual({
      name: 'Operations',
      visibility: 'private',
      version: 1,
    });
    expect(screen.getByText('Operations')).toBeTruthy();
    expect(screen.getByText('private')).toBeTruthy();
  });

  it('explains a 409 and saves over their version when asked', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/dashboards', { body: { items: [board()] } });
    srv.on('GET', '/api/v1/dashboards/d1', {
      body: board({ name: 'Ops (theirs)', description: 'changed', version: 3, widgets: [] }),
    });
    srv.on(
      'PATCH',
      '/api/v1/dashboards/d1',
      {
        status: 409,
        body: { error: { code: 'conflict', message: 'stale', current_version: 3 } },
      },
      (req) => ({ body: { ...board(req.body as Partial<Dashboard>), version: 4 } }),
    );
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Settings of “Ops”' }));
    const dialog = screen.getByRole('dialog');
    type(within(dialog).getByLabelText('Description'), 'mine');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    const msg = await within(dialog).findByText(/Someone else changed this dashboard/);
    expect(msg.textContent).toContain('now version 3');
    expect(msg.textContent).toContain('Ops (theirs)');
    expect(msg.textContent).toContain('not saved');

    fireEvent.click(within(dialog).getByRole('button', { name: 'Save mine over it' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    // Against their version: my description and my (unchanged) name win.
    expect(srv.made('PATCH', '/api/v1/dashboards/d1')[1]?.body).toEqual({
      name: 'Ops',
      description: 'mine',
      version: 3,
    });
  });

  it('deletes after confirmation, and asks again when it changed meanwhile', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/dashboards', { body: { items: [board(), board({ id: 'd2', name: 'Web' })] } });
    srv.on(
      'DELETE',
      '/api/v1/dashboards/d1',
      { status: 409, body: { error: { code: 'conflict', message: 'stale', current_version: 2 } } },
      { status: 204 },
    );
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete “Ops”' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete the dashboard “Ops”?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete dashboard' }));
    expect(await within(dialog).findByText(/now version 2/)).toBeTruthy();
    expect(screen.getByText('Ops')).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete it anyway' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.queryByText('Ops')).toBeNull();
    expect(screen.getByText('Web')).toBeTruthy();
    const [first, second] = srv.made('DELETE', '/api/v1/dashboards/d1');
    expect(first?.headers.get('If-Match')).toBe('"1"');
    expect(second?.headers.get('If-Match')).toBeNull();
  });
});

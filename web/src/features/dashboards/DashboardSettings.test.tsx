// @vitest-environment jsdom
// Settings from the dashboard view's header: rename, and delete (back to the list).
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { expect, it } from 'vitest';
import { meAs, renderApp, setupAppHarness } from '../../test/app-harness';
import { FakeServer } from '../../test/fake-server';
import { dashboard } from '../../test/fixtures';
import { DashboardView } from './DashboardView';

const board = dashboard({ version: 5, widgets: [] });

setupAppHarness({ resetUrl: true });

function setup(srv: FakeServer, role: 'viewer' | 'editor') {
  srv.on('GET', '/api/v1/metrics', { body: { items: [] } });
  srv.on('GET', '/api/v1/dashboards/d1', { body: board });
  renderApp(<DashboardView id="d1" />, srv, { me: meAs(role) });
}

it('has no settings for a viewer', async () => {
  setup(new FakeServer(), 'viewer');
  expect(await screen.findByRole('heading', { name: 'Ops' })).toBeTruthy();
  expect(screen.queryByRole('button', { name: 'Settings' })).toBeNull();
});

it('renames the dashboard from its header', async () => {
  const srv = new FakeServer();
  srv.on('PATCH', '/api/v1/dashboards/d1', (req) => ({
    body: { ...board, ...(req.body as object), version: 6 },
  }));
  setup(srv, 'editor');
  fireEvent.click(await screen.findByRole('button', { name: 'Settings' }));
  const dialog = screen.getByRole('dialog');
  fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'Operations' } });
  fireEvent.change(within(dialog).getByLabelText('Description'), { target: { value: 'for on-call' } });
  fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
  expect(await screen.findByRole('heading', { name: 'Operations' })).toBeTruthy();
  expect(screen.getByText('for on-call')).toBeTruthy();
  expect(srv.made('PATCH', '/api/v1/dashboards/d1')[0]?.body).toEqual({
    name: 'Operations',
    description: 'for on-call',
    version: 5,
  });
});

it('deletes the dashboard after confirmation and goes to the list', async () => {
  const srv = new FakeServer();
  srv.on('DELETE', '/api/v1/dashboards/d1', { status: 204 });
  setup(srv, 'editor');
  fireEvent.click(await screen.findByRole('button', { name: 'Settings' }));
  fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete dashboard…' }));
  const confirm = screen.getByRole('dialog', { name: 'Delete the dashboard “Ops”?' });
  fireEvent.click(within(confirm).getByRole('button', { name: 'Delete dashboard' }));
  await waitFor(() => expect(location.pathname).toBe('/dashboards'));
  expect(srv.made('DELETE', '/api/v1/dashboards/d1')[0]?.headers.get('If-Match')).toBe('"5"');
});

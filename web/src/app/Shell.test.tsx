// @vitest-environment jsdom
// The navigation of the new screens and their routes, per role.
import { act, fireEvent, screen, within } from '@testing-library/react';
import { expect, it } from 'vitest';
import { ThemeProvider } from '../context/theme';
import { meAs, renderApp, setupAppHarness } from '../test/app-harness';
import { FakeServer } from '../test/fake-server';
import { Shell } from './Shell';

setupAppHarness({ resetUrl: true });

function setup(role: 'viewer' | 'admin', path: string) {
  history.replaceState(null, '', path);
  const srv = new FakeServer();
  for (const p of [
    '/api/v1/alert-rules',
    '/api/v1/projects',
    '/api/v1/insights',
    '/api/v1/metrics',
    '/api/v1/alerts',
  ])
    srv.on('GET', p, { body: { items: [] } });
  renderApp(
    <ThemeProvider>
      <Shell />
    </ThemeProvider>,
    srv,
    { me: meAs(role) },
  );
}

it('links every screen; Users only for admins', async () => {
  setup('viewer', '/alert-rules');
  const nav = await screen.findByRole('navigation', { name: 'Main' });
  for (const name of ['Dashboards', 'Alerts', 'Rules', 'Insights', 'Projects'])
    expect(within(nav).getByRole('link', { name })).toBeTruthy();
  expect(within(nav).queryByRole('link', { name: 'Users' })).toBeNull();
  expect(within(nav).getByRole('link', { name: 'Rules' }).getAttribute('aria-current')).toBe('page');
  expect(await screen.findByRole('heading', { name: 'Alert rules' })).toBeTruthy();

  act(() => fireEvent.click(within(nav).getByRole('link', { name: 'Projects' })));
  expect(location.pathname).toBe('/projects');
  expect(await screen.findByRole('heading', { name: 'Projects' })).toBeTruthy();
  act(() => fireEvent.click(within(nav).getByRole('link', { name: 'Insights' })));
  expect(await screen.findByRole('heading', { name: 'Insights' })).toBeTruthy();
});

it('shows the users page to an admin', async () => {
  setup('admin', '/users');
  const nav = await screen.findByRole('navigation', { name: 'Main' });
  expect(within(nav).getByRole('link', { name: 'Users' }).getAttribute('aria-current')).toBe('page');
  expect(await screen.findByRole('button', { name: 'New user' })).toBeTruthy();
});

it('explains the users page to a viewer who types its address', async () => {
  setup('viewer', '/users');
  expect(await screen.findByText('Only admins manage users')).toBeTruthy();
});

// @vitest-environment jsdom
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { configureApi } from '../api/client';
import { api } from '../api/resources';
import { ME } from '../test/app-harness';
import { FakeServer } from '../test/fake-server';
import { AuthProvider, useAuth } from './auth';
import { navigate } from './router';

let restore = () => {};
let auth: ReturnType<typeof useAuth> | null = null;

function Probe() {
  auth = useAuth();
  return <output data-testid="status">{auth.status}</output>;
}

beforeEach(() => navigate('/'));
afterEach(() => {
  cleanup();
  restore();
});

it('logs in with the cookie flow and goes back to the login on a 401', async () => {
  const srv = new FakeServer();
  srv.on(
    'GET',
    '/api/v1/me',
    { status: 401, body: { error: { code: 'unauthenticated', message: 'no token' } } },
    { body: ME },
  );
  srv.on('POST', '/api/v1/auth/login', {
    body: { token: 'jwt', expires_at: '2026-01-11T00:00:00Z', user: ME.user },
  });
  srv.on('GET', '/api/v1/users', { body: { items: [] } });
  srv.on('GET', '/api/v1/alerts', {
    status: 401,
    body: { error: { code: 'unauthenticated', message: 'expired' } },
  });
  restore = configureApi({ fetch: srv.fetch });
  render(
    <AuthProvider>
      <Probe />
    </AuthProvider>,
  );
  await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('anonymous'));
  expect(location.pathname).toBe('/');

  await act(() => auth?.login('ada@acme.test', 'secret') ?? Promise.resolve());
  expect(screen.getByTestId('status').textContent).toBe('authenticated');
  const login = srv.made('POST', '/api/v1/auth/login')[0];
  expect(login?.body).toEqual({ email: 'ada@acme.test', password: 'secret' });
  expect(login?.headers.get('X-Livedash-CSRF')).toBe('1');

  navigate('/dashboards/d1');
  await act(() => api.alerts().catch(() => {}));
  expect(screen.getByTestId('status').textContent).toBe('anonymous');
  expect(auth?.notice).toMatch(/session has ended/);
  expect(location.pathname + location.search).toBe(`/login?next=${encodeURIComponent('/dashboards/d1')}`);
});

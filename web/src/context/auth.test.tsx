// @vitest-environment jsdom
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { configureApi } from '../api/client';
import { api } from '../api/resources';
import { ME } from '../test/app-harness';
import { FakeServer } from '../test/fake-server';
import { AuthProvider, FIRST_REFRESH_MS, useAuth } from './auth';
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

it('renews the session while the app is open, at half the life of each new token', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  try {
    vi.setSystemTime(new Date('2026-01-10T12:00:00Z'));
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/me', { body: ME });
    srv.on('GET', '/api/v1/users', { body: { items: [] } });
    srv.on(
      'POST',
      '/api/v1/auth/refresh',
      { status: 503, body: { error: { code: 'unavailable', message: 'restarting' } } },
      () => ({
        body: { token: 'jwt2', expires_at: new Date(Date.now() + 3_600_000).toISOString(), user: ME.user },
      }),
    );
    restore = configureApi({ fetch: srv.fetch });
    render(
      <AuthProvider>
        <Probe />
      </AuthProvider>,
    );
    await act(async () => {
      await vi.advanceTimersByTimeAsync(10);
    });
    expect(screen.getByTestId('status').textContent).toBe('authenticated');
    const refreshes = () => srv.made('POST', '/api/v1/auth/refresh');

    await act(async () => {
      await vi.advanceTimersByTimeAsync(FIRST_REFRESH_MS - 1_000);
    });
    expect(refreshes()).toHaveLength(0);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1_000);
    });
    expect(refreshes()).toHaveLength(1); // refused (503): tried again a minute later
    expect(refreshes()[0]?.headers.get('X-Livedash-CSRF')).toBe('1');
    await act(async () => {
      await vi.advanceTimersByTimeAsync(60_000);
    });
    expect(refreshes()).toHaveLength(2); // a token for an hour: the next one in 30 minutes
    await act(async () => {
      await vi.advanceTimersByTimeAsync(29 * 60_000);
    });
    expect(refreshes()).toHaveLength(2);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(60_000);
    });
    expect(refreshes()).toHaveLength(3);
    expect(screen.getByTestId('status').textContent).toBe('authenticated');
  } finally {
    vi.useRealTimers();
  }
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeServer } from '../test/fake-server';
import { ApiError, apiFetch, CSRF_HEADER, configureApi } from './client';
import { api } from './resources';

let srv: FakeServer;
let restore: () => void;
const onUnauthorized = vi.fn();

beforeEach(() => {
  srv = new FakeServer();
  onUnauthorized.mockReset();
  restore = configureApi({ fetch: srv.fetch, onUnauthorized, baseUrl: '', token: undefined });
});
afterEach(() => restore());

describe('apiFetch', () => {
  it('sends JSON with the session cookie and the CSRF header on writes only', async () => {
    srv.on('GET', '/api/v1/dashboards', { body: { items: [] } });
    srv.on('POST', '/api/v1/dashboards', { status: 201, body: { id: 'd1' } });
    srv.on('PATCH', '/api/v1/widgets/w1', { body: { id: 'w1' } });
    srv.on('DELETE', '/api/v1/widgets/w1', { status: 204 });

    await api.dashboards();
    await api.createDashboard({ name: 'Ops', visibility: 'shared' });
    await api.updateWidget('w1', { version: 3, position: { x: 1, y: 0, w: 2, h: 2 } });
    await expect(api.deleteWidget('w1')).resolves.toBeUndefined();

    const [get, post, patch, del] = srv.requests;
    expect(get?.headers.has(CSRF_HEADER)).toBe(false);
    expect(get?.credentials).toBe('same-origin');
    expect(get?.query.get('limit')).toBe('100');
    for (const r of [post, patch, del]) expect(r?.headers.get(CSRF_HEADER)).toBe('1');
    expect(post?.headers.get('Content-Type')).toBe('application/json');
    expect(post?.body).toEqual({ layout: { columns: 12 }, name: 'Ops', visibility: 'shared' });
    expect(patch?.body).toEqual({ version: 3, position: { x: 1, y: 0, w: 2, h: 2 } });
    expect(get?.headers.has('Authorization')).toBe(false);
  });

  it('turns the error envelope into a typed ApiError', async () => {
    srv.on('POST', '/api/v1/dashboards', {
      status: 400,
      body: {
        error: {
          code: 'bad_request',
          message: 'name: must not be empty',
          fields: { name: 'must not be empty' },
        },
      },
    });
    srv.on('PATCH', '/api/v1/widgets/w1', {
      status: 409,
      body: {
        error: { code: 'conflict', message: 'widget w1 was changed by someone else', current_version: 4 },
      },
    });
    const bad = await api.createDashboard({ name: '', visibility: 'private' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ApiError);
    expect(bad).toMatchObject({ status: 400, code: 'bad_request', message: 'name: must not be empty' });
    expect((bad as ApiError).fields).toEqual({ name: 'must not be empty' });

    const conflict = (await api.updateWidget('w1', { version: 2 }).catch((e: unknown) => e)) as ApiError;
    expect(conflict.isConflict).toBe(true);
    expect(conflict.code).toBe('conflict');
    expect(conflict.currentVersion).toBe(4);
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('sends a 401 back to the login, except where told not to', async () => {
    srv.on('GET', '/api/v1/me', {
      status: 401,
      body: { error: { code: 'unauthenticated', message: 'no token' } },
    });
    srv.on('GET', '/api/v1/alerts', {
      status: 401,
      body: { error: { code: 'unauthenticated', message: 'expired' } },
    });
    srv.on('POST', '/api/v1/auth/login', {
      status: 401,
      body: { error: { code: 'unauthenticated', message: 'wrong' } },
    });

    await expect(api.alerts()).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    await expect(api.me({ noAuthRedirect: true })).rejects.toMatchObject({ status: 401 });
    await expect(api.login('a@b.c', 'nope')).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('reports a body that is not the envelope, and network failures', async () => {
    restore();
    restore = configureApi({
      fetch: async () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    });
    await expect(apiFetch('/api/v1/me')).rejects.toMatchObject({ status: 502, code: 'http_error' });
    restore();
    restore = configureApi({
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    await expect(apiFetch('/api/v1/me')).rejects.toMatchObject({ status: 0, code: 'network' });
  });

  it('uses a bearer token and another origin when configured', async () => {
    restore();
    restore = configureApi({ fetch: srv.fetch, baseUrl: 'http://api.test/', token: 'tok' });
    srv.on('GET', '/api/v1/metrics/host.cpu.percent/series', { body: { points: [] } });
    await api.series('host.cpu.percent', {
      from: 1000,
      to: 61_000,
      stepMs: 1000,
      agg: 'avg',
      labels: { b: '2', a: '1' },
    });
    const r = srv.requests[0];
    expect(r?.headers.get('Authorization')).toBe('Bearer tok');
    expect(r?.credentials).toBe('include');
    expect(Object.fromEntries(r?.query ?? [])).toEqual({
      from: '1000',
      to: '61000',
      step: '1s',
      agg: 'avg',
      labels: 'a=1,b=2',
    });
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeServer } from '../test/fake-server';
import { ApiError, configureApi } from './client';
import { api, labelsParam } from './resources';

it('writes a labels parameter sorted, escaping "," and "\\" in values', () => {
  expect(labelsParam({})).toBeUndefined();
  expect(labelsParam({ iface: 'eth0', host: 'web1' })).toBe('host=web1,iface=eth0');
  expect(labelsParam({ path: 'a,b\\c' })).toBe('path=a\\,b\\\\c');
});

describe('versions of alert rules and projects', () => {
  let srv: FakeServer;
  let restore: () => void;
  beforeEach(() => {
    srv = new FakeServer();
    restore = configureApi({ fetch: srv.fetch, baseUrl: '', token: undefined });
  });
  afterEach(() => restore());

  it('reads one alert rule by id', async () => {
    srv.on('GET', '/api/v1/alert-rules/r%2F1', { body: { id: 'r/1', version: 4 } });
    await expect(api.alertRule('r/1')).resolves.toMatchObject({ version: 4 });
  });

  it('sends the base version in the body of a PATCH', async () => {
    srv.on('PATCH', '/api/v1/alert-rules/r1', { body: { id: 'r1', version: 4 } });
    srv.on('PATCH', '/api/v1/projects/p1', { body: { id: 'p1', version: 8 } });
    await api.updateAlertRule('r1', 3, { enabled: false });
    await api.updateProject('p1', 7, { status: 'paused' });
    expect(srv.made('PATCH', '/api/v1/alert-rules/r1')[0]?.body).toEqual({ enabled: false, version: 3 });
    expect(srv.made('PATCH', '/api/v1/projects/p1')[0]?.body).toEqual({ status: 'paused', version: 7 });
  });

  it('sends a DELETE version as If-Match, and none without one', async () => {
    srv.on('DELETE', '/api/v1/alert-rules/r1', { status: 204 });
    srv.on('DELETE', '/api/v1/projects/p1', { status: 204 });
    await api.deleteAlertRule('r1', 3);
    await api.deleteAlertRule('r1');
    await api.deleteProject('p1', 7);
    await api.deleteProject('p1');
    expect(srv.made('DELETE', '/api/v1/alert-rules/r1').map((r) => r.headers.get('If-Match'))).toEqual([
      '"3"',
      null,
    ]);
    expect(srv.made('DELETE', '/api/v1/projects/p1').map((r) => r.headers.get('If-Match'))).toEqual([
      '"7"',
      null,
    ]);
  });

  it('gives the current version of a 409', async () => {
    srv.on('PATCH', '/api/v1/projects/p1', {
      status: 409,
      body: { error: { code: 'conflict', message: 'changed', current_version: 9 } },
    });
    const err = await api.updateProject('p1', 7, { name: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).currentVersion).toBe(9);
  });
});

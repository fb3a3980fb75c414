import { describe, expect, it } from 'vitest';
import { resolveEndpoints, withQuery } from './endpoints';

describe('endpoints', () => {
  it('derives /ws, /dashboard/sse and health from any form of the url', () => {
    const want = {
      ws: 'wss://example.com/ws',
      sse: 'https://example.com/dashboard/sse',
      health: 'https://example.com/websocket/health',
    };
    expect(resolveEndpoints('https://example.com')).toEqual(want);
    expect(resolveEndpoints('wss://example.com/ws')).toEqual(want);
    expect(resolveEndpoints('https://example.com/dashboard/sse')).toEqual(want);
  });

  it('resolves relative urls against the page, keeping a path prefix', () => {
    expect(resolveEndpoints(undefined, 'http://localhost:8080/some/page').ws).toBe('ws://localhost:8080/ws');
    expect(resolveEndpoints('/livedash/', 'http://h:1/x').sse).toBe('http://h:1/livedash/dashboard/sse');
  });

  it('adds query parameters, skipping empty ones', () => {
    expect(withQuery('ws://h/ws', { token: 'a b', since: '', x: undefined })).toBe('ws://h/ws?token=a+b');
  });
});

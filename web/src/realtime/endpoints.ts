// Endpoint URLs derived from the one `url` option.

export interface Endpoints {
  /** ws(s)://host[/prefix]/ws */
  ws: string;
  /** http(s)://host[/prefix]/dashboard/sse */
  sse: string;
  /** http(s)://host[/prefix]/websocket/health, used to measure RTT over SSE. */
  health: string;
}

/**
 * Resolves the endpoints from `url`: an http(s) or ws(s) base ("https://example.com",
 * "wss://example.com/ws", "/livedash"), relative to `base` (default: the page's location). A
 * trailing /ws or /dashboard/sse is removed, so any of the three forms may be given.
 */
export function resolveEndpoints(url: string | undefined, base?: string): Endpoints {
  const fallback = base ?? globalThis.location?.href ?? 'http://localhost/';
  const u = new URL(url ?? '/', fallback);
  if (u.protocol === 'ws:') u.protocol = 'http:';
  if (u.protocol === 'wss:') u.protocol = 'https:';
  const prefix = u.pathname.replace(/\/+$/, '').replace(/\/(ws|dashboard\/sse)$/, '');
  const http = `${u.protocol}//${u.host}${prefix}`;
  const ws = `${u.protocol === 'https:' ? 'wss:' : 'ws:'}//${u.host}${prefix}`;
  return { ws: `${ws}/ws`, sse: `${http}/dashboard/sse`, health: `${http}/websocket/health` };
}

/** Appends query parameters (skipping empty values) to a URL. */
export function withQuery(url: string, params: Record<string, string | undefined>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== '') u.searchParams.set(k, v);
  }
  return u.toString();
}

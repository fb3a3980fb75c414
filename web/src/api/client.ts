// The one fetch wrapper of the app: JSON in and out, the session cookie (credentials), the CSRF
// header on writes, the server's error envelope {"error":{code,message,fields,current_version}}
// turned into an ApiError, and a 401 sent back to the login screen (see configureApi).

/** An error answered by the API (or a network failure: status 0, code `network`). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** bad_request: each field at fault and its problem (`name`, `query.codes`, `widgets[0].type`…). */
  readonly fields: Readonly<Record<string, string>>;
  /** conflict on a stale version: the record's current version. */
  readonly currentVersion: number | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    fields: Record<string, string> = {},
    currentVersion?: number,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.currentVersion = currentVersion;
  }

  get isConflict(): boolean {
    return this.status === 409;
  }
}

/** The server's error envelope. */
export interface ErrorEnvelope {
  error: { code: string; message: string; fields?: Record<string, string>; current_version?: number };
}

/** The header that cookie-authenticated writes must carry (docs/api.md, CSRF). */
export const CSRF_HEADER = 'X-Livedash-CSRF';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface ApiConfig {
  /** Base URL of the server (VITE_LIVEDASH_URL); '' for the page's origin. */
  baseUrl: string;
  /** A bearer token (development: ?token=); without it the session cookie is used. */
  token: string | undefined;
  /** Called on a 401 from any request but those marked `noAuthRedirect` (the login screen). */
  onUnauthorized: (() => void) | undefined;
  fetch: typeof fetch | undefined;
}

const config: ApiConfig = { baseUrl: '', token: undefined, onUnauthorized: undefined, fetch: undefined };

/** Changes the wrapper's settings; returns the function that restores the previous ones. */
export function configureApi(c: Partial<ApiConfig>): () => void {
  const before = { ...config };
  Object.assign(config, c);
  return () => {
    Object.assign(config, before);
  };
}

export interface ApiOptions extends Omit<RequestInit, 'body'> {
  /** Sent as JSON. */
  body?: unknown;
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** A 401 is only thrown, not sent to the login screen (login itself, the first /me). */
  noAuthRedirect?: boolean;
}

export async function apiFetch<T>(
  path: string,
  { body, query, headers, noAuthRedirect, ...init }: ApiOptions = {},
): Promise<T> {
  const method = (init.method ?? 'GET').toUpperCase();
  const h = new Headers(headers);
  h.set('Accept', 'application/json');
  if (body !== undefined) h.set('Content-Type', 'application/json');
  if (config.token) h.set('Authorization', `Bearer ${config.token}`);
  if (WRITES.has(method)) h.set(CSRF_HEADER, '1');
  let url = config.baseUrl.replace(/\/+$/, '') + path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
    const s = q.toString();
    if (s) url += (url.includes('?') ? '&' : '?') + s;
  }
  const doFetch = config.fetch ?? globalThis.fetch.bind(globalThis);
  let res: Response;
  try {
    res = await doFetch(url, {
      credentials: config.baseUrl ? 'include' : 'same-origin',
      ...init,
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    if ((err as { name?: string })?.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and retry.');
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const e = (parsed as Partial<ErrorEnvelope> | undefined)?.error;
    const err = new ApiError(
      res.status,
      e?.code ?? 'http_error',
      e?.message ?? `HTTP ${res.status} ${res.statusText}`.trim(),
      e?.fields ?? {},
      e?.current_version,
    );
    if (res.status === 401 && !noAuthRedirect) config.onUnauthorized?.();
    throw err;
  }
  return parsed as T;
}

/** The message to show for any error thrown by the API layer. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

// The one fetch wrapper of the app: JSON in and out, credentials included (the session cookie),
// and the server's error envelope {"error":{"code","message"}} turned into an ApiError.
// Typed hooks per resource come with the REST API.

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export interface ApiOptions extends Omit<RequestInit, 'body'> {
  /** Sent as JSON. */
  body?: unknown;
  /** A bearer token, when the session cookie is not used. */
  token?: string;
}

export async function apiFetch<T>(
  path: string,
  { body, token, headers, ...init }: ApiOptions = {},
): Promise<T> {
  const h = new Headers(headers);
  h.set('Accept', 'application/json');
  if (body !== undefined) h.set('Content-Type', 'application/json');
  if (token) h.set('Authorization', `Bearer ${token}`);
  const res = await fetch(path, {
    credentials: 'same-origin',
    ...init,
    headers: h,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const err = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, err?.code ?? 'http_error', err?.message ?? `HTTP ${res.status}`);
  }
  return parsed as T;
}

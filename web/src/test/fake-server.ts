// A fake of the REST API for tests: routes by method and path, every request recorded.

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
  credentials: RequestCredentials | undefined;
}

type Reply = { status?: number; body?: unknown } | ((req: Recorded) => { status?: number; body?: unknown });

export class FakeServer {
  readonly requests: Recorded[] = [];
  private readonly routes: Array<{ method: string; path: string | RegExp; replies: Reply[] }> = [];

  /** Answers `method path` with the replies in turn (the last one repeats). */
  on(method: string, path: string | RegExp, ...replies: Reply[]): this {
    this.routes.unshift({ method, path, replies });
    return this;
  }

  readonly fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), 'http://srv.test');
    const req: Recorded = {
      method: (init.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      credentials: init.credentials,
    };
    this.requests.push(req);
    const route = this.routes.find(
      (r) =>
        r.method === req.method && (typeof r.path === 'string' ? r.path === req.path : r.path.test(req.path)),
    );
    if (!route)
      return json(404, { error: { code: 'not_found', message: `no route ${req.method} ${req.path}` } });
    const reply = route.replies.length > 1 ? route.replies.shift() : route.replies[0];
    const r = typeof reply === 'function' ? reply(req) : (reply ?? {});
    return json(r.status ?? 200, r.body);
  };

  made(method: string, path: string): Recorded[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }
}

function json(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

// Where the app finds the server and its token.
//
// - VITE_LIVEDASH_URL (build time): the server's base URL; default: the page's origin (the app is
//   served by the server itself, or by `npm run dev`, which proxies to it).
// - ?token=<jwt> in the page URL (development convenience): used as the token and removed from the
//   address bar. Without it the `livedash_session` cookie set by the login is used.

export interface AppConfig {
  url: string | undefined;
  token: string | undefined;
}

export function readConfig(loc: Location | undefined = globalThis.location): AppConfig {
  const url = (import.meta.env.VITE_LIVEDASH_URL as string | undefined) || undefined;
  let token: string | undefined;
  if (loc) {
    const params = new URLSearchParams(loc.search);
    token = params.get('token') ?? undefined;
    if (token !== undefined && typeof history !== 'undefined') {
      params.delete('token');
      const q = params.toString();
      history.replaceState(history.state, '', `${loc.pathname}${q ? `?${q}` : ''}${loc.hash}`);
    }
  }
  return { url, token };
}

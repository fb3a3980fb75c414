// Who is logged in. The session is the HttpOnly cookie set by POST /api/v1/auth/login: the app
// never sees it; GET /api/v1/me tells whether it is valid. Any 401 brings the login screen back.
// While the app is open the session is renewed (POST /api/v1/auth/refresh), so that a dashboard
// left on a wall screen does not log out when the first token expires.

import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { configureApi } from '../api/client';
import { api } from '../api/resources';
import { isAdmin, type Me, type User } from '../api/types';
import { navigate } from './router';

export type AuthStatus = 'loading' | 'anonymous' | 'authenticated' | 'error';

interface AuthState {
  status: AuthStatus;
  me: Me | null;
  /** Why the user is on the login screen (session ended…), or why /me failed. */
  notice: string | null;
  login(email: string, password: string, tenant?: string): Promise<void>;
  logout(): Promise<void>;
  /** Retries GET /me (after a network error). */
  retry(): void;
  /** Changes the unread notification count (+1 on a new one, -1 when read). */
  adjustUnread(delta: number | ((n: number) => number)): void;
  /** A user's display name for "changed by …": "you", a name when known, else "another user". */
  nameOf(userId: string | undefined): string;
}

const AuthContext = createContext<AuthState | null>(null);

/** The first renewal comes this long after the app starts (a reload does not tell the cookie's age)… */
export const FIRST_REFRESH_MS = 5 * 60_000;
/** …then at half the remaining life of each new token, never more often than this… */
const MIN_REFRESH_MS = 30_000;
/** …and after a failure other than 401 (network, server restarting), again after this. */
const RETRY_REFRESH_MS = 60_000;

export function AuthProvider({ children, token }: { children: ReactNode; token?: string }) {
  const [status, setStatus] = useState<AuthStatus>('loading');
  const [me, setMe] = useState<Me | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [users, setUsers] = useState<Map<string, User>>(new Map());
  const [attempt, setAttempt] = useState(0);
  const statusRef = useRef(status);
  statusRef.current = status;

  useEffect(() => {
    return configureApi({
      token,
      onUnauthorized: () => {
        if (statusRef.current !== 'authenticated') return;
        setMe(null);
        setStatus('anonymous');
        setNotice('Your session has ended. Log in again.');
        const here = location.pathname + location.search;
        navigate(here.startsWith('/login') ? here : `/login?next=${encodeURIComponent(here)}`, {
          replace: true,
        });
      },
    });
  }, [token]);

  useEffect(() => {
    void attempt;
    const ctl = new AbortController();
    setStatus('loading');
    api.me({ noAuthRedirect: true, signal: ctl.signal }).then(
      (m) => {
        setMe(m);
        setStatus('authenticated');
        setNotice(null);
      },
      (err: { status?: number; message?: string; name?: string }) => {
        if (ctl.signal.aborted) return;
        if (err.status === 401) {
          setStatus('anonymous');
        } else {
          setStatus('error');
          setNotice(err.message ?? 'The server cannot be reached.');
        }
      },
    );
    return () => ctl.abort();
  }, [attempt]);

  useEffect(() => {
    if (status !== 'authenticated' || token) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const renewIn = (ms: number) => {
      timer = setTimeout(() => {
        api.refresh().then(
          (r) => {
            if (!stopped) renewIn(Math.max(MIN_REFRESH_MS, (Date.parse(r.expires_at) - Date.now()) / 2));
          },
          // A 401 ends the session through onUnauthorized; anything else is retried.
          () => {
            if (!stopped) renewIn(RETRY_REFRESH_MS);
          },
        );
      }, ms);
    };
    renewIn(FIRST_REFRESH_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [status, token]);

  // Admins may list users: names for "changed by …" toasts. Others see "another user".
  const admin = isAdmin(me);
  useEffect(() => {
    if (!admin) return;
    const ctl = new AbortController();
    api.users(ctl.signal).then(
      (page) => setUsers(new Map(page.items.map((u) => [u.id, u]))),
      () => {},
    );
    return () => ctl.abort();
  }, [admin]);

  const login = useCallback(async (email: string, password: string, tenant?: string) => {
    await api.login(email, password, tenant);
    const m = await api.me({ noAuthRedirect: true });
    setMe(m);
    setNotice(null);
    setStatus('authenticated');
  }, []);

  const logout = useCallback(async () => {
    try {
      await api.logout();
    } catch {
      // the cookie may be gone already; the screen goes back to the login either way
    }
    setMe(null);
    setUsers(new Map());
    setNotice(null);
    setStatus('anonymous');
    navigate('/login', { replace: true });
  }, []);

  const adjustUnread = useCallback((delta: number | ((n: number) => number)) => {
    setMe((m) => {
      if (!m) return m;
      const n = typeof delta === 'function' ? delta(m.unread_notifications) : m.unread_notifications + delta;
      return { ...m, unread_notifications: Math.max(0, n) };
    });
  }, []);

  const nameOf = useCallback(
    (id: string | undefined) => {
      if (!id) return 'another user';
      if (me && id === me.principal.id) return 'you';
      const u = users.get(id);
      return u ? u.display_name || u.email : 'another user';
    },
    [me, users],
  );

  const retry = useCallback(() => setAttempt((a) => a + 1), []);

  const value = useMemo(
    () => ({ status, me, notice, login, logout, retry, adjustUnread, nameOf }),
    [status, me, notice, login, logout, retry, adjustUnread, nameOf],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth must be used inside <AuthProvider>');
  return ctx;
}

/** The logged-in user (inside the authenticated part of the app). */
export function useMe(): Me {
  const { me } = useAuth();
  if (!me) throw new Error('useMe needs a logged-in user');
  return me;
}

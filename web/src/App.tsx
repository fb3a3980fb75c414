import { useEffect } from 'react';
import { configureApi } from './api/client';
import { Shell } from './app/Shell';
import { ErrorState, Loading } from './components/States';
import { AuthProvider, useAuth } from './context/auth';
import { LiveControlsProvider } from './context/live';
import { navigate, useLocation } from './context/router';
import { ThemeProvider } from './context/theme';
import { ToastProvider } from './context/toasts';
import { LoginPage } from './features/auth/LoginPage';
import { readConfig } from './lib/config';
import { RealtimeProvider } from './realtime/react';

const config = readConfig();
configureApi({ baseUrl: config.url ?? '' });

export function App() {
  return (
    <ThemeProvider>
      <ToastProvider>
        <AuthProvider token={config.token}>
          <Root />
        </AuthProvider>
      </ToastProvider>
    </ThemeProvider>
  );
}

function Root() {
  const { status, me, notice, retry } = useAuth();
  const { pathname, href } = useLocation();
  useEffect(() => {
    if (status === 'anonymous' && pathname !== '/login')
      navigate(pathname === '/' ? '/login' : `/login?next=${encodeURIComponent(href)}`, { replace: true });
    if (status === 'authenticated' && pathname === '/login') navigate('/', { replace: true });
  }, [status, pathname, href]);

  if (status === 'loading') return <Loading label="Starting livedash…" />;
  if (status === 'error')
    return (
      <main className="page">
        <ErrorState
          error={new Error(notice ?? 'The server cannot be reached.')}
          onRetry={retry}
          title="livedash is unreachable"
        />
      </main>
    );
  if (status === 'anonymous' || !me) return <LoginPage />;
  return (
    // One connection per login: a new user gets a new connection (the cookie changed).
    <RealtimeProvider key={me.principal.id} options={{ url: config.url, token: config.token }}>
      <LiveControlsProvider>
        <Shell />
      </LiveControlsProvider>
    </RealtimeProvider>
  );
}

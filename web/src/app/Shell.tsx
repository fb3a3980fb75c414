// The logged-in app: header (tenant, user, navigation, theme, logout), live status bar, live
// controls, optional debug panel, and the routed page.

import { useState } from 'react';
import { isAdmin } from '../api/types';
import { Badge } from '../components/Badge';
import { Empty } from '../components/States';
import { useAuth, useMe } from '../context/auth';
import { Link, matchPath, useLocation } from '../context/router';
import { useTheme } from '../context/theme';
import { AlertRulesPage } from '../features/alert-rules/AlertRulesPage';
import { AlertsPage } from '../features/alerts/AlertsPage';
import { ControlPanel } from '../features/control/ControlPanel';
import { DebugPanel, useEventRecorder } from '../features/control/DebugPanel';
import { DashboardList } from '../features/dashboards/DashboardList';
import { DashboardView } from '../features/dashboards/DashboardView';
import { Home } from '../features/dashboards/Home';
import { InsightsPage } from '../features/insights/InsightsPage';
import { StatusBar } from '../features/live-status/StatusBar';
import { NotificationsPage } from '../features/notifications/NotificationsPage';
import { ProjectsPage } from '../features/projects/ProjectsPage';
import { UsersPage } from '../features/users/UsersPage';
import { useRealtime } from '../realtime/react';
import { useEventToasts } from './use-event-toasts';

/** The channels the whole app follows; each is subscribed on its own, so a refused one is skipped. */
export const LIVE_CHANNELS = ['alerts', 'notifications', 'dashboard', 'system', 'metrics'];

function Page() {
  const { pathname } = useLocation();
  if (pathname === '/') return <Home />;
  if (pathname === '/dashboards') return <DashboardList />;
  const board = matchPath('/dashboards/:id', pathname);
  if (board?.id) return <DashboardView key={board.id} id={board.id} />;
  if (pathname === '/alerts') return <AlertsPage />;
  if (pathname === '/alert-rules') return <AlertRulesPage />;
  if (pathname === '/notifications') return <NotificationsPage />;
  if (pathname === '/insights') return <InsightsPage />;
  if (pathname === '/projects') return <ProjectsPage />;
  if (pathname === '/users') return <UsersPage />;
  return (
    <main className="page">
      <Empty title="Page not found">
        <Link to="/">Back to Host metrics</Link>
      </Empty>
    </main>
  );
}

export function Shell() {
  useRealtime({ channels: LIVE_CHANNELS });
  useEventToasts();
  const recorder = useEventRecorder();
  const [debug, setDebug] = useState(false);
  return (
    <div className="shell">
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <Header />
      <div className="live-bar">
        <StatusBar />
        <ControlPanel debugOpen={debug} onToggleDebug={() => setDebug((d) => !d)} />
      </div>
      {debug && <DebugPanel recorder={recorder} onClose={() => setDebug(false)} />}
      <div id="content" tabIndex={-1}>
        <Page />
      </div>
    </div>
  );
}

const THEME_LABEL = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };

function Header() {
  const me = useMe();
  const { logout } = useAuth();
  const { choice, cycle } = useTheme();
  const [menu, setMenu] = useState(false);
  const name = me.user?.display_name || me.user?.email || me.principal.id;
  return (
    <header className="app-header">
      <Link to="/" className="brand">
        <span className="logo" aria-hidden="true">
          ◉
        </span>{' '}
        livedash
      </Link>
      <button
        type="button"
        className="icon-button menu-button"
        aria-expanded={menu}
        aria-controls="main-nav"
        aria-label="Menu"
        onClick={() => setMenu((m) => !m)}
      >
        ☰
      </button>
      <nav id="main-nav" aria-label="Main" className={menu ? 'open' : ''}>
        <Link to="/dashboards" onClick={() => setMenu(false)}>
          Dashboards
        </Link>
        <Link to="/alerts" onClick={() => setMenu(false)}>
          Alerts
        </Link>
        <Link to="/alert-rules" onClick={() => setMenu(false)}>
          Rules
        </Link>
        <Link to="/insights" onClick={() => setMenu(false)}>
          Insights
        </Link>
        <Link to="/notifications" onClick={() => setMenu(false)}>
          Notifications{' '}
          {me.unread_notifications > 0 && (
            <span className="count" data-testid="unread-count">
              {me.unread_notifications}
              <span className="sr-only"> unread</span>
            </span>
          )}
        </Link>
        <Link to="/projects" onClick={() => setMenu(false)}>
          Projects
        </Link>
        {isAdmin(me) && (
          <Link to="/users" onClick={() => setMenu(false)}>
            Users
          </Link>
        )}
      </nav>
      <div className="who">
        <span className="tenant" title="tenant">
          {me.tenant.name || me.tenant.id}
        </span>
        <span className="user">
          {name} {isAdmin(me) && <Badge tone="neutral">admin</Badge>}
        </span>
        <button
          type="button"
          className="button small"
          onClick={cycle}
          aria-label={`${THEME_LABEL[choice]} (change)`}
        >
          {choice === 'dark' ? '☾' : choice === 'light' ? '☀' : '◐'}
          <span className="hide-small"> {THEME_LABEL[choice].slice(7)}</span>
        </button>
        <button type="button" className="button small" onClick={() => void logout()}>
          Log out
        </button>
      </div>
    </header>
  );
}

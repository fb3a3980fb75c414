// A small history-API router: the app has a handful of screens, not worth a routing library.

import { type AnchorHTMLAttributes, type MouseEvent, type ReactNode, useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();
const emit = () => {
  for (const l of [...listeners]) l();
};

function subscribe(l: () => void): () => void {
  listeners.add(l);
  if (listeners.size === 1) addEventListener('popstate', emit);
  return () => {
    listeners.delete(l);
    if (listeners.size === 0) removeEventListener('popstate', emit);
  };
}

const snapshot = () => location.pathname + location.search;

/** The current path and query, e.g. "/dashboards/01j…?x=1". */
export function useLocation(): { pathname: string; search: URLSearchParams; href: string } {
  const href = useSyncExternalStore(subscribe, snapshot, () => '/');
  const i = href.indexOf('?');
  return {
    pathname: i < 0 ? href : href.slice(0, i),
    search: new URLSearchParams(i < 0 ? '' : href.slice(i)),
    href,
  };
}

export function navigate(to: string, { replace = false }: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  emit();
}

/** Matches "/dashboards/:id" against a path; the params, or null. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = pathname.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const a = p[i] ?? '';
    const b = s[i] ?? '';
    if (a.startsWith(':')) params[a.slice(1)] = decodeURIComponent(b);
    else if (a !== b) return null;
  }
  return params;
}

export function Link({
  to,
  children,
  ...rest
}: { to: string; children: ReactNode } & Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'>) {
  const { pathname } = useLocation();
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    rest.onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  const current = pathname === to || (to !== '/' && pathname.startsWith(`${to}/`));
  return (
    <a {...rest} href={to} onClick={onClick} aria-current={current ? 'page' : undefined}>
      {children}
    </a>
  );
}

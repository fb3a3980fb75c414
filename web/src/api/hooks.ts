// Typed hooks per resource over the fetch wrapper: loading, error, data, reload; requests are
// aborted when the component goes away or the key changes.

import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from './resources';
import type {
  Alert,
  AlertRule,
  Dashboard,
  Insight,
  MetricDefinition,
  Notification,
  Page,
  Project,
  User,
} from './types';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Fetches again (keeps the current data while loading). */
  reload(): void;
  /** Replaces the data locally (after a write or a live event). */
  mutate(update: T | ((prev: T | undefined) => T | undefined)): void;
}

/** Runs `fetcher` whenever `key` changes (null: not now). */
export function useResource<T>(
  key: string | null,
  fetcher: (signal: AbortSignal) => Promise<T>,
): Resource<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: key !== null,
  });
  const [nonce, setNonce] = useState(0);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const lastKey = useRef(key);
  // Changes made while a fetch is in flight (a create, a live event): the fetched data may have been
  // read before them, so they are applied to it again when it arrives. Updaters are idempotent
  // (upsert or drop by id), so a change the server already included is not doubled.
  const inflight = useRef<Array<T | ((prev: T | undefined) => T | undefined)> | null>(null);

  useEffect(() => {
    if (key === null) return;
    const ctl = new AbortController();
    const keyChanged = lastKey.current !== key;
    lastKey.current = key;
    setState((s) => ({ data: keyChanged ? undefined : s.data, error: undefined, loading: true }));
    const changes: Array<T | ((prev: T | undefined) => T | undefined)> = [];
    inflight.current = changes;
    fetcherRef.current(ctl.signal).then(
      (fetched) => {
        if (ctl.signal.aborted) return;
        inflight.current = null;
        const data = changes.reduce<T | undefined>((d, u) => apply(u, d), fetched);
        setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (ctl.signal.aborted) return;
        inflight.current = null;
        setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
    // nonce: reload() asks for the same key again.
    void nonce;
    return () => ctl.abort();
  }, [key, nonce]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const mutate = useCallback((update: T | ((prev: T | undefined) => T | undefined)) => {
    inflight.current?.push(update);
    setState((s) => ({ ...s, data: apply(update, s.data) }));
  }, []);
  return { ...state, reload, mutate };
}

function apply<T>(update: T | ((prev: T | undefined) => T | undefined), prev: T | undefined): T | undefined {
  return typeof update === 'function' ? (update as (p: T | undefined) => T | undefined)(prev) : update;
}

/** Every item of a paginated list, page after page. */
export async function allPages<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    all.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return all;
}

/** Every dashboard the user may see (all pages). */
export function useDashboards(): Resource<Dashboard[]> {
  return useResource('dashboards', (signal) => allPages((c) => api.dashboards(c, signal)));
}

export function useAlertRules(): Resource<AlertRule[]> {
  return useResource('alert-rules', (signal) => allPages((c) => api.alertRules(c, signal)));
}

export function useProjects(): Resource<Project[]> {
  return useResource('projects', (signal) => allPages((c) => api.projects(c, signal)));
}

/** Admins only (others get a 403); null key: not now. */
export function useUsers(enabled = true): Resource<User[]> {
  return useResource(enabled ? 'users' : null, (signal) => allPages((c) => api.users(signal, c)));
}

export function useInsights(limit = 100): Resource<Insight[]> {
  return useResource(`insights:${limit}`, async (signal) => (await api.insights(limit, signal)).items);
}

export function useDashboard(id: string | null): Resource<Dashboard> {
  return useResource(id === null ? null : `dashboard:${id}`, (signal) => api.dashboard(id ?? '', signal));
}

export function useMetricDefinitions(): Resource<MetricDefinition[]> {
  return useResource('metrics', async (signal) => (await api.metrics(signal)).items);
}

export function useAlerts(open: boolean): Resource<Alert[]> {
  return useResource(
    `alerts:${open}`,
    async (signal) => (await api.alerts({ open, limit: 100 }, signal)).items,
  );
}

export function useNotifications(): Resource<Notification[]> {
  return useResource('notifications', async (signal) => (await api.notifications({}, signal)).items);
}

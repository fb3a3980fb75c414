// One function per endpoint of the REST API used by the app (docs/api.md).

import { apiFetch } from './client';
import type {
  Alert,
  AlertRule,
  Dashboard,
  GridPos,
  Insight,
  LoginResponse,
  Me,
  MetricDefinition,
  MetricQuery,
  Notification,
  Page,
  Project,
  Recipients,
  Role,
  Series,
  User,
  Visibility,
  Widget,
  WidgetOptions,
  WidgetType,
  WidgetValue,
} from './types';

const enc = encodeURIComponent;

/** The If-Match header naming a version (`"3"`), or none. */
function ifMatch(version: number | undefined): HeadersInit | undefined {
  return version === undefined ? undefined : { 'If-Match': `"${version}"` };
}

export const api = {
  login: (email: string, password: string, tenant?: string) =>
    apiFetch<LoginResponse>('/api/v1/auth/login', {
      method: 'POST',
      body: { email, password, ...(tenant ? { tenant } : {}) },
      noAuthRedirect: true,
    }),
  /** A fresh session cookie (sliding session), with the user's current roles and projects. */
  refresh: () => apiFetch<LoginResponse>('/api/v1/auth/refresh', { method: 'POST' }),
  logout: () => apiFetch<void>('/api/v1/auth/logout', { method: 'POST', noAuthRedirect: true }),
  me: (opts: { noAuthRedirect?: boolean; signal?: AbortSignal } = {}) => apiFetch<Me>('/api/v1/me', opts),
  users: (signal?: AbortSignal, cursor?: string) =>
    apiFetch<Page<User>>('/api/v1/users', { signal, query: { limit: 500, cursor } }),
  createUser: (u: { email: string; display_name: string; password: string; roles: Role[] }) =>
    apiFetch<User>('/api/v1/users', { method: 'POST', body: u }),

  projects: (cursor?: string, signal?: AbortSignal) =>
    apiFetch<Page<Project>>('/api/v1/projects', { signal, query: { limit: 500, cursor } }),
  project: (id: string, signal?: AbortSignal) => apiFetch<Project>(`/api/v1/projects/${enc(id)}`, { signal }),
  createProject: (p: ProjectInput) => apiFetch<Project>('/api/v1/projects', { method: 'POST', body: p }),
  /** Changes the fields given, based on `version` (a stale one is a 409 with current_version). */
  updateProject: (id: string, version: number, patch: Partial<ProjectInput>) =>
    apiFetch<Project>(`/api/v1/projects/${enc(id)}`, { method: 'PATCH', body: { ...patch, version } }),
  /** With `version`, only that version is deleted (a stale one is a 409). */
  deleteProject: (id: string, version?: number) =>
    apiFetch<void>(`/api/v1/projects/${enc(id)}`, { method: 'DELETE', headers: ifMatch(version) }),

  dashboards: (cursor?: string, signal?: AbortSignal) =>
    apiFetch<Page<Dashboard>>('/api/v1/dashboards', { signal, query: { limit: 100, cursor } }),
  dashboard: (id: string, signal?: AbortSignal) =>
    apiFetch<Dashboard>(`/api/v1/dashboards/${enc(id)}`, { signal }),
  createDashboard: (d: { name: string; description?: string; visibility: Visibility }) =>
    apiFetch<Dashboard>('/api/v1/dashboards', { method: 'POST', body: { layout: { columns: 12 }, ...d } }),
  /** Changes the fields given, based on `version` (a stale one is a 409 with current_version). */
  updateDashboard: (id: string, patch: DashboardPatch) =>
    apiFetch<Dashboard>(`/api/v1/dashboards/${enc(id)}`, { method: 'PATCH', body: patch }),
  /** With `version`, only that version is deleted (a stale one is a 409). */
  deleteDashboard: (id: string, version?: number) =>
    apiFetch<void>(`/api/v1/dashboards/${enc(id)}`, {
      method: 'DELETE',
      headers: ifMatch(version),
    }),

  createWidget: (dashboardId: string, w: WidgetInput) =>
    apiFetch<Widget>(`/api/v1/dashboards/${enc(dashboardId)}/widgets`, { method: 'POST', body: w }),
  /** Changes the fields given, based on `version` (a stale one is a 409 with current_version). */
  updateWidget: (id: string, patch: WidgetPatch) =>
    apiFetch<Widget>(`/api/v1/widgets/${enc(id)}`, { method: 'PATCH', body: patch }),
  /** With a version, only that version is deleted (If-Match; a stale one is a 409). */
  deleteWidget: (id: string, version?: number) =>
    apiFetch<void>(`/api/v1/widgets/${enc(id)}`, { method: 'DELETE', headers: ifMatch(version) }),
  widgetValue: (id: string, signal?: AbortSignal) =>
    apiFetch<WidgetValue>(`/api/v1/widgets/${enc(id)}/value`, { signal }),

  metrics: (signal?: AbortSignal) =>
    apiFetch<Page<MetricDefinition>>('/api/v1/metrics', { signal, query: { limit: 500 } }),
  series: (code: string, q: SeriesQuery, signal?: AbortSignal) =>
    apiFetch<Series>(`/api/v1/metrics/${enc(code)}/series`, {
      signal,
      query: {
        from: q.from,
        to: q.to,
        step: q.stepMs !== undefined ? `${Math.max(1, Math.round(q.stepMs / 1000))}s` : undefined,
        agg: q.agg || undefined,
        labels: q.labels ? labelsParam(q.labels) : undefined,
      },
    }),

  insights: (limit = 100, signal?: AbortSignal) =>
    apiFetch<Page<Insight>>('/api/v1/insights', { signal, query: { limit } }),

  alertRules: (cursor?: string, signal?: AbortSignal) =>
    apiFetch<Page<AlertRule>>('/api/v1/alert-rules', { signal, query: { limit: 500, cursor } }),
  alertRule: (id: string, signal?: AbortSignal) =>
    apiFetch<AlertRule>(`/api/v1/alert-rules/${enc(id)}`, { signal }),
  createAlertRule: (r: AlertRuleInput) =>
    apiFetch<AlertRule>('/api/v1/alert-rules', { method: 'POST', body: r }),
  /** Changes the fields given, based on `version` (a stale one is a 409 with current_version). */
  updateAlertRule: (id: string, version: number, patch: Partial<AlertRuleInput>) =>
    apiFetch<AlertRule>(`/api/v1/alert-rules/${enc(id)}`, { method: 'PATCH', body: { ...patch, version } }),
  /** With `version`, only that version is deleted (a stale one is a 409). */
  deleteAlertRule: (id: string, version?: number) =>
    apiFetch<void>(`/api/v1/alert-rules/${enc(id)}`, { method: 'DELETE', headers: ifMatch(version) }),

  alerts: (q: { open?: boolean; state?: string; limit?: number } = {}, signal?: AbortSignal) =>
    apiFetch<Page<Alert>>('/api/v1/alerts', {
      signal,
      query: { open: q.open ? 'true' : undefined, state: q.state, limit: q.limit ?? 50 },
    }),
  ackAlert: (id: string) => apiFetch<Alert>(`/api/v1/alerts/${enc(id)}/ack`, { method: 'POST' }),

  notifications: (q: { unread?: boolean; cursor?: string } = {}, signal?: AbortSignal) =>
    apiFetch<Page<Notification>>('/api/v1/notifications', {
      signal,
      query: { unread: q.unread ? 'true' : undefined, cursor: q.cursor, limit: 50 },
    }),
  markRead: (id: string) =>
    apiFetch<Notification>(`/api/v1/notifications/${enc(id)}/read`, { method: 'POST' }),
  notify: (n: { title: string; body: string; severity: string }) =>
    apiFetch<Notification>('/api/v1/notifications', { method: 'POST', body: n }),
};

export interface WidgetInput {
  type: WidgetType;
  title: string;
  query: MetricQuery;
  options: WidgetOptions;
  position: GridPos;
}

export interface DashboardPatch {
  name?: string;
  description?: string;
  visibility?: Visibility;
  version: number;
}

export interface ProjectInput {
  name: string;
  description: string;
  status: string;
  members?: string[];
}

export interface AlertRuleInput {
  name: string;
  metric_code: string;
  labels: Record<string, string>;
  comparison: string;
  threshold: number;
  for: string;
  severity: string;
  recipients: Recipients;
  enabled: boolean;
}

export type WidgetPatch = Partial<WidgetInput> & { version: number; dashboard_id?: string };

export interface SeriesQuery {
  /** Unix ms or RFC 3339. */
  from?: number | string;
  to?: number | string;
  stepMs?: number;
  agg?: string;
  labels?: Record<string, string>;
}

export function labelsParam(labels: Record<string, string>): string | undefined {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return undefined;
  // "," and "\" in values are escaped with "\" (livedash.LabelsKey): "path=a\,b" is one label.
  return keys.map((k) => `${k}=${(labels[k] ?? '').replace(/[\\,]/g, '\\$&')}`).join(',');
}

// The REST API's records (docs/api.md), as the server encodes them.

export type Role = 'admin' | 'editor' | 'viewer' | (string & {});

export interface User {
  id: string;
  tenant: string;
  email: string;
  display_name: string;
  roles: Role[];
  created_at: string;
  updated_at: string;
}

export interface Tenant {
  id: string;
  name: string;
  created_at: string;
}

export interface Principal {
  id: string;
  tenant: string;
  roles: Role[];
  projects?: string[];
}

export interface Me {
  principal: Principal;
  /** null for tokens naming no stored user (e.g. minted by `livedash token`). */
  user: User | null;
  tenant: Tenant;
  unread_notifications: number;
}

export interface LoginResponse {
  token: string;
  expires_at: string;
  user: User;
}

export interface Page<T> {
  items: T[];
  next_cursor?: string;
}

export type Visibility = 'shared' | 'private';

export interface DashboardLayout {
  columns?: number;
  [key: string]: unknown;
}

export interface Dashboard {
  id: string;
  tenant: string;
  owner_id: string;
  name: string;
  description: string;
  layout: DashboardLayout;
  visibility: Visibility;
  version: number;
  created_at: string;
  updated_at: string;
  /** Present on GET /dashboards/{id}, absent in lists. */
  widgets?: Widget[];
}

export const WIDGET_TYPES = ['timeseries', 'stat', 'gauge', 'table', 'alert_list', 'text'] as const;
export type WidgetType = (typeof WIDGET_TYPES)[number];

export const AGGREGATIONS = ['avg', 'min', 'max', 'last', 'sum', 'count'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface MetricQuery {
  codes: string[];
  labels?: Record<string, string>;
  aggregation: Aggregation | '';
  /** A Go duration ("15m", "1h"); "0s" or "" for the default (1 h). */
  range: string;
  step?: string;
}

/** Units the app formats; anything else is shown as a suffix. */
export type Unit = 'percent' | 'bytes' | 'bytes/s' | (string & {});

/** Widget options: a JSON object owned by the web app. */
export interface WidgetOptions {
  unit?: Unit;
  /** text widgets: the text (plain, never HTML). */
  text?: string;
  /** gauges: the scale (default 0–100). */
  min?: number;
  max?: number;
  [key: string]: unknown;
}

export interface Widget {
  id: string;
  tenant: string;
  dashboard_id: string;
  type: WidgetType;
  title: string;
  query: MetricQuery;
  options: WidgetOptions;
  position: GridPos;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface CodeValue {
  code: string;
  value: number | null;
}

export interface WidgetValue {
  widget_id: string;
  dashboard_id: string;
  version: number;
  aggregation: string;
  range: string;
  value: number | null;
  values: CodeValue[];
  computed_at: string;
}

export interface MetricDefinition {
  tenant: string;
  code: string;
  name: string;
  unit: string;
}

/** [unix_ms, value] */
export type SeriesPoint = [number, number];

export interface Series {
  code: string;
  labels?: Record<string, string>;
  from: string;
  to: string;
  step: string;
  agg: string;
  points: SeriesPoint[];
}

export type Severity = 'info' | 'warning' | 'critical' | (string & {});

export interface Alert {
  id: string;
  tenant: string;
  rule_id: string;
  rule_name: string;
  metric_code: string;
  labels?: Record<string, string>;
  severity: Severity;
  state: 'firing' | 'acknowledged' | 'resolved' | (string & {});
  value: number;
  threshold: number;
  message: string;
  fired_at: string;
  acknowledged_at?: string;
  acknowledged_by?: string;
  resolved_at?: string;
}

export interface Notification {
  id: string;
  tenant: string;
  author_id: string;
  title: string;
  body: string;
  severity: Severity;
  created_at: string;
  read: boolean;
  read_at?: string;
}

export const COMPARISONS = ['gt', 'gte', 'lt', 'lte', 'eq', 'ne'] as const;
export type Comparison = (typeof COMPARISONS)[number];

export const SEVERITIES = ['info', 'warning', 'critical'] as const;

export const ROLES = ['admin', 'editor', 'viewer'] as const;

/** Who an alert is sent to: users by id and every user holding one of the roles. */
export interface Recipients {
  users?: string[];
  roles?: Role[];
}

/** Fires an alert while the series (metric_code, labels) stays beyond threshold for `for`. */
export interface AlertRule {
  id: string;
  tenant: string;
  name: string;
  metric_code: string;
  labels?: Record<string, string>;
  comparison: Comparison | (string & {});
  threshold: number;
  /** A Go duration ("2m"); "0s": at once. */
  for: string;
  severity: Severity;
  recipients: Recipients;
  enabled: boolean;
  /** 1 on create, +1 per update; a PATCH sends the version it is based on (docs/api.md). */
  version: number;
  created_at: string;
  updated_at: string;
}

export const PROJECT_STATUSES = ['active', 'paused', 'archived'] as const;
export type ProjectStatus = (typeof PROJECT_STATUSES)[number];

export interface Project {
  id: string;
  tenant: string;
  name: string;
  description: string;
  status: ProjectStatus | (string & {});
  /** User ids. */
  members: string[];
  /** 1 on create, +1 per update (members included); a PATCH sends the version it is based on. */
  version: number;
  created_at: string;
  updated_at: string;
}

/** An anomaly found by the analytics engine (GET /api/v1/insights, the `insight` event). */
export interface Insight {
  id: string;
  tenant: string;
  code: string;
  /** Absent for the main (unlabelled) series. */
  labels?: Record<string, string>;
  ts: string;
  severity: Severity;
  kind: 'sustained_high' | 'sustained_low' | 'spike' | 'drop' | (string & {});
  value: number;
  baseline: number;
  z: number;
  message: string;
}

export function hasRole(me: Me | null | undefined, ...roles: Role[]): boolean {
  return !!me && roles.some((r) => me.principal.roles.includes(r));
}

export const canEdit = (me: Me | null | undefined) => hasRole(me, 'editor', 'admin');
export const isAdmin = (me: Me | null | undefined) => hasRole(me, 'admin');

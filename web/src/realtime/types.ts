// The livedash real-time protocol, version 1 (docs/protocol.md), as TypeScript types.
// This file is a mirror of a public contract: add to it, never rename.

/** Announced by the server in `welcome.protocol`. */
export const PROTOCOL_VERSION = 1;

/** The two transports the SDK speaks. */
export type TransportKind = 'websocket' | 'sse';

/**
 * A channel's position: the last `seq` seen and the history generation (`epoch`) it belongs to.
 * Sequence numbers are uint64 on the server; JavaScript numbers are exact up to 2^53.
 */
export interface StreamPosition {
  seq: number;
  epoch: string;
}

/** The authenticated user, as the server reports it. */
export interface UserInfo {
  id: string;
  tenant: string;
  roles: string[];
  projects?: string[];
}

/** One channel of a `subscribed` reply, of `welcome`/`authenticated`, or of the SSE `ready`. */
export interface ChannelPosition {
  /** The name the client asked for (e.g. `metrics`); the channel itself for implicit channels. */
  name: string;
  /** The canonical channel (e.g. `metrics.t1`). */
  channel: string;
  /** The channel's current position (the last publication). */
  seq: number;
  epoch: string;
  /** Present when the client asked to recover the channel (`since`, `?since=`, Last-Event-ID). */
  recovered?: boolean;
}

/** Positions keyed by canonical channel, the shape of `since` in commands. */
export type SinceMap = Record<string, StreamPosition>;

// ---------------------------------------------------------------------------------------------
// Client → server commands. Each may carry a numeric `id`; the reply echoes it.

export interface AuthenticateCommand {
  type: 'authenticate';
  id?: number;
  token: string;
  since?: SinceMap;
}
export interface SubscribeCommand {
  type: 'subscribe';
  id?: number;
  channels: string[];
  since?: SinceMap;
}
export interface UnsubscribeCommand {
  type: 'unsubscribe';
  id?: number;
  channels: string[];
}
export interface PingCommand {
  type: 'ping';
  id?: number;
}
export interface PongCommand {
  type: 'pong';
  id?: number;
}
export interface RefreshCommand {
  type: 'refresh';
  id?: number;
  token: string;
}
export type ClientCommand =
  | AuthenticateCommand
  | SubscribeCommand
  | UnsubscribeCommand
  | PingCommand
  | PongCommand
  | RefreshCommand;

// ---------------------------------------------------------------------------------------------
// Server → client messages (WebSocket). A frame may carry several, separated by "\n".

export interface WelcomeMessage {
  type: 'welcome';
  protocol: number;
  connection_id: string;
  /** Seconds between server pings. */
  heartbeat_interval: number;
  /** false: the client must send `authenticate`. */
  authenticated: boolean;
  user?: UserInfo;
  /** The implicit channels (user.*, tenant.*, global) with their positions. */
  channels?: ChannelPosition[];
}
export interface AuthenticatedMessage {
  type: 'authenticated';
  id?: number;
  user: UserInfo;
  channels?: ChannelPosition[];
}
export interface SubscribedMessage {
  type: 'subscribed';
  id?: number;
  channels: ChannelPosition[];
}
export interface UnsubscribedMessage {
  type: 'unsubscribed';
  id?: number;
  /** Canonical names. */
  channels: string[];
}
export interface EventMessage<D = unknown> {
  type: 'event';
  /** Canonical channel, e.g. `metrics.t1`. */
  channel: string;
  event: string;
  seq: number;
  /** Publication time, RFC 3339 with nanoseconds. */
  ts: string;
  data: D;
}
/** Server heartbeat: answer `{"type":"pong","id":N}`. */
export interface ServerPingMessage {
  type: 'ping';
  id: number;
}
/** Reply to the client's `ping`, with the server time. */
export interface PongMessage {
  type: 'pong';
  id?: number;
  ts: string;
}
export interface ErrorMessage {
  type: 'error';
  id?: number;
  code: ErrorCode;
  message: string;
}
export type ServerMessage =
  | WelcomeMessage
  | AuthenticatedMessage
  | SubscribedMessage
  | UnsubscribedMessage
  | EventMessage
  | ServerPingMessage
  | PongMessage
  | ErrorMessage;

// ---------------------------------------------------------------------------------------------
// Server-Sent Events (GET /dashboard/sse): the `data:` payloads.

/** `event: ready`, the first event of a stream; its `id` is the starting cursor. */
export interface SseReadyData {
  connection_id: string;
  heartbeat_interval: number;
  user: UserInfo;
  /** Every channel of the stream, implicit ones included. */
  channels: ChannelPosition[];
}
/** One publication; the SSE `event:` field is its name, `id:` the stream's cursor after it. */
export interface SseEventData<D = unknown> {
  channel: string;
  seq: number;
  ts: string;
  data: D;
}
/** `event: close`, the last event when the server ends the stream. */
export interface SseCloseData {
  code: number;
  reason: string;
}

// ---------------------------------------------------------------------------------------------
// Codes.

/** Error codes of `error` messages and of HTTP refusals. Unknown codes may be added later. */
export type ErrorCode =
  | 'bad_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'rate_limited'
  | 'too_many_channels'
  | 'internal'
  | (string & {});

/** WebSocket close codes (and codes of the SSE `close` event). */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  Abnormal: 1006,
  TooBig: 1009,
  ServerRestart: 1012,
  SlowConsumer: 4000,
  Unauthorized: 4401,
  Forbidden: 4403,
  HeartbeatTimeout: 4408,
  Limit: 4429,
} as const;

// ---------------------------------------------------------------------------------------------
// Event names and their data.
//
// The shapes below are the server's payloads (service/EVENTS.md), open to more fields
// (`[key: string]: unknown`): payloads change only by adding.

/** `[unix_ms, value]`, as the server writes series points. */
export type MetricPoint = [number, number];

/** One labelled series of a `metric_update`. */
export interface MetricSeriesData {
  labels: Record<string, string>;
  points: MetricPoint[];
  last: number;
}

/**
 * `metric_update` on `metrics.{tenant}`: one per metric code per ingested batch
 * (service/EVENTS.md). `points`/`last` are the main (unlabelled) series, in time order; `series`
 * holds each labelled series the batch wrote.
 */
export interface MetricUpdateData {
  code: string;
  points?: MetricPoint[];
  last?: number;
  series?: MetricSeriesData[];
  /** Not sent by the server (its payload has `last`); kept for publishers that send one value. */
  value?: number;
  /** Sample time (RFC 3339) of a one-value publication. */
  ts?: string;
  labels?: Record<string, string>;
  unit?: string;
  [key: string]: unknown;
}

/** An alert as stored by the server (`livedash.Alert`). */
export interface AlertData {
  id: string;
  tenant: string;
  rule_id: string;
  rule_name: string;
  metric_code: string;
  labels?: Record<string, string>;
  severity: 'info' | 'warning' | 'critical' | (string & {});
  state: 'firing' | 'acknowledged' | 'resolved' | (string & {});
  value: number;
  threshold: number;
  message: string;
  fired_at: string;
  acknowledged_at?: string;
  acknowledged_by?: string;
  resolved_at?: string;
  [key: string]: unknown;
}

/** `new_alert` (change `firing`) and `alert_update` (`acknowledged`, `resolved`) on `alerts.{user}`. */
export interface AlertEventData {
  change: 'firing' | 'acknowledged' | 'resolved' | (string & {});
  /** The user who made the change (acknowledged; resolved by deleting the rule). */
  by?: string;
  alert: AlertData;
  [key: string]: unknown;
}

/** A project (`livedash.Project`). */
export interface ProjectData {
  id: string;
  tenant: string;
  name: string;
  description: string;
  status: string;
  members: string[];
  version: number;
  created_at: string;
  updated_at: string;
  [key: string]: unknown;
}

/**
 * `project_update` on `project.{id}`. `version` is the project's version after the update (a
 * client holding an older one should re-read the project before editing it).
 */
export interface ProjectUpdateData {
  project_id: string;
  version: number;
  name: string;
  previous_name?: string;
  status: string;
  previous_status: string;
  by: string;
  [key: string]: unknown;
}

/** A notification (`livedash.Notification`). */
export interface NotificationData {
  id: string;
  tenant: string;
  author_id: string;
  title: string;
  body: string;
  severity: string;
  created_at: string;
  read: boolean;
  read_at?: string;
  [key: string]: unknown;
}

/** `system_notification` on `system.{tenant}`. */
export interface SystemNotificationData {
  notification: NotificationData;
  [key: string]: unknown;
}

/** A grid position, in cells. */
export interface GridPosData {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A widget (`livedash.Widget`) as carried by events. */
export interface WidgetData {
  id: string;
  tenant: string;
  dashboard_id: string;
  type: string;
  title: string;
  query: {
    codes: string[];
    labels?: Record<string, string>;
    aggregation: string;
    range: string;
    step?: string;
  };
  options: Record<string, unknown>;
  position: GridPosData;
  version: number;
  created_at: string;
  updated_at: string;
  [key: string]: unknown;
}

/** A dashboard (`livedash.Dashboard`) as carried by events (without widgets, but on `created`). */
export interface DashboardData {
  id: string;
  tenant: string;
  owner_id: string;
  name: string;
  description: string;
  layout: Record<string, unknown>;
  visibility: string;
  version: number;
  created_at: string;
  updated_at: string;
  widgets?: WidgetData[];
  [key: string]: unknown;
}

/**
 * `dashboard_update` on `dashboard.{owner}` and `board.{id}` (shared dashboards). `version` is the
 * dashboard's after the change; `dashboard` comes with `created`/`updated`, `widget` with
 * `widget_added`, `widget_id` with `widget_removed`.
 */
export interface DashboardUpdateData {
  dashboard_id: string;
  version: number;
  change: 'created' | 'updated' | 'deleted' | 'widget_added' | 'widget_removed' | (string & {});
  /** The user who made the change. */
  by: string;
  dashboard?: DashboardData;
  widget?: WidgetData;
  widget_id?: string;
  /** Never sent by the server (it says `change`); kept from the placeholder. */
  action?: string;
  [key: string]: unknown;
}

/** The computed value of a stat/gauge widget. */
export interface WidgetValueData {
  widget_id: string;
  dashboard_id: string;
  version: number;
  aggregation: string;
  range: string;
  value: number | null;
  values: Array<{ code: string; value: number | null }>;
  computed_at: string;
  [key: string]: unknown;
}

/**
 * `widget_update` on the same channels as `dashboard_update`: `config` (with `widget` and `by`) or
 * `value` (with `value`). `version` is the widget's.
 */
export interface WidgetUpdateData {
  dashboard_id: string;
  widget_id: string;
  version: number;
  change: 'config' | 'value' | (string & {});
  by?: string;
  widget?: WidgetData;
  value?: WidgetValueData;
  /** Never sent by the server (it says `change`); kept from the placeholder. */
  action?: string;
  data?: unknown;
  [key: string]: unknown;
}

/** An insight from the analytics engine, on `metrics.{tenant}` (service/EVENTS.md, `insight`). */
export interface InsightData {
  id: string;
  tenant: string;
  code: string;
  /** Absent for the main (unlabelled) series. */
  labels?: Record<string, string>;
  ts: string;
  severity: 'info' | 'warning' | 'critical' | (string & {});
  /** `sustained_high`, `sustained_low`, `spike` or `drop`. */
  kind: string;
  /** The mean of the episode. */
  value: number;
  /** The series' usual level. */
  baseline: number;
  z: number;
  message: string;
  [key: string]: unknown;
}

/** The known event names and the type of their `data`. */
export interface EventDataMap {
  dashboard_update: DashboardUpdateData;
  widget_update: WidgetUpdateData;
  new_alert: AlertEventData;
  alert_update: AlertEventData;
  metric_update: MetricUpdateData;
  project_update: ProjectUpdateData;
  system_notification: SystemNotificationData;
  insight: InsightData;
}

export type KnownEventName = keyof EventDataMap;

/** Every known event name, e.g. to listen for them over SSE. */
export const EVENT_NAMES: readonly KnownEventName[] = [
  'dashboard_update',
  'widget_update',
  'new_alert',
  'alert_update',
  'metric_update',
  'project_update',
  'system_notification',
  'insight',
];

/** The data type of an event name: the known shape, or `unknown` for other names. */
export type EventData<E extends string> = E extends KnownEventName ? EventDataMap[E] : unknown;

/** An event as delivered to listeners, whichever transport carried it. */
export interface RealtimeEvent<E extends string = string> {
  /** Canonical channel, e.g. `metrics.t1`. */
  channel: string;
  event: E;
  seq: number;
  ts: string;
  data: EventData<E>;
  transport: TransportKind;
}

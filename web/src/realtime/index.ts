// The livedash realtime SDK. Plain TypeScript: import from 'realtime' without React; the React
// provider and hook are in './react'.

export { type BackoffOptions, backoffCeil, backoffDelay, DEFAULT_BACKOFF } from './backoff';
export { type ChannelRefs, createChannelRefs } from './channel-refs';
export {
  type ConnectionStatus,
  createRealtime,
  type EventListener,
  type Realtime,
  type RealtimeStats,
  type RecoveryFailure,
  type StatusChange,
} from './connection';
export { formatCursor, parseCursor } from './cursor';
export { resolveEndpoints } from './endpoints';
export { RealtimeError, type RealtimeErrorCode } from './errors';
export type {
  EventSourceConstructor,
  RealtimeOptions,
  TokenSource,
  TransportOption,
  WebSocketConstructor,
} from './options';
export { createRealtimeStore, type RealtimeSnapshot, type RealtimeStore } from './store';
export * from './types';

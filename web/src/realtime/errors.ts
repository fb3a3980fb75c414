import type { ErrorCode } from './types';

/**
 * Codes of RealtimeError: the server's error codes (`forbidden`, `too_many_channels`, …) and the
 * SDK's own:
 * - `closed`: close() was called
 * - `disconnected`: the connection dropped before the reply came
 * - `timeout`: no reply in time
 * - `queue_full`: too many commands waited for a connection; the oldest was dropped
 * - `not_supported`: the command cannot be sent over this transport
 * - `unauthorized`: the server closed with 4401 (or refused authentication) and no token function
 *   can supply a new token
 * - `refused`: an SSE stream with newly added channels would not start; they were removed
 * - `unsubscribed`: unsubscribe() was called before the subscription was confirmed
 * - `bad_message`: a server message was not valid JSON
 */
export type RealtimeErrorCode =
  | ErrorCode
  | 'closed'
  | 'disconnected'
  | 'timeout'
  | 'queue_full'
  | 'not_supported'
  | 'unauthorized'
  | 'refused'
  | 'unsubscribed'
  | 'bad_message';

export class RealtimeError extends Error {
  readonly code: RealtimeErrorCode;
  /** The channels (names as requested) the error is about, when it is about some. */
  readonly channels: string[];

  constructor(code: RealtimeErrorCode, message: string, channels: string[] = []) {
    super(message);
    this.name = 'RealtimeError';
    this.code = code;
    this.channels = channels;
  }
}

// Reconnection delays: exponential backoff with full jitter.

export interface BackoffOptions {
  /** Ceiling of the first delay (attempt 0), in ms. */
  initialMs: number;
  /** Largest ceiling, in ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

/** The upper bound of the delay before attempt number `attempt` (0-based): initial·2^attempt, capped. */
export function backoffCeil(attempt: number, { initialMs, maxMs }: BackoffOptions): number {
  const initial = Math.max(1, initialMs);
  const max = Math.max(initial, maxMs);
  // 2^31 already exceeds any sensible cap; avoid overflowing to Infinity.
  const exp = Math.min(Math.max(0, attempt), 31);
  return Math.min(max, initial * 2 ** exp);
}

/**
 * The delay before attempt number `attempt`: uniform in [0, ceil] ("full jitter"), so that clients
 * disconnected together do not come back together. `random` returns a number in [0, 1).
 */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * (backoffCeil(attempt, opts) + 1));
}

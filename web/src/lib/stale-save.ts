// After a versioned save (sent with the version the form was opened with) is refused: a 409 means
// someone else changed the record since, so it is read again to show their version; a 404, also on
// that read, means it was deleted meanwhile.

import { ApiError } from '../api/client';

export type Stale<T> = { kind: 'changed'; latest: T } | { kind: 'deleted' };

/**
 * What became of the record after its save failed with `err`; null when `err` is not about the
 * version, or the record could not be read again (then `err` is the error to show).
 * `onStale` runs first on a 409 or 404: whatever lists the record is out of date.
 */
export async function staleAfterSave<T>(
  err: unknown,
  readLatest: () => Promise<T>,
  onStale?: () => void,
): Promise<Stale<T> | null> {
  if (!(err instanceof ApiError && (err.status === 409 || err.status === 404))) return null;
  onStale?.();
  if (err.status === 404) return { kind: 'deleted' };
  try {
    return { kind: 'changed', latest: await readLatest() };
  } catch (e2) {
    return e2 instanceof ApiError && e2.status === 404 ? { kind: 'deleted' } : null;
  }
}

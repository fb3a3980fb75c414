// Deleting a record as it was shown (DELETE with its version, If-Match) after a confirmation. If
// someone else changed it since (409), it is read again and shown, and the user is asked again
// (about that version); if it is gone already (404, also on that read), it counts as deleted.

import { useState } from 'react';
import { ApiError } from '../api/client';

export function useVersionedDelete<T extends { id: string; version: number }>(h: {
  /** Deletes `r` if it is still at `r.version`. */
  remove(r: T): Promise<unknown>;
  read(id: string): Promise<T>;
  /** The record as it is now, after a 409: the confirmation shows it. */
  onChanged(current: T): void;
  /** A 409, and the record could not be read again. */
  onUnread(): void;
  onDeleted(r: T): void;
}) {
  /** The record whose deletion is being confirmed. */
  const [deleting, setDeleting] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  /** The delete was refused as stale: `deleting` is now the current record. */
  const [changed, setChanged] = useState(false);
  const [busy, setBusy] = useState(false);

  const ask = (r: T) => {
    setError(null);
    setChanged(false);
    setDeleting(r);
  };

  const confirm = async () => {
    if (!deleting) return;
    const r = deleting;
    setBusy(true);
    setError(null);
    try {
      await h.remove(r);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        try {
          const current = await h.read(r.id);
          h.onChanged(current);
          setDeleting(current);
          setChanged(true);
          setBusy(false);
          return;
        } catch (e2) {
          if (!(e2 instanceof ApiError && e2.status === 404)) {
            setError(err);
            h.onUnread();
            setBusy(false);
            return;
          }
        }
      } else if (!(err instanceof ApiError && err.status === 404)) {
        setError(err);
        setBusy(false);
        return;
      }
    }
    setDeleting(null);
    setChanged(false);
    setBusy(false);
    h.onDeleted(r);
  };

  return { deleting, error, changed, busy, ask, cancel: () => setDeleting(null), confirm };
}

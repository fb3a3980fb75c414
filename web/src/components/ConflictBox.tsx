// A save refused because someone else changed or deleted the record: says so in the form and, for
// a change, lets the user load their version or save the form over it.

import type { ReactNode } from 'react';
import type { Stale } from '../lib/stale-save';

export function ConflictBox<T>({
  stale,
  deleted,
  changed,
  onClose,
  onLoadTheirs,
  onSaveMine,
}: {
  stale: Stale<T>;
  /** The message when the record was deleted. */
  deleted: ReactNode;
  /** The message when it was changed, describing `latest`. */
  changed(latest: T): ReactNode;
  onClose(): void;
  onLoadTheirs(latest: T): void;
  onSaveMine(latest: T): void;
}) {
  return (
    <div className="form-error conflict-box" role="alert">
      {stale.kind === 'deleted' ? (
        <>
          <p>{deleted}</p>
          <button type="button" className="button" onClick={onClose}>
            Close
          </button>
        </>
      ) : (
        <>
          <p>{changed(stale.latest)}</p>
          <button type="button" className="button" onClick={() => onLoadTheirs(stale.latest)}>
            Load their version
          </button>{' '}
          <button type="button" className="button primary" onClick={() => onSaveMine(stale.latest)}>
            Save mine over it
          </button>
        </>
      )}
    </div>
  );
}

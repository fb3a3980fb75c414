// "Are you sure?" before something that cannot be undone; the safe choice has the focus.

import type { ReactNode } from 'react';
import { errorMessage } from '../api/client';
import { Dialog } from './Dialog';

export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  busy = false,
  error,
  onConfirm,
  onCancel,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  /** The failure of the last attempt, shown in the dialog. */
  error?: unknown;
  onConfirm(): void;
  onCancel(): void;
}) {
  return (
    <Dialog
      title={title}
      onClose={onCancel}
      actions={
        <>
          <button type="button" className="button" onClick={onCancel} data-autofocus>
            Cancel
          </button>
          <button type="button" className="button danger" onClick={onConfirm} disabled={busy}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </>
      }
    >
      {children}
      {error !== undefined && error !== null && (
        <p className="form-error" role="alert">
          {errorMessage(error)}
        </p>
      )}
    </Dialog>
  );
}

// Rename a dashboard, change its description and visibility (PATCH /api/v1/dashboards/{id} with
// the version read), and delete it after a confirmation (DELETE with If-Match). A 409 (someone
// else changed it meanwhile) is explained, with their version, and the user chooses: load theirs
// or save over it.

import { type FormEvent, useId, useState } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { api, type DashboardPatch } from '../../api/resources';
import type { Dashboard, Visibility } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ConflictBox } from '../../components/ConflictBox';
import { Dialog } from '../../components/Dialog';
import { useFieldErrors } from '../../lib/field-errors';
import { type Stale, staleAfterSave } from '../../lib/stale-save';

const MAX_NAME = 200;
const MAX_DESCRIPTION = 2000;

/** The changed fields of the form against `base`, with base's version. */
export function dashboardPatch(
  base: Dashboard,
  f: { name: string; description: string; visibility: Visibility },
): DashboardPatch | null {
  const p: DashboardPatch = { version: base.version };
  if (f.name !== base.name) p.name = f.name;
  if (f.description !== base.description) p.description = f.description;
  if (f.visibility !== base.visibility) p.visibility = f.visibility;
  return Object.keys(p).length > 1 ? p : null;
}

export function DashboardSettingsDialog({
  dashboard,
  onSaved,
  onClose,
  onDeleted,
}: {
  dashboard: Dashboard;
  onSaved(d: Dashboard): void;
  onClose(): void;
  /** Given: the dialog offers to delete the dashboard too. */
  onDeleted?(): void;
}) {
  const id = useId();
  const [base, setBase] = useState(dashboard);
  const [name, setName] = useState(dashboard.name);
  const [description, setDescription] = useState(dashboard.description ?? '');
  const [visibility, setVisibility] = useState<Visibility>(dashboard.visibility);
  const { errors, setErrors, formRef, invalid, fieldError } = useFieldErrors(id);
  const [error, setError] = useState<unknown>(null);
  const [theirs, setTheirs] = useState<Stale<Dashboard> | null>(null);
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState(false);

  const save = async (e: FormEvent | null, over?: Dashboard) => {
    e?.preventDefault();
    const errs: Record<string, string> = {};
    const n = name.trim();
    if (n === '') errs.name = 'Give the dashboard a name.';
    else if ([...n].length > MAX_NAME) errs.name = `At most ${MAX_NAME} characters.`;
    if ([...description].length > MAX_DESCRIPTION)
      errs.description = `At most ${MAX_DESCRIPTION} characters.`;
    setErrors(errs);
    setError(null);
    if (Object.keys(errs).length > 0) return;
    const from = over ?? base;
    const patch = dashboardPatch(from, { name: n, description, visibility });
    if (!patch) {
      if (over) onSaved(over);
      else onClose();
      return;
    }
    setBusy(true);
    try {
      onSaved(await api.updateDashboard(from.id, patch));
    } catch (err) {
      const stale = await staleAfterSave(err, () => api.dashboard(from.id));
      // A 409 after which the dashboard could not be read: a version shown before is out of date too.
      if (stale || (err instanceof ApiError && err.status === 409)) setTheirs(stale);
      if (!stale) {
        setError(err);
        if (err instanceof ApiError) setErrors(err.fields);
      }
    } finally {
      setBusy(false);
    }
  };

  const loadTheirs = (d: Dashboard) => {
    setBase(d);
    setName(d.name);
    setDescription(d.description ?? '');
    setVisibility(d.visibility);
    setTheirs(null);
  };
  const saveMine = (d: Dashboard) => {
    setBase(d);
    setTheirs(null);
    void save(null, d);
  };

  if (deleting && onDeleted)
    return (
      <DeleteDashboardDialog dashboard={base} onCancel={() => setDeleting(false)} onDeleted={onDeleted} />
    );

  return (
    <Dialog title={`Dashboard settings: “${dashboard.name}”`} onClose={onClose}>
      <form ref={formRef} onSubmit={(e) => void save(e)} noValidate aria-label="Dashboard settings">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            value={name}
            maxLength={MAX_NAME}
            autoComplete="off"
            data-autofocus
            onChange={(e) => setName(e.target.value)}
            {...invalid('name')}
          />
          {fieldError('name')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-desc`}>Description</label>
          <textarea
            id={`${id}-desc`}
            rows={3}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            {...invalid('description')}
          />
          {fieldError('description')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-vis`}>Visibility</label>
          <select
            id={`${id}-vis`}
            value={visibility}
            onChange={(e) => setVisibility(e.target.value as Visibility)}
          >
            <option value="shared">Shared with the tenant</option>
            <option value="private">Private (only the owner)</option>
          </select>
          {fieldError('visibility')}
        </div>
        {theirs && (
          <ConflictBox
            stale={theirs}
            deleted="This dashboard was deleted by someone else. Your changes were not saved."
            changed={(latest) => (
              <>
                Someone else changed this dashboard while you were editing it (now version {latest.version}: “
                {latest.name}”, {latest.visibility}). Your changes were <strong>not saved</strong>.
              </>
            )}
            onClose={onClose}
            onLoadTheirs={loadTheirs}
            onSaveMine={saveMine}
          />
        )}
        {error !== null && Object.keys(errors).length === 0 && (
          <p className="form-error" role="alert">
            {errorMessage(error)}
          </p>
        )}
        <div className="dialog-actions">
          {onDeleted && (
            <button type="button" className="button danger" onClick={() => setDeleting(true)}>
              Delete dashboard…
            </button>
          )}
          <span className="spacer" />
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Confirms, then deletes the dashboard as read (If-Match); a 409 asks again. */
export function DeleteDashboardDialog({
  dashboard,
  onCancel,
  onDeleted,
}: {
  dashboard: Dashboard;
  onCancel(): void;
  onDeleted(): void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [changed, setChanged] = useState<number | null>(null);
  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      // After a conflict the user has seen the warning: delete whatever version it is now.
      await api.deleteDashboard(dashboard.id, changed === null ? dashboard.version : undefined);
      onDeleted();
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) onDeleted();
      else if (err instanceof ApiError && err.status === 409) {
        setChanged(err.currentVersion ?? dashboard.version + 1);
        setBusy(false);
      } else {
        setError(err);
        setBusy(false);
      }
    }
  };
  return (
    <ConfirmDialog
      title={`Delete the dashboard “${dashboard.name}”?`}
      confirmLabel={changed === null ? 'Delete dashboard' : 'Delete it anyway'}
      busy={busy}
      error={error}
      onCancel={onCancel}
      onConfirm={() => void remove()}
    >
      <p>Its widgets are deleted with it, for everyone it is shared with. This cannot be undone.</p>
      {changed !== null && (
        <p className="form-error" role="alert">
          Someone else changed this dashboard since you loaded it (now version {changed}). It was not deleted.
          Delete it anyway?
        </p>
      )}
    </ConfirmDialog>
  );
}

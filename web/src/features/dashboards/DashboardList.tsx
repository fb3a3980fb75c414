import { type FormEvent, useState } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { useDashboards } from '../../api/hooks';
import { api } from '../../api/resources';
import { canEdit, type Dashboard, type Visibility } from '../../api/types';
import { Badge } from '../../components/Badge';
import { Empty, ErrorState, Loading } from '../../components/States';
import { useMe } from '../../context/auth';
import { Link, navigate } from '../../context/router';
import { formatAgo } from '../../lib/format';
import { useRealtimeEvent, useRecoveryFailed } from '../../realtime/react';
import { DashboardSettingsDialog, DeleteDashboardDialog } from './DashboardSettingsDialog';

export function DashboardList() {
  const me = useMe();
  const { data, error, loading, reload, mutate } = useDashboards();
  useRecoveryFailed((f) => {
    if (f.name === 'dashboard') reload();
  });
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Dashboard | null>(null);
  const [deleting, setDeleting] = useState<Dashboard | null>(null);
  const editable = canEdit(me);
  // Dashboards created, renamed or deleted (ours, or shared ones we watch) refresh the list.
  useRealtimeEvent('dashboard_update', (e) => {
    if (e.data.change === 'created' || e.data.change === 'updated' || e.data.change === 'deleted') reload();
  });

  return (
    <main className="page" aria-labelledby="dashboards-title">
      <div className="page-head">
        <h1 id="dashboards-title">Dashboards</h1>
        {editable && !creating && (
          <button type="button" className="button primary" onClick={() => setCreating(true)}>
            New dashboard
          </button>
        )}
      </div>
      {creating && <CreateDashboard onCancel={() => setCreating(false)} />}
      {error && !data ? (
        <ErrorState error={error} onRetry={reload} title="Dashboards could not be loaded" />
      ) : loading && !data ? (
        <Loading label="Loading dashboards…" />
      ) : !data || data.length === 0 ? (
        <Empty title="No dashboards yet">
          {editable ? (
            <span>Create one with “New dashboard”.</span>
          ) : (
            <span>Ask an editor to share one.</span>
          )}
        </Empty>
      ) : (
        <ul className="card-list">
          {data.map((d) => (
            <li key={d.id} className="card">
              <Link to={`/dashboards/${d.id}`} className="card-link">
                <strong>{d.name}</strong>
              </Link>
              {d.description && <p className="muted">{d.description}</p>}
              <div className="card-meta muted">
                <Badge tone="neutral">{d.visibility}</Badge> updated {formatAgo(d.updated_at)}
              </div>
              {editable && (
                <div className="row-actions">
                  <button type="button" className="button small" onClick={() => setEditing(d)}>
                    Settings <span className="sr-only">of “{d.name}”</span>
                  </button>
                  <button type="button" className="button small danger" onClick={() => setDeleting(d)}>
                    Delete <span className="sr-only">“{d.name}”</span>
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {editing && (
        <DashboardSettingsDialog
          dashboard={editing}
          onClose={() => setEditing(null)}
          onSaved={(saved) => {
            const { widgets: _w, ...rest } = saved;
            mutate((l) => l?.map((x) => (x.id === saved.id ? { ...x, ...rest } : x)));
            setEditing(null);
          }}
        />
      )}
      {deleting && (
        <DeleteDashboardDialog
          dashboard={deleting}
          onCancel={() => setDeleting(null)}
          onDeleted={() => {
            mutate((l) => l?.filter((x) => x.id !== deleting.id));
            setDeleting(null);
          }}
        />
      )}
    </main>
  );
}

function CreateDashboard({ onCancel }: { onCancel(): void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [visibility, setVisibility] = useState<Visibility>('shared');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const d = await api.createDashboard({ name: name.trim(), description, visibility });
      navigate(`/dashboards/${d.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const nameError = error instanceof ApiError ? error.fields.name : undefined;
  return (
    <form className="panel form" onSubmit={(e) => void submit(e)} aria-label="New dashboard">
      <div className="field">
        <label htmlFor="nd-name">Name</label>
        <input
          id="nd-name"
          required
          value={name}
          onChange={(e) => setName(e.target.value)}
          autoComplete="off"
        />
        {nameError && <span className="field-error">{nameError}</span>}
      </div>
      <div className="field">
        <label htmlFor="nd-desc">Description</label>
        <input id="nd-desc" value={description} onChange={(e) => setDescription(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="nd-vis">Visibility</label>
        <select id="nd-vis" value={visibility} onChange={(e) => setVisibility(e.target.value as Visibility)}>
          <option value="shared">Shared with the tenant</option>
          <option value="private">Private (only me)</option>
        </select>
      </div>
      {error !== null && !nameError && (
        <p className="form-error" role="alert">
          {errorMessage(error)}
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button primary" disabled={busy || name.trim() === ''}>
          {busy ? 'Creating…' : 'Create'}
        </button>
      </div>
    </form>
  );
}

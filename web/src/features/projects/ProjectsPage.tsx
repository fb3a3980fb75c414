// Projects of the tenant (GET /api/v1/projects): everyone reads them; editors and admins create,
// rename, describe, change the status of and delete them.
//
// An edit sends only the changed fields, with the version of the project the form was opened with
// (PATCH /api/v1/projects/{id}); the server refuses it (409) if someone else changed the project
// since. The form then reads it again (GET /api/v1/projects/{id}), shows its current values and
// lets the user load them or save over them (based on the current version); a project deleted
// meanwhile (404) is said to be gone. Deleting sends the version shown (If-Match); a 409 shows the
// project as it is now and asks again. Members are shown, not edited here.
//
// Changes by others arrive live on `project:{id}` (project_update) for the projects the user may
// follow (a member, or an admin of the tenant): the list is read again.

import { type FormEvent, useId, useState } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { useProjects } from '../../api/hooks';
import { api, type ProjectInput } from '../../api/resources';
import { canEdit, isAdmin, PROJECT_STATUSES, type Project } from '../../api/types';
import { Badge, type BadgeTone } from '../../components/Badge';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ConflictBox } from '../../components/ConflictBox';
import { Dialog } from '../../components/Dialog';
import { Empty, ErrorState, Loading } from '../../components/States';
import { useMe } from '../../context/auth';
import { useToast } from '../../context/toasts';
import { useFieldErrors } from '../../lib/field-errors';
import { formatAgo } from '../../lib/format';
import { type Stale, staleAfterSave } from '../../lib/stale-save';
import { useVersionedDelete } from '../../lib/use-versioned-delete';
import { useRealtime, useRealtimeEvent, useRecoveryFailed } from '../../realtime/react';

const STATUS_TONE: Record<string, BadgeTone> = { active: 'ok', paused: 'warn', archived: 'neutral' };

export function ProjectsPage() {
  const me = useMe();
  const editable = canEdit(me);
  const { toast } = useToast();
  const { data, error, loading, reload, mutate } = useProjects();
  const [editing, setEditing] = useState<Project | 'new' | null>(null);

  const admin = isAdmin(me);
  const followed = (data ?? [])
    .filter((p) => admin || p.members.includes(me.principal.id))
    .map((p) => `project:${p.id}`);
  useRealtime({ channels: followed });
  useRealtimeEvent('project_update', (e) => {
    const known = data?.find((p) => p.id === e.data.project_id);
    if (!known || known.version < e.data.version) reload();
  });
  useRecoveryFailed((f) => {
    if (f.name.startsWith('project:')) reload();
  });

  const put = (p: Project) =>
    mutate((l) =>
      l?.some((x) => x.id === p.id) ? l.map((x) => (x.id === p.id ? p : x)) : [...(l ?? []), p],
    );

  const del = useVersionedDelete<Project>({
    remove: (p) => api.deleteProject(p.id, p.version),
    read: api.project,
    onChanged: put,
    onUnread: reload,
    onDeleted: (p) => {
      mutate((l) => l?.filter((x) => x.id !== p.id));
      toast({ title: `Project “${p.name}” deleted`, tone: 'ok' });
    },
  });
  const deleting = del.deleting;

  return (
    <main className="page" aria-labelledby="projects-title">
      <div className="page-head">
        <h1 id="projects-title">Projects</h1>
        {editable && (
          <button type="button" className="button primary" onClick={() => setEditing('new')}>
            New project
          </button>
        )}
      </div>
      {error && !data ? (
        <ErrorState error={error} onRetry={reload} title="Projects could not be loaded" />
      ) : loading && !data ? (
        <Loading label="Loading projects…" />
      ) : !data || data.length === 0 ? (
        <Empty title="No projects yet">
          {editable ? (
            <span>Create one with “New project”.</span>
          ) : (
            <span>Editors and admins create them.</span>
          )}
        </Empty>
      ) : (
        <ul className="card-list">
          {data.map((p) => (
            <li key={p.id} className="card">
              <div className="notification-head">
                <strong>{p.name}</strong>
                <Badge tone={STATUS_TONE[p.status] ?? 'neutral'}>{p.status}</Badge>
              </div>
              {p.description && <p className="muted">{p.description}</p>}
              <div className="card-meta muted">
                {memberCount(p)} · updated <time dateTime={p.updated_at}>{formatAgo(p.updated_at)}</time>
              </div>
              {editable && (
                <div className="row-actions">
                  <button type="button" className="button small" onClick={() => setEditing(p)}>
                    Edit <span className="sr-only">“{p.name}”</span>
                  </button>
                  <button type="button" className="button small danger" onClick={() => del.ask(p)}>
                    Delete <span className="sr-only">“{p.name}”</span>
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {editing && (
        <ProjectForm
          project={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
          onStale={reload}
          onSaved={(p) => {
            put(p);
            toast({ title: `Project “${p.name}” ${editing === 'new' ? 'created' : 'saved'}`, tone: 'ok' });
            setEditing(null);
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete the project “${deleting.name}”?`}
          confirmLabel="Delete project"
          busy={del.busy}
          error={del.error}
          onCancel={del.cancel}
          onConfirm={() => void del.confirm()}
        >
          <p>Its memberships go with it. This cannot be undone.</p>
          {del.changed && (
            <p className="form-error" role="alert">
              Someone else changed this project since you opened this dialog (now version {deleting.version}:
              “{deleting.name}”, {deleting.status}, {memberCount(deleting)}). It was not deleted. Delete it as
              it is now?
            </p>
          )}
        </ConfirmDialog>
      )}
    </main>
  );
}

const memberCount = (p: Project) => `${p.members.length} member${p.members.length === 1 ? '' : 's'}`;

/** The fields of the form that differ from `base`. */
export function projectPatch(base: Project, next: ProjectInput): Partial<ProjectInput> {
  const p: Partial<ProjectInput> = {};
  if (next.name !== base.name) p.name = next.name;
  if (next.description !== base.description) p.description = next.description;
  if (next.status !== base.status) p.status = next.status;
  return p;
}

function ProjectForm({
  project,
  onSaved,
  onClose,
  onStale,
}: {
  project?: Project;
  onSaved(p: Project): void;
  onClose(): void;
  onStale(): void;
}) {
  const id = useId();
  const [base, setBase] = useState(project);
  const [name, setName] = useState(project?.name ?? '');
  const [description, setDescription] = useState(project?.description ?? '');
  const [status, setStatus] = useState(project?.status || 'active');
  const { errors, setErrors, formRef, invalid, fieldError } = useFieldErrors(id);
  const [error, setError] = useState<unknown>(null);
  const [stale, setStale] = useState<Stale<Project> | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent | null, over?: Project) => {
    e?.preventDefault();
    const errs: Record<string, string> = {};
    const n = name.trim();
    if (n === '') errs.name = 'Give the project a name.';
    else if ([...n].length > 200) errs.name = 'At most 200 characters.';
    if ([...description].length > 2000) errs.description = 'At most 2000 characters.';
    setErrors(errs);
    setError(null);
    if (Object.keys(errs).length > 0) return;
    const input: ProjectInput = { name: n, description, status };
    setBusy(true);
    try {
      if (!base) {
        onSaved(await api.createProject(input));
        return;
      }
      const from = over ?? base;
      const patch = projectPatch(from, input);
      if (Object.keys(patch).length === 0) {
        if (over) onSaved(over);
        else onClose();
        return;
      }
      onSaved(await api.updateProject(from.id, from.version, patch));
    } catch (err) {
      const s = base ? await staleAfterSave(err, () => api.project(base.id), onStale) : null;
      if (s) setStale(s);
      else {
        setError(err);
        if (err instanceof ApiError) setErrors(err.fields);
      }
    } finally {
      setBusy(false);
    }
  };

  const loadTheirs = (p: Project) => {
    setBase(p);
    setName(p.name);
    setDescription(p.description);
    setStatus(p.status);
    setStale(null);
  };
  const saveMine = (p: Project) => {
    setBase(p);
    setStale(null);
    void submit(null, p);
  };

  return (
    <Dialog title={project ? `Edit project “${project.name}”` : 'New project'} onClose={onClose}>
      <form
        ref={formRef}
        onSubmit={(e) => void submit(e)}
        noValidate
        aria-label={project ? 'Edit project' : 'New project'}
      >
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            value={name}
            maxLength={200}
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
          <label htmlFor={`${id}-status`}>Status</label>
          <select id={`${id}-status`} value={status} onChange={(e) => setStatus(e.target.value)}>
            {PROJECT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          {fieldError('status')}
        </div>
        {stale && (
          <ConflictBox
            stale={stale}
            deleted="This project was deleted by someone else. Your changes were not saved."
            changed={(latest) => (
              <>
                Someone else changed this project since you opened it (now version {latest.version}: “
                {latest.name}”, {latest.status}, {memberCount(latest)}). Your changes were{' '}
                <strong>not saved</strong>.
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
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? 'Saving…' : project ? 'Save project' : 'Create project'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

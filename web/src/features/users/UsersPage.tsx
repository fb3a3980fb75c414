// Users of the tenant (admins only): the list (GET /api/v1/users) and creating a user (POST
// /api/v1/users: email, display name, password, roles). The API has no edit or delete of users.

import { type FormEvent, useId, useState } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { useUsers } from '../../api/hooks';
import { api } from '../../api/resources';
import { isAdmin, ROLES, type Role, type User } from '../../api/types';
import { Badge } from '../../components/Badge';
import { Dialog } from '../../components/Dialog';
import { Empty, ErrorState, Loading } from '../../components/States';
import { useMe } from '../../context/auth';
import { useToast } from '../../context/toasts';
import { useFieldErrors } from '../../lib/field-errors';
import { formatAgo } from '../../lib/format';

const MIN_PASSWORD = 8;
const MAX_PASSWORD = 72; // bytes (bcrypt)
const EMAIL = /^[^\s@<>()",;]+@[^\s@<>()",;]+$/;

const ROLE_HELP: Record<string, string> = {
  admin: 'everything, also users and notifications',
  editor: 'dashboards, projects, alert rules, metrics',
  viewer: 'reads only',
};

export function UsersPage() {
  const me = useMe();
  const admin = isAdmin(me);
  const { data, error, loading, reload, mutate } = useUsers(admin);
  const { toast } = useToast();
  const [creating, setCreating] = useState(false);

  if (!admin)
    return (
      <main className="page narrow" aria-labelledby="users-title">
        <h1 id="users-title">Users</h1>
        <Empty title="Only admins manage users">
          <span>Ask an admin of your tenant to add someone.</span>
        </Empty>
      </main>
    );

  return (
    <main className="page narrow" aria-labelledby="users-title">
      <div className="page-head">
        <h1 id="users-title">Users</h1>
        <button type="button" className="button primary" onClick={() => setCreating(true)}>
          New user
        </button>
      </div>
      {error && !data ? (
        <ErrorState error={error} onRetry={reload} title="Users could not be loaded" />
      ) : loading && !data ? (
        <Loading label="Loading users…" />
      ) : !data || data.length === 0 ? (
        <Empty title="No users yet" />
      ) : (
        <div className="table-scroll panel">
          <table className="data-table">
            <caption className="sr-only">Users of {me.tenant.name || me.tenant.id}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Roles</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {data.map((u) => (
                <tr key={u.id}>
                  <th scope="row" className="wrap">
                    {u.display_name}
                    {u.id === me.principal.id && <span className="muted"> (you)</span>}
                  </th>
                  <td className="wrap">{u.email}</td>
                  <td>
                    {u.roles.map((r) => (
                      <Badge key={r} tone="neutral">
                        {r}
                      </Badge>
                    ))}
                  </td>
                  <td>
                    <time dateTime={u.created_at}>{formatAgo(u.created_at)}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && (
        <CreateUser
          onClose={() => setCreating(false)}
          onCreated={(u) => {
            mutate((l) => [...(l ?? []), u]);
            setCreating(false);
            toast({
              title: `User ${u.email} created`,
              body: 'They can log in with that password now.',
              tone: 'ok',
            });
          }}
        />
      )}
    </main>
  );
}

function CreateUser({ onClose, onCreated }: { onClose(): void; onCreated(u: User): void }) {
  const id = useId();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [roles, setRoles] = useState<Role[]>(['viewer']);
  const { errors, setErrors, formRef, errorId, invalid, fieldError } = useFieldErrors(id);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const errs: Record<string, string> = {};
    const em = email.trim();
    if (em === '') errs.email = 'Enter an email address.';
    else if (!EMAIL.test(em) || em.length > 254) errs.email = 'This is not an email address.';
    if (name.trim() === '') errs.display_name = 'Enter a display name.';
    else if ([...name.trim()].length > 200) errs.display_name = 'At most 200 characters.';
    const bytes = new TextEncoder().encode(password).length;
    if (password.length < MIN_PASSWORD) errs.password = `At least ${MIN_PASSWORD} characters.`;
    else if (bytes > MAX_PASSWORD) errs.password = `At most ${MAX_PASSWORD} bytes.`;
    if (roles.length === 0) errs.roles = 'Pick at least one role.';
    setErrors(errs);
    setError(null);
    if (Object.keys(errs).length > 0) return;
    setBusy(true);
    try {
      onCreated(await api.createUser({ email: em, display_name: name.trim(), password, roles }));
    } catch (err) {
      if (err instanceof ApiError && err.status === 409)
        setErrors({ email: `A user with the email ${em} already exists in this tenant.` });
      else {
        setError(err);
        if (err instanceof ApiError) setErrors(err.fields);
      }
      setBusy(false);
    }
  };

  return (
    <Dialog title="New user" onClose={onClose}>
      <form ref={formRef} onSubmit={(e) => void submit(e)} noValidate aria-label="New user">
        <div className="field">
          <label htmlFor={`${id}-email`}>Email</label>
          <input
            id={`${id}-email`}
            type="email"
            autoComplete="off"
            value={email}
            data-autofocus
            onChange={(e) => setEmail(e.target.value)}
            {...invalid('email')}
          />
          {fieldError('email')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-name`}>Display name</label>
          <input
            id={`${id}-name`}
            autoComplete="off"
            value={name}
            maxLength={200}
            onChange={(e) => setName(e.target.value)}
            {...invalid('display_name')}
          />
          {fieldError('display_name')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-pw`}>Password</label>
          <input
            id={`${id}-pw`}
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            {...invalid('password')}
          />
          <span className="muted small">
            {MIN_PASSWORD} to {MAX_PASSWORD} characters. Give it to them safely; it cannot be shown again.
          </span>
          {fieldError('password')}
        </div>
        <fieldset className="field" aria-describedby={errors.roles ? errorId('roles') : undefined}>
          <legend>Roles</legend>
          {ROLES.map((r) => (
            <label key={r} className="check">
              <input
                type="checkbox"
                checked={roles.includes(r)}
                onChange={() => setRoles((rs) => (rs.includes(r) ? rs.filter((x) => x !== r) : [...rs, r]))}
              />
              <span>{r}</span> <span className="muted small">({ROLE_HELP[r]})</span>
            </label>
          ))}
          {fieldError('roles')}
        </fieldset>
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
            {busy ? 'Creating…' : 'Create user'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

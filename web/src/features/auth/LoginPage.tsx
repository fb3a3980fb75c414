import { type FormEvent, useState } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { useAuth } from '../../context/auth';
import { navigate, useLocation } from '../../context/router';

export function LoginPage() {
  const { login, notice } = useAuth();
  const { search } = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [tenant, setTenant] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email.trim(), password, tenant.trim() || undefined);
      const next = search.get('next');
      navigate(next?.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/', {
        replace: true,
      });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const message =
    error instanceof ApiError && error.status === 401
      ? 'Wrong email or password.'
      : error !== null
        ? errorMessage(error)
        : null;
  const fields = error instanceof ApiError ? error.fields : {};

  return (
    <main className="login-page">
      <form className="login-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h1 id="login-title">
          <span className="logo" aria-hidden="true">
            ◉
          </span>{' '}
          livedash
        </h1>
        {notice && !message && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <div className="field">
          <label htmlFor="login-email">Email</label>
          <input
            id="login-email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          {fields.email && <span className="field-error">{fields.email}</span>}
        </div>
        <div className="field">
          <label htmlFor="login-password">Password</label>
          <input
            id="login-password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          {fields.password && <span className="field-error">{fields.password}</span>}
        </div>
        <details>
          <summary>More options</summary>
          <div className="field">
            <label htmlFor="login-tenant">Tenant</label>
            <input
              id="login-tenant"
              value={tenant}
              onChange={(e) => setTenant(e.target.value)}
              autoComplete="organization"
            />
            <span className="muted small">Only when your email is used in several tenants.</span>
          </div>
        </details>
        {message && (
          <p className="form-error" role="alert">
            {message}
          </p>
        )}
        <button type="submit" className="button primary wide" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}

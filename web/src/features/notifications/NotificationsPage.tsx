import { type FormEvent, useState } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { useNotifications } from '../../api/hooks';
import { api } from '../../api/resources';
import { isAdmin, type Notification } from '../../api/types';
import { Badge, type BadgeTone } from '../../components/Badge';
import { Empty, ErrorState, Loading } from '../../components/States';
import { useAuth, useMe } from '../../context/auth';
import { useToast } from '../../context/toasts';
import { formatAgo } from '../../lib/format';
import { useRealtimeEvent, useRecoveryFailed } from '../../realtime/react';
import { isNotificationChannel } from './channels';

const TONE: Record<string, BadgeTone> = { critical: 'bad', warning: 'warn', info: 'neutral' };

export function NotificationsPage() {
  const me = useMe();
  const { adjustUnread } = useAuth();
  const { toast } = useToast();
  const { data, error, loading, reload, mutate } = useNotifications();

  useRecoveryFailed((f) => {
    if (isNotificationChannel(f)) reload();
  });
  useRealtimeEvent('system_notification', (e) => {
    const n = e.data.notification as unknown as Notification;
    mutate((l) => (l?.some((x) => x.id === n.id) ? l : [n, ...(l ?? [])]));
  });

  const markRead = async (n: Notification) => {
    try {
      const r = await api.markRead(n.id);
      mutate((l) => l?.map((x) => (x.id === r.id ? r : x)));
      if (!n.read) adjustUnread(-1);
    } catch (err) {
      toast({ title: 'Could not mark it read', body: errorMessage(err), tone: 'bad' });
    }
  };

  const unread = data?.filter((n) => !n.read) ?? [];
  const markAll = async () => {
    for (const n of unread) await markRead(n);
  };

  return (
    <main className="page narrow" aria-labelledby="notifications-title">
      <div className="page-head">
        <h1 id="notifications-title">
          Notifications{' '}
          {me.unread_notifications > 0 && <Badge tone="warn">{me.unread_notifications} unread</Badge>}
        </h1>
        {unread.length > 0 && (
          <button type="button" className="button" onClick={() => void markAll()}>
            Mark all read
          </button>
        )}
      </div>
      {isAdmin(me) && <SendNotification />}
      {error && !data ? (
        <ErrorState error={error} onRetry={reload} title="Notifications could not be loaded" />
      ) : loading && !data ? (
        <Loading label="Loading notifications…" />
      ) : !data || data.length === 0 ? (
        <Empty title="No notifications" />
      ) : (
        <ul className="notification-list">
          {data.map((n) => (
            <li key={n.id} className={n.read ? 'read' : 'unread'}>
              <div className="notification-head">
                <Badge tone={TONE[n.severity] ?? 'neutral'}>{n.severity.toUpperCase()}</Badge>
                <strong>{n.title}</strong>
                <time className="muted" dateTime={n.created_at}>
                  {formatAgo(n.created_at)}
                </time>
              </div>
              {n.body && <p className="notification-body">{n.body}</p>}
              {!n.read && (
                <button type="button" className="button small" onClick={() => void markRead(n)}>
                  Mark read <span className="sr-only">“{n.title}”</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}

/** Admins: send a notification to every user of the tenant (POST /api/v1/notifications). */
function SendNotification() {
  const { toast } = useToast();
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [severity, setSeverity] = useState('info');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.notify({ title: title.trim(), body, severity });
      setTitle('');
      setBody('');
      toast({ title: 'Notification sent', body: 'Every user of the tenant gets it.', tone: 'ok' });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const fields = error instanceof ApiError ? error.fields : {};
  return (
    <details className="panel send-notification">
      <summary>Send a system notification</summary>
      <form onSubmit={(e) => void submit(e)} aria-label="Send a system notification">
        <div className="field">
          <label htmlFor="sn-title">Title</label>
          <input id="sn-title" required value={title} onChange={(e) => setTitle(e.target.value)} />
          {fields.title && <span className="field-error">{fields.title}</span>}
        </div>
        <div className="field">
          <label htmlFor="sn-body">Message</label>
          <textarea id="sn-body" rows={3} value={body} onChange={(e) => setBody(e.target.value)} />
          {fields.body && <span className="field-error">{fields.body}</span>}
        </div>
        <div className="field">
          <label htmlFor="sn-sev">Severity</label>
          <select id="sn-sev" value={severity} onChange={(e) => setSeverity(e.target.value)}>
            <option value="info">Info</option>
            <option value="warning">Warning</option>
            <option value="critical">Critical</option>
          </select>
        </div>
        {error !== null && Object.keys(fields).length === 0 && (
          <p className="form-error" role="alert">
            {errorMessage(error)}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={busy || title.trim() === ''}>
            {busy ? 'Sending…' : 'Send to everyone'}
          </button>
        </div>
      </form>
    </details>
  );
}

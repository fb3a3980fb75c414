// Toasts for events that concern the whole app: new alerts and system notifications (which also
// count as unread). Dashboard changes by others are announced by the dashboard view. When the
// notification channels could not be recovered after a reconnect, the unread count is reloaded.

import { useEffect } from 'react';
import { api } from '../api/resources';
import { useAuth } from '../context/auth';
import { type ToastTone, useToast } from '../context/toasts';
import { isNotificationChannel } from '../features/notifications/channels';
import { useRealtime, useRealtimeEvent, useRecoveryFailed } from '../realtime/react';

const TONE: Record<string, ToastTone> = { critical: 'bad', warning: 'warn', info: 'info' };

export function useEventToasts(): void {
  const { toast } = useToast();
  const { adjustUnread } = useAuth();
  const { connection } = useRealtime();

  useRealtimeEvent('new_alert', (e) => {
    const a = e.data.alert;
    if (!a) return;
    toast({
      title: `Alert: ${a.rule_name}`,
      body: a.message,
      tone: TONE[a.severity] ?? 'warn',
      duration: a.severity === 'critical' ? 15_000 : 8_000,
    });
  });

  useRealtimeEvent('system_notification', (e) => {
    // The server sends {notification}; a hand-made broadcast may send the fields directly.
    const raw = e.data as Record<string, unknown>;
    const n = (e.data.notification ?? raw) as { title?: unknown; body?: unknown; severity?: unknown };
    const title = typeof n.title === 'string' && n.title ? n.title : 'System notification';
    const body = typeof n.body === 'string' ? n.body : undefined;
    const severity = typeof n.severity === 'string' ? n.severity : 'info';
    toast({ title, body, tone: TONE[severity] ?? 'info', duration: 10_000 });
    if (e.data.notification) adjustUnread(1);
  });

  useRecoveryFailed((f) => {
    if (!isNotificationChannel(f)) return;
    api.me().then(
      (m) => adjustUnread(() => m.unread_notifications),
      () => {},
    );
  });

  // The connection was refused as unauthorized (session expired): GET /me sends the app back to
  // the login screen when the session is really gone.
  useEffect(
    () =>
      connection.onError((err) => {
        if (err.code === 'unauthorized' || err.code === 'unauthenticated') void api.me().catch(() => {});
      }),
    [connection],
  );
}

import type { RecoveryFailure } from '../../realtime';

/** Whether a channel carries notifications: the tenant's system channel or the user's own. */
export function isNotificationChannel(f: Pick<RecoveryFailure, 'name' | 'channel'>): boolean {
  return f.name === 'system' || f.name === 'notifications' || f.channel.startsWith('user.');
}

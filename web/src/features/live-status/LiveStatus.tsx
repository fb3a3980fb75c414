import { useRealtime } from '../../realtime/react';
import { EventLog } from './EventLog';
import { StatusBar } from './StatusBar';

/** The channels the live view follows; each is subscribed on its own, so a refused one is skipped. */
export const LIVE_CHANNELS = ['alerts', 'notifications', 'dashboard', 'system', 'metrics'];

export function LiveStatus() {
  useRealtime({ channels: LIVE_CHANNELS });
  return (
    <>
      <StatusBar />
      <main>
        <EventLog />
      </main>
    </>
  );
}

import { LiveStatus } from './features/live-status/LiveStatus';
import { readConfig } from './lib/config';
import { RealtimeProvider } from './realtime/react';

const config = readConfig();

export function App() {
  return (
    <RealtimeProvider options={{ url: config.url, token: config.token }}>
      <LiveStatus />
    </RealtimeProvider>
  );
}

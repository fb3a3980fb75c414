// Live controls: pause/resume the display, refresh every view over REST, reconnect, a ping test
// (RTT), and the debug panel toggle.

import { useState } from 'react';
import { useLiveControls } from '../../context/live';
import { formatRtt } from '../../lib/format';
import { useRealtime } from '../../realtime/react';

export function ControlPanel({ debugOpen, onToggleDebug }: { debugOpen: boolean; onToggleDebug(): void }) {
  const { paused, setPaused, refresh } = useLiveControls();
  const { connection } = useRealtime();
  const [ping, setPing] = useState<{ busy: boolean; rtt: number | null; error: string | null }>({
    busy: false,
    rtt: null,
    error: null,
  });

  const runPing = async () => {
    setPing((p) => ({ ...p, busy: true, error: null }));
    try {
      const rtt = await connection.ping();
      setPing({ busy: false, rtt, error: null });
    } catch (err) {
      setPing({ busy: false, rtt: null, error: (err as Error).message });
    }
  };

  return (
    <section className="control-panel" aria-label="Live controls">
      <button type="button" className="button small" aria-pressed={paused} onClick={() => setPaused(!paused)}>
        {paused ? '▶ Resume' : '❚❚ Pause'}
      </button>
      <button type="button" className="button small" onClick={refresh}>
        ⟳ Refresh
      </button>
      <button type="button" className="button small" onClick={() => void runPing()} disabled={ping.busy}>
        {ping.busy ? 'Pinging…' : 'Ping'}
      </button>
      <output className="ping-result" aria-live="polite">
        {ping.error ? `ping failed: ${ping.error}` : ping.rtt !== null ? `RTT ${formatRtt(ping.rtt)}` : ''}
      </output>
      <span className="spacer" />
      {paused && (
        <span className="paused-note" role="status">
          Paused: the display is frozen, data is still collected.
        </span>
      )}
      <button type="button" className="button small" aria-pressed={debugOpen} onClick={onToggleDebug}>
        Debug
      </button>
    </section>
  );
}

import { useState } from 'react';
import { AlertList } from '../../shared/alerts';

export function AlertsPage() {
  const [openOnly, setOpenOnly] = useState(true);
  return (
    <main className="page narrow" aria-labelledby="alerts-title">
      <div className="page-head">
        <h1 id="alerts-title">Alerts</h1>
        <fieldset className="segmented" aria-label="Which alerts">
          <button type="button" className="button" aria-pressed={openOnly} onClick={() => setOpenOnly(true)}>
            Open
          </button>
          <button
            type="button"
            className="button"
            aria-pressed={!openOnly}
            onClick={() => setOpenOnly(false)}
          >
            All
          </button>
        </fieldset>
      </div>
      <AlertList key={String(openOnly)} openOnly={openOnly} />
    </main>
  );
}

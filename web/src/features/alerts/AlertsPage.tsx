import { useState } from 'react';
import { Link } from '../../context/router';
import { AlertList } from '../../shared/alerts';

export function AlertsPage() {
  const [openOnly, setOpenOnly] = useState(true);
  return (
    <main className="page narrow" aria-labelledby="alerts-title">
      <div className="page-head">
        <div>
          <h1 id="alerts-title">Alerts</h1>
          <p className="muted">
            Fired by the <Link to="/alert-rules">alert rules</Link>.
          </p>
        </div>
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

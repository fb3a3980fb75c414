// Alert rules (GET /api/v1/alert-rules): everyone reads them; editors and admins create, edit,
// enable/disable and delete them. The rules page is its own route (/alert-rules), linked from the
// main navigation ("Rules") and from the Alerts page.
//
// Enabling/disabling and deleting send the version of the rule shown (PATCH with `version`, DELETE
// with If-Match); if someone else changed the rule since, the server refuses (409) and the page
// says so and shows the rule as it is now.

import { useState } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { useAlertRules, useMetricDefinitions } from '../../api/hooks';
import { api } from '../../api/resources';
import { type AlertRule, canEdit } from '../../api/types';
import { Badge, type BadgeTone } from '../../components/Badge';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Empty, ErrorState, Loading } from '../../components/States';
import { useMe } from '../../context/auth';
import { Link } from '../../context/router';
import { useToast } from '../../context/toasts';
import { formatAgo } from '../../lib/format';
import { useVersionedDelete } from '../../lib/use-versioned-delete';
import { AlertRuleForm } from './AlertRuleForm';
import { conditionText, recipientsText } from './rule-text';

const TONE: Record<string, BadgeTone> = { critical: 'bad', warning: 'warn', info: 'neutral' };

export function AlertRulesPage() {
  const me = useMe();
  const editable = canEdit(me);
  const { toast } = useToast();
  const { data, error, loading, reload, mutate } = useAlertRules();
  const defs = useMetricDefinitions();
  const [editing, setEditing] = useState<AlertRule | 'new' | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const put = (r: AlertRule) =>
    mutate((l) =>
      l?.some((x) => x.id === r.id) ? l.map((x) => (x.id === r.id ? r : x)) : [...(l ?? []), r],
    );

  const toggle = async (r: AlertRule) => {
    setBusy(r.id);
    try {
      put(await api.updateAlertRule(r.id, r.version, { enabled: !r.enabled }));
      toast({ title: `Rule “${r.name}” ${r.enabled ? 'disabled' : 'enabled'}`, tone: 'ok' });
    } catch (err) {
      const gone = err instanceof ApiError && err.status === 404;
      const changed = err instanceof ApiError && err.status === 409;
      toast({
        title: gone
          ? 'This rule no longer exists'
          : changed
            ? `“${r.name}” was changed by someone else`
            : `Could not ${r.enabled ? 'disable' : 'enable'} the rule`,
        body: gone
          ? 'Someone else deleted it; the list was reloaded.'
          : changed
            ? 'Nothing was changed. The list was reloaded: check the rule and try again.'
            : errorMessage(err),
        tone: 'bad',
      });
      if (gone || changed) reload();
    } finally {
      setBusy(null);
    }
  };

  const del = useVersionedDelete<AlertRule>({
    remove: (r) => api.deleteAlertRule(r.id, r.version),
    read: api.alertRule,
    onChanged: put,
    onUnread: reload,
    onDeleted: (r) => {
      mutate((l) => l?.filter((x) => x.id !== r.id));
      toast({ title: `Rule “${r.name}” deleted`, body: 'Its past alerts are kept.', tone: 'ok' });
    },
  });
  const deleting = del.deleting;
  /** One request about a rule at a time: its toggle and its delete wait for each other. */
  const busyWith = (r: AlertRule) => busy === r.id || (del.busy && deleting?.id === r.id);

  return (
    <main className="page narrow" aria-labelledby="rules-title">
      <div className="page-head">
        <div>
          <h1 id="rules-title">Alert rules</h1>
          <p className="muted">
            Rules watch a metric and fire <Link to="/alerts">alerts</Link> when it stays beyond a threshold.
          </p>
        </div>
        {editable && (
          <button type="button" className="button primary" onClick={() => setEditing('new')}>
            New rule
          </button>
        )}
      </div>
      {error && !data ? (
        <ErrorState error={error} onRetry={reload} title="Alert rules could not be loaded" />
      ) : loading && !data ? (
        <Loading label="Loading alert rules…" />
      ) : !data || data.length === 0 ? (
        <Empty title="No alert rules yet">
          {editable ? (
            <span>Create one with “New rule”.</span>
          ) : (
            <span>Editors and admins can create rules.</span>
          )}
        </Empty>
      ) : (
        <ul className="rule-list">
          {data.map((r) => (
            <li key={r.id} className={`rule-item${r.enabled ? '' : ' disabled'}`}>
              <div className="notification-head">
                <Badge tone={TONE[r.severity] ?? 'neutral'}>{r.severity.toUpperCase()}</Badge>
                <strong>{r.name}</strong>
                {!r.enabled && <Badge tone="neutral">disabled</Badge>}
              </div>
              <p className="rule-condition">
                <code>{conditionText(r)}</code>
              </p>
              <div className="alert-meta muted">
                Notifies {recipientsText(r)} · updated{' '}
                <time dateTime={r.updated_at}>{formatAgo(r.updated_at)}</time>
              </div>
              {editable && (
                <div className="row-actions">
                  <button
                    type="button"
                    className="button small"
                    disabled={busyWith(r)}
                    onClick={() => void toggle(r)}
                  >
                    {r.enabled ? 'Disable' : 'Enable'} <span className="sr-only">“{r.name}”</span>
                  </button>
                  <button type="button" className="button small" onClick={() => setEditing(r)}>
                    Edit <span className="sr-only">“{r.name}”</span>
                  </button>
                  <button type="button" className="button small danger" onClick={() => del.ask(r)}>
                    Delete <span className="sr-only">“{r.name}”</span>
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {editing && (
        <AlertRuleForm
          rule={editing === 'new' ? undefined : editing}
          defs={defs.data ?? (defs.error ? [] : undefined)}
          onClose={() => setEditing(null)}
          onStale={reload}
          onSaved={(r) => {
            put(r);
            toast({ title: `Rule “${r.name}” ${editing === 'new' ? 'created' : 'saved'}`, tone: 'ok' });
            setEditing(null);
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete the rule “${deleting.name}”?`}
          confirmLabel="Delete rule"
          busy={busyWith(deleting)}
          error={del.error}
          onCancel={del.cancel}
          onConfirm={() => void del.confirm()}
        >
          <p>
            It stops watching <code>{deleting.metric_code}</code> and resolves its open alert. Its past alerts
            are kept. This cannot be undone.
          </p>
          {del.changed && (
            <p className="form-error" role="alert">
              Someone else changed this rule since you opened this dialog (now version {deleting.version}:{' '}
              <code>{conditionText(deleting)}</code>
              {deleting.enabled ? '' : ', disabled'}). It was not deleted. Delete it as it is now?
            </p>
          )}
        </ConfirmDialog>
      )}
    </main>
  );
}

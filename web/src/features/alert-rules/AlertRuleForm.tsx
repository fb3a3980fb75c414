// Create or edit an alert rule: name, metric (picked from GET /api/v1/metrics or typed), condition
// (comparison, threshold, how long), severity, labels of the series, recipient roles, enabled.
//
// An edit sends only the fields the user changed, with the version of the rule the form was opened
// with (PATCH /api/v1/alert-rules/{id}); the server refuses it (409) if someone else changed the
// rule since. The form then reads the rule again (GET /api/v1/alert-rules/{id}), shows its current
// values and lets the user load them or save over them (the same PATCH, based on the current
// version). A rule deleted meanwhile (404) is said to be gone.

import { type FormEvent, useId, useState } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { type AlertRuleInput, api } from '../../api/resources';
import { type AlertRule, COMPARISONS, type MetricDefinition, ROLES, SEVERITIES } from '../../api/types';
import { ConflictBox } from '../../components/ConflictBox';
import { Dialog } from '../../components/Dialog';
import { LabelsEditor } from '../../components/LabelsEditor';
import { formatGoDuration, parseDuration } from '../../lib/duration';
import { useFieldErrors } from '../../lib/field-errors';
import { checkLabels, formatLabels, type LabelRow, labelRows } from '../../lib/labels';
import { type Stale, staleAfterSave } from '../../lib/stale-save';
import { COMPARISON_LABEL, conditionText } from './rule-text';

const CODE = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const MAX_FOR_MS = 7 * 24 * 3_600_000;
const FOR_PRESETS = ['0s', '30s', '1m', '2m', '5m', '10m', '15m', '30m', '1h'];

interface FormState {
  name: string;
  metricCode: string;
  comparison: string;
  threshold: string;
  forText: string;
  severity: string;
  rows: LabelRow[];
  roles: string[];
  enabled: boolean;
}

function stateOf(r: AlertRule | undefined): FormState {
  return {
    name: r?.name ?? '',
    metricCode: r?.metric_code ?? '',
    comparison: r?.comparison ?? 'gt',
    threshold: r ? String(r.threshold) : '',
    forText: r?.for ?? '1m',
    severity: r?.severity ?? 'warning',
    rows: labelRows(r?.labels),
    roles: r ? [...(r.recipients?.roles ?? [])] : ['admin', 'editor'],
    enabled: r?.enabled ?? true,
  };
}

/** The fields of `next` that differ from `base` (an edit's PATCH body). */
export function rulePatch(base: AlertRule, next: AlertRuleInput): Partial<AlertRuleInput> {
  const p: Partial<AlertRuleInput> = {};
  if (next.name !== base.name) p.name = next.name;
  if (next.metric_code !== base.metric_code) p.metric_code = next.metric_code;
  if (formatLabels(next.labels) !== formatLabels(base.labels)) p.labels = next.labels;
  if (next.comparison !== base.comparison) p.comparison = next.comparison;
  if (next.threshold !== base.threshold) p.threshold = next.threshold;
  if (parseDuration(next.for) !== parseDuration(base.for)) p.for = next.for;
  if (next.severity !== base.severity) p.severity = next.severity;
  const roles = (r: readonly string[] | undefined) => [...(r ?? [])].sort().join(',');
  if (roles(next.recipients.roles) !== roles(base.recipients?.roles)) p.recipients = next.recipients;
  if (next.enabled !== base.enabled) p.enabled = next.enabled;
  return p;
}

export function AlertRuleForm({
  rule,
  defs,
  onSaved,
  onClose,
  onStale,
}: {
  /** The rule to edit; undefined to create one. */
  rule?: AlertRule;
  defs: MetricDefinition[] | undefined;
  onSaved(r: AlertRule): void;
  onClose(): void;
  /** The list is out of date (the rule changed or went away): reload it. */
  onStale(): void;
}) {
  const id = useId();
  const [base, setBase] = useState(rule);
  const [f, setF] = useState<FormState>(() => stateOf(rule));
  const { errors, setErrors, formRef, invalid, fieldError: err } = useFieldErrors(id);
  const [error, setError] = useState<unknown>(null);
  const [conflict, setConflict] = useState<Stale<AlertRule> | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (p: Partial<FormState>) => setF((s) => ({ ...s, ...p }));
  const labels = checkLabels(f.rows);

  /** `from`: the rule the input is based on (its users are kept). */
  const validate = (
    from: AlertRule | undefined,
  ): { input: AlertRuleInput | null; errs: Record<string, string> } => {
    const errs: Record<string, string> = {};
    const name = f.name.trim();
    if (name === '') errs.name = 'Give the rule a name.';
    else if ([...name].length > 200) errs.name = 'At most 200 characters.';
    const code = f.metricCode.trim();
    if (code === '') errs.metric_code = 'Pick or type a metric code.';
    else if (code.length > 128 || !CODE.test(code))
      errs.metric_code = 'A metric code has letters, digits and _ . : - only (at most 128).';
    const threshold = Number(f.threshold);
    if (f.threshold.trim() === '' || !Number.isFinite(threshold)) errs.threshold = 'Enter a number.';
    const forMs = parseDuration(f.forText);
    if (forMs === undefined) errs.for = 'Enter a duration such as 30s, 2m or 1h (0s: at once).';
    else if (forMs < 0 || forMs > MAX_FOR_MS) errs.for = 'Between 0s and 7 days (168h).';
    if (!labels.labels) errs.labels = labels.error ?? 'Fix the labels above.';
    if (Object.keys(errs).length > 0) return { input: null, errs };
    return {
      errs,
      input: {
        name,
        metric_code: code,
        labels: labels.labels ?? {},
        comparison: f.comparison,
        threshold,
        for: formatGoDuration(forMs ?? 0),
        severity: f.severity,
        recipients: {
          ...(from?.recipients.users?.length ? { users: from.recipients.users } : {}),
          roles: f.roles,
        },
        enabled: f.enabled,
      },
    };
  };

  /** `over`: the current version of the rule after a conflict, to save the form over. */
  const submit = async (e: FormEvent | null, over?: AlertRule) => {
    e?.preventDefault();
    const { input, errs } = validate(over ?? base);
    setErrors(errs);
    setError(null);
    if (!input) return;
    setBusy(true);
    try {
      if (!base) {
        onSaved(await api.createAlertRule(input));
        return;
      }
      const from = over ?? base;
      const patch = rulePatch(from, input);
      if (Object.keys(patch).length === 0) {
        if (over) onSaved(over);
        else onClose();
        return;
      }
      onSaved(await api.updateAlertRule(from.id, from.version, patch));
    } catch (err) {
      const stale = base ? await staleAfterSave(err, () => api.alertRule(base.id), onStale) : null;
      if (stale) setConflict(stale);
      else {
        setError(err);
        if (err instanceof ApiError) setErrors(err.fields);
      }
    } finally {
      setBusy(false);
    }
  };

  const loadTheirs = (latest: AlertRule) => {
    setBase(latest);
    setF(stateOf(latest));
    setConflict(null);
    setErrors({});
  };
  const saveMine = (latest: AlertRule) => {
    setBase(latest);
    setConflict(null);
    void submit(null, latest);
  };

  const unit = defs?.find((d) => d.code === f.metricCode.trim())?.unit;
  const otherError = error !== null && Object.keys(errors).length === 0;

  return (
    <Dialog
      title={rule ? `Edit rule “${rule.name}”` : 'New alert rule'}
      onClose={onClose}
      className="rule-form"
    >
      <form
        ref={formRef}
        onSubmit={(e) => void submit(e)}
        noValidate
        aria-label={rule ? 'Edit alert rule' : 'New alert rule'}
      >
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            value={f.name}
            maxLength={200}
            autoComplete="off"
            data-autofocus
            onChange={(e) => set({ name: e.target.value })}
            {...invalid('name')}
          />
          {err('name')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-code`}>Metric code</label>
          <input
            id={`${id}-code`}
            list={`${id}-codes`}
            value={f.metricCode}
            autoComplete="off"
            spellCheck={false}
            placeholder={defs?.length ? 'Pick one or type a code' : 'e.g. cpu.usage'}
            onChange={(e) => set({ metricCode: e.target.value })}
            {...invalid('metric_code')}
          />
          <datalist id={`${id}-codes`}>
            {(defs ?? []).map((d) => (
              <option key={d.code} value={d.code}>
                {d.name && d.name !== d.code ? d.name : undefined}
              </option>
            ))}
          </datalist>
          {defs === undefined && <span className="muted small">Loading the known metrics…</span>}
          {unit && <span className="muted small">Unit: {unit}</span>}
          {err('metric_code')}
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${id}-cmp`}>Fires when the value is</label>
            <select
              id={`${id}-cmp`}
              value={f.comparison}
              onChange={(e) => set({ comparison: e.target.value })}
            >
              {COMPARISONS.map((c) => (
                <option key={c} value={c}>
                  {COMPARISON_LABEL[c]}
                </option>
              ))}
            </select>
            {err('comparison')}
          </div>
          <div className="field">
            <label htmlFor={`${id}-thr`}>Threshold</label>
            <input
              id={`${id}-thr`}
              type="number"
              step="any"
              inputMode="decimal"
              value={f.threshold}
              onChange={(e) => set({ threshold: e.target.value })}
              {...invalid('threshold')}
            />
            {err('threshold')}
          </div>
          <div className="field">
            <label htmlFor={`${id}-for`}>For at least</label>
            <input
              id={`${id}-for`}
              list={`${id}-fors`}
              value={f.forText}
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => set({ forText: e.target.value })}
              {...invalid('for')}
            />
            <datalist id={`${id}-fors`}>
              {FOR_PRESETS.map((p) => (
                <option key={p} value={p} />
              ))}
            </datalist>
            {err('for')}
          </div>
        </div>
        <div className="field">
          <label htmlFor={`${id}-sev`}>Severity</label>
          <select id={`${id}-sev`} value={f.severity} onChange={(e) => set({ severity: e.target.value })}>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s[0]?.toUpperCase() + s.slice(1)}
              </option>
            ))}
          </select>
          {err('severity')}
        </div>
        <LabelsEditor
          legend="Series labels"
          hint="The exact label set of the series to watch, e.g. host = web1. None: the main series."
          rows={f.rows}
          onChange={(rows) => set({ rows })}
          rowErrors={labels.rowErrors}
          error={labels.error ?? (labels.labels ? errors.labels : null)}
        />
        <fieldset className="field">
          <legend>Notify users with the role</legend>
          <div className="check-row">
            {ROLES.map((r) => (
              <label key={r} className="check">
                <input
                  type="checkbox"
                  checked={f.roles.includes(r)}
                  onChange={() =>
                    set({ roles: f.roles.includes(r) ? f.roles.filter((x) => x !== r) : [...f.roles, r] })
                  }
                />
                {r}
              </label>
            ))}
          </div>
          {(base?.recipients.users?.length ?? 0) > 0 && (
            <span className="muted small">
              Also {base?.recipients.users?.length} user(s) named in the rule (kept as they are).
            </span>
          )}
          {err('recipients.roles') ?? err('recipients.users')}
        </fieldset>
        <label className="check">
          <input type="checkbox" checked={f.enabled} onChange={(e) => set({ enabled: e.target.checked })} />
          Enabled (a disabled rule never fires; disabling resolves its open alert)
        </label>
        {conflict && (
          <ConflictBox
            stale={conflict}
            deleted="This rule was deleted by someone else while you were editing it. Your changes were not saved."
            changed={(latest) => (
              <>
                Your changes were <strong>not saved</strong>: someone else changed this rule since you opened
                it. Now (version {latest.version}): “{latest.name}”, <code>{conditionText(latest)}</code>,{' '}
                {latest.severity}
                {latest.enabled ? '' : ', disabled'}.
              </>
            )}
            onClose={onClose}
            onLoadTheirs={loadTheirs}
            onSaveMine={saveMine}
          />
        )}
        {otherError && (
          <p className="form-error" role="alert">
            {errorMessage(error)}
          </p>
        )}
        {error !== null && !otherError && (
          <p className="form-error" role="alert">
            The server did not accept the rule: {errorMessage(error)}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? 'Saving…' : rule ? 'Save rule' : 'Create rule'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

// Add or edit a widget: type, title, metrics (picked from GET /api/v1/metrics), series labels
// (key=value, e.g. host=web1), aggregation, range, unit; text for text widgets, scale for gauges. Edits carry the widget's version; a 409
// offers to overwrite or to drop the edit.

import { type FormEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { api, type WidgetInput } from '../../api/resources';
import {
  AGGREGATIONS,
  type Aggregation,
  type GridPos,
  type MetricDefinition,
  WIDGET_TYPES,
  type Widget,
  type WidgetType,
} from '../../api/types';
import { Dialog } from '../../components/Dialog';
import { LabelsEditor } from '../../components/LabelsEditor';
import { RANGES, rangeLabel } from '../../lib/duration';
import { checkLabels, type LabelRow, labelRows } from '../../lib/labels';

const TYPE_LABEL: Record<WidgetType, string> = {
  timeseries: 'Time series chart',
  stat: 'Stat (one number)',
  gauge: 'Gauge',
  table: 'Table',
  alert_list: 'Alert list',
  text: 'Text',
};

const DEFAULT_SIZE: Record<WidgetType, [number, number]> = {
  timeseries: [6, 4],
  stat: [3, 2],
  gauge: [3, 2],
  table: [6, 4],
  alert_list: [4, 4],
  text: [4, 2],
};

export const defaultSize = (t: WidgetType) => DEFAULT_SIZE[t];

const UNITS = [
  ['', 'From the metric'],
  ['percent', 'Percent'],
  ['bytes', 'Bytes'],
  ['bytes/s', 'Bytes per second'],
  ['count', 'Count'],
] as const;

const needsQuery = (t: WidgetType) => t !== 'text' && t !== 'alert_list';

export function WidgetForm({
  dashboardId,
  widget,
  defs,
  place,
  onDone,
  onDeleted,
  onClose,
}: {
  dashboardId: string;
  /** The widget to edit; undefined to add one. */
  widget?: Widget;
  defs: MetricDefinition[] | undefined;
  /** Where a new widget of w×h goes. */
  place(w: number, h: number): GridPos;
  onDone(w: Widget): void;
  onDeleted(id: string): void;
  onClose(): void;
}) {
  const id = useId();
  const [type, setType] = useState<WidgetType>(widget?.type ?? 'timeseries');
  const [title, setTitle] = useState(widget?.title ?? '');
  const [codes, setCodes] = useState<string[]>(widget?.query.codes ?? []);
  const [rows, setRows] = useState<LabelRow[]>(() => labelRows(widget?.query.labels));
  const labelCheck = checkLabels(rows);
  const [agg, setAgg] = useState<Aggregation>((widget?.query.aggregation || 'avg') as Aggregation);
  const [range, setRange] = useState(
    widget?.query.range && widget.query.range !== '0s' ? widget.query.range : '15m',
  );
  const [unit, setUnit] = useState(typeof widget?.options.unit === 'string' ? widget.options.unit : '');
  const [text, setText] = useState(typeof widget?.options.text === 'string' ? widget.options.text : '');
  const [min, setMin] = useState(String(widget?.options.min ?? 0));
  const [max, setMax] = useState(String(widget?.options.max ?? 100));
  const [filter, setFilter] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [conflictVersion, setConflictVersion] = useState<number | null>(null);

  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    const all = defs ?? [];
    return f ? all.filter((d) => d.code.toLowerCase().includes(f) || d.name.toLowerCase().includes(f)) : all;
  }, [defs, filter]);

  const input = (): WidgetInput => {
    const options: Record<string, unknown> = { ...(widget?.options ?? {}) };
    if (unit) options.unit = unit;
    else delete options.unit;
    if (type === 'text') options.text = text;
    else delete options.text;
    if (type === 'gauge') {
      options.min = Number(min);
      options.max = Number(max);
    }
    const [w, h] = DEFAULT_SIZE[type];
    return {
      type,
      title: title.trim(),
      query: needsQuery(type)
        ? {
            codes,
            aggregation: agg,
            range,
            ...(labelCheck.labels && Object.keys(labelCheck.labels).length > 0
              ? { labels: labelCheck.labels }
              : {}),
          }
        : { codes: [], aggregation: '', range: '' },
      options,
      position: widget?.position ?? place(w, h),
    };
  };

  const submit = async (e: FormEvent | null, version?: number) => {
    e?.preventDefault();
    if (needsQuery(type) && codes.length === 0) {
      setError(new Error('Pick at least one metric.'));
      return;
    }
    if (needsQuery(type) && !labelCheck.labels) {
      setError(new Error('Fix the labels: each needs a valid name, given once.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body = input();
      const saved = widget
        ? await api.updateWidget(widget.id, {
            ...body,
            version: version ?? widget.version,
            dashboard_id: dashboardId,
          })
        : await api.createWidget(dashboardId, body);
      onDone(saved);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) setConflictVersion(err.currentVersion ?? null);
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  // Deleting asks first, in the form's own action row (no nested dialog).
  const [confirming, setConfirming] = useState(false);
  const keepRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) keepRef.current?.focus();
  }, [confirming]);
  /** Set when a delete was refused because someone changed the widget since the form opened. */
  const [deleteConflict, setDeleteConflict] = useState<number | null>(null);
  /** Deletes the version the form shows, or (`anyway`) whatever version is current. */
  const remove = async (anyway = false) => {
    if (!widget) return;
    setBusy(true);
    setError(null);
    try {
      await api.deleteWidget(widget.id, anyway ? undefined : widget.version);
      onDeleted(widget.id);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409)
        setDeleteConflict(err.currentVersion ?? widget.version + 1);
      else setError(err as Error);
      setBusy(false);
    }
  };

  const fieldError = (name: string) => (error instanceof ApiError ? error.fields[name] : undefined);
  const toggle = (code: string) =>
    setCodes((cs) =>
      cs.includes(code) ? cs.filter((c) => c !== code) : cs.length < 20 ? [...cs, code] : cs,
    );

  return (
    <Dialog
      title={widget ? `Edit “${widget.title || TYPE_LABEL[widget.type]}”` : 'Add a widget'}
      onClose={onClose}
      className="widget-form"
    >
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor={`${id}-type`}>Type</label>
          <select id={`${id}-type`} value={type} onChange={(e) => setType(e.target.value as WidgetType)}>
            {WIDGET_TYPES.map((t) => (
              <option key={t} value={t}>
                {TYPE_LABEL[t]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-title`}>Title</label>
          <input
            id={`${id}-title`}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            maxLength={200}
            data-autofocus
          />
          {fieldError('title') && <span className="field-error">{fieldError('title')}</span>}
        </div>
        {needsQuery(type) && (
          <>
            <fieldset className="field metric-picker">
              <legend>
                Metrics <span className="muted">({codes.length} selected)</span>
              </legend>
              <input
                type="search"
                placeholder="Filter metrics"
                aria-label="Filter metrics"
                value={filter}
                onChange={(e) => setFilter(e.target.value)}
              />
              <div className="metric-options">
                {defs === undefined && <p className="muted">Loading metrics…</p>}
                {defs?.length === 0 && <p className="muted">No metrics yet: ingest some first.</p>}
                {shown.map((d) => (
                  <label key={d.code} className="check">
                    <input type="checkbox" checked={codes.includes(d.code)} onChange={() => toggle(d.code)} />
                    <span>{d.name || d.code}</span> <code className="muted">{d.code}</code>
                  </label>
                ))}
              </div>
              {fieldError('query.codes') && <span className="field-error">{fieldError('query.codes')}</span>}
            </fieldset>
            <LabelsEditor
              legend="Series labels"
              hint="Show the series with exactly these labels, e.g. host = web1. None: the main series."
              rows={rows}
              onChange={setRows}
              rowErrors={labelCheck.rowErrors}
              error={labelCheck.error ?? fieldError('query.labels')}
            />
            <div className="field-row">
              <div className="field">
                <label htmlFor={`${id}-agg`}>Aggregation</label>
                <select id={`${id}-agg`} value={agg} onChange={(e) => setAgg(e.target.value as Aggregation)}>
                  {AGGREGATIONS.map((a) => (
                    <option key={a}>{a}</option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor={`${id}-range`}>Range</label>
                <select id={`${id}-range`} value={range} onChange={(e) => setRange(e.target.value)}>
                  {[...new Set([...RANGES, range])].map((r) => (
                    <option key={r} value={r}>
                      {rangeLabel(r)}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor={`${id}-unit`}>Unit</label>
                <select id={`${id}-unit`} value={unit} onChange={(e) => setUnit(e.target.value)}>
                  {UNITS.map(([v, l]) => (
                    <option key={v} value={v}>
                      {l}
                    </option>
                  ))}
                </select>
              </div>
            </div>
          </>
        )}
        {type === 'gauge' && (
          <div className="field-row">
            <div className="field">
              <label htmlFor={`${id}-min`}>Minimum</label>
              <input id={`${id}-min`} type="number" value={min} onChange={(e) => setMin(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor={`${id}-max`}>Maximum</label>
              <input id={`${id}-max`} type="number" value={max} onChange={(e) => setMax(e.target.value)} />
            </div>
          </div>
        )}
        {type === 'text' && (
          <div className="field">
            <label htmlFor={`${id}-text`}>Text</label>
            <textarea id={`${id}-text`} rows={5} value={text} onChange={(e) => setText(e.target.value)} />
          </div>
        )}
        {error && (
          <div className="form-error" role="alert">
            {conflictVersion !== null || (error instanceof ApiError && error.status === 409) ? (
              <>
                <p>
                  Someone else changed this widget while you were editing it
                  {conflictVersion !== null ? ` (now version ${conflictVersion})` : ''}. Your edit was not
                  saved.
                </p>
                <button type="button" className="button" onClick={onClose}>
                  Discard my edit
                </button>{' '}
                <button
                  type="button"
                  className="button primary"
                  onClick={() => void submit(null, conflictVersion ?? undefined)}
                >
                  Overwrite with mine
                </button>
              </>
            ) : (
              <p>{errorMessage(error)}</p>
            )}
          </div>
        )}
        {widget && deleteConflict !== null ? (
          <div className="form-error" role="alert">
            <p>
              Someone else changed this widget since you opened it (now version {deleteConflict}); it was not
              deleted.
            </p>
            <button type="button" className="button" onClick={onClose}>
              Close and look
            </button>{' '}
            <button type="button" className="button danger" onClick={() => void remove(true)} disabled={busy}>
              Delete it anyway
            </button>
          </div>
        ) : widget && confirming ? (
          <div className="dialog-actions">
            <span>Delete “{widget.title || TYPE_LABEL[widget.type]}”? This cannot be undone.</span>
            <span className="spacer" />
            <button type="button" className="button" onClick={() => setConfirming(false)} ref={keepRef}>
              Keep it
            </button>
            <button type="button" className="button danger" onClick={() => void remove()} disabled={busy}>
              {busy ? 'Deleting…' : 'Delete'}
            </button>
          </div>
        ) : (
          <div className="dialog-actions">
            {widget && (
              <button
                type="button"
                className="button danger"
                onClick={() => setConfirming(true)}
                disabled={busy}
              >
                Delete widget
              </button>
            )}
            <span className="spacer" />
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="button primary" disabled={busy}>
              {busy ? 'Saving…' : widget ? 'Save' : 'Add widget'}
            </button>
          </div>
        )}
      </form>
    </Dialog>
  );
}

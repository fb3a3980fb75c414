// Editing a label set (key=value rows), e.g. host=web1: one row per label, with the problem of
// each row shown next to it (see lib/labels checkLabels).

import { useId } from 'react';
import type { LabelRow } from '../lib/labels';

export function LabelsEditor({
  rows,
  onChange,
  rowErrors = {},
  error,
  legend = 'Labels',
  hint,
  disabled = false,
}: {
  rows: LabelRow[];
  onChange(rows: LabelRow[]): void;
  rowErrors?: Record<number, string>;
  error?: string | null;
  legend?: string;
  hint?: string;
  disabled?: boolean;
}) {
  const id = useId();
  const set = (i: number, r: Partial<LabelRow>) =>
    onChange(rows.map((x, j) => (j === i ? { ...x, ...r } : x)));
  return (
    <fieldset className="field labels-editor" aria-describedby={hint ? `${id}-hint` : undefined}>
      <legend>{legend}</legend>
      {hint && (
        <span id={`${id}-hint`} className="muted small">
          {hint}
        </span>
      )}
      {rows.length === 0 && <span className="muted small">No labels.</span>}
      <ul className="label-rows">
        {rows.map((r, i) => {
          const err = rowErrors[i];
          const errId = `${id}-err-${i}`;
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
            <li key={i} className="label-row">
              <input
                aria-label={`Label ${i + 1} name`}
                placeholder="name"
                value={r.key}
                disabled={disabled}
                autoComplete="off"
                aria-invalid={err ? true : undefined}
                aria-describedby={err ? errId : undefined}
                onChange={(e) => set(i, { key: e.target.value })}
              />
              <span aria-hidden="true">=</span>
              <input
                aria-label={`Label ${i + 1} value`}
                placeholder="value"
                value={r.value}
                disabled={disabled}
                autoComplete="off"
                aria-invalid={err ? true : undefined}
                aria-describedby={err ? errId : undefined}
                onChange={(e) => set(i, { value: e.target.value })}
              />
              <button
                type="button"
                className="icon-button"
                aria-label={`Remove label ${i + 1}${r.key ? ` (${r.key})` : ''}`}
                disabled={disabled}
                onClick={() => onChange(rows.filter((_, j) => j !== i))}
              >
                ×
              </button>
              {err && (
                <span id={errId} className="field-error label-error">
                  {err}
                </span>
              )}
            </li>
          );
        })}
      </ul>
      {error && <span className="field-error">{error}</span>}
      <div>
        <button
          type="button"
          className="button small"
          disabled={disabled}
          onClick={() => onChange([...rows, { key: '', value: '' }])}
        >
          Add label
        </button>
      </div>
    </fieldset>
  );
}

// Label sets (key=value pairs) as the API validates them (series.go ValidateLabels): at most 16,
// names of 1–64 letters, digits and `_ . : -` (starting with a letter or digit), values of at most
// 256 characters.

export const MAX_LABELS = 16;
export const MAX_LABEL_NAME = 64;
export const MAX_LABEL_VALUE = 256;

export interface LabelRow {
  key: string;
  value: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

/** Rows of a label set, sorted by name. */
export function labelRows(labels: Record<string, string> | undefined): LabelRow[] {
  return Object.keys(labels ?? {})
    .sort()
    .map((key) => ({ key, value: labels?.[key] ?? '' }));
}

export interface LabelCheck {
  /** The label set, when every row is valid. */
  labels: Record<string, string> | null;
  /** The problem of each row at fault, by index. */
  rowErrors: Record<number, string>;
  /** A problem of the whole set (too many labels). */
  error: string | null;
}

/** Checks rows as the server would; blank rows (no name, no value) are left out. */
export function checkLabels(rows: LabelRow[]): LabelCheck {
  const rowErrors: Record<number, string> = {};
  const labels: Record<string, string> = {};
  const seen = new Set<string>();
  let count = 0;
  rows.forEach((r, i) => {
    const key = r.key.trim();
    if (key === '' && r.value === '') return;
    count++;
    if (key === '') rowErrors[i] = 'Give the label a name.';
    else if (key.length > MAX_LABEL_NAME)
      rowErrors[i] = `The name is longer than ${MAX_LABEL_NAME} characters.`;
    else if (!NAME.test(key))
      rowErrors[i] = 'A name has letters, digits and _ . : - only, and starts with a letter or digit.';
    else if (seen.has(key)) rowErrors[i] = `“${key}” is given twice.`;
    else if ([...r.value].length > MAX_LABEL_VALUE)
      rowErrors[i] = `The value is longer than ${MAX_LABEL_VALUE} characters.`;
    seen.add(key);
    labels[key] = r.value;
  });
  const error = count > MAX_LABELS ? `At most ${MAX_LABELS} labels.` : null;
  const ok = Object.keys(rowErrors).length === 0 && error === null;
  return { labels: ok ? labels : null, rowErrors, error };
}

/** "host=web1, iface=eth0" for display; "" for none. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  return labelRows(labels)
    .map((r) => `${r.key}=${r.value}`)
    .join(', ');
}

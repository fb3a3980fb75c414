// How a rule reads: "cpu.usage {host=web1} > 90 for 2m".

import type { AlertRule } from '../../api/types';
import { formatLabels } from '../../lib/labels';

export const COMPARISON_SIGN: Record<string, string> = {
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  eq: '=',
  ne: '≠',
};

export const COMPARISON_LABEL: Record<string, string> = {
  gt: 'above (>)',
  gte: 'at or above (≥)',
  lt: 'below (<)',
  lte: 'at or below (≤)',
  eq: 'equal to (=)',
  ne: 'not equal to (≠)',
};

/** "2m" → "for 2m"; "0s" or "" → "at once". */
export function forText(d: string): string {
  return d === '' || d === '0s' || d === '0' ? 'at once' : `for ${d}`;
}

export function conditionText(
  r: Pick<AlertRule, 'metric_code' | 'labels' | 'comparison' | 'threshold' | 'for'>,
) {
  const labels = formatLabels(r.labels);
  return `${r.metric_code}${labels ? ` {${labels}}` : ''} ${COMPARISON_SIGN[r.comparison] ?? r.comparison} ${r.threshold} ${forText(r.for)}`;
}

export function recipientsText(r: AlertRule): string {
  const roles = r.recipients?.roles ?? [];
  const users = r.recipients?.users ?? [];
  const parts: string[] = [];
  if (roles.length) parts.push(`roles ${roles.join(', ')}`);
  if (users.length) parts.push(`${users.length} user${users.length === 1 ? '' : 's'}`);
  return parts.length ? parts.join(' and ') : 'nobody';
}

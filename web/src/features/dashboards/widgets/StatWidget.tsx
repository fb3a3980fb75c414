import type { Widget, WidgetValue } from '../../../api/types';
import { formatAgo, formatValue } from '../../../lib/format';
import { useWidgetValue } from './use-widget-value';

export function StatWidget({ widget, unit, live }: { widget: Widget; unit?: string; live?: WidgetValue }) {
  const { value, error, loading } = useWidgetValue(widget, live);
  if (error) return <p className="widget-error bad">{error}</p>;
  if (loading) return <p className="muted">Loading…</p>;
  const extra = value && value.values.length > 1 ? value.values.slice(1) : [];
  return (
    <div className="stat-widget">
      <output className="stat-value" data-testid="stat-value">
        {formatValue(value?.value, unit)}
      </output>
      {extra.map((v) => (
        <span key={v.code} className="stat-extra muted">
          {v.code}: {formatValue(v.value, unit)}
        </span>
      ))}
      <span className="stat-meta muted">
        {value?.aggregation} over {value?.range}
        {value?.computed_at ? ` · ${formatAgo(value.computed_at)}` : ''}
      </span>
    </div>
  );
}

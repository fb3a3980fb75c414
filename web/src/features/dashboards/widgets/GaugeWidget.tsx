import type { Widget, WidgetValue } from '../../../api/types';
import { formatValue } from '../../../lib/format';
import { useWidgetValue } from './use-widget-value';

/** The point of the gauge's arc at fraction f (0: left, 1: right) of a half circle. */
function arcPoint(f: number, r: number): [number, number] {
  const a = Math.PI * (1 - f);
  return [60 + r * Math.cos(a), 60 - r * Math.sin(a)];
}

export function GaugeWidget({ widget, unit, live }: { widget: Widget; unit?: string; live?: WidgetValue }) {
  const { value, error, loading } = useWidgetValue(widget, live);
  if (error) return <p className="widget-error bad">{error}</p>;
  if (loading) return <p className="muted">Loading…</p>;
  const min = typeof widget.options.min === 'number' ? widget.options.min : 0;
  const max = typeof widget.options.max === 'number' ? widget.options.max : 100;
  const v = value?.value ?? null;
  const f = v === null ? 0 : Math.min(1, Math.max(0, (v - min) / (max - min || 1)));
  const r = 48;
  const [x0, y0] = arcPoint(0, r);
  const [x1, y1] = arcPoint(1, r);
  const [xf, yf] = arcPoint(f, r);
  const tone = f >= 0.9 ? 'bad' : f >= 0.75 ? 'warn' : 'ok';
  return (
    <div className="gauge-widget">
      <meter className="sr-only" min={min} max={max} value={v ?? min} aria-label={widget.title || 'gauge'}>
        {formatValue(v, unit)}
      </meter>
      <svg viewBox="0 0 120 70" aria-hidden="true">
        <path d={`M ${x0} ${y0} A ${r} ${r} 0 0 1 ${x1} ${y1}`} className="gauge-track" />
        {f > 0 && (
          <path d={`M ${x0} ${y0} A ${r} ${r} 0 0 1 ${xf} ${yf}`} className={`gauge-fill gauge-${tone}`} />
        )}
        <text x="60" y="58" textAnchor="middle" className="gauge-text" data-testid="stat-value">
          {formatValue(v, unit)}
        </text>
      </svg>
    </div>
  );
}

import type { MetricDefinition, Widget, WidgetValue } from '../../../api/types';
import { AlertList } from '../../../shared/alerts';
import { GaugeWidget } from './GaugeWidget';
import { StatWidget } from './StatWidget';
import { TableWidget } from './TableWidget';
import { TextWidget } from './TextWidget';
import { TimeseriesWidget } from './TimeseriesWidget';

/** The unit of a widget: its options' unit, else the unit defined for its first metric. */
export function widgetUnit(w: Widget, defs: ReadonlyMap<string, MetricDefinition>): string | undefined {
  if (typeof w.options.unit === 'string' && w.options.unit !== '') return w.options.unit;
  const code = w.query.codes[0];
  return code ? defs.get(code)?.unit || undefined : undefined;
}

export function WidgetBody({
  widget,
  defs,
  live,
}: {
  widget: Widget;
  defs: ReadonlyMap<string, MetricDefinition>;
  live?: WidgetValue;
}) {
  const unit = widgetUnit(widget, defs);
  const names = widget.query.codes.map((c) => defs.get(c)?.name || c);
  switch (widget.type) {
    case 'timeseries':
      return <TimeseriesWidget widget={widget} unit={unit} names={names} />;
    case 'stat':
      return <StatWidget widget={widget} unit={unit} live={live} />;
    case 'gauge':
      return <GaugeWidget widget={widget} unit={unit} live={live} />;
    case 'table':
      return <TableWidget widget={widget} unit={unit} names={names} />;
    case 'alert_list':
      return <AlertList compact />;
    case 'text':
      return <TextWidget widget={widget} />;
    default:
      return <p className="muted">Unknown widget type “{String(widget.type)}”.</p>;
  }
}

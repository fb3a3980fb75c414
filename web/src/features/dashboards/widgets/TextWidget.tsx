import type { Widget } from '../../../api/types';

/** Plain text from the widget options, shown as text (never as HTML). */
export function TextWidget({ widget }: { widget: Widget }) {
  const text = typeof widget.options.text === 'string' ? widget.options.text : '';
  if (!text) return <p className="muted">No text yet. Edit the widget to write some.</p>;
  return <div className="text-widget">{text}</div>;
}

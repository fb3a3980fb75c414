// Pure formatting helpers.

/** 3_723_000 → "1h 02m 03s"; 65_000 → "1m 05s"; 4_200 → "4s". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h}h ${pad(m)}m ${pad(sec)}s`;
  if (m > 0) return `${m}m ${pad(sec)}s`;
  return `${sec}s`;
}

/** Round-trip time for display: "12 ms", "—" when unknown. */
export function formatRtt(ms: number | null): string {
  return ms === null ? '—' : `${Math.round(ms)} ms`;
}

/** 1234567 → "1,234,567". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** The time part of an RFC 3339 timestamp, "10:00:00.123"; the input when it does not parse. */
export function formatTime(ts: string): string {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  return d.toISOString().slice(11, 23);
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** Three significant digits at most, no trailing zeros: 1.5, 12.3, 123, 1,234. */
function sig(n: number): string {
  const a = Math.abs(n);
  if (a >= 1000) return Math.round(n).toLocaleString('en-US');
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : 2;
  return String(Number(n.toFixed(digits)));
}

/** 1536 → "1.5 KiB" (binary multiples). */
export function formatBytes(n: number): string {
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  // 1023.9 KiB rounds to "1,024 KiB": show the next unit instead.
  if (Math.abs(Number(sig(v).replace(/,/g, ''))) >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${sig(v)} ${BYTE_UNITS[i]}`;
}

/** A plain number: 12.3456 → "12.35", 1234567 → "1,234,567", 0.00123 → "0.0012". */
export function formatNumber(n: number): string {
  const a = Math.abs(n);
  if (a >= 1000) return Math.round(n).toLocaleString('en-US');
  if (a >= 1 || a === 0) return String(Number(n.toFixed(2)));
  return String(Number(n.toPrecision(2)));
}

/**
 * A value with its unit (widget options `{"unit": …}` or the metric's definition):
 * percent → "12.5%", bytes → "1.5 GiB", bytes/s → "1.5 MiB/s", count → "1,234", other units as a
 * suffix ("3 ops/s"); null or not finite → "—".
 */
export function formatValue(v: number | null | undefined, unit?: string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  switch (unit ?? '') {
    case 'percent':
    case '%':
      return `${sig(v)}%`;
    case 'bytes':
      return formatBytes(v);
    case 'bytes/s':
      return `${formatBytes(v)}/s`;
    case '':
    case 'count':
    case 'load':
      return formatNumber(v);
    default:
      return `${formatNumber(v)} ${unit}`;
  }
}

/** "2026-01-10T12:00:00Z" → a short local date and time; the input when it does not parse. */
export function formatDateTime(ts: string): string {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  return d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/** How long ago `ts` was, relative to `now`: "just now", "5 min ago", "3 h ago", "2 d ago". */
export function formatAgo(ts: string, now = Date.now()): string {
  const t = new Date(ts).getTime();
  if (Number.isNaN(t)) return ts;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

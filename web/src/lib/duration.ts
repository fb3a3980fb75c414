// Go duration strings, as the API writes them ("15m", "1h30m", "90s", "500ms").

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** "1h30m" → 5_400_000 (ms); a bare number is seconds; undefined when it does not parse. */
export function parseDuration(s: string | number | undefined | null): number | undefined {
  if (s === undefined || s === null) return undefined;
  if (typeof s === 'number') return Number.isFinite(s) ? s * 1000 : undefined;
  const t = s.trim();
  if (t === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(t); m !== null; m = re.exec(t)) {
    total += Number(m[1]) * (UNITS[m[2] ?? ''] ?? Number.NaN);
    pos = re.lastIndex;
  }
  return pos === t.length && Number.isFinite(total) ? total : undefined;
}

/** 5_400_000 → "1h30m"; 900_000 → "15m"; 0 → "0s". */
export function formatGoDuration(ms: number): string {
  if (ms <= 0) return '0s';
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  let out = '';
  if (h) out += `${h}h`;
  if (m) out += `${m}m`;
  if (s) out += `${s}s`;
  return out || `${ms}ms`;
}

/** The range of a widget query: "" and "0s" mean the server's default, 1 h. */
export function queryRangeMs(range: string | undefined): number {
  const ms = parseDuration(range);
  return ms && ms > 0 ? ms : 3_600_000;
}

/** Range choices of the widget form. */
export const RANGES = ['5m', '15m', '30m', '1h', '6h', '12h', '24h', '168h'];

export function rangeLabel(range: string): string {
  const ms = queryRangeMs(range);
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return range;
}

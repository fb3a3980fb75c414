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

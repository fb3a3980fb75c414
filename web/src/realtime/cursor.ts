// Cursors: the positions of several channels in one string, "channel~seq~epoch" entries joined by
// ",". The server takes one as ?since= on the WebSocket upgrade (the implicit channels) and as
// Last-Event-ID / ?last_event_id= on the SSE stream, whose event ids are cursors too. The protocol
// calls them opaque; the SDK builds them only from positions the server gave it.

import type { SinceMap, StreamPosition } from './types';

/** Formats positions (only those with an epoch), in channel order. */
export function formatCursor(positions: SinceMap | Map<string, StreamPosition>): string {
  const entries = positions instanceof Map ? [...positions] : Object.entries(positions);
  return entries
    .filter(([, p]) => p.epoch !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([ch, p]) => `${ch}~${p.seq}~${p.epoch}`)
    .join(',');
}

/** Parses a cursor; malformed entries are skipped. */
export function parseCursor(cursor: string | null | undefined): SinceMap {
  const out: SinceMap = {};
  if (!cursor) return out;
  for (const entry of cursor.split(',')) {
    const parts = entry.split('~');
    if (parts.length !== 3) continue;
    const [ch, seq, epoch] = parts as [string, string, string];
    if (ch === '' || epoch === '' || !/^\d+$/.test(seq)) continue;
    out[ch] = { seq: Number(seq), epoch };
  }
  return out;
}

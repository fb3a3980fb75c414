// Per-channel stream positions: duplicate dropping, gap detection, recovery bookkeeping.

import { formatCursor } from './cursor';
import type { ChannelPosition, SinceMap, StreamPosition } from './types';

/** What to do with an event: deliver it, drop it as already seen, or recover what it skipped. */
export type Verdict = 'apply' | 'duplicate' | 'gap';

export class Positions {
  private readonly pos = new Map<string, StreamPosition>();

  get(channel: string): StreamPosition | undefined {
    return this.pos.get(channel);
  }

  delete(channel: string): void {
    this.pos.delete(channel);
  }

  clear(): void {
    this.pos.clear();
  }

  /** Checks an event of `channel` with `seq` against the last position, without changing it. */
  check(channel: string, seq: number): Verdict {
    const p = this.pos.get(channel);
    if (!p) return 'apply';
    if (seq <= p.seq) return 'duplicate';
    // Without an epoch the position was not announced by the server: seqs may have restarted.
    if (p.epoch !== '' && seq > p.seq + 1) return 'gap';
    return 'apply';
  }

  /** Records that the event `seq` of `channel` was delivered. */
  advance(channel: string, seq: number): void {
    const p = this.pos.get(channel);
    this.pos.set(channel, { seq, epoch: p?.epoch ?? '' });
  }

  /**
   * Applies one channel entry of `subscribed`, `welcome`/`authenticated` or the SSE `ready`, given
   * the position the client asked to recover from (if any). Returns false when the server says
   * the channel could not be recovered.
   *
   * - recovered: true: the missed publications follow the reply, after our position; keep it.
   * - recovered: false: some are lost. The position becomes the channel's current one, so that
   *   whatever part of the history the server still replays is dropped: the app reloads the view
   *   over REST, which already includes it. Live events continue from there.
   * - no `recovered` (nothing asked): start from the channel's current position.
   */
  sync(entry: ChannelPosition, asked?: StreamPosition): boolean {
    const current = this.pos.get(entry.channel);
    if (asked && entry.recovered === true) {
      const keep = current && current.epoch === asked.epoch && current.seq >= asked.seq ? current : asked;
      this.pos.set(entry.channel, { seq: keep.seq, epoch: keep.epoch });
      return true;
    }
    this.pos.set(entry.channel, { seq: entry.seq, epoch: entry.epoch });
    return !(asked && entry.recovered === false);
  }

  /** The positions (with a known epoch) of the given channels, as a `since` map. */
  since(channels: Iterable<string>): SinceMap {
    const out: SinceMap = {};
    for (const ch of channels) {
      const p = this.pos.get(ch);
      if (p && p.epoch !== '') out[ch] = { seq: p.seq, epoch: p.epoch };
    }
    return out;
  }

  /** The cursor of the given channels. */
  cursor(channels: Iterable<string>): string {
    return formatCursor(this.since(channels));
  }

  snapshot(): Record<string, StreamPosition> {
    return Object.fromEntries([...this.pos].map(([k, v]) => [k, { ...v }]));
  }
}

// The channel bookkeeping of a connection: which names the app wants, which the server accepted,
// what they resolve to, and who waits for them.

import type { RealtimeError } from './errors';
import type { ChannelPosition } from './types';

interface Waiter {
  names: string[];
  resolve(entries: ChannelPosition[]): void;
  reject(err: RealtimeError): void;
}

export class ChannelBook {
  /** Names the app wants (short or scoped, as given). */
  readonly desired = new Set<string>();
  /** Names the server accepted at least once. */
  readonly accepted = new Set<string>();
  /** Names subscribed on the current connection, with their entry. */
  readonly current = new Map<string, ChannelPosition>();
  /** Canonical channel of each name, as the server resolved it. */
  readonly nameToChannel = new Map<string, string>();
  /** The implicit channels (user.*, tenant.*, global). */
  readonly implicit = new Set<string>();
  private readonly waiters = new Set<Waiter>();

  /** A promise for the entries of `names`, resolved once all are subscribed on a connection. */
  wait(names: string[]): Promise<ChannelPosition[]> {
    return new Promise((resolve, reject) => {
      this.waiters.add({ names, resolve, reject });
    });
  }

  /** Records a subscribed channel of the current connection. */
  accept(entry: ChannelPosition): void {
    this.nameToChannel.set(entry.name, entry.channel);
    this.current.set(entry.name, entry);
    this.accepted.add(entry.name);
  }

  /** Forgets names; returns the canonical channels nobody wants any more. */
  forget(names: string[]): string[] {
    const dropped: string[] = [];
    for (const n of names) {
      this.desired.delete(n);
      this.accepted.delete(n);
      this.current.delete(n);
      const ch = this.nameToChannel.get(n);
      this.nameToChannel.delete(n);
      if (ch && !this.wanted(ch)) dropped.push(ch);
    }
    return dropped;
  }

  /** Whether events of a canonical channel are for the app. */
  wanted(channel: string): boolean {
    return this.implicit.has(channel) || this.nameOf(channel) !== undefined;
  }

  /** The wanted name that resolves to a canonical channel. */
  nameOf(channel: string): string | undefined {
    for (const n of this.desired) if (this.nameToChannel.get(n) === channel) return n;
    return undefined;
  }

  /** The known canonical channels of names. */
  channelsOf(names: Iterable<string>): string[] {
    const out: string[] = [];
    for (const n of names) {
      const ch = this.nameToChannel.get(n);
      if (ch) out.push(ch);
    }
    return out;
  }

  /** Resolves the waiters whose names are all subscribed. */
  settle(): void {
    for (const w of [...this.waiters]) {
      if (w.names.every((n) => this.current.has(n))) {
        this.waiters.delete(w);
        w.resolve(w.names.map((n) => this.current.get(n) as ChannelPosition));
      }
    }
  }

  /** Rejects the waiters that include any of `names` (every waiter when null). */
  reject(names: string[] | null, err: RealtimeError): void {
    for (const w of [...this.waiters]) {
      if (names === null || w.names.some((n) => names.includes(n))) {
        this.waiters.delete(w);
        w.reject(err);
      }
    }
  }
}

// Reference-counted channels over one connection: several parts of an app may ask for the same
// channel; it is subscribed once, and unsubscribed a short while after the last one lets go
// (so a component that unmounts and mounts again, e.g. on navigation or in React's StrictMode,
// does not unsubscribe and subscribe again).

import type { Realtime } from './connection';

export interface ChannelRefs {
  /** Takes a reference on each channel; returns the function that releases them (once). */
  acquire(channels: string[]): () => void;
  /** Current reference counts (channels with a pending unsubscribe have 0). */
  counts(): Record<string, number>;
  /** Cancels pending unsubscribes. */
  dispose(): void;
}

export function createChannelRefs(conn: Realtime, lingerMs = 2_000): ChannelRefs {
  const counts = new Map<string, number>();
  const lingering = new Map<string, ReturnType<typeof setTimeout>>();

  const take = (name: string) => {
    const n = counts.get(name) ?? 0;
    counts.set(name, n + 1);
    if (n > 0) return;
    const t = lingering.get(name);
    if (t !== undefined) {
      // Still subscribed: cancel the pending unsubscribe.
      clearTimeout(t);
      lingering.delete(name);
      return;
    }
    // One channel per subscribe: a refused channel must not take the others down with it
    // (subscribe is all-or-nothing). Refusals are reported to the connection's onError.
    conn.subscribe(name).catch(() => {});
  };

  const release = (name: string) => {
    const n = counts.get(name) ?? 0;
    if (n <= 0) return;
    counts.set(name, n - 1);
    if (n > 1) return;
    lingering.set(
      name,
      setTimeout(() => {
        lingering.delete(name);
        if ((counts.get(name) ?? 0) === 0) {
          counts.delete(name);
          conn.unsubscribe(name).catch(() => {});
        }
      }, lingerMs),
    );
  };

  return {
    acquire(channels) {
      const names = [...new Set(channels)];
      for (const name of names) take(name);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        for (const name of names) release(name);
      };
    },
    counts() {
      return Object.fromEntries(counts);
    },
    dispose() {
      for (const t of lingering.values()) clearTimeout(t);
      lingering.clear();
    },
  };
}

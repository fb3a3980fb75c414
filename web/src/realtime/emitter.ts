// A minimal listener registry. A throwing listener never breaks the connection: its error is
// reported (reportError where available) and the other listeners still run.

export type Listener<T> = (value: T) => void;

export class Emitter<T> {
  private readonly listeners = new Set<Listener<T>>();

  add(fn: Listener<T>): () => void {
    // Wrap so that the same function registered twice gets two registrations.
    const entry: Listener<T> = (v) => fn(v);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  emit(value: T): void {
    for (const fn of [...this.listeners]) {
      try {
        fn(value);
      } catch (err) {
        report(err);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }

  clear(): void {
    this.listeners.clear();
  }
}

export function report(err: unknown): void {
  const g = globalThis as { reportError?: (e: unknown) => void };
  if (typeof g.reportError === 'function') g.reportError(err);
  else console.error(err);
}

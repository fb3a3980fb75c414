// Saves widget positions with PATCH /api/v1/widgets/{id} {position, version}. Saves of one widget
// are sent one at a time: a move made while the previous one is in flight is based on the version
// that save returns, so quick keyboard moves never conflict with themselves. A 409 (someone else
// changed the widget since) is reported as a Conflict for the user to decide; never dropped.

import { useCallback, useMemo, useRef } from 'react';
import { ApiError } from '../../api/client';
import { api } from '../../api/resources';
import type { GridPos, Widget } from '../../api/types';

export interface Conflict {
  widgetId: string;
  title: string;
  /** The position the user wanted. */
  position: GridPos;
  /** The widget's version on the server, from the 409 (current_version). */
  currentVersion: number | undefined;
}

interface Pending {
  position: GridPos;
  /** The version the move was based on; null: the version the in-flight save returns. */
  base: number | null;
}

export interface LayoutSaver {
  save(id: string, position: GridPos): void;
  /** Saves over the server's version (the user chose to overwrite). */
  overwrite(c: Conflict): void;
  /** Whether a save of this widget is in flight or queued. */
  busy(id: string): boolean;
}

export function useLayoutSaver({
  widget,
  onSaved,
  onConflict,
  onError,
}: {
  /** The widget as the page holds it now. */
  widget(id: string): Widget | undefined;
  /** A save succeeded; `more` when another save of it is queued (keep the local position). */
  onSaved(w: Widget, more: boolean): void;
  onConflict(c: Conflict): void;
  onError(err: unknown, id: string): void;
}): LayoutSaver {
  const cb = useRef({ widget, onSaved, onConflict, onError });
  cb.current = { widget, onSaved, onConflict, onError };
  const pending = useRef(new Map<string, Pending>());
  const inflight = useRef(new Set<string>());
  const savedVersion = useRef(new Map<string, number>());

  const run = useCallback(async (id: string) => {
    inflight.current.add(id);
    try {
      for (let p = pending.current.get(id); p; p = pending.current.get(id)) {
        pending.current.delete(id);
        const w = cb.current.widget(id);
        if (!w) return;
        const version = p.base ?? savedVersion.current.get(id) ?? w.version;
        try {
          const saved = await api.updateWidget(id, {
            position: p.position,
            version,
            dashboard_id: w.dashboard_id,
          });
          savedVersion.current.set(id, saved.version);
          cb.current.onSaved(saved, pending.current.has(id));
        } catch (err) {
          const queued = pending.current.get(id);
          pending.current.delete(id);
          if (err instanceof ApiError && err.status === 409) {
            cb.current.onConflict({
              widgetId: id,
              title: w.title || w.type,
              position: queued?.position ?? p.position,
              currentVersion: err.currentVersion,
            });
          } else {
            cb.current.onError(err, id);
          }
          return;
        }
      }
    } finally {
      inflight.current.delete(id);
    }
  }, []);

  const enqueue = useCallback(
    (id: string, position: GridPos, base: number | null) => {
      const before = pending.current.get(id);
      pending.current.set(id, { position, base: before ? before.base : base });
      if (!inflight.current.has(id)) void run(id);
    },
    [run],
  );

  return useMemo(
    () => ({
      save: (id, position) => {
        const base = inflight.current.has(id) ? null : (cb.current.widget(id)?.version ?? null);
        enqueue(id, position, base);
      },
      overwrite: (c) => {
        const base = c.currentVersion ?? cb.current.widget(c.widgetId)?.version ?? null;
        pending.current.delete(c.widgetId);
        enqueue(c.widgetId, c.position, base);
      },
      busy: (id) => inflight.current.has(id) || pending.current.has(id),
    }),
    [enqueue],
  );
}

// One dashboard: its widgets on the grid, live. Layout changes are saved per widget with its
// version (409 → ConflictDialog); changes by others arrive on board:{id} (and dashboard) and are
// applied with a toast saying who made them.

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { errorMessage } from '../../api/client';
import { useDashboard, useMetricDefinitions } from '../../api/hooks';
import {
  canEdit,
  type Dashboard,
  type GridPos,
  type MetricDefinition,
  type Widget,
  type WidgetValue,
} from '../../api/types';
import { Badge } from '../../components/Badge';
import { Empty, ErrorState, Loading } from '../../components/States';
import { useAuth, useMe } from '../../context/auth';
import { useLiveControls } from '../../context/live';
import { Link, navigate } from '../../context/router';
import { useToast } from '../../context/toasts';
import type { DashboardUpdateData, WidgetData, WidgetUpdateData } from '../../realtime';
import { useRealtime, useRealtimeEvent, useRecoveryFailed } from '../../realtime/react';
import { ConflictDialog } from './ConflictDialog';
import { DashboardSettingsDialog } from './DashboardSettingsDialog';
import { Grid, type ItemControls } from './Grid';
import { freeSpot, type GridItem, samePos } from './layout';
import { type Conflict, useLayoutSaver } from './use-layout-saver';
import { WidgetForm } from './WidgetForm';
import { WidgetBody } from './widgets/WidgetBody';

const asWidget = (w: WidgetData) => w as unknown as Widget;

function describeChange(before: Widget | undefined, after: Widget): string {
  const name = `“${after.title || after.type}”`;
  if (!before) return `${name} changed.`;
  const { position: p0, version: _v0, updated_at: _u0, ...rest0 } = before;
  const { position: p1, version: _v1, updated_at: _u1, ...rest1 } = after;
  if (JSON.stringify(rest0) === JSON.stringify(rest1)) {
    if (p0.w !== p1.w || p0.h !== p1.h) return `${name} was resized.`;
    if (!samePos(p0, p1)) return `${name} was moved.`;
  }
  return `${name} was edited.`;
}

export function DashboardView({ id }: { id: string }) {
  const me = useMe();
  const { nameOf } = useAuth();
  const { toast } = useToast();
  const { refreshKey } = useLiveControls();
  const board = useDashboard(id);
  const defsRes = useMetricDefinitions();
  useRealtime({ channels: [`board:${id}`] });
  const [values, setValues] = useState<Record<string, WidgetValue>>({});
  const [conflicts, setConflicts] = useState<Conflict[]>([]);
  const [editing, setEditing] = useState<Widget | 'new' | null>(null);
  const [deletedBy, setDeletedBy] = useState<string | null>(null);
  const [settings, setSettings] = useState(false);
  const editable = canEdit(me);
  const myId = me.principal.id;
  const { mutate, reload } = board;

  const widgetsRef = useRef<Widget[]>([]);
  const rendered = useRef<Widget[] | undefined>(undefined);
  if (board.data?.widgets !== rendered.current) {
    rendered.current = board.data?.widgets;
    widgetsRef.current = board.data?.widgets ?? [];
  }

  const boardVersion = useRef(0);
  boardVersion.current = Math.max(boardVersion.current, board.data?.version ?? 0);

  const firstRefresh = useRef(refreshKey);
  useEffect(() => {
    if (refreshKey !== firstRefresh.current) reload();
  }, [refreshKey, reload]);

  const defs = useMemo(
    () => new Map<string, MetricDefinition>((defsRes.data ?? []).map((d) => [d.code, d])),
    [defsRes.data],
  );

  // Handlers read widgetsRef, which is updated at once (not at the next render): the owner gets
  // each event twice in one frame (dashboard.{owner} and board.{id}), and the copy must be seen.
  const setWidgets = useCallback(
    (f: (ws: Widget[]) => Widget[]) => {
      widgetsRef.current = f(widgetsRef.current);
      mutate((d) => (d ? { ...d, widgets: f(d.widgets ?? []) } : d));
    },
    [mutate],
  );
  const putWidget = useCallback(
    (w: Widget) =>
      setWidgets((ws) =>
        ws.some((x) => x.id === w.id) ? ws.map((x) => (x.id === w.id ? w : x)) : [...ws, w],
      ),
    [setWidgets],
  );

  const saver = useLayoutSaver({
    widget: (wid) => widgetsRef.current.find((w) => w.id === wid),
    onSaved: (saved, more) =>
      setWidgets((ws) =>
        ws.map((w) => (w.id !== saved.id ? w : more ? { ...w, version: saved.version } : { ...saved })),
      ),
    onConflict: (c) => setConflicts((cs) => [...cs.filter((x) => x.widgetId !== c.widgetId), c]),
    onError: (err) => {
      toast({ title: 'The layout was not saved', body: errorMessage(err), tone: 'bad' });
      reload();
    },
  });

  const onCommit = useCallback(
    (changes: GridItem[]) => {
      const byId = new Map(changes.map((c) => [c.id, c.position]));
      setWidgets((ws) => ws.map((w) => (byId.has(w.id) ? { ...w, position: byId.get(w.id) as GridPos } : w)));
      for (const c of changes) saver.save(c.id, c.position);
    },
    [setWidgets, saver],
  );

  useRealtimeEvent('widget_update', (e) => {
    const d: WidgetUpdateData = e.data;
    if (d.dashboard_id !== id) return;
    if (d.change === 'value' && d.value) {
      const v = d.value as unknown as WidgetValue;
      setValues((m) => ({ ...m, [d.widget_id]: v }));
      return;
    }
    if (d.change !== 'config' || !d.widget) return;
    const next = asWidget(d.widget);
    const cur = widgetsRef.current.find((w) => w.id === d.widget_id);
    if (cur && cur.version >= next.version) return; // already applied (our own save, or the other channel)
    if (cur && d.by === myId && saver.busy(cur.id)) {
      // Our own save, with more queued: keep the position on screen, take the version.
      setWidgets((ws) =>
        ws.map((w) => (w.id === cur.id ? { ...w, version: Math.max(w.version, next.version) } : w)),
      );
      return;
    }
    putWidget(next);
    if (d.by !== myId)
      toast({ title: `Dashboard changed by ${nameOf(d.by)}`, body: describeChange(cur, next) });
  });

  useRealtimeEvent('dashboard_update', (e) => {
    const d: DashboardUpdateData = e.data;
    if (d.dashboard_id !== id) return;
    const by = nameOf(d.by);
    const mine = d.by === myId;
    switch (d.change) {
      case 'updated': {
        if (!d.dashboard || boardVersion.current >= d.version) return;
        boardVersion.current = d.version;
        const upd = d.dashboard as unknown as Dashboard;
        mutate((b) => (b ? { ...b, ...upd, widgets: b.widgets } : b));
        if (!mine) toast({ title: `Dashboard changed by ${by}`, body: `“${upd.name}” was updated.` });
        return;
      }
      case 'widget_added': {
        if (!d.widget || widgetsRef.current.some((w) => w.id === d.widget?.id)) return;
        const w = asWidget(d.widget);
        putWidget(w);
        if (!mine) toast({ title: `Dashboard changed by ${by}`, body: `“${w.title || w.type}” was added.` });
        return;
      }
      case 'widget_removed': {
        const gone = widgetsRef.current.find((w) => w.id === d.widget_id);
        if (!gone) return;
        setWidgets((ws) => ws.filter((w) => w.id !== d.widget_id));
        if (!mine)
          toast({ title: `Dashboard changed by ${by}`, body: `“${gone.title || gone.type}” was removed.` });
        return;
      }
      case 'deleted':
        if (!mine) setDeletedBy((prev) => prev ?? by);
        else setDeletedBy((prev) => prev ?? 'you');
        return;
    }
  });

  // The board could not be recovered after a reconnect (e.g. a server restart): reload it.
  useRecoveryFailed((f) => {
    if (f.name === `board:${id}` || f.name === 'dashboard') reload();
  });

  const resolveReload = () => {
    setConflicts([]);
    reload();
  };
  const resolveOverwrite = () => {
    const cs = conflicts;
    setConflicts([]);
    for (const c of cs) saver.overwrite(c);
  };

  if (deletedBy)
    return (
      <main className="page">
        <Empty title={`This dashboard was deleted by ${deletedBy}`}>
          <Link to="/dashboards">See the other dashboards</Link>
        </Empty>
      </main>
    );
  if (board.error && !board.data)
    return (
      <main className="page">
        <ErrorState error={board.error} onRetry={reload} title="This dashboard could not be loaded" />
        <p>
          <Link to="/dashboards">All dashboards</Link>
        </p>
      </main>
    );
  if (!board.data) return <Loading label="Loading the dashboard…" />;

  const d = board.data;
  const widgets = d.widgets ?? [];
  const columns = typeof d.layout?.columns === 'number' && d.layout.columns > 0 ? d.layout.columns : 12;

  return (
    <main className="page dashboard-page" aria-labelledby="dashboard-title">
      <div className="page-head">
        <div>
          <h1 id="dashboard-title">{d.name}</h1>
          {d.description && <p className="muted">{d.description}</p>}
        </div>
        <div className="page-actions">
          <Badge tone="neutral">{d.visibility}</Badge>
          {board.loading && <span className="muted">Refreshing…</span>}
          {editable && (
            <button type="button" className="button" onClick={() => setSettings(true)}>
              Settings
            </button>
          )}
          {editable && (
            <button type="button" className="button primary" onClick={() => setEditing('new')}>
              Add widget
            </button>
          )}
        </div>
      </div>
      {widgets.length === 0 ? (
        <Empty title="No widgets yet">
          {editable ? (
            <span>Add a chart, a number or a note with “Add widget”.</span>
          ) : (
            <span>Nothing to show.</span>
          )}
        </Empty>
      ) : (
        <Grid
          items={widgets}
          columns={columns}
          editable={editable}
          onCommit={onCommit}
          labelOf={(w) => w.title || w.type}
          renderItem={(w, c) => (
            <WidgetFrame widget={w} controls={c} editable={editable} onEdit={() => setEditing(w)}>
              <WidgetBody widget={w} defs={defs} live={values[w.id]} />
            </WidgetFrame>
          )}
        />
      )}
      {conflicts.length > 0 && (
        <ConflictDialog conflicts={conflicts} onReload={resolveReload} onOverwrite={resolveOverwrite} />
      )}
      {settings && (
        <DashboardSettingsDialog
          dashboard={d}
          onClose={() => setSettings(false)}
          onSaved={(saved) => {
            mutate((b) => (b ? { ...b, ...saved, widgets: b.widgets } : b));
            setSettings(false);
          }}
          onDeleted={() => navigate('/dashboards', { replace: true })}
        />
      )}
      {editing && (
        <WidgetForm
          dashboardId={id}
          widget={editing === 'new' ? undefined : editing}
          defs={defsRes.data}
          place={(w, h) => freeSpot(widgets, w, h, columns)}
          onClose={() => setEditing(null)}
          onDone={(w) => {
            putWidget(w);
            setEditing(null);
          }}
          onDeleted={(wid) => {
            setWidgets((ws) => ws.filter((w) => w.id !== wid));
            setEditing(null);
          }}
        />
      )}
    </main>
  );
}

function WidgetFrame({
  widget,
  controls,
  editable,
  onEdit,
  children,
}: {
  widget: Widget;
  controls: ItemControls;
  editable: boolean;
  onEdit(): void;
  children: React.ReactNode;
}) {
  const title = widget.title || widget.type;
  const titleId = `w-${widget.id}-title`;
  return (
    <article className={`widget widget-${widget.type}`} aria-labelledby={titleId} data-title={title}>
      <header className="widget-head">
        {controls.editable && (
          <button type="button" className="drag-handle" aria-label={`Move ${title}`} {...controls.move}>
            <span aria-hidden="true">⠿</span>
          </button>
        )}
        <h2 id={titleId} className="widget-title">
          {title}
        </h2>
        {editable && (
          <button type="button" className="icon-button" aria-label={`Edit ${title}`} onClick={onEdit}>
            <span aria-hidden="true">✎</span>
          </button>
        )}
      </header>
      <div className="widget-body">{children}</div>
      {controls.editable && (
        <button type="button" className="resize-handle" aria-label={`Resize ${title}`} {...controls.resize} />
      )}
    </article>
  );
}

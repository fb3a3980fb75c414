// The dashboard grid: widgets placed on `columns` columns of `rowHeight` rows, moved and resized
// with the pointer (drag the grip, or the corner) or the keyboard (arrow keys on the grip move,
// Shift + arrow keys resize). Overlapped widgets are pushed down. On a phone the widgets stack in
// reading order and the layout is not editable.

import {
  type KeyboardEvent,
  type PointerEvent,
  type ReactNode,
  useCallback,
  useId,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import type { GridPos } from '../../api/types';
import { bottom, changedItems, clampPos, type GridItem, place, readingOrder, samePos } from './layout';

export interface HandleProps {
  onPointerDown(e: PointerEvent<HTMLElement>): void;
  onPointerMove(e: PointerEvent<HTMLElement>): void;
  onPointerUp(e: PointerEvent<HTMLElement>): void;
  onPointerCancel(): void;
  onKeyDown(e: KeyboardEvent<HTMLElement>): void;
  'aria-describedby': string;
}

export interface ItemControls {
  /** Spread on the move grip (a button). */
  move: HandleProps;
  /** Spread on the resize corner (a button). */
  resize: HandleProps;
  editable: boolean;
  dragging: boolean;
}

interface Drag {
  id: string;
  mode: 'move' | 'resize';
  pointerId: number;
  startX: number;
  startY: number;
  dx: number;
  dy: number;
  origin: GridPos;
  preview: GridPos;
}

const PHONE_WIDTH = 640;

export function Grid<T extends GridItem>({
  items,
  columns,
  rowHeight = 64,
  gap = 12,
  editable,
  onCommit,
  renderItem,
  labelOf,
}: {
  items: readonly T[];
  columns: number;
  rowHeight?: number;
  gap?: number;
  editable: boolean;
  /** The positions that changed (the moved widget and the ones it pushed). */
  onCommit(changes: GridItem[]): void;
  renderItem(item: T, controls: ItemControls): ReactNode;
  labelOf(item: T): string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [drag, setDrag] = useState<Drag | null>(null);
  // The drag as the pointer events see it. React renders pointermove updates later than discrete
  // events, so a quick release would otherwise read a drag state from before the last moves.
  const dragRef = useRef<Drag | null>(null);
  const [announce, setAnnounce] = useState('');
  const helpId = useId();

  // The widgets are placed only once the grid is measured (before the first paint): placed at the
  // fallback width first, they would slide to their places (positions are animated) while the
  // page loads, under the user's pointer.
  const [measured, setMeasured] = useState(false);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      setWidth(el.clientWidth);
      setMeasured(true);
    };
    measure();
    if (typeof ResizeObserver !== 'function') {
      addEventListener('resize', measure);
      return () => removeEventListener('resize', measure);
    }
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // jsdom and the first render have no width: lay out as a desktop.
  const w = width || 1200;
  const phone = width > 0 && width < PHONE_WIDTH;
  const canEdit = editable && !phone;
  const colW = (w - gap * (columns - 1)) / columns;
  const stepX = colW + gap;
  const stepY = rowHeight + gap;

  const positions = useMemo(() => {
    if (!drag) return new Map(items.map((it) => [it.id, it.position]));
    return place(items, drag.id, drag.preview);
  }, [items, drag]);

  const commit = useCallback(
    (id: string, pos: GridPos) => {
      const changes = changedItems(items, place(items, id, pos));
      if (changes.length > 0) onCommit(changes);
    },
    [items, onCommit],
  );

  /** The drag with the pointer at (x, y): its offset and the grid position it previews. */
  const dragTo = (d: Drag, x: number, y: number): Drag => {
    const dx = x - d.startX;
    const dy = y - d.startY;
    const dc = Math.round(dx / stepX);
    const dr = Math.round(dy / stepY);
    const o = d.origin;
    const preview =
      d.mode === 'move'
        ? clampPos({ ...o, x: o.x + dc, y: o.y + dr }, columns)
        : clampPos({ ...o, w: o.w + dc, h: o.h + dr }, columns);
    return { ...d, dx, dy, preview };
  };

  const controls = (item: T): ItemControls => {
    const handle = (mode: 'move' | 'resize'): HandleProps => ({
      'aria-describedby': helpId,
      onPointerDown: (e) => {
        if (!canEdit || e.button !== 0) return;
        e.preventDefault();
        e.currentTarget.setPointerCapture?.(e.pointerId);
        const d: Drag = {
          id: item.id,
          mode,
          pointerId: e.pointerId,
          startX: e.clientX,
          startY: e.clientY,
          dx: 0,
          dy: 0,
          origin: item.position,
          preview: item.position,
        };
        dragRef.current = d;
        setDrag(d);
      },
      onPointerMove: (e) => {
        const d = dragRef.current;
        if (!d || d.id !== item.id || d.pointerId !== e.pointerId) return;
        const next = dragTo(d, e.clientX, e.clientY);
        dragRef.current = next;
        setDrag(next);
      },
      onPointerUp: (e) => {
        const d = dragRef.current;
        if (!d || d.id !== item.id || d.pointerId !== e.pointerId) return;
        // Where the pointer is let go, whatever the moves before it rendered.
        const { preview } = dragTo(d, e.clientX, e.clientY);
        dragRef.current = null;
        setDrag(null);
        if (!samePos(preview, d.origin)) {
          commit(item.id, preview);
          setAnnounce(describe(labelOf(item), preview));
        }
      },
      onPointerCancel: () => {
        dragRef.current = null;
        setDrag(null);
      },
      onKeyDown: (e) => {
        if (!canEdit) return;
        const d = ARROWS[e.key];
        if (!d) return;
        e.preventDefault();
        const o = item.position;
        const resize = mode === 'resize' || e.shiftKey;
        const next = resize
          ? clampPos({ ...o, w: o.w + d[0], h: o.h + d[1] }, columns)
          : clampPos({ ...o, x: o.x + d[0], y: o.y + d[1] }, columns);
        if (samePos(next, o)) return;
        commit(item.id, next);
        setAnnounce(describe(labelOf(item), next));
      },
    });
    return {
      move: handle('move'),
      resize: handle('resize'),
      editable: canEdit,
      dragging: drag?.id === item.id,
    };
  };

  const ordered = readingOrder(items);
  const rows = bottom(items.map((it) => ({ id: it.id, position: positions.get(it.id) ?? it.position })));

  return (
    <>
      <p id={helpId} className="sr-only">
        Drag the grip to move a widget, or focus it and use the arrow keys; Shift with the arrow keys, or the
        corner, resizes.
      </p>
      <p className="sr-only" aria-live="polite">
        {announce}
      </p>
      <div
        ref={ref}
        className={`grid${phone ? ' grid-stacked' : ''}${drag ? ' grid-dragging' : ''}`}
        style={phone ? undefined : { height: Math.max(1, rows) * stepY - gap }}
      >
        {drag && !phone && (
          <div
            className="grid-placeholder"
            style={{
              left: drag.preview.x * stepX,
              top: drag.preview.y * stepY,
              width: drag.preview.w * stepX - gap,
              height: drag.preview.h * stepY - gap,
            }}
          />
        )}
        {measured &&
          ordered.map((item) => {
            const p = positions.get(item.id) ?? item.position;
            const dragging = drag?.id === item.id;
            let style: React.CSSProperties | undefined;
            if (phone) {
              style = { height: Math.max(p.h, 2) * stepY - gap };
            } else if (dragging && drag) {
              const o = drag.origin;
              style =
                drag.mode === 'move'
                  ? {
                      left: o.x * stepX + drag.dx,
                      top: o.y * stepY + drag.dy,
                      width: o.w * stepX - gap,
                      height: o.h * stepY - gap,
                    }
                  : {
                      left: o.x * stepX,
                      top: o.y * stepY,
                      width: Math.max(colW, o.w * stepX - gap + drag.dx),
                      height: Math.max(rowHeight, o.h * stepY - gap + drag.dy),
                    };
            } else {
              style = {
                left: p.x * stepX,
                top: p.y * stepY,
                width: p.w * stepX - gap,
                height: p.h * stepY - gap,
              };
            }
            return (
              <div
                key={item.id}
                className={`grid-item${dragging ? ' dragging' : ''}`}
                style={style}
                data-widget-id={item.id}
                data-x={p.x}
                data-y={p.y}
                data-w={p.w}
                data-h={p.h}
              >
                {renderItem(item, controls(item))}
              </div>
            );
          })}
      </div>
    </>
  );
}

const ARROWS: Record<string, [number, number]> = {
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
};

function describe(label: string, p: GridPos): string {
  return `${label}: column ${p.x + 1}, row ${p.y + 1}, ${p.w} wide, ${p.h} high`;
}

// Grid arithmetic of the dashboard, pure: collisions, placement, free spots, phone order.

import type { GridPos } from '../../api/types';

export interface GridItem {
  id: string;
  position: GridPos;
}

export const overlaps = (a: GridPos, b: GridPos) =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

export const samePos = (a: GridPos, b: GridPos) => a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;

/** Keeps a position on a grid of `columns`: at least 1×1, inside the columns, not above row 0. */
export function clampPos(p: GridPos, columns: number): GridPos {
  const w = Math.min(Math.max(1, Math.round(p.w)), columns);
  const h = Math.min(Math.max(1, Math.round(p.h)), 100);
  const x = Math.min(Math.max(0, Math.round(p.x)), columns - w);
  const y = Math.max(0, Math.round(p.y));
  return { x, y, w, h };
}

/**
 * Puts item `id` at `pos` and pushes the items it overlaps down, below it, cascading. Returns the
 * position of every item (the unchanged ones included).
 */
export function place(items: readonly GridItem[], id: string, pos: GridPos): Map<string, GridPos> {
  const out = new Map(items.map((it) => [it.id, { ...it.position }]));
  out.set(id, { ...pos });
  const queue = [id];
  let guard = 0;
  while (queue.length > 0 && guard++ < 10_000) {
    const cur = queue.shift() as string;
    const cp = out.get(cur);
    if (!cp) continue;
    // Top to bottom, so that items keep their order as they move down.
    const hit = [...out.entries()]
      .filter(([oid, op]) => oid !== cur && oid !== id && overlaps(cp, op))
      .sort((a, b) => a[1].y - b[1].y);
    for (const [oid, op] of hit) {
      out.set(oid, { ...op, y: cp.y + cp.h });
      queue.push(oid);
    }
  }
  return out;
}

/** The items whose position differs between `before` and `after`. */
export function changedItems(before: readonly GridItem[], after: Map<string, GridPos>): GridItem[] {
  const out: GridItem[] = [];
  for (const it of before) {
    const p = after.get(it.id);
    if (p && !samePos(p, it.position)) out.push({ id: it.id, position: p });
  }
  return out;
}

/** Rows used: the bottom of the lowest item. */
export const bottom = (items: readonly GridItem[]) =>
  items.reduce((m, it) => Math.max(m, it.position.y + it.position.h), 0);

/** The first spot of size w×h, scanning rows top to bottom, that overlaps nothing. */
export function freeSpot(items: readonly GridItem[], w: number, h: number, columns: number): GridPos {
  const width = Math.min(w, columns);
  const last = bottom(items);
  for (let y = 0; y <= last; y++) {
    for (let x = 0; x + width <= columns; x++) {
      const p = { x, y, w: width, h };
      if (!items.some((it) => overlaps(p, it.position))) return p;
    }
  }
  return { x: 0, y: last, w: width, h };
}

/** Reading order (rows, then columns): the order of the widgets on a phone. */
export function readingOrder<T extends GridItem>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.position.y - b.position.y || a.position.x - b.position.x);
}

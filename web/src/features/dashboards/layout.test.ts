import { describe, expect, it } from 'vitest';
import { changedItems, clampPos, freeSpot, place, readingOrder } from './layout';

const items = [
  { id: 'a', position: { x: 0, y: 0, w: 3, h: 2 } },
  { id: 'b', position: { x: 3, y: 0, w: 3, h: 2 } },
  { id: 'c', position: { x: 3, y: 2, w: 3, h: 2 } },
  { id: 'd', position: { x: 6, y: 0, w: 6, h: 4 } },
];

describe('layout', () => {
  it('pushes overlapped items down, cascading', () => {
    const after = place(items, 'a', { x: 2, y: 0, w: 3, h: 2 });
    expect(after.get('a')).toEqual({ x: 2, y: 0, w: 3, h: 2 });
    expect(after.get('b')).toEqual({ x: 3, y: 2, w: 3, h: 2 });
    expect(after.get('c')).toEqual({ x: 3, y: 4, w: 3, h: 2 });
    expect(after.get('d')).toEqual({ x: 6, y: 0, w: 6, h: 4 });
    expect(changedItems(items, after).map((i) => i.id)).toEqual(['a', 'b', 'c']);
  });

  it('leaves others alone when there is room', () => {
    const after = place(items, 'd', { x: 6, y: 1, w: 6, h: 4 });
    expect(changedItems(items, after)).toEqual([{ id: 'd', position: { x: 6, y: 1, w: 6, h: 4 } }]);
  });

  it('clamps to the grid', () => {
    expect(clampPos({ x: 11, y: -2, w: 3, h: 0 }, 12)).toEqual({ x: 9, y: 0, w: 3, h: 1 });
    expect(clampPos({ x: -1, y: 1.6, w: 20, h: 2 }, 12)).toEqual({ x: 0, y: 2, w: 12, h: 2 });
  });

  it('finds a free spot and a reading order', () => {
    expect(freeSpot(items, 3, 2, 12)).toEqual({ x: 0, y: 2, w: 3, h: 2 });
    expect(freeSpot(items, 12, 2, 12)).toEqual({ x: 0, y: 4, w: 12, h: 2 });
    expect(readingOrder(items).map((i) => i.id)).toEqual(['a', 'b', 'd', 'c']);
  });
});

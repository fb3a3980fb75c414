import { describe, expect, it } from 'vitest';
import { alignSeries, chartStepMs, RingBuffer, SeriesBuffer } from './ring-buffer';

describe('RingBuffer', () => {
  it('keeps the newest points up to its capacity', () => {
    const r = new RingBuffer(3);
    for (let i = 1; i <= 5; i++) r.push(i * 1000, i);
    expect(r.length).toBe(3);
    expect(r.toArrays()).toEqual([
      [3000, 4000, 5000],
      [3, 4, 5],
    ]);
    expect(r.lastX()).toBe(5000);
    expect(r.lastY()).toBe(5);
  });

  it('drops points older than a time and can be reused', () => {
    const r = new RingBuffer(4);
    for (let i = 1; i <= 6; i++) r.push(i, i * 10);
    expect(r.dropBefore(5)).toBe(2);
    expect(r.toArrays()).toEqual([
      [5, 6],
      [50, 60],
    ]);
    r.push(7, 70);
    r.setLastY(71);
    expect(r.toArrays()[1]).toEqual([50, 60, 71]);
    r.clear();
    expect(r.length).toBe(0);
    expect(Number.isNaN(r.lastX())).toBe(true);
  });

  it('stays bounded and constant-cost after hours at 1 Hz', () => {
    // 15 min range at 1 s steps; 6 hours of points.
    const s = new SeriesBuffer(15 * 60_000, 1000, 'avg');
    const t0 = 1_768_046_400_000;
    for (let i = 0; i < 6 * 3600; i++) {
      s.add(t0 + i * 1000 + 123, i);
      s.trim(t0 + i * 1000, 15 * 60_000);
    }
    expect(s.ring.capacity).toBe(902);
    expect(s.ring.length).toBeLessThanOrEqual(902);
    expect(s.ring.length).toBeGreaterThanOrEqual(900);
    expect(s.ring.lastX()).toBe(t0 + (6 * 3600 - 1) * 1000);
    expect(s.ring.lastY()).toBe(6 * 3600 - 1);
  });
});

describe('SeriesBuffer', () => {
  it('folds points of one step with the aggregation', () => {
    const avg = new SeriesBuffer(60_000, 10_000, 'avg');
    avg.add(100_000, 1);
    avg.add(101_000, 3);
    avg.add(109_999, 5);
    avg.add(110_000, 7);
    expect(avg.ring.toArrays()).toEqual([
      [100_000, 110_000],
      [3, 7],
    ]);
    const max = new SeriesBuffer(60_000, 10_000, 'max');
    for (const v of [1, 9, 4]) max.add(100_000 + v, v);
    expect(max.ring.lastY()).toBe(9);
    const count = new SeriesBuffer(60_000, 10_000, 'count');
    for (const v of [1, 9, 4]) count.add(100_000 + v, v);
    expect(count.ring.lastY()).toBe(3);
  });

  it('ignores late and invalid points, and continues a loaded history', () => {
    const s = new SeriesBuffer(60_000, 1000, 'last');
    s.load([
      [1000, 1],
      [2000, 2],
      [2000, 99], // duplicate step
      [3000, 3],
    ]);
    expect(s.add(1500, 42)).toBe(false);
    expect(s.add(4000, Number.NaN)).toBe(false);
    expect(s.add(3500, 4)).toBe(true); // same step as the last one: replaces (last)
    expect(s.add(4000, 5)).toBe(true);
    expect(s.ring.toArrays()).toEqual([
      [1000, 2000, 3000, 4000],
      [1, 2, 4, 5],
    ]);
    s.trim(63_500, 60_000);
    expect(s.ring.toArrays()[0]).toEqual([3000, 4000]);
  });

  it('merges history before the live points it already holds', () => {
    const s = new SeriesBuffer(60_000, 1000, 'avg');
    s.add(5000, 5);
    s.add(6000, 6);
    s.mergeHistory([
      [3000, 3],
      [4000, 4],
      [5000, 99],
    ]);
    expect(s.ring.toArrays()).toEqual([
      [3000, 4000, 5000, 6000],
      [3, 4, 5, 6],
    ]);
    s.add(6500, 8);
    expect(s.ring.lastY()).toBe(7);
  });

  it('chooses 1 s steps up to 15 minutes, about 900 steps beyond', () => {
    expect(chartStepMs(5 * 60_000)).toBe(1000);
    expect(chartStepMs(15 * 60_000)).toBe(1000);
    expect(chartStepMs(3_600_000)).toBe(4000);
    expect(chartStepMs(24 * 3_600_000)).toBe(96_000);
  });
});

describe('alignSeries', () => {
  it('merges the times of several series with nulls for missing points', () => {
    const a = new RingBuffer(5);
    const b = new RingBuffer(5);
    a.push(1, 10);
    a.push(2, 20);
    a.push(4, 40);
    b.push(2, 200);
    b.push(3, 300);
    expect(alignSeries([a, b])).toEqual([
      [1, 2, 3, 4],
      [10, 20, null, 40],
      [null, 200, 300, null],
    ]);
    expect(alignSeries([a])).toEqual([
      [1, 2, 4],
      [10, 20, 40],
    ]);
  });
});

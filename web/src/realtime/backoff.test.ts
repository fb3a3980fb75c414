import { describe, expect, it } from 'vitest';
import { backoffCeil, backoffDelay, DEFAULT_BACKOFF } from './backoff';

describe('backoff', () => {
  it('doubles from the first ceiling up to the cap', () => {
    const ceils = Array.from({ length: 10 }, (_, i) => backoffCeil(i, DEFAULT_BACKOFF));
    expect(ceils).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
    expect(backoffCeil(1_000, DEFAULT_BACKOFF)).toBe(30_000);
  });

  it('retries first within 1 s', () => {
    for (const r of [0, 0.5, 0.999999]) expect(backoffDelay(0, DEFAULT_BACKOFF, () => r)).toBeLessThan(1000);
  });

  it('jitters uniformly in [0, ceil] (full jitter)', () => {
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0)).toBe(0);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.5)).toBe(2000);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.9999999)).toBe(4000);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(20, DEFAULT_BACKOFF);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(30_000);
    }
  });

  it('tolerates odd bounds', () => {
    expect(backoffCeil(0, { initialMs: 0, maxMs: 0 })).toBe(1);
    expect(backoffCeil(5, { initialMs: 100, maxMs: 50 })).toBe(100);
    expect(backoffCeil(-1, { initialMs: 100, maxMs: 1000 })).toBe(100);
  });
});

import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseDuration, queryRangeMs, rangeLabel } from './duration';

describe('Go durations', () => {
  it('parses what the API writes', () => {
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration(2)).toBe(2000);
    expect(parseDuration('')).toBeUndefined();
    expect(parseDuration('5x')).toBeUndefined();
    expect(parseDuration('1h bogus')).toBeUndefined();
  });
  it('formats and labels ranges', () => {
    expect(formatGoDuration(5_400_000)).toBe('1h30m');
    expect(formatGoDuration(900_000)).toBe('15m');
    expect(queryRangeMs('0s')).toBe(3_600_000);
    expect(queryRangeMs('')).toBe(3_600_000);
    expect(rangeLabel('15m')).toBe('15 min');
    expect(rangeLabel('24h')).toBe('1 d');
    expect(rangeLabel('6h')).toBe('6 h');
  });
});

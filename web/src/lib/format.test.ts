import { describe, expect, it } from 'vitest';
import { formatDuration, formatRtt, formatTime } from './format';

describe('format', () => {
  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(4_200)).toBe('4s');
    expect(formatDuration(65_000)).toBe('1m 05s');
    expect(formatDuration(3_723_000)).toBe('1h 02m 03s');
  });
  it('formats rtt and times', () => {
    expect(formatRtt(null)).toBe('—');
    expect(formatRtt(12.4)).toBe('12 ms');
    expect(formatTime('2026-11-21T10:00:00.123456789Z')).toBe('10:00:00.123');
    expect(formatTime('nope')).toBe('nope');
  });
});

import { describe, expect, it } from 'vitest';
import {
  formatAgo,
  formatBytes,
  formatDuration,
  formatNumber,
  formatRtt,
  formatTime,
  formatValue,
} from './format';

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
  it('formats ages', () => {
    const now = Date.parse('2026-01-10T12:00:00Z');
    expect(formatAgo('2026-01-10T11:59:50Z', now)).toBe('just now');
    expect(formatAgo('2026-01-10T11:55:00Z', now)).toBe('5 min ago');
    expect(formatAgo('2026-01-10T09:00:00Z', now)).toBe('3 h ago');
    expect(formatAgo('2026-01-08T12:00:00Z', now)).toBe('2 d ago');
  });
});

describe('units', () => {
  it('percent', () => {
    expect(formatValue(12.3456, 'percent')).toBe('12.3%');
    expect(formatValue(100, 'percent')).toBe('100%');
    expect(formatValue(0.5, 'percent')).toBe('0.5%');
    expect(formatValue(0, 'percent')).toBe('0%');
  });
  it('bytes, in binary multiples', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatValue(1_073_741_824, 'bytes')).toBe('1 GiB');
    expect(formatValue(1_560_000_000, 'bytes')).toBe('1.45 GiB');
    expect(formatValue(1024 * 1024 - 1, 'bytes')).toBe('1 MiB');
    expect(formatValue(5 * 1024 ** 4, 'bytes')).toBe('5 TiB');
  });
  it('bytes per second', () => {
    expect(formatValue(0, 'bytes/s')).toBe('0 B/s');
    expect(formatValue(2_500_000, 'bytes/s')).toBe('2.38 MiB/s');
    expect(formatValue(123.4, 'bytes/s')).toBe('123 B/s');
  });
  it('plain numbers, counts and other units', () => {
    expect(formatValue(3.14567)).toBe('3.15');
    expect(formatValue(1234567, 'count')).toBe('1,234,567');
    expect(formatValue(0.00123, 'load')).toBe('0.0012');
    expect(formatValue(42, 'ops/s')).toBe('42 ops/s');
    expect(formatNumber(-2.5)).toBe('-2.5');
  });
  it('missing values', () => {
    expect(formatValue(null, 'percent')).toBe('—');
    expect(formatValue(undefined)).toBe('—');
    expect(formatValue(Number.NaN, 'bytes')).toBe('—');
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe('—');
  });
});

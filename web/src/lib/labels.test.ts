import { describe, expect, it } from 'vitest';
import { checkLabels, formatLabels, labelRows } from './labels';

describe('checkLabels', () => {
  it('accepts a valid set and leaves blank rows out', () => {
    const r = checkLabels([
      { key: 'host', value: 'web1' },
      { key: '', value: '' },
      { key: ' iface ', value: 'eth0' },
    ]);
    expect(r.labels).toEqual({ host: 'web1', iface: 'eth0' });
    expect(r.rowErrors).toEqual({});
  });

  it('names each row at fault', () => {
    const r = checkLabels([
      { key: 'host', value: 'a' },
      { key: 'host', value: 'b' },
      { key: '', value: 'x' },
      { key: '-bad', value: 'x' },
      { key: 'sp ace', value: 'x' },
      { key: 'long', value: 'v'.repeat(257) },
    ]);
    expect(r.labels).toBeNull();
    expect(Object.keys(r.rowErrors).map(Number)).toEqual([1, 2, 3, 4, 5]);
    expect(r.rowErrors[1]).toContain('twice');
  });

  it('allows at most 16 labels', () => {
    const rows = Array.from({ length: 17 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    expect(checkLabels(rows).error).toBe('At most 16 labels.');
    expect(checkLabels(rows.slice(0, 16)).labels).not.toBeNull();
  });

  it('formats and lists labels sorted', () => {
    expect(formatLabels({ b: '2', a: '1' })).toBe('a=1, b=2');
    expect(labelRows({ b: '2', a: '1' })).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { formatCursor, parseCursor } from './cursor';

describe('cursor', () => {
  it('formats in channel order, skipping positions without an epoch', () => {
    expect(
      formatCursor({
        'user.u1': { seq: 17, epoch: '0c6e' },
        global: { seq: 3, epoch: '77aa' },
        'metrics.t1': { seq: 4, epoch: '' },
      }),
    ).toBe('global~3~77aa,user.u1~17~0c6e');
    expect(formatCursor(new Map())).toBe('');
  });

  it('parses what it formats and skips malformed entries', () => {
    const c = 'global~3~77aa,user.u1~17~0c6e';
    expect(formatCursor(parseCursor(c))).toBe(c);
    expect(parseCursor('a~1~e,bad,b~x~e,c~2~,~1~e,d~1~e~x')).toEqual({ a: { seq: 1, epoch: 'e' } });
    expect(parseCursor(null)).toEqual({});
  });
});

import { describe, expect, it } from 'vitest';
import { Positions } from './positions';

const entry = (seq: number, epoch: string, recovered?: boolean) => ({
  name: 'metrics',
  channel: 'metrics.t1',
  seq,
  epoch,
  ...(recovered === undefined ? {} : { recovered }),
});

describe('Positions', () => {
  it('applies the next seq, drops seen ones, flags gaps', () => {
    const p = new Positions();
    p.sync(entry(4, 'e'));
    expect(p.check('metrics.t1', 4)).toBe('duplicate');
    expect(p.check('metrics.t1', 3)).toBe('duplicate');
    expect(p.check('metrics.t1', 6)).toBe('gap');
    expect(p.check('metrics.t1', 5)).toBe('apply');
    p.advance('metrics.t1', 5);
    expect(p.get('metrics.t1')).toEqual({ seq: 5, epoch: 'e' });
  });

  it('accepts anything after an unknown position, but not twice', () => {
    const p = new Positions();
    expect(p.check('x', 9)).toBe('apply');
    p.advance('x', 9);
    expect(p.check('x', 9)).toBe('duplicate');
    expect(p.check('x', 12)).toBe('apply'); // no epoch: seqs are not trusted for gaps
  });

  it('keeps its position when recovered, jumps to the current one when not', () => {
    const p = new Positions();
    expect(p.sync(entry(50, 'e', true), { seq: 41, epoch: 'e' })).toBe(true);
    expect(p.get('metrics.t1')).toEqual({ seq: 41, epoch: 'e' });
    expect(p.sync(entry(50, 'f', false), { seq: 41, epoch: 'e' })).toBe(false);
    expect(p.get('metrics.t1')).toEqual({ seq: 50, epoch: 'f' });
    expect(p.sync(entry(7, 'g'))).toBe(true);
    expect(p.get('metrics.t1')).toEqual({ seq: 7, epoch: 'g' });
  });

  it('does not move back when the position advanced past what was asked', () => {
    const p = new Positions();
    p.sync(entry(45, 'e'));
    p.sync(entry(50, 'e', true), { seq: 41, epoch: 'e' });
    expect(p.get('metrics.t1')).toEqual({ seq: 45, epoch: 'e' });
  });

  it('builds since maps and cursors', () => {
    const p = new Positions();
    p.sync({ name: 'user.u1', channel: 'user.u1', seq: 2, epoch: 'a' });
    p.sync(entry(4, 'e'));
    p.advance('nope', 1);
    expect(p.since(['user.u1', 'metrics.t1', 'nope', 'unknown'])).toEqual({
      'user.u1': { seq: 2, epoch: 'a' },
      'metrics.t1': { seq: 4, epoch: 'e' },
    });
    expect(p.cursor(['user.u1', 'metrics.t1'])).toBe('metrics.t1~4~e,user.u1~2~a');
  });
});

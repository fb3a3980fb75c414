// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { binarySplits, binaryStep, LiveChart, MAX_DRAW_INTERVAL_MS } from './live-chart';

let frames: FrameRequestCallback[] = [];
const flushFrames = () => {
  const fs = frames;
  frames = [];
  for (const f of fs) f(0);
};

beforeEach(() => {
  frames = [];
  vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => frames.push(cb));
  vi.stubGlobal('cancelAnimationFrame', () => {});
});
afterEach(() => vi.unstubAllGlobals());

function chart(
  now: { t: number },
  onResolved?: (k: number, l: Record<string, string>) => void,
  rangeMs = 60_000,
) {
  const el = document.createElement('div');
  document.body.append(el);
  const legend = [document.createElement('span')];
  const c = new LiveChart(el, {
    codes: ['host.cpu.percent'],
    rangeMs,
    stepMs: 1000,
    agg: 'avg',
    unit: 'percent',
    names: ['CPU'],
    colors: { series: ['#00f'], axis: '#888', grid: '#eee' },
    legend,
    now: () => now.t,
    onResolved,
  });
  return { c, el, legend };
}

describe('LiveChart', () => {
  it('draws at most once per frame, and not while hidden or paused; catches up when shown', () => {
    const now = { t: 100_000 };
    const { c, el, legend } = chart(now);
    c.loadHistory([
      [
        [98_000, 10],
        [99_000, 20],
      ],
    ]);
    for (let i = 0; i < 5; i++) {
      now.t += 1000;
      c.onMetric({ code: 'host.cpu.percent', points: [[now.t, 30 + i]], last: 30 + i });
    }
    c.onMetric({ code: 'host.mem.used_bytes', points: [[now.t, 1]], last: 1 }); // not this chart's
    expect(frames).toHaveLength(1);
    flushFrames();
    expect(c.draws).toBe(1);
    expect(el.dataset.points).toBe('7');
    expect(legend[0]?.textContent).toBe('34%');

    c.setVisible(false);
    for (let i = 0; i < 10; i++) {
      now.t += 1000;
      c.onMetric({ code: 'host.cpu.percent', points: [[now.t, 50]], last: 50 });
    }
    expect(frames).toHaveLength(0);
    expect(c.draws).toBe(1);

    c.setVisible(true);
    flushFrames();
    expect(c.draws).toBe(2);
    expect(el.dataset.points).toBe('17');
    expect(el.dataset.received).toBe('15');

    c.setPaused(true);
    now.t += 1000;
    c.onMetric({ code: 'host.cpu.percent', points: [[now.t, 60]], last: 60 });
    flushFrames();
    expect(c.draws).toBe(2);
    c.setPaused(false);
    flushFrames();
    expect(c.draws).toBe(3);
    expect(legend[0]?.textContent).toBe('60%');
    c.destroy();
  });

  it('redraws live points at most once per pixel of the range, and within a second', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const now = { t: 100_000 };
      const { c, el } = chart(now);
      // jsdom has no layout: the chart is 300 px wide, a 220 px plot, 60 s / 220 px ≈ 273 ms.
      const interval = c.drawIntervalMs();
      expect(interval).toBeCloseTo(60_000 / 220, 5);
      c.loadHistory([[[99_000, 20]]]);
      flushFrames();
      expect(c.draws).toBe(1);
      // The first live point shows at once.
      c.onMetric({ code: 'host.cpu.percent', points: [[now.t, 40]], last: 40 });
      expect(frames).toHaveLength(1);
      flushFrames();
      expect(c.draws).toBe(2);

      // 10 points per second: the first one waits for the interval, the next ones join it.
      for (let i = 1; i <= 2; i++) {
        now.t += 100;
        c.onMetric({ code: 'host.cpu.percent', points: [[now.t, 40 + i]], last: 40 + i });
      }
      expect(frames).toHaveLength(0);
      vi.advanceTimersByTime(interval - 100 - 2); // from the first point, 100 ms after the draw
      expect(frames).toHaveLength(0);
      vi.advanceTimersByTime(2);
      expect(frames).toHaveLength(1);
      now.t += 100;
      c.onMetric({ code: 'host.cpu.percent', points: [[now.t, 50]], last: 50 });
      flushFrames();
      expect(c.draws).toBe(3);
      expect(el.dataset.draws).toBe('3');
      expect(el.dataset.last).toBe(String(Math.floor(now.t / 1000) * 1000)); // its 1 s step

      // A point after a quiet spell longer than the interval draws at the next frame.
      now.t += 5000;
      c.onMetric({ code: 'host.cpu.percent', points: [[now.t, 60]], last: 60 });
      expect(frames).toHaveLength(1);
      flushFrames();
      expect(c.draws).toBe(4);

      // Showing the chart again draws at once, without waiting for the interval.
      c.setVisible(false);
      now.t += 10;
      c.onMetric({ code: 'host.cpu.percent', points: [[now.t, 70]], last: 70 });
      c.setVisible(true);
      expect(frames).toHaveLength(1);
      flushFrames();
      expect(c.draws).toBe(5);
      c.destroy();
      vi.runAllTimers();
      expect(c.draws).toBe(5);

      // A long range waits at most a second.
      const slow = chart(now, undefined, 3_600_000).c;
      expect(slow.drawIntervalMs()).toBe(MAX_DRAW_INTERVAL_MS);
      slow.destroy();
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps live points that arrive while the history loads, and finds a labelled total', () => {
    const now = { t: 100_000 };
    const found: Array<[number, Record<string, string>]> = [];
    const { c, el } = chart(now, (k, l) => found.push([k, l]));
    c.onMetric({
      code: 'host.cpu.percent',
      series: [{ labels: { host: 'vm' }, points: [[100_500, 40]], last: 40 }],
    });
    expect(found).toEqual([[0, { host: 'vm' }]]);
    c.loadHistory([[]]);
    c.mergeHistory(0, [
      [98_000, 10],
      [99_000, 20],
    ]);
    flushFrames();
    expect(el.dataset.points).toBe('3');
    c.destroy();
  });
});

describe('byte axis', () => {
  it('steps by powers of two', () => {
    const GiB = 1024 ** 3;
    expect(binaryStep(1.6 * GiB)).toBe(512 * 1024 ** 2);
    expect(binarySplits(0, 1.5 * GiB)).toEqual([0, 0.5 * GiB, GiB, 1.5 * GiB]);
    expect(binarySplits(0, 2000)).toEqual([0, 512, 1024, 1536]);
    expect(binaryStep(0)).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import type { MetricUpdateData } from '../../../realtime';
import { resolveSeries, seriesPoints, totalSeries } from './metric-points';

describe('metric_update series', () => {
  it('follows the main series when there is one', () => {
    const d = { code: 'c', points: [[1, 2]] as [number, number][], last: 2 };
    expect(seriesPoints(d, undefined)).toEqual([[1, 2]]);
    expect(seriesPoints(d, { iface: 'eth0' })).toEqual([]);
  });

  it('follows the total (fewest labels) when every series is labelled', () => {
    const d: MetricUpdateData = {
      code: 'host.net.rx_bytes_per_s',
      series: [
        { labels: { host: 'vm', iface: 'eth0' }, points: [[1, 10]] as [number, number][], last: 10 },
        { labels: { host: 'vm' }, points: [[1, 30]] as [number, number][], last: 30 },
        { labels: { host: 'vm', iface: 'lo' }, points: [[1, 20]] as [number, number][], last: 20 },
      ],
    };
    expect(resolveSeries(d, {})).toEqual({ labels: { host: 'vm' }, points: [[1, 30]] });
    expect(seriesPoints(d, { iface: 'eth0', host: 'vm' })).toEqual([[1, 10]]);
  });

  it('picks nothing when two series tie (several hosts)', () => {
    const series = [
      { labels: { host: 'a' }, points: [[1, 1]] as [number, number][], last: 1 },
      { labels: { host: 'b' }, points: [[1, 2]] as [number, number][], last: 2 },
    ];
    expect(totalSeries(series)).toBeUndefined();
    expect(seriesPoints({ code: 'c', series }, undefined)).toEqual([]);
  });

  it('takes a one-value publication', () => {
    expect(seriesPoints({ code: 'c', value: 5, ts: '2026-01-10T12:00:00Z' }, undefined)).toEqual([
      [Date.parse('2026-01-10T12:00:00Z'), 5],
    ]);
  });
});

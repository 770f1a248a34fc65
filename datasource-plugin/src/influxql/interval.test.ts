import { buildCtx } from '../queries/testing';
import { bucketInterval, formatDuration, parseDuration, toBucketMs } from './interval';

describe('parseDuration', () => {
  it('reads InfluxQL durations, compound ones too', () => {
    expect(parseDuration('90s', 'x')).toBe(90_000);
    expect(parseDuration('1h30m', 'x')).toBe(5_400_000);
    expect(parseDuration(' 2w ', 'x')).toBe(14 * 86_400_000);
  });

  it('names the input it cannot read', () => {
    expect(() => parseDuration('1 hour', 'interval')).toThrow(
      "interval: '1 hour' is not a duration (use a number and a unit: ms, s, m, h, d or w, e.g. 5m or 1h)",
    );
    expect(() => parseDuration('0m', 'interval')).toThrow(/longer than zero/);
    expect(() => parseDuration('-5m', 'interval')).toThrow(/not a duration/);
  });
});

describe('buckets', () => {
  it('are never below a minute and always whole minutes', () => {
    expect(toBucketMs(1_000)).toBe(60_000);
    expect(toBucketMs(90_000)).toBe(120_000);
    expect(toBucketMs(NaN)).toBe(60_000);
    expect(formatDuration(60_000)).toBe('1m');
    expect(formatDuration(5_400_000)).toBe('90m');
    expect(formatDuration(7_200_000)).toBe('2h');
    expect(formatDuration(86_400_000)).toBe('1d');
  });

  it('follow Grafana’s interval when the query has none', () => {
    expect(bucketInterval('', buildCtx({ intervalMs: 20_000 }))).toEqual({ ms: 60_000, text: '1m' });
    expect(bucketInterval('$__interval', buildCtx({ intervalMs: 300_000 }))).toEqual({
      ms: 300_000,
      text: '5m',
    });
    expect(bucketInterval(undefined, buildCtx({ intervalMs: 3_600_000 }))).toEqual({
      ms: 3_600_000,
      text: '1h',
    });
  });

  it('use the query’s interval, variables resolved', () => {
    expect(bucketInterval('1h', buildCtx())).toEqual({ ms: 3_600_000, text: '1h' });
    expect(bucketInterval('30s', buildCtx())).toEqual({ ms: 60_000, text: '1m' });
    expect(bucketInterval('$bucket', buildCtx({ vars: { bucket: '6h' } }))).toEqual({
      ms: 21_600_000,
      text: '6h',
    });
    expect(() => bucketInterval('$bucket', buildCtx({ vars: { bucket: '1h; DROP' } }))).toThrow(
      "interval '$bucket': '1h; DROP' is not a duration",
    );
  });
});

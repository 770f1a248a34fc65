import { alignDown, bucketMs, isoText, lastCompleteBucket, windowEndingAt } from './time';

const T = Date.UTC(2026, 2, 1, 10, 37, 42, 123);

describe('evaluation time alignment', () => {
  it('aligns down to the interval, so every time within an interval evaluates the same instant', () => {
    const at = Date.UTC(2026, 2, 1, 10, 37);
    expect(alignDown(T, 60_000)).toBe(at);
    expect(alignDown(at, 60_000)).toBe(at);
    expect(alignDown(at + 59_999, 60_000)).toBe(at);
    expect(alignDown(T, 300_000)).toBe(Date.UTC(2026, 2, 1, 10, 35));
    // Before 1970 it still aligns down (floor, not truncation towards zero).
    expect(alignDown(-1, 60_000)).toBe(-60_000);
  });

  it('rejects steps and times it cannot align with', () => {
    expect(() => alignDown(T, 0)).toThrow(RangeError);
    expect(() => alignDown(T, 1.5)).toThrow('alignment step must be a positive whole number of ms');
    expect(() => alignDown(NaN, 60_000)).toThrow('cannot align the time NaN');
  });

  it('builds trailing windows that end (exclusive) at the evaluation time', () => {
    expect(windowEndingAt(T, 3_600_000)).toEqual({ fromMs: T - 3_600_000, toMs: T });
  });
});

describe('anomaly buckets', () => {
  it('parses bucket widths', () => {
    expect(bucketMs('5m')).toBe(300_000);
    expect(bucketMs('1h')).toBe(3_600_000);
    expect(() => bucketMs('5s')).toThrow('invalid anomaly bucket "5s"');
    expect(() => bucketMs('05m')).toThrow(RangeError);
  });

  it('takes the last bucket that ended at or before the evaluation time', () => {
    const b = lastCompleteBucket(T, 300_000);
    expect(b).toEqual({ fromMs: Date.UTC(2026, 2, 1, 10, 30), toMs: Date.UTC(2026, 2, 1, 10, 35) });
    // Exactly at a boundary, the bucket that just ended is complete.
    expect(lastCompleteBucket(Date.UTC(2026, 2, 1, 10, 35), 300_000).fromMs).toBe(
      Date.UTC(2026, 2, 1, 10, 30),
    );
  });

  it('prints instants without a zero millisecond part', () => {
    expect(isoText(Date.UTC(2026, 2, 1, 10, 30))).toBe('2026-03-01T10:30:00Z');
    expect(isoText(T)).toBe('2026-03-01T10:37:42.123Z');
  });
});

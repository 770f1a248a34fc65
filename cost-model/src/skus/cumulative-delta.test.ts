import { CumulativeToDelta } from './cumulative-delta';

describe('CumulativeToDelta', () => {
  it('treats the first point as a baseline, then emits differences', () => {
    const c = new CumulativeToDelta();
    expect(c.next('s', 0, 1000, 10)).toBeUndefined();
    expect(c.next('s', 0, 2000, 15)).toEqual({ delta: 5, reset: false });
    expect(c.next('s', 0, 3000, 15)).toEqual({ delta: 0, reset: false });
  });

  it('detects a reset by a value drop and emits the new value', () => {
    const c = new CumulativeToDelta();
    c.next('s', 0, 1000, 100);
    expect(c.next('s', 0, 2000, 7)).toEqual({ delta: 7, reset: true });
    expect(c.next('s', 0, 3000, 9)).toEqual({ delta: 2, reset: false });
  });

  it('detects a reset by a start time change even when the value grew', () => {
    const c = new CumulativeToDelta();
    c.next('s', 500, 1000, 10);
    expect(c.next('s', 1500, 2000, 12)).toEqual({ delta: 12, reset: true });
    expect(c.next('s', 1500, 3000, 20)).toEqual({ delta: 8, reset: false });
  });

  it('ignores duplicate and out-of-order points without changing state', () => {
    const c = new CumulativeToDelta();
    c.next('s', 0, 1000, 10);
    expect(c.next('s', 0, 2000, 15)).toEqual({ delta: 5, reset: false });
    expect(c.next('s', 0, 2000, 15)).toBeUndefined(); // duplicate
    expect(c.next('s', 0, 1500, 12)).toBeUndefined(); // late
    expect(c.next('s', 0, 3000, 16)).toEqual({ delta: 1, reset: false });
  });

  it('keeps streams apart', () => {
    const c = new CumulativeToDelta();
    c.next('a', 0, 1000, 10);
    c.next('b', 0, 1000, 1000);
    expect(c.next('a', 0, 2000, 11)).toEqual({ delta: 1, reset: false });
    expect(c.next('b', 0, 2000, 1010)).toEqual({ delta: 10, reset: false });
    expect(c.size).toBe(2);
    expect(c.evictIdle(2001)).toBe(2);
    expect(c.next('a', 0, 3000, 20)).toBeUndefined(); // baseline again after eviction
  });

  it('turns histogram count and sum into deltas that reset together', () => {
    const c = new CumulativeToDelta();
    expect(c.nextHistogram('h', 0, 1000, 10, 5.5)).toBeUndefined();
    expect(c.nextHistogram('h', 0, 2000, 14, 7.75)).toEqual({ count: 4, sum: 2.25, reset: false });
    // count drops → reset: the new totals are the deltas
    expect(c.nextHistogram('h', 0, 3000, 3, 1.5)).toEqual({ count: 3, sum: 1.5, reset: true });
    // a sum can fall with negative observations; only the count decides a reset
    expect(c.nextHistogram('h', 0, 4000, 5, 1)).toEqual({ count: 2, sum: -0.5, reset: false });
  });
});

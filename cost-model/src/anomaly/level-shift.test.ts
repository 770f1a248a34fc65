import { LevelShift } from './level-shift';

const HOUR = 3_600_000;

describe('LevelShift', () => {
  it('accepts a run of same-side outliers after adaptMs, at the level its recent points imply', () => {
    const s = new LevelShift(6 * HOUR, 3, 7 * 24 * HOUR);
    let accepted = -1;
    for (let h = 0; h <= 8; h++) {
      if (s.observe(h * HOUR, 5, true, 20, 1, 0.5)) {
        accepted = h;
        break;
      }
    }
    expect(accepted).toBe(6);
    expect(s.impliedLevel).toBeCloseTo(20, 9);
    s.accept(6 * HOUR, 10);
    expect(s.anchored(7 * HOUR)).toBe(true);
    expect(s.anchorLevel).toBe(10);
    expect(s.chainSide).toBe(1);
    expect(s.anchored(6 * HOUR + 7 * 24 * HOUR)).toBe(false);
  });

  it('a run survives in-band points while outliers are the majority, and ends otherwise', () => {
    const s = new LevelShift(6 * HOUR, 3, 0);
    s.observe(0, 4, true, 1, 1, 1);
    s.observe(HOUR, 1, false, 1, 1, 1);
    expect(s.runOutliers).toBe(1);
    s.observe(2 * HOUR, 1, false, 1, 1, 1);
    expect(s.runOutliers).toBe(0);
  });

  it('an outlier on the other side starts a new run', () => {
    const s = new LevelShift(6 * HOUR, 3, 0);
    s.observe(0, 4, true, 1, 1, 1);
    s.observe(HOUR, 4, true, 1, 1, 1);
    s.observe(2 * HOUR, -4, true, 1, 1, 1);
    expect(s.runOutliers).toBe(1);
  });

  it('recovery needs two points in a row that fit the anchor only', () => {
    const s = new LevelShift(0, 1, 24 * HOUR);
    s.observe(0, 5, true, 2, 1, 1);
    s.accept(0, 1);
    expect(s.recovery(true)).toBe(false);
    expect(s.recovery(false)).toBe(false);
    expect(s.recovery(true)).toBe(false);
    expect(s.recovery(true)).toBe(true);
    expect(s.anchored(HOUR)).toBe(false);
  });
});

import {
  bandPath,
  layoutFor,
  linePath,
  linearScale,
  nearestIndex,
  niceTicks,
  timeTicks,
  valueDomain,
} from './geometry';

describe('geometry', () => {
  it('value range: includes zero, goes below it for credits, a flat series gets a unit range', () => {
    expect(valueDomain([1, 2, 3])).toEqual([0, 3 + 0.24]);
    expect(valueDomain([-2, 2])).toEqual([-2.32, 2.32]);
    expect(valueDomain([-4, -1])).toEqual([-4.32, 0]);
    expect(valueDomain([0, 0, 0])).toEqual([0, 1]);
    expect(valueDomain([])).toEqual([0, 1]);
  });

  it('round ticks', () => {
    expect(niceTicks(0, 6.5, 3)).toEqual([0, 2, 4, 6]);
    expect(niceTicks(-2.3, 2.3, 2)).toEqual([-2, 0, 2]);
    expect(niceTicks(0, 0.3, 2)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(1, 1, 3)).toEqual([]);
  });

  it('time ticks on round minutes', () => {
    const h = Date.UTC(2026, 2, 1, 10);
    expect(timeTicks(h, h + 3_600_000, 4)).toEqual([0, 15, 30, 45, 60].map((m) => h + m * 60_000));
    expect(timeTicks(h + 1, h + 7 * 60_000, 2)).toEqual([h + 5 * 60_000]);
  });

  it('scales and their inverse', () => {
    const x = linearScale(100, 200, 10, 110);
    expect(x(150)).toBe(60);
    expect(x.invert(60)).toBe(150);
    const y = linearScale(-1, 1, 100, 0);
    expect(y(0)).toBe(50);
  });

  it('paths break at gaps', () => {
    expect(
      linePath([
        [0, 1],
        [1, null],
        [2, 3],
        [3, 4],
      ]),
    ).toBe('M0,1M2,3L3,4');
    expect(
      bandPath([
        [0, 1, 2],
        [1, 1, 3],
        [2, null, 1],
        [3, 5, 6],
      ]),
    ).toBe('M0,1L1,1L1,3L0,2ZM3,5L3,6Z');
    // A lone point is widened, so a series scored once is still visible.
    expect(
      linePath(
        [
          [10, 1],
          [11, null],
          [12, 3],
          [13, 4],
        ],
        2,
      ),
    ).toBe('M8,1L12,1M12,3L13,4');
    expect(bandPath([[10, 1, 2]], 2)).toBe('M8,1L12,1L12,2L8,2Z');
  });

  it('nearest point', () => {
    expect(nearestIndex([0, 10, 20], 14)).toBe(1);
    expect(nearestIndex([0, 10, 20], 16)).toBe(2);
    expect(nearestIndex([0, 10, 20], -5)).toBe(0);
    expect(nearestIndex([], 3)).toBe(-1);
  });

  it('layout from a 4×3 grid cell to full width', () => {
    const small = layoutFor(300, 130, { hasChart: true, hasScores: true });
    expect(small).toMatchObject({ header: 0, axis: 16, lane: 18, strip: 10 });
    expect(small.chart).toBe(130 - 16 - 18 - 10);
    const large = layoutFor(1200, 300, { hasChart: true, hasScores: true });
    expect(large).toMatchObject({ header: 24, strip: 16, yLabels: true, left: 64, right: 1192 });
    const scoresOnly = layoutFor(800, 300, { hasChart: false, hasScores: true });
    expect(scoresOnly.strip).toBe(48);
    expect(layoutFor(300, 80, { hasChart: true, hasScores: false })).toMatchObject({
      axis: 0,
      strip: 0,
      chart: 62,
    });
  });
});

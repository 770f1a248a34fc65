import { combineEvaluations, delayStats, evaluateSeries } from './evaluate';

describe('evaluateSeries', () => {
  // Ten rows at t = 0..9; windows [2, 4] and [7, 8]; flagged rows (score ≥ 0.9) at t = 3, 4, 6 and 9.
  const t = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const s = [0, 0.2, 0.5, 0.95, 0.9, 0.1, 0.99, 0.3, 0.89, 1];
  const windows = [
    { startMs: 2, endMs: 4 },
    { startMs: 7, endMs: 8 },
  ];

  it('computes precision, recall, delays, false-positive rate and alarms as defined', () => {
    const e = evaluateSeries(t, s, windows, 0.9);
    expect(e).toEqual({
      points: 10,
      windows: 2,
      flagged: 4,
      flaggedInWindows: 2,
      falsePositives: 2,
      pointsOutsideWindows: 5,
      detected: 1,
      delaysMs: [1, null],
      alarms: 3, // {3, 4}, {6}, {9}
      trueAlarms: 1,
      precision: 0.5,
      recall: 0.5,
      falsePositiveRate: 0.4,
      alarmPrecision: 1 / 3,
    });
  });

  it('skips rows without a timestamp (bad rows) and uses the earliest flagged time in a window', () => {
    const e = evaluateSeries([4, NaN, 3], [1, 1, 1], [{ startMs: 2, endMs: 4 }], 0.9);
    expect(e.points).toBe(2);
    expect(e.delaysMs).toEqual([1]);
    expect(e.alarms).toBe(2); // the bad row breaks the run
  });

  it('reports null ratios where they are undefined', () => {
    const e = evaluateSeries([1, 2], [0, 0], [], 0.9);
    expect([e.precision, e.recall, e.falsePositiveRate, e.alarmPrecision]).toEqual([null, null, 0, null]);
  });

  it('pools files by summing counts', () => {
    const a = evaluateSeries(t, s, windows, 0.9);
    const b = evaluateSeries([0, 1], [1, 0], [{ startMs: 0, endMs: 0 }], 0.9);
    const all = combineEvaluations([a, b]);
    expect(all.flagged).toBe(5);
    expect(all.precision).toBe(3 / 5);
    expect(all.recall).toBe(2 / 3);
    expect(all.delaysMs).toEqual([1, null, 0]);
    expect(delayStats(all.delaysMs)).toEqual({ mean: 0.5, median: 0.5, max: 1 });
  });
});

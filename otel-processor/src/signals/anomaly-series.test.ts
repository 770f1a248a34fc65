import {
  anomalousEpisodeStart,
  densify,
  selectSeries,
  seriesName,
  type ScoredBucket,
  type SeriesCandidate,
} from './anomaly-series';

const B = 300_000;
const T0 = Date.UTC(2026, 2, 1, 10);

describe('densify: bucketed history to a gap-free run', () => {
  it('starts at the first bucket with data (not the look-back start) and fills later gaps with zeros', () => {
    const run = densify(
      [
        { timeMs: T0 + 3 * B, amountNano: 7n },
        { timeMs: T0 + B, amountNano: 5n },
      ],
      T0 + 4 * B,
      B,
    );
    expect(run).toEqual([
      { timeMs: T0 + B, amountNano: 5n },
      { timeMs: T0 + 2 * B, amountNano: 0n },
      { timeMs: T0 + 3 * B, amountNano: 7n },
      // The last complete bucket had no spend: a real zero, scored like any other bucket.
      { timeMs: T0 + 4 * B, amountNano: 0n },
    ]);
  });

  it('drops the incomplete bucket after the last complete one, and adds up repeated buckets', () => {
    expect(
      densify(
        [
          { timeMs: T0, amountNano: 1n },
          { timeMs: T0, amountNano: 2n },
          { timeMs: T0 + B, amountNano: 9n },
        ],
        T0,
        B,
      ),
    ).toEqual([{ timeMs: T0, amountNano: 3n }]);
    expect(densify([{ timeMs: T0 + B, amountNano: 9n }], T0, B)).toEqual([]);
    expect(densify([], T0, B)).toEqual([]);
  });
});

describe('selectSeries: bounded, costliest first', () => {
  const c = (dimension: SeriesCandidate['dimension'], value: string, totalNano: bigint): SeriesCandidate => ({
    dimension,
    value,
    currency: 'USD',
    totalNano,
  });

  it('keeps the maxSeries costliest, ties in name order, and reports the rest', () => {
    const { selected, skipped } = selectSeries(
      [c('tenant', 'b', 10n), c('team', 'x', 50n), c('tenant', 'a', 10n), c('service', 's', 1n)],
      3,
    );
    expect(selected.map(seriesName)).toEqual(['team=x USD', 'tenant=a USD', 'tenant=b USD']);
    expect(skipped.map(seriesName)).toEqual(['service=s USD']);
  });
});

describe('anomalousEpisodeStart', () => {
  const scored = (scores: (number | null)[]): ScoredBucket[] =>
    scores.map((score, i) => ({
      timeMs: T0 + i * B,
      amountNano: 0n,
      result: { timestampMs: T0 + i * B, value: 0, ready: score !== null, score: score ?? 0 },
    }));

  it('walks back from the last bucket while scores stay at or above the threshold', () => {
    expect(anomalousEpisodeStart(scored([0.1, 0.95, 0.2, 0.91, 0.9, 0.99]), 0.9)).toBe(3);
    expect(anomalousEpisodeStart(scored([0.95, 0.99]), 0.9)).toBe(0);
  });

  it('is undefined unless the last bucket is anomalous, and never counts buckets scored before the detector was ready', () => {
    expect(anomalousEpisodeStart(scored([0.99, 0.5]), 0.9)).toBeUndefined();
    expect(anomalousEpisodeStart(scored([]), 0.9)).toBeUndefined();
    expect(anomalousEpisodeStart(scored([null, 0.97]), 0.9)).toBe(1);
  });
});

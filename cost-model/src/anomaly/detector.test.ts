import { AnomalyDetector, REASONS, type AnomalyResult } from './detector';
import { DEFAULT_ANOMALY_PARAMS, type AnomalyParams } from './params';
import {
  fixtures,
  FIXTURE_START_MS,
  generate,
  type Incident,
  type Series,
  type SeriesSpec,
} from './synthetic';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const THRESHOLD = DEFAULT_ANOMALY_PARAMS.threshold;

function run(points: readonly { timestampMs: number; value: number }[], params?: Partial<AnomalyParams>) {
  const d = new AnomalyDetector(params);
  return points.map((p) => d.update(p.timestampMs, p.value));
}

function fixture(path: string): Series {
  const f = fixtures().find((x) => x.path === path);
  if (f === undefined) throw new Error(`no fixture ${path}`);
  return f.series;
}

function spec(overrides: Partial<SeriesSpec> = {}): SeriesSpec {
  return {
    seed: 7,
    startMs: FIXTURE_START_MS,
    days: 60,
    stepMs: 15 * MINUTE,
    shape: 'business',
    levelPerHour: 120,
    noise: 0.06,
    wander: 0.05,
    wanderCoef: 0.8,
    growthPerDay: 0.003,
    incidents: [],
    gaps: [],
    missingFraction: 0.003,
    ...overrides,
  };
}

/** Detection delay (ms) of each window: first point scoring ≥ threshold inside it, minus its start. */
function delays(series: Series, results: readonly AnomalyResult[]): (number | undefined)[] {
  return series.windows.map(([start, end]) => {
    const hit = results.find((r) => r.timestampMs >= start && r.timestampMs <= end && r.score >= THRESHOLD);
    return hit === undefined ? undefined : hit.timestampMs - start;
  });
}

/** Share of ready points outside every window that score ≥ threshold. */
function falsePositiveRate(series: Series, results: readonly AnomalyResult[]): number {
  const outside = results.filter(
    (r) => r.ready && !series.windows.some(([a, b]) => r.timestampMs >= a && r.timestampMs <= b),
  );
  return outside.filter((r) => r.score >= THRESHOLD).length / outside.length;
}

describe('AnomalyDetector contract', () => {
  const series = fixture('incidents/runaway-autoscaler.csv');
  const results = run(series.points);

  it('scores in [0, 1]; 0 with a reason and no band when not ready; a band around expected when ready', () => {
    for (const r of results) {
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.score).toBeLessThanOrEqual(1);
      if (!r.ready) {
        expect(r.score).toBe(0);
        expect(r.reason).toEqual(expect.any(String));
        expect(r.expected).toBeUndefined();
      } else {
        expect(r.lower!).toBeGreaterThanOrEqual(0);
        expect(r.lower!).toBeLessThanOrEqual(r.expected!);
        expect(r.upper!).toBeGreaterThan(r.expected!);
      }
    }
  });

  it('scores ≥ threshold exactly outside the band', () => {
    for (const r of results.filter((x) => x.ready)) {
      const outside = r.value > r.upper! * (1 + 1e-9) || r.value < r.lower! * (1 - 1e-9);
      const inside = r.value < r.upper! * (1 - 1e-9) && r.value > r.lower! * (1 + 1e-9);
      if (outside) expect(r.score).toBeGreaterThanOrEqual(THRESHOLD - 1e-9);
      if (inside) expect(r.score).toBeLessThan(THRESHOLD + 1e-9);
    }
  });

  it('echoes the timestamp and value', () => {
    results.forEach((r, i) =>
      expect([r.timestampMs, r.value]).toEqual([series.points[i]!.timestampMs, series.points[i]!.value]),
    );
  });
});

describe('cold start', () => {
  const series = generate(spec({ missingFraction: 0 }));
  const results = run(series.points);
  const first = series.points[0]!.timestampMs;

  it('learns the profile for warmupMs (7 days), then measures the noise for calibrationMs (3 days)', () => {
    const at = (ms: number) => results.find((r) => r.timestampMs >= first + ms)!;
    expect(at(0)).toMatchObject({
      ready: false,
      score: 0,
      reason: expect.stringMatching(/seasonal profile.*7 days/),
    });
    expect(at(6.9 * DAY)).toMatchObject({ ready: false, reason: expect.stringMatching(/seasonal profile/) });
    expect(at(7.5 * DAY)).toMatchObject({
      ready: false,
      reason: expect.stringMatching(/noise scale.*3 days/),
    });
    expect(at(9.9 * DAY)).toMatchObject({ ready: false, reason: expect.stringMatching(/noise scale/) });
    // The point that completes the calibration is the last one not scored.
    const firstReady = results.find((r) => r.ready)!;
    expect(firstReady.timestampMs - first).toBe(10 * DAY + 15 * MINUTE);
    expect(results.filter((r) => r.timestampMs > firstReady.timestampMs).every((r) => r.ready)).toBe(true);
  });

  it('says so while every value is 0, and starts once spend appears', () => {
    const d = new AnomalyDetector();
    let r: AnomalyResult | undefined;
    for (let t = 0; t <= 8 * DAY; t += HOUR) r = d.update(t, 0);
    expect(r).toMatchObject({ ready: false, score: 0, reason: REASONS.allZero });
    for (let t = 8 * DAY + HOUR; t <= 12 * DAY; t += HOUR) r = d.update(t, t % DAY === 2 * HOUR ? 5 : 0);
    expect(r!.ready).toBe(true);
  });
});

describe('never looks ahead', () => {
  const series = fixture('incidents/runaway-autoscaler.csv');
  const base = run(series.points);

  it.each([100, 800, 1200, 3000, 5000])('results before index %i are the same whatever follows', (k) => {
    const changed = series.points.map((p, i) =>
      i < k ? p : { timestampMs: p.timestampMs, value: p.value * 3 + 7 },
    );
    expect(run(changed).slice(0, k)).toEqual(base.slice(0, k));
    const truncated = series.points.slice(0, k);
    expect(run(truncated)).toEqual(base.slice(0, k));
  });
});

describe('points at or before the previous one', () => {
  const series = fixture('clean/seasonal-60d.csv');
  const base = run(series.points);

  it('are scored but not learned from, and say so', () => {
    const k = 3000;
    const d = new AnomalyDetector();
    const out: AnomalyResult[] = [];
    series.points.forEach((p, i) => {
      out.push(d.update(p.timestampMs, p.value));
      if (i === k) {
        const repeat = d.update(p.timestampMs, p.value * 5); // same timestamp
        const backwards = d.update(p.timestampMs - 2 * HOUR, p.value); // earlier
        expect(repeat).toMatchObject({ ready: true, reason: REASONS.outOfOrder });
        expect(repeat.score).toBeGreaterThan(THRESHOLD); // 5× is still scored as an anomaly
        expect(backwards).toMatchObject({ ready: true, reason: REASONS.outOfOrder });
        expect(backwards.expected).toEqual(expect.any(Number));
      }
    });
    expect(out).toEqual(base); // nothing was learned from them
  });

  it('during the cold start are not learned from either', () => {
    const d = new AnomalyDetector();
    d.update(10 * HOUR, 1);
    expect(d.update(10 * HOUR, 1)).toMatchObject({ ready: false, reason: REASONS.outOfOrderCold });
  });
});

describe('unusable input', () => {
  it('a non-finite value or timestamp is not scored and says why', () => {
    const d = new AnomalyDetector();
    expect(d.update(0, NaN)).toMatchObject({ ready: false, score: 0, reason: REASONS.badValue });
    expect(d.update(Infinity, 1)).toMatchObject({ ready: false, score: 0, reason: REASONS.badTime });
  });

  it('a negative bucket (a credit) is a strong downward deviation, not a crash', () => {
    const series = fixture('clean/seasonal-60d.csv');
    const d = new AnomalyDetector();
    for (const p of series.points.slice(0, 3000)) d.update(p.timestampMs, p.value);
    const r = d.update(series.points[3000]!.timestampMs, -50);
    expect(r.ready).toBe(true);
    expect(r.score).toBeGreaterThan(0.99);
    expect(r.lower).toBeGreaterThanOrEqual(0);
  });

  it('rejects unknown and out-of-range parameters, naming them', () => {
    expect(() => new AnomalyDetector({ threshold: 1.5 })).toThrow(/threshold/);
    expect(() => new AnomalyDetector({ slotMs: 8 * DAY })).toThrow(/slotMs/);
    expect(() => new AnomalyDetector({ levelShiftMinPoints: 0.5 })).toThrow(/levelShiftMinPoints/);
    expect(() => new AnomalyDetector({ nope: 1 } as unknown as Partial<AnomalyParams>)).toThrow(
      /unknown.*nope/,
    );
  });
});

describe('injected incidents (the committed fixtures) are flagged within a bounded delay', () => {
  const cases: [string, number][] = [
    ['incidents/retry-storm.csv', 15 * MINUTE],
    ['incidents/runaway-autoscaler.csv', HOUR],
    ['incidents/tagging-break/team-payments.csv', HOUR],
    ['incidents/tagging-break/unknown.csv', HOUR],
    ['clean/sparse-batch-60d.csv', HOUR], // a stuck batch job in a zero-heavy series
    ['incidents/slow-leak.csv', 4 * DAY], // +0.8× peak over 4 days: 1 day; +0.5× over 6 days (≈ 14 %/day): < 4 days
    ['incidents/launch-level-shift.csv', 15 * MINUTE],
  ];

  it.each(cases)('%s: every window within %d ms', (path, bound) => {
    const series = fixture(path);
    const d = delays(series, run(series.points));
    expect(d.length).toBeGreaterThan(0);
    for (const delay of d) {
      expect(delay).toBeDefined();
      expect(delay!).toBeLessThanOrEqual(bound);
    }
  });

  it.each(fixtures().map((f) => [f.path]))(
    '%s: under 0.05 %% of the points outside windows flagged',
    (path) => {
      const series = fixture(path);
      expect(falsePositiveRate(series, run(series.points))).toBeLessThan(0.0005);
    },
  );
});

describe('false positives on clean data', () => {
  it('60 days of clean seasonal 15-minute data: under 0.1 % over the threshold', () => {
    const series = fixture('clean/seasonal-60d.csv');
    const results = run(series.points).filter((r) => r.ready);
    expect(results.length).toBeGreaterThan(4500);
    expect(results.filter((r) => r.score >= THRESHOLD).length / results.length).toBeLessThan(0.001);
  });

  it.each([
    ['5-minute', 5 * MINUTE, 0.06, 0.05],
    ['15-minute, quiet', 15 * MINUTE, 0.03, 0.02],
    ['15-minute, noisy', 15 * MINUTE, 0.12, 0.1],
    ['hourly', HOUR, 0.06, 0.05],
    ['hourly, very noisy', HOUR, 0.2, 0.1],
  ])('%s buckets, 5 seeds × 60 days: under 0.1 %% flagged', (_name, stepMs, noise, wander) => {
    let flagged = 0;
    let ready = 0;
    for (let seed = 100; seed < 105; seed++) {
      for (const r of run(generate(spec({ seed, stepMs, noise, wander })).points)) {
        if (r.ready) ready++;
        if (r.score >= THRESHOLD) flagged++;
      }
    }
    expect(flagged / ready).toBeLessThan(0.001);
  });

  it('sparse, zero-heavy hourly spend, 10 seeds × 60 days: under 0.3 % flagged', () => {
    let flagged = 0;
    let ready = 0;
    for (let seed = 200; seed < 210; seed++) {
      const s = generate(
        spec({
          seed,
          stepMs: HOUR,
          shape: 'batch',
          levelPerHour: 8,
          noise: 0.15,
          wander: 0,
          growthPerDay: 0,
        }),
      );
      const zeros = s.points.filter((p) => p.value === 0).length / s.points.length;
      expect(zeros).toBeGreaterThan(0.75);
      for (const r of run(s.points)) {
        if (r.ready) ready++;
        if (r.score >= THRESHOLD) flagged++;
      }
    }
    expect(flagged / ready).toBeLessThan(0.003);
  });

  it('daily buckets (weekly seasonality from 7 slots): ready after ~2 weeks, no false positives, a 3× day flagged', () => {
    const s = generate(spec({ stepMs: DAY, days: 120, missingFraction: 0 }));
    const spikeAt = 90;
    const points = s.points.map((p, i) => (i === spikeAt ? { ...p, value: p.value * 3 } : p));
    const results = run(points);
    const firstReady = results.findIndex((r) => r.ready);
    expect(firstReady).toBeGreaterThan(7);
    expect(firstReady).toBeLessThanOrEqual(16);
    expect(results.filter((r, i) => i !== spikeAt && r.score >= THRESHOLD)).toEqual([]);
    expect(results[spikeAt]!.score).toBeGreaterThan(THRESHOLD);
  });
});

describe('level shifts', () => {
  const at = FIXTURE_START_MS + 40 * DAY + 10 * HOUR;
  const launch = (factor: number): Incident => ({ kind: 'launch', atMs: at, factor, labelMs: 6 * HOUR });

  it.each([1.3, 1.7, 3, 0.5, 0.2])('a permanent ×%d: not flagged after levelShiftAdaptMs (6 h)', (factor) => {
    const series = generate(spec({ incidents: [launch(factor)] }));
    const results = run(series.points);
    const after = results.filter((r) => r.timestampMs >= at + 6 * HOUR);
    expect(after.filter((r) => r.score >= THRESHOLD)).toEqual([]);
    if (factor >= 1.7 || factor <= 0.5) {
      // Every point is an outlier from the start: flagged at once, accepted exactly 6 h later.
      expect(results.find((r) => r.timestampMs >= at)!.score).toBeGreaterThan(THRESHOLD);
      expect(results.find((r) => r.reason === REASONS.shift)!.timestampMs).toBe(at + 6 * HOUR);
    }
  });

  it('the level shift adaptation time is a parameter', () => {
    const series = generate(spec({ incidents: [launch(2)] }));
    const results = run(series.points, { levelShiftAdaptMs: 2 * HOUR });
    const flagged = results.filter((r) => r.score >= THRESHOLD);
    expect(flagged.length).toBeGreaterThan(0);
    expect(Math.max(...flagged.map((r) => r.timestampMs))).toBeLessThan(at + 2 * HOUR);
  });

  it('the end of a long incident (a return to the level before it) is not an anomaly', () => {
    for (const path of ['incidents/runaway-autoscaler.csv', 'incidents/tagging-break/team-payments.csv']) {
      const series = fixture(path);
      const results = run(series.points);
      const [, end] = series.windows[0]!;
      const afterwards = results.filter((r) => r.timestampMs > end && r.timestampMs <= end + 3 * DAY);
      expect([path, afterwards.filter((r) => r.score >= THRESHOLD).length]).toEqual([path, 0]);
      expect(afterwards.some((r) => r.reason === REASONS.recovered)).toBe(true);
    }
  });
});

describe('robust to outliers', () => {
  const series = fixture('clean/seasonal-60d.csv');
  const clean = run(series.points);

  it('a single 50× spike is flagged and does not move the baseline', () => {
    const k = 3000;
    const results = run(series.points.map((p, i) => (i === k ? { ...p, value: p.value * 50 } : p)));
    expect(results[k]!.score).toBeGreaterThan(0.99);
    for (let i = k + 1; i < results.length; i++) {
      expect(Math.abs(results[i]!.expected! / clean[i]!.expected! - 1)).toBeLessThan(0.02);
    }
  });

  it('a 3-hour ×4 incident leaves the baseline within 5 % a day later', () => {
    const k = 3000;
    const results = run(
      series.points.map((p, i) => (i >= k && i < k + 12 ? { ...p, value: p.value * 4 } : p)),
    );
    expect(results.slice(k, k + 12).every((r) => r.score > THRESHOLD)).toBe(true);
    for (let i = k + 96; i < results.length; i++) {
      expect(Math.abs(results[i]!.expected! / clean[i]!.expected! - 1)).toBeLessThan(0.05);
    }
  });
});

describe('missing points', () => {
  it('gaps of 12 hours and 3 days: seasonal slots stay aligned, no false positives after them', () => {
    const gapA: [number, number] = [
      FIXTURE_START_MS + 20 * DAY + 6 * HOUR,
      FIXTURE_START_MS + 20 * DAY + 18 * HOUR,
    ];
    const gapB: [number, number] = [FIXTURE_START_MS + 33 * DAY, FIXTURE_START_MS + 36 * DAY];
    const series = generate(spec({ gaps: [gapA, gapB], missingFraction: 0.05 }));
    const results = run(series.points);
    expect(results.filter((r) => r.score >= THRESHOLD)).toEqual([]);
    // After the long gap, expectations still follow the daily shape (not shifted by the missing points).
    const after = results.filter((r) => r.timestampMs >= gapB[1] && r.timestampMs < gapB[1] + DAY);
    const ratio = after.map((r) => r.value / r.expected!);
    expect(ratio.reduce((a, b) => a + b, 0) / ratio.length).toBeCloseTo(1, 1);
  });

  it('the bucket size is inferred, not assumed: 5-minute, 15-minute and hourly data are ready at the same time', () => {
    const readyAt = [5 * MINUTE, 15 * MINUTE, HOUR].map((stepMs) => {
      const results = run(generate(spec({ stepMs, missingFraction: 0.02 })).points);
      return results.find((r) => r.ready)!.timestampMs - FIXTURE_START_MS;
    });
    for (const t of readyAt) expect(Math.abs(t - 10 * DAY)).toBeLessThanOrEqual(HOUR);
  });
});

describe('parameters', () => {
  it('direction "up" ignores drops, "down" ignores spikes', () => {
    const series = fixture('incidents/tagging-break/team-payments.csv');
    const [start] = series.windows[0]!;
    const i = series.points.findIndex((p) => p.timestampMs === start);
    expect(run(series.points, { direction: 'down' })[i]!.score).toBeGreaterThan(THRESHOLD);
    expect(run(series.points, { direction: 'up' })[i]!.score).toBe(0);
  });

  it('utcOffsetMinutes moves the slots: the same local-time series scores the same', () => {
    const series = fixture('clean/seasonal-60d.csv');
    const shifted = series.points.map((p) => ({ timestampMs: p.timestampMs + 5 * HOUR, value: p.value }));
    const a = run(series.points);
    const b = run(shifted, { utcOffsetMinutes: -300 });
    expect(b.map((r) => r.score)).toEqual(a.map((r) => r.score));
  });
});

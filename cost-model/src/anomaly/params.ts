/**
 * Parameters of the anomaly detector, their defaults and their validation.
 *
 * Every duration is in milliseconds of series time (the timestamps fed to `update`), never in points, so one
 * parameter set behaves the same on 1-minute, 15-minute, hourly or daily buckets.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** What {@link AnomalyDetector} can be tuned with. All fields have defaults ({@link DEFAULT_ANOMALY_PARAMS}). */
export interface AnomalyParams {
  /**
   * Score from which a point counts as anomalous (default 0.9). It sets the band (`lower`/`upper` are where
   * the score reaches it) and is the threshold the evaluation and alert rules use; the score mapping itself
   * does not depend on it.
   */
  threshold: number;
  /** Robust z-score at which the score is 0.5 (default 3). */
  scoreMidZ: number;
  /**
   * Slope of the logistic from robust z to score, per unit of z (default 1.5). With the defaults, z = 4.47
   * scores 0.9, z = 5 scores 0.95 and z = 6 scores 0.99.
   */
  scoreSlope: number;
  /**
   * A point whose |z| reaches this (default 3) is an outlier: it is not learned from (so an anomaly cannot
   * poison the baseline) and it counts towards a level shift.
   */
  outlierZ: number;
  /**
   * Which deviations score (default `'both'`): `'up'` only spend above expected, `'down'` only below. The
   * model adapts to both directions whatever this says.
   */
  direction: 'both' | 'up' | 'down';
  /** Length of the seasonal cycle (default 7 days: hour-of-week; use 1 day for hour-of-day only). */
  seasonPeriodMs: number;
  /**
   * Width of a seasonal slot (default 1 hour). The cycle has `ceil(seasonPeriodMs / slotMs)` slots; a point
   * belongs to the slot its timestamp falls in, so buckets coarser than a slot simply leave slots unused.
   */
  slotMs: number;
  /** Offset of local time from UTC for placing points in slots (default 0; no daylight-saving changes). */
  utcOffsetMinutes: number;
  /**
   * Bucket size of the series; 0 (default) infers it as the smallest positive gap between consecutive points
   * (gaps of less than 1 s are ignored). A point's learning weight is its time since the previous point,
   * capped at one step, so missing buckets are unknown, not evidence.
   */
  stepMs: number;
  /**
   * First phase of the cold start (default 7 days): the per-slot mean of this much history seeds the level
   * and the seasonal profile. At least one full `seasonPeriodMs` is needed to see every slot once.
   */
  warmupMs: number;
  /**
   * Second phase of the cold start (default 3 days): the model runs and learns from every point, and the
   * noise scale is measured on its residuals, before any score is given (a day is too few points to see the
   * 1 % tail of a sparse series). Ready after `warmupMs + calibrationMs` (default 10 days).
   */
  calibrationMs: number;
  /**
   * Half-life of the level (default 1 day). Organic growth is followed with a lag of about
   * `growth per day × levelHalfLifeMs / ln 2` (0.3 %/day → 0.6 %); residuals a few scales away are learned at
   * a reduced weight (Tukey's biweight), so growth much faster than that (a leak) outruns the level and is
   * flagged — see README.md for the sensitivity.
   */
  levelHalfLifeMs: number;
  /**
   * Half-life of a seasonal slot, in seasonal cycles (default 4: a weekly profile forgets over about a
   * month). A slot's first visits are plain averages.
   */
  seasonHalfLifeCycles: number;
  /**
   * Quantile that measures the noise (default 0.99): the scale above expected is the residuals' q-quantile,
   * below it their (1 − q)-quantile, each over the Gaussian z of q; anything rarer than 1 − q of the points
   * does not widen the band, routine bursts more frequent than that do.
   */
  scaleQuantile: number;
  /**
   * Learning rate of the scale's quantile trackers per hour of series time (default 0.05): the scale follows
   * a lasting change of the noise within days (capped at 0.2 per point for coarse buckets).
   */
  scaleRatePerHour: number;
  /**
   * Smallest noise scale, as a log-ratio (default 0.02, i.e. 2 %): a near-constant series is not flagged for
   * tiny relative changes (with the defaults the band is at least −8.6 % / +9.4 % around expected).
   */
  minScale: number;
  /**
   * Softening of deviations near zero (default 0.1): residuals are `ln((value + c) / (expected + c))` with
   * `c = softening × the typical non-zero bucket`, so a bucket that is cheap relative to the series' usual
   * spend needs a larger relative change to score, and zeros are handled without special cases.
   */
  softening: number;
  /** Half-life of the typical non-zero bucket that scales the softening (default 14 days). */
  baselineHalfLifeMs: number;
  /**
   * How long a new level must persist before it is accepted as normal (default 6 hours): after this long
   * with most points out of the band on the same side (at least `levelShiftMinPoints` of them), the level
   * jumps to the recent level and the series stops scoring high.
   */
  levelShiftAdaptMs: number;
  /** Fewest outlying points that can make a level shift (default 3; matters for coarse buckets). */
  levelShiftMinPoints: number;
  /**
   * For this long after a level shift is accepted (default 7 days), the level before it is remembered: a
   * return to it (the end of an incident, a fixed tagging break) is expected, not anomalous, and restores it
   * after two points; a run moving further away from it in the same direction (a ramp, e.g. a leak) is scored
   * against it.
   */
  recoveryMs: number;
}

/** The defaults, tuned on the synthetic incident series in `test/fixtures/anomaly` (see the README). */
export const DEFAULT_ANOMALY_PARAMS: AnomalyParams = Object.freeze({
  threshold: 0.9,
  scoreMidZ: 3,
  scoreSlope: 1.5,
  outlierZ: 3,
  direction: 'both',
  seasonPeriodMs: 7 * DAY,
  slotMs: HOUR,
  utcOffsetMinutes: 0,
  stepMs: 0,
  warmupMs: 7 * DAY,
  calibrationMs: 3 * DAY,
  levelHalfLifeMs: DAY,
  seasonHalfLifeCycles: 4,
  scaleQuantile: 0.99,
  scaleRatePerHour: 0.05,
  minScale: 0.02,
  softening: 0.1,
  baselineHalfLifeMs: 14 * DAY,
  levelShiftAdaptMs: 6 * HOUR,
  levelShiftMinPoints: 3,
  recoveryMs: 7 * DAY,
}) as AnomalyParams;

/** Most seasonal slots a detector may have (memory per detector is ~40 bytes per slot). */
export const MAX_SLOTS = 1 << 16;

/** Defaults merged with `params`, validated; throws a `RangeError` naming the first bad parameter. */
export function resolveParams(params: Partial<AnomalyParams> = {}): AnomalyParams {
  const p: AnomalyParams = { ...DEFAULT_ANOMALY_PARAMS };
  for (const key of Object.keys(params) as (keyof AnomalyParams)[]) {
    if (!(key in DEFAULT_ANOMALY_PARAMS)) throw new RangeError(`unknown anomaly parameter "${key}"`);
    const value = params[key];
    if (value !== undefined) (p as unknown as Record<string, unknown>)[key] = value;
  }
  const check = (key: keyof AnomalyParams, ok: (v: number) => boolean, what: string): void => {
    const v = p[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
      throw new RangeError(`anomaly parameter ${key} must be ${what}, got ${String(v)}`);
    }
  };
  const positive = (v: number) => v > 0;
  check('threshold', (v) => v > 0 && v < 1, 'in (0, 1)');
  check('scoreMidZ', positive, 'positive');
  check('scoreSlope', positive, 'positive');
  check('outlierZ', positive, 'positive');
  if (p.direction !== 'both' && p.direction !== 'up' && p.direction !== 'down') {
    throw new RangeError(
      `anomaly parameter direction must be 'both', 'up' or 'down', got ${String(p.direction)}`,
    );
  }
  check('seasonPeriodMs', positive, 'positive');
  check('slotMs', (v) => v > 0 && v <= p.seasonPeriodMs, 'positive and at most seasonPeriodMs');
  check(
    'slotMs',
    (v) => Math.ceil(p.seasonPeriodMs / v) <= MAX_SLOTS,
    `at least seasonPeriodMs / ${MAX_SLOTS}`,
  );
  check('utcOffsetMinutes', (v) => Math.abs(v) <= 24 * 60, 'within ±1440');
  check('stepMs', (v) => v >= 0, '0 (infer) or positive');
  check('warmupMs', (v) => v >= 0, 'non-negative');
  check('calibrationMs', (v) => v >= 0, 'non-negative');
  check('levelHalfLifeMs', positive, 'positive');
  check('seasonHalfLifeCycles', positive, 'positive');
  check('scaleQuantile', (v) => v > 0.5 && v < 1, 'in (0.5, 1)');
  check('scaleRatePerHour', positive, 'positive');
  check('minScale', positive, 'positive');
  check('softening', positive, 'positive');
  check('baselineHalfLifeMs', positive, 'positive');
  check('levelShiftAdaptMs', (v) => v >= 0, 'non-negative');
  check('levelShiftMinPoints', (v) => v >= 1 && Number.isInteger(v), 'a positive integer');
  check('recoveryMs', (v) => v >= 0, 'non-negative');
  return p;
}

/**
 * `AnomalyDetector`: a streaming, seasonality-aware, robust anomaly score for one cost series.
 *
 * The model, in one paragraph (README.md in this folder has the reasoning, parameters and limits):
 * expected value = level × the seasonal factor of the point's slot (hour of week by default); the residual
 * u = ln((value + c) / (expected + c)) is a log-ratio softened near zero by c (a tenth of a typical non-zero
 * bucket); z = u / σ↑ or u / σ↓, the spreads of residuals above and below 0 measured by streaming quantiles;
 * score = a logistic of |z|. Points with |z| ≥ outlierZ are not learned from; a run of them lasting
 * `levelShiftAdaptMs` is accepted as a new level; a return to the level before a shift restores it; a ramp
 * away from it (a leak) is scored against it.
 *
 * Every update is O(1) (plus O(slots) once per seasonal cycle, to renormalise the profile) and allocates only
 * its result object.
 */
import { LevelShift } from './level-shift';
import { resolveParams, type AnomalyParams } from './params';
import { RobustScale } from './scale';
import { ScoreMap } from './score';
import { SeasonalProfile } from './seasonal';

/** The score of one point and the band it was judged against. */
export interface AnomalyResult {
  timestampMs: number;
  value: number;
  /** False during the cold start (no score yet) and for unusable points; `reason` says why. */
  ready: boolean;
  /** Why the point is not ready, or something notable about it (not learned from, level shift accepted). */
  reason?: string;
  /** Expected value, when ready. */
  expected?: number;
  /** Lower edge of the band (score < threshold inside it), when ready; never below 0. */
  lower?: number;
  /** Upper edge of the band, when ready. */
  upper?: number;
  /** In [0, 1]; 0 when not ready. */
  score: number;
}

const HOUR_MS = 3_600_000;
/** Gaps shorter than this are jitter or duplicates, not the bucket size. */
const MIN_STEP_MS = 1000;
/** Fewest points in each cold-start phase (matters for coarse buckets only). */
const WARMUP_MIN_POINTS = 7;
const CALIBRATION_MIN_POINTS = 8;
/** The softening never uses less than this fraction of the largest typical bucket seen (keeps c > 0). */
const BASELINE_FLOOR = 1e-3;

export const REASONS = Object.freeze({
  badTime: 'timestamp is not a finite number: not scored, not learned from',
  badValue: 'value is not a finite number: not scored, not learned from',
  allZero: 'cold start: every value so far is 0, so there is no level to compare against yet',
  outOfOrder: 'timestamp at or before the previous point: scored but not learned from',
  outOfOrderCold: 'timestamp at or before the previous point: not learned from (cold start)',
  shift: 'level shift accepted: this level is now expected',
  recovered: 'back to the level before the last level shift: that level is expected again',
});

/** 1 − 2^(−dt / halfLife): the weight of a point `dt` after the previous one, for a given half-life. */
function ewRate(dtMs: number, halfLifeMs: number): number {
  return halfLifeMs > 0 ? 1 - Math.exp((-Math.LN2 * dtMs) / halfLifeMs) : 1;
}

/**
 * Streaming anomaly detector for one series. Feed points in time order with {@link update}; each call scores
 * the point against what was learned from the points before it (never after), then learns from it.
 */
export class AnomalyDetector {
  private readonly p: AnomalyParams;
  private readonly profile: SeasonalProfile;
  private readonly scale: RobustScale;
  private readonly shift: LevelShift;
  private readonly map: ScoreMap;
  private readonly bandZ: number;
  private readonly warmupReason: string;
  private readonly calibrationReason: string;

  private lastMs = -Infinity;
  private firstMs = NaN;
  private stepMs: number;
  private readonly inferStep: boolean;
  private points = 0;
  private warmPositiveSum = 0;
  private warmPositiveCount = 0;
  /** 0 warm-up, 1 calibration, 2 ready. */
  private phase = 0;
  private calibrationStartMs = 0;
  private calibrationPoints = 0;

  private level = 0;
  /**
   * Typical non-zero bucket (slow moving average of the non-zero values learned from) and its maximum, for
   * the softening constant. Non-zero values, not the mean: in a sparse series the mean is mostly zeros and
   * would be far smaller than the ordinary bursts the softening must absorb.
   */
  private baseline = 0;
  private baselineMax = 0;
  private cycle = 0;

  /** Rates cached for the last step (constant on a regular series, so no exp per point). */
  private lastDt = -1;
  private levelRate = 0;
  private baselineRate = 0;
  private runRate = 0;

  constructor(params: Partial<AnomalyParams> = {}) {
    const p = (this.p = resolveParams(params));
    this.profile = new SeasonalProfile(
      p.seasonPeriodMs,
      p.slotMs,
      p.utcOffsetMinutes,
      p.seasonHalfLifeCycles,
    );
    this.scale = new RobustScale(p.scaleQuantile, p.scaleRatePerHour, p.minScale);
    this.shift = new LevelShift(p.levelShiftAdaptMs, p.levelShiftMinPoints, p.recoveryMs);
    this.map = new ScoreMap(p.scoreMidZ, p.scoreSlope);
    this.bandZ = this.map.zAt(p.threshold);
    this.inferStep = p.stepMs === 0;
    this.stepMs = this.inferStep ? Infinity : p.stepMs;
    this.warmupReason = `cold start: learning the seasonal profile from the first ${duration(p.warmupMs)} of history`;
    this.calibrationReason = `cold start: measuring the noise scale for ${duration(p.calibrationMs)} after the profile`;
  }

  /**
   * Feeds the next point (time order expected; a point at or before the last is scored but not learned
   * from, and says so).
   */
  update(timestampMs: number, value: number): AnomalyResult {
    if (!Number.isFinite(timestampMs)) return notReady(timestampMs, value, REASONS.badTime);
    if (!Number.isFinite(value)) return notReady(timestampMs, value, REASONS.badValue);
    const inOrder = timestampMs > this.lastMs;

    // The weight of this point: time since the previous point, capped at one step, so a gap (missing
    // buckets) does not make the next point count for more than one bucket.
    let dt = 0;
    if (inOrder && this.lastMs !== -Infinity) {
      dt = timestampMs - this.lastMs;
      if (this.inferStep && dt >= MIN_STEP_MS && dt < this.stepMs) this.stepMs = dt;
      if (dt > this.stepMs) dt = this.stepMs;
    }
    const slot = this.profile.slotOf(timestampMs);

    if (this.phase === 0) {
      if (!inOrder) return notReady(timestampMs, value, REASONS.outOfOrderCold);
      return this.warmup(timestampMs, value, dt, slot);
    }

    if (dt !== this.lastDt && inOrder) this.rates(dt);
    const factor = this.profile.factorAt(slot, this.profile.fraction, this.stepMs);
    const c = this.softeningConstant();
    // The scales are read before this point is learned from: a point is judged by the past only.
    const up = this.scale.up;
    const down = this.scale.down;
    const expected = this.level * factor;
    let u = residual(value, expected, c);
    let z = u / (u >= 0 ? up : down);

    if (this.phase === 1) {
      if (!inOrder) return notReady(timestampMs, value, REASONS.outOfOrderCold);
      this.lastMs = timestampMs;
      this.points++;
      this.scale.calibrate(u);
      // The calibration learns from every point, like the warm-up: a slot seeded from one odd week must be
      // able to correct itself before outliers are kept out of the learning.
      this.learn(slot, value, u, 0, dt, c, true);
      this.calibrationPoints++;
      if (
        timestampMs - this.calibrationStartMs >= this.p.calibrationMs &&
        this.calibrationPoints >= CALIBRATION_MIN_POINTS
      ) {
        this.scale.finishCalibration();
        this.phase = 2;
      }
      this.endOfCycle(timestampMs);
      return notReady(timestampMs, value, this.calibrationReason);
    }

    let reason: string | undefined;
    const outlierZ = this.p.outlierZ;
    let outlier = (z < 0 ? -z : z) >= outlierZ;

    // After a level shift, also against the anchor (the level before it): see level-shift.ts.
    let scoredExpected = expected;
    let scoredZ = z;
    if (this.shift.anchored(timestampMs)) {
      const anchorExpected = this.shift.anchorLevel * factor;
      const ua = residual(value, anchorExpected, c);
      const za = ua / (ua >= 0 ? up : down);
      const absZa = za < 0 ? -za : za;
      const absZ = z < 0 ? -z : z;
      const ramp = outlier && absZa > absZ && this.shift.rampContinues(z > 0 ? 1 : -1);
      // A return towards the anchor is scored against it (the better fit); a ramp away from it too (the
      // whole growth since the series was last stable).
      if (absZa < absZ || ramp) {
        scoredExpected = anchorExpected;
        scoredZ = za;
      }
      if (inOrder && this.shift.recovery(outlier && absZa < outlierZ)) {
        this.level = this.shift.anchorLevel;
        scoredExpected = anchorExpected;
        u = ua;
        z = scoredZ = za;
        outlier = false;
        reason = REASONS.recovered;
      }
    }

    if (!inOrder) {
      reason = REASONS.outOfOrder;
    } else {
      this.lastMs = timestampMs;
      this.points++;
      if (this.shift.observe(timestampMs, z, outlier, value, factor, this.runRate)) {
        // A lasting new level: accept it, and judge this point against it.
        const implied = this.shift.impliedLevel;
        this.shift.accept(timestampMs, this.level);
        this.level = implied;
        scoredExpected = implied * factor;
        u = residual(value, scoredExpected, c);
        scoredZ = u / (u >= 0 ? up : down);
        reason = REASONS.shift;
      } else if (this.shift.runOutliers < 2) {
        this.learn(slot, value, u, z, dt, c, !outlier);
      }
      // The scale learns from every point except the continuation of a run of outliers (an incident in
      // progress); one isolated outlier moves it by a bounded amount only (and see scale.ts on drifts).
      if (this.shift.runOutliers < 2) this.scale.observe(u, dt / HOUR_MS);
      this.endOfCycle(timestampMs);
    }

    const d = this.p.direction;
    const zs = d === 'both' ? (scoredZ < 0 ? -scoredZ : scoredZ) : d === 'up' ? scoredZ : -scoredZ;
    const base = scoredExpected + c;
    const lower = base * Math.exp(-this.bandZ * down) - c;
    return {
      timestampMs,
      value,
      ready: true,
      reason,
      expected: scoredExpected,
      lower: lower > 0 ? lower : 0,
      upper: base * Math.exp(this.bandZ * up) - c,
      score: this.map.score(zs),
    };
  }

  /** Warm-up: accumulate per-slot means until `warmupMs` of history, then seed the model. */
  private warmup(timestampMs: number, value: number, dt: number, slot: number): AnomalyResult {
    if (Number.isNaN(this.firstMs)) this.firstMs = timestampMs;
    const w = dt > 0 ? Math.min(1, dt / this.p.slotMs) : 1;
    this.profile.accumulate(slot, value > 0 ? value : 0, w);
    if (value > 0) {
      this.warmPositiveSum += value;
      this.warmPositiveCount++;
    }
    this.lastMs = timestampMs;
    this.points++;
    if (timestampMs - this.firstMs < this.p.warmupMs || this.points < WARMUP_MIN_POINTS) {
      return notReady(timestampMs, value, this.warmupReason);
    }
    if (this.warmPositiveCount === 0) return notReady(timestampMs, value, REASONS.allZero);
    const level = this.profile.seed();
    this.level = level;
    this.baseline = this.baselineMax = this.warmPositiveSum / this.warmPositiveCount;
    this.cycle = this.profile.cycleOf(timestampMs);
    this.phase = 1;
    this.calibrationStartMs = timestampMs;
    return notReady(timestampMs, value, this.calibrationReason);
  }

  /**
   * Learns from a point that is not part of a run of outliers. The level learns from in-band points only,
   * with Tukey's biweight (so a deviation that persists a few scales away — a leak — is learned slowly and
   * grows into an outlier, instead of being absorbed); the slot's factor learns from every such point with
   * its residual clipped at `outlierZ` scales (Huber), so a wrong seed can correct itself however far off
   * it is, while one anomaly moves it by a bounded step only. The typical non-zero bucket follows in-band
   * values.
   */
  private learn(
    slot: number,
    value: number,
    u: number,
    z: number,
    dt: number,
    c: number,
    inBand: boolean,
  ): void {
    if (dt <= 0) return;
    const lvl = this.level;
    const lim = this.p.outlierZ * (u >= 0 ? this.scale.up : this.scale.down);
    const uc = u > lim ? lim : u < -lim ? -lim : u;
    // A level of 0 (after a shift to nothing) carries no information about the profile.
    if (lvl > this.baselineMax * 1e-9) {
      this.profile.learn(slot, uc, c / lvl, dt >= this.p.slotMs ? 1 : dt / this.p.slotMs);
    }
    if (!inBand) return;
    this.level = lvl * Math.exp(biweight(z, this.p.outlierZ) * this.levelRate * uc);
    if (value > 0) {
      this.baseline += this.baselineRate * (value - this.baseline);
      if (this.baseline > this.baselineMax) this.baselineMax = this.baseline;
    }
  }

  /** Once per seasonal cycle: renormalise the factors to mean 1 and move the scale into the level. */
  private endOfCycle(timestampMs: number): void {
    const cycle = this.profile.cycleOf(timestampMs);
    if (cycle === this.cycle) return;
    this.cycle = cycle;
    const m = this.profile.normalise();
    this.level *= m;
    this.shift.rescale(m);
  }

  private softeningConstant(): number {
    const b =
      this.baseline > this.baselineMax * BASELINE_FLOOR ? this.baseline : this.baselineMax * BASELINE_FLOOR;
    return this.p.softening * b;
  }

  private rates(dt: number): void {
    this.lastDt = dt;
    this.levelRate = ewRate(dt, this.p.levelHalfLifeMs);
    this.baselineRate = ewRate(dt, this.p.baselineHalfLifeMs);
    this.runRate = ewRate(dt, this.p.levelShiftAdaptMs / 4);
  }
}

/**
 * The residual: ln((value + c) / (expected + c)). Below zero (credits, refunds) it continues along its
 * tangent at 0, so it stays finite and monotone and a negative bucket is a strong downward deviation.
 */
function residual(value: number, expected: number, c: number): number {
  const base = Math.log((value >= 0 ? value + c : c) / (expected + c));
  return value >= 0 ? base : base + value / c;
}

/**
 * Tukey's biweight: the weight of a residual in the learning, 1 at z = 0, falling smoothly to 0 at `limit`.
 */
function biweight(z: number, limit: number): number {
  const r = z / limit;
  if (r >= 1 || r <= -1) return 0;
  const t = 1 - r * r;
  return t * t;
}

function notReady(timestampMs: number, value: number, reason: string): AnomalyResult {
  return {
    timestampMs,
    value,
    ready: false,
    reason,
    expected: undefined,
    lower: undefined,
    upper: undefined,
    score: 0,
  };
}

/** A duration for a message: whole days, else hours, else minutes. */
function duration(ms: number): string {
  if (ms >= 86_400_000 && ms % 86_400_000 === 0)
    return `${ms / 86_400_000} day${ms === 86_400_000 ? '' : 's'}`;
  if (ms >= HOUR_MS && ms % HOUR_MS === 0) return `${ms / HOUR_MS} h`;
  return `${Math.round(ms / 60_000)} min`;
}

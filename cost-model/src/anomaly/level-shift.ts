/**
 * Level shifts: when does a new level become normal, and when is a return to the old one expected?
 *
 * Outliers are not learned from (so that a spike cannot poison the baseline), which means a lasting change
 * of level could never be learned either. This module closes that gap with an explicit, time-based rule
 * instead of leaving it to the learning rates: a *run* starts at an outlier and goes on while most points
 * since its start are outliers on the same side; once it has lasted `adaptMs` (and has at least `minPoints`
 * outliers), the level is set to the level implied by the run's recent points. So a permanent change (a
 * launch, a decommission) scores high for `adaptMs` and then stops, whatever its size — a guarantee that a
 * rate-based rule (which adapts faster to small shifts than to large ones) cannot give.
 *
 * A long incident (a runaway autoscaler that runs for a day) is also accepted after `adaptMs`; its end would
 * then look like a shift down. The level before the first accepted shift is therefore remembered as an
 * *anchor* for `recoveryMs`: points that fit the anchor but not the current level are scored against the
 * anchor, and two of them in a row restore it.
 *
 * The anchor also tells a step from a ramp. A launch shifts the level once; a slow leak keeps growing, so
 * each time its excess reaches the outlier level a new run starts in the same direction — and with only the
 * per-run rule it would be accepted, 6 hours at a time, without ever scoring high. So while an anchor is in
 * force, a run of outliers (from its `minPoints`-th) that moves further away from it, in the direction of the
 * first shift, is scored against the anchor: the whole growth since the series was last stable counts. One
 * odd point is not a ramp and is scored as usual.
 */
export class LevelShift {
  /** Side of the current run: +1 above, −1 below, 0 no run. */
  private sign = 0;
  private startMs = 0;
  private outliers = 0;
  private inBand = 0;
  /** Exponentially weighted value and seasonal factor of the run's points: their ratio is the new level. */
  private ewValue = 0;
  private ewFactor = 0;

  /** Level before the first of a chain of accepted shifts, trusted until `anchorUntilMs`. */
  anchorLevel = 0;
  /** Direction of the first shift of the chain: +1 up, −1 down. */
  chainSide = 0;
  private anchorUntilMs = -Infinity;
  private recovering = 0;

  constructor(
    private readonly adaptMs: number,
    private readonly minPoints: number,
    private readonly recoveryMs: number,
  ) {}

  /**
   * Feeds a learned-in-order point: `z` its robust z against the current level, `outlier` whether
   * |z| ≥ outlierZ, `value` and `factor` (its slot's seasonal factor) for the implied level, `rate` the
   * weight of this point in the run's moving average. Returns true if the run has become a level shift now
   * (then read {@link impliedLevel} and call {@link accept}).
   */
  observe(timeMs: number, z: number, outlier: boolean, value: number, factor: number, rate: number): boolean {
    if (outlier) {
      const side = z > 0 ? 1 : -1;
      if (side !== this.sign) {
        this.sign = side;
        this.startMs = timeMs;
        this.outliers = 1;
        this.inBand = 0;
        this.ewValue = value;
        this.ewFactor = factor;
        return this.outliers >= this.minPoints && this.adaptMs <= 0;
      }
      this.outliers++;
    } else {
      if (this.sign === 0) return false;
      // A run survives in-band points as long as outliers are still the majority: noise around a new level
      // that is only a few scales away must not reset the clock.
      if (++this.inBand > this.outliers) {
        this.sign = 0;
        return false;
      }
    }
    this.ewValue += rate * (value - this.ewValue);
    this.ewFactor += rate * (factor - this.ewFactor);
    return outlier && this.outliers >= this.minPoints && timeMs - this.startMs >= this.adaptMs;
  }

  /** Number of outliers in the current run (0 without a run). */
  get runOutliers(): number {
    return this.sign === 0 ? 0 : this.outliers;
  }

  /**
   * Whether an outlier on `side` would continue a run on that side to at least `minPoints` outliers, in the
   * direction of the anchored chain of shifts: the sign of a ramp (a leak), not of one odd point.
   */
  rampContinues(side: number): boolean {
    return side === this.chainSide && side === this.sign && this.outliers + 1 >= this.minPoints;
  }

  /** The level implied by the run's recent points (mean value over mean seasonal factor). */
  get impliedLevel(): number {
    return this.ewFactor > 0 ? this.ewValue / this.ewFactor : 0;
  }

  /** Accepts the run as a shift away from `previousLevel`; starts an anchor unless one is active. */
  accept(timeMs: number, previousLevel: number): void {
    if (!(timeMs < this.anchorUntilMs)) {
      this.anchorLevel = previousLevel;
      this.anchorUntilMs = timeMs + this.recoveryMs;
      this.chainSide = this.sign;
    }
    this.sign = 0;
    this.recovering = 0;
  }

  /** Whether an anchor is in force at `timeMs`. */
  anchored(timeMs: number): boolean {
    return timeMs < this.anchorUntilMs;
  }

  /**
   * Notes whether a point fits the anchor but not the current level; returns true on the second such point in
   * a row, when the anchor level must be restored (the anchor is then dropped).
   */
  recovery(fitsAnchorOnly: boolean): boolean {
    if (!fitsAnchorOnly) {
      this.recovering = 0;
      return false;
    }
    if (++this.recovering < 2) return false;
    this.anchorUntilMs = -Infinity;
    this.recovering = 0;
    this.sign = 0;
    return true;
  }

  /** Keeps the state consistent when the seasonal factors are divided (and levels multiplied) by `m`. */
  rescale(m: number): void {
    this.anchorLevel *= m;
    this.ewFactor /= m;
  }
}

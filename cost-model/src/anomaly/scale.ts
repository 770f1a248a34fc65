/**
 * The noise scale: how far residuals normally stray above and below 0, from streaming quantiles.
 *
 * Two quantiles of the signed residual u are tracked — high (q, 0.99 by default) and low (1 − q) — and
 * turned into two Gaussian-equivalent scales: σ↑ = high / z_q and σ↓ = −low / z_q.
 *
 * Why quantiles and not a standard deviation: a standard deviation is dragged up by the very anomalies it
 * should expose. Why high quantiles and not a MAD: a series that is 0 in 80 % of its buckets has a MAD of 0
 * and would flag every ordinary non-zero bucket; the 99th percentile sees routine bursts and ignores anything
 * rarer than 1 % of the points. Why two sides: spend is skewed (bursts up, a hard floor at 0 below), so a
 * sparse series gets a wide band above and a tight one below. Why from 0 and not from the median: noise
 * that wanders for hours (real spend does) must count as noise, or the band would tighten exactly when spend
 * wanders.
 *
 * A third tracker follows the median residual, as a drift detector: a slow leak or a lagging level biases
 * residuals to one side for days, and the high quantile would read that bias as noise and widen the band
 * until the leak looked normal. While the median is more than one scale away from 0, the spreads are not
 * learned from. (A sparse series keeps its median at 0 — most of its buckets are predicted exactly — so it
 * never pauses.)
 *
 * Each quantile is tracked by stochastic approximation (O(1), no buffer): it moves up by `η·S·τ` when a
 * residual is above it and down by `η·S·(1 − τ)` otherwise (S is the current spread, so the step is
 * scale-free), which is stationary at the τ-quantile and moves a bounded amount per point, however large the
 * outlier. The trackers start from the exact quantiles of the residuals seen during the calibration.
 */
import { normalQuantile } from './score';

/** Residual samples kept to seed the trackers at the end of the calibration (the most recent ones). */
const CALIBRATION_SAMPLES = 512;
/**
 * σ used while calibrating, before any residual was measured: wide (±35 % per σ), so that only gross
 * outliers are kept out of the learning during the cold start.
 */
const PROVISIONAL_SIGMA = 0.3;
/**
 * Speed of the median tracker relative to the spread trackers: fast enough to follow a bias that builds up
 * over a day (a leak), so the drift test below trips before the spreads have absorbed much of it.
 */
const MID_RATE = 1.5;
/** A median residual beyond this many scales from 0 is a drift: the spreads stop learning. */
const DRIFT_Z = 1;
/** Largest tracker rate per point (coarse buckets, e.g. daily). */
const MAX_RATE = 0.2;

export class RobustScale {
  private low = 0;
  private mid = 0;
  private high = 0;
  /** Standard normal quantile at q: σ↑ = high / zq. */
  private readonly zq: number;
  private readonly minScale: number;
  /** Released after the calibration (4 KB per series adds up over thousands of series). */
  private samples: Float64Array | null = new Float64Array(CALIBRATION_SAMPLES);
  private sampleCount = 0;
  /** σ↑ and σ↓, recomputed after each update. */
  up = PROVISIONAL_SIGMA;
  down = PROVISIONAL_SIGMA;

  constructor(
    private readonly q: number,
    private readonly ratePerHour: number,
    minScale: number,
  ) {
    this.zq = normalQuantile(q);
    this.minScale = minScale;
  }

  /** Calibration: remembers a residual (a ring of the most recent ones). */
  calibrate(u: number): void {
    if (this.samples === null) return;
    this.samples[this.sampleCount % CALIBRATION_SAMPLES] = u;
    this.sampleCount++;
  }

  /** Ends the calibration: the trackers start at the exact quantiles of the residuals collected. */
  finishCalibration(): void {
    const n = Math.min(this.sampleCount, CALIBRATION_SAMPLES);
    if (n > 0 && this.samples !== null) {
      const sorted = this.samples.slice(0, n).sort();
      const at = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!;
      this.low = at(1 - this.q);
      this.mid = at(0.5);
      this.high = at(this.q);
    }
    this.samples = null;
    this.refresh();
  }

  /** Tracks one residual; `hours` is the point's weight in hours of series time (at most one step). */
  observe(u: number, hours: number): void {
    let rate = this.ratePerHour * hours;
    if (rate > MAX_RATE) rate = MAX_RATE;
    // Steps are proportional to the current spread, so the trackers are scale-free.
    const step = rate * (this.up + this.down) * this.zq;
    const midStep = step * MID_RATE;
    this.mid += u > this.mid ? midStep : -midStep;
    if (this.isDrifting) return;
    const q = this.q;
    this.high += u > this.high ? step * q : -step * (1 - q);
    this.low += u < this.low ? -step * q : step * (1 - q);
    this.refresh();
  }

  /**
   * Whether the median residual is more than `DRIFT_Z` scales away from 0: the residuals are biased (a leak,
   * a level that lags), so they do not measure noise and the spreads are not learned from.
   */
  get isDrifting(): boolean {
    return this.mid > DRIFT_Z * this.up || this.mid < -DRIFT_Z * this.down;
  }

  private refresh(): void {
    const up = this.high / this.zq;
    const down = -this.low / this.zq;
    this.up = up > this.minScale ? up : this.minScale;
    this.down = down > this.minScale ? down : this.minScale;
  }
}

/**
 * From a robust z-score to a score in [0, 1].
 *
 * Why a logistic of |z| and not, say, a Gaussian tail probability: residuals of cost series are heavy-tailed
 * and the scale is a robust quantile estimate, so tail probabilities would be overconfident; a logistic keeps
 * the score monotone and saturating, and ties a score to a fixed number of robust scales on every series. A
 * threshold like 0.9 therefore means the same deviation (4.47 robust scales with the defaults) everywhere.
 */

/** The logistic mapping, shifted and rescaled so that z = 0 scores exactly 0 and |z| → ∞ scores 1. */
export class ScoreMap {
  /** Logistic value at z = 0, subtracted so that a perfect fit scores 0. */
  private readonly floor: number;
  private readonly span: number;

  /**
   * @param midZ robust z at which the score is 0.5 (before the rescaling to start at 0, which moves it by
   *   less than 0.01 with the defaults)
   * @param slope logistic slope per unit of z
   */
  constructor(
    private readonly midZ: number,
    private readonly slope: number,
  ) {
    this.floor = 1 / (1 + Math.exp(slope * midZ));
    this.span = 1 - this.floor;
  }

  /** Score of a non-negative deviation `absZ` (|z|), in [0, 1], non-decreasing in `absZ`. */
  score(absZ: number): number {
    if (!(absZ > 0)) return 0;
    const s = (1 / (1 + Math.exp(-this.slope * (absZ - this.midZ))) - this.floor) / this.span;
    return s < 0 ? 0 : s > 1 ? 1 : s;
  }

  /** The |z| at which the score reaches `score` (the inverse of {@link score}, for the band). */
  zAt(score: number): number {
    const p = score * this.span + this.floor;
    return this.midZ + Math.log(p / (1 - p)) / this.slope;
  }
}

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9), used once
 * per detector to turn the scale quantile into a Gaussian-equivalent standard deviation.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs p in (0, 1), got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  const poly = (k: number[], x: number) => k.reduce((acc, ki) => acc * x + ki, 0);
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -poly(c, q) / (poly(d, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}

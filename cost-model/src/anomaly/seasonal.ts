/**
 * The seasonal profile: one multiplicative factor per slot of the cycle (hour-of-week by default).
 *
 * Why multiplicative: spend scales with traffic, so when a launch doubles the level, the daily swing doubles
 * too; a level shift then only moves the level, and the profile stays right. Why one factor per hour of the
 * week rather than hour-of-day × day-of-week: weekends usually have their own daily shape (no business-hours
 * peak), which a product of two profiles cannot express; the price is that each slot learns once a week.
 */

const DAY_MS = 86_400_000;

export class SeasonalProfile {
  /** Factor per slot: expected value = level × factor. Averages 1 over the visited slots. */
  readonly factor: Float64Array;
  /** Weight seen per slot, in slot-visits (a point weighs `min(1, step / slotMs)`). */
  readonly visits: Float64Array;
  /** Warm-up only: weighted sum of values per slot (the weights are in `visits`); released by {@link seed}. */
  private warmSum: Float64Array;
  readonly slots: number;
  private readonly offsetMs: number;
  /** Per-visit learning rate once a slot has history: a half-life of `halfLifeCycles` visits. */
  private readonly rate: number;
  /** Cache of the forgetting rate for the last weight (the weight is constant on a regular series). */
  private lastW = 1;
  private lastForget: number;

  constructor(
    private readonly periodMs: number,
    private readonly slotMs: number,
    utcOffsetMinutes: number,
    halfLifeCycles: number,
  ) {
    this.slots = Math.ceil(periodMs / slotMs);
    this.factor = new Float64Array(this.slots).fill(1);
    this.visits = new Float64Array(this.slots);
    this.warmSum = new Float64Array(this.slots);
    this.offsetMs = utcOffsetMinutes * 60_000;
    this.rate = 1 - Math.pow(2, -1 / halfLifeCycles);
    this.lastForget = this.rate;
  }

  /** Position of the last timestamp given to {@link slotOf} inside its slot, in [0, 1). */
  fraction = 0;

  /**
   * Slot of a timestamp: its phase in the cycle (local time, floor, also right before 1970). Also sets
   * {@link fraction} (no allocation for a second return value).
   */
  slotOf(timeMs: number): number {
    let phase = (timeMs + this.offsetMs) % this.periodMs;
    if (phase < 0) phase += this.periodMs;
    const pos = phase / this.slotMs;
    const k = Math.floor(pos);
    if (k >= this.slots) {
      this.fraction = 0;
      return this.slots - 1;
    }
    this.fraction = pos - k;
    return k;
  }

  /**
   * The factor at a position inside a slot. For buckets at least a slot wide, the slot's factor. For finer
   * buckets, the factor interpolated linearly between the centres of this slot and its neighbour: with
   * 15-minute points in hourly slots, a steep morning ramp would otherwise put the :00 point well below the
   * hour's mean and the :45 point above it — a systematic error that reads as noise. A slot's factor stands
   * for the mean position of the points it receives, `(1 − step / slotMs) / 2` of the way into it.
   */
  factorAt(slot: number, fraction: number, stepMs: number): number {
    const f = this.factor[slot]!;
    if (!(stepMs < this.slotMs)) return f;
    const d = fraction - 0.5 * (1 - stepMs / this.slotMs);
    if (d === 0) return f;
    const last = this.slots - 1;
    const neighbour = d > 0 ? (slot === last ? 0 : slot + 1) : slot === 0 ? last : slot - 1;
    return f + (d > 0 ? d : -d) * (this.factor[neighbour]! - f);
  }

  /** Index of the cycle a timestamp is in (to notice when a cycle completes). */
  cycleOf(timeMs: number): number {
    return Math.floor((timeMs + this.offsetMs) / this.periodMs);
  }

  /** Warm-up: remembers a value for its slot, with weight `w` (slot-visits). */
  accumulate(slot: number, value: number, w: number): void {
    this.warmSum[slot]! += w * value;
    this.visits[slot]! += w;
  }

  /**
   * End of warm-up: the level is the mean of the per-slot means, each factor its slot's mean over the level.
   * Slots never seen (a gap in the warm-up) borrow the mean factor of the same time of day on other days, or
   * 1 — they learn from their first visit at full weight anyway. Returns the level (0 if all values were 0,
   * in which case nothing is changed and the warm-up goes on).
   */
  seed(): number {
    let sum = 0;
    let n = 0;
    for (let k = 0; k < this.slots; k++) {
      if (this.visits[k]! > 0) {
        sum += this.warmSum[k]! / this.visits[k]!;
        n++;
      }
    }
    const level = n > 0 ? sum / n : 0;
    if (!(level > 0)) return 0;
    for (let k = 0; k < this.slots; k++) {
      if (this.visits[k]! > 0) this.factor[k] = this.warmSum[k]! / this.visits[k]! / level;
    }
    const perDay = DAY_MS / this.slotMs;
    const daily = Number.isInteger(perDay) && this.periodMs % DAY_MS === 0 && this.periodMs > DAY_MS;
    for (let k = 0; k < this.slots; k++) {
      if (this.visits[k]! > 0) continue;
      let f = 0;
      let m = 0;
      if (daily) {
        for (let j = k % perDay; j < this.slots; j += perDay) {
          if (this.visits[j]! > 0) {
            f += this.factor[j]!;
            m++;
          }
        }
      }
      this.factor[k] = m > 0 ? f / m : 1;
    }
    this.warmSum = new Float64Array(0);
    return level;
  }

  /**
   * Learns from a residual of a slot: `u = ln((value/level + k) / (factor + k))`, with `k` the softening in
   * factor units (c / level). The softened factor `factor + k` moves by `exp(rate × u)`, a geometric step
   * towards the value: a burst moves it by a bounded ratio, not by its size, so a slot that is usually 0 stays
   * near 0 after an occasional burst (an arithmetic mean would expect a fraction of the burst every week after,
   * and flag the zeros). A slot's first visits are averaged (rate `w / (visits + w)`), later ones forgotten
   * with the configured half-life; `w` is the point's weight in slot-visits.
   */
  learn(slot: number, u: number, k: number, w: number): void {
    const seen = this.visits[slot]!;
    if (w !== this.lastW) {
      this.lastW = w;
      this.lastForget = w >= 1 ? this.rate : 1 - Math.pow(1 - this.rate, w);
    }
    const forget = this.lastForget;
    const average = w / (seen + w);
    const r = average > forget ? average : forget;
    const f = (this.factor[slot]! + k) * Math.exp(r * u) - k;
    this.factor[slot] = f > 0 ? f : 0;
    this.visits[slot] = seen + w;
  }

  /**
   * Rescales the factors to average 1 over the slots seen and returns the multiplier the level must take, so
   * level × factor is unchanged. Without it, level and factors could drift apart (both learn the same error).
   * O(slots), run once per completed cycle.
   */
  normalise(): number {
    let sum = 0;
    let n = 0;
    for (let k = 0; k < this.slots; k++) {
      if (this.visits[k]! > 0) {
        sum += this.factor[k]!;
        n++;
      }
    }
    const mean = n > 0 ? sum / n : 1;
    if (!(mean > 0) || !Number.isFinite(mean)) return 1;
    for (let k = 0; k < this.slots; k++) this.factor[k]! /= mean;
    return mean;
  }
}

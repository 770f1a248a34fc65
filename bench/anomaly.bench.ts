/**
 * Anomaly detector throughput: `AnomalyDetector.update` against a plain EWMA z-score loop over the same
 * points (the floor: touching each point with a few multiply-adds), both on one core.
 *
 * The series is realistic and long: ~2 M one-minute buckets (almost 4 years) of seasonal spend with wandering
 * noise, growth, missing buckets, and incidents of every kind (runaway autoscalers, retry storms, leaks, a
 * launch, tagging breaks), so the detector goes through its cold start, runs, level shifts and recoveries,
 * not just the fast path. Target (ARCHITECTURE.md, "Signals"): ≥ 1 M points/s per core.
 */
import { AnomalyDetector } from '../cost-model/src/anomaly/detector';
import { FIXTURE_START_MS, generate, type Incident } from '../cost-model/src/anomaly/synthetic';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const DAYS = 1400;
const ROUNDS = 5;
const TARGET = 1_000_000;

function series(): { t: Float64Array; v: Float64Array } {
  const incidents: Incident[] = [];
  for (let d = 20; d < DAYS - 10; d += 9) {
    const at = FIXTURE_START_MS + d * DAY + ((d * 7) % 24) * HOUR;
    switch (((d / 9) % 5) | 0) {
      case 0:
        incidents.push({ kind: 'runaway-autoscaler', atMs: at, rampMs: HOUR, holdMs: 6 * HOUR, extra: 1 });
        break;
      case 1:
        incidents.push({ kind: 'retry-storm', atMs: at, durationMs: 30 * MINUTE, extra: 1.5 });
        break;
      case 2:
        incidents.push({ kind: 'slow-leak', atMs: at, durationMs: 3 * DAY, extra: 0.8 });
        break;
      case 3:
        incidents.push({ kind: 'tagging-break', atMs: at, durationMs: 8 * HOUR, kept: 0.05 });
        break;
      default:
        incidents.push({ kind: 'retry-storm', atMs: at, durationMs: 10 * MINUTE, extra: 3 });
    }
  }
  incidents.push({ kind: 'launch', atMs: FIXTURE_START_MS + 700 * DAY, factor: 1.5, labelMs: 6 * HOUR });
  const s = generate({
    seed: 42,
    startMs: FIXTURE_START_MS,
    days: DAYS,
    stepMs: MINUTE,
    shape: 'business',
    levelPerHour: 120,
    noise: 0.06,
    wander: 0.05,
    wanderCoef: 0.8,
    growthPerDay: 0.0005,
    incidents,
    gaps: [[FIXTURE_START_MS + 300 * DAY, FIXTURE_START_MS + 302 * DAY]],
    missingFraction: 0.002,
  });
  const t = new Float64Array(s.points.length);
  const v = new Float64Array(s.points.length);
  s.points.forEach((p, i) => {
    t[i] = p.timestampMs;
    v[i] = p.value;
  });
  return { t, v };
}

/** The detector over all points; returns the sum of scores (so the work cannot be optimised away). */
function detector(t: Float64Array, v: Float64Array): number {
  const d = new AnomalyDetector();
  let sum = 0;
  for (let i = 0; i < t.length; i++) sum += d.update(t[i]!, v[i]!).score;
  return sum;
}

/** The baseline: an exponentially weighted mean and mean absolute deviation, and a z-score per point. */
function ewma(t: Float64Array, v: Float64Array): number {
  const alpha = 0.01;
  let mean = v[0]!;
  let dev = 0;
  let sum = 0;
  for (let i = 0; i < t.length; i++) {
    const x = v[i]!;
    const diff = x - mean;
    const z = dev > 0 ? diff / (1.25 * dev) : 0;
    sum += z > 4 || z < -4 ? 1 : 0;
    mean += alpha * diff;
    dev += alpha * ((diff < 0 ? -diff : diff) - dev);
  }
  return sum;
}

function best(fn: (t: Float64Array, v: Float64Array) => number, t: Float64Array, v: Float64Array): number {
  const start = process.hrtime.bigint();
  const sum = fn(t, v);
  const ns = Number(process.hrtime.bigint() - start);
  if (!Number.isFinite(sum)) throw new Error('non-finite checksum');
  return ns;
}

export default {
  description: `AnomalyDetector.update vs a plain EWMA z-score loop, ~${((DAYS * DAY) / MINUTE / 1e6).toFixed(1)}M one-minute points with incidents`,
  async run(): Promise<Record<string, unknown>> {
    const { t, v } = series();
    let ours = Infinity;
    let base = Infinity;
    for (let r = 0; r < ROUNDS; r++) {
      ours = Math.min(ours, best(detector, t, v));
      base = Math.min(base, best(ewma, t, v));
    }
    const pointsPerS = Math.round(t.length / (ours / 1e9));
    const baselinePointsPerS = Math.round(t.length / (base / 1e9));
    const ratio = Number((pointsPerS / baselinePointsPerS).toFixed(3));
    const meets = pointsPerS >= TARGET;
    console.table([
      { loop: 'AnomalyDetector.update', 'points/s': pointsPerS },
      { loop: 'plain EWMA z-score', 'points/s': baselinePointsPerS },
    ]);
    console.log(
      `ratio ${ratio} (detector / EWMA); ${(pointsPerS / 1e6).toFixed(2)}M points/s: ` +
        `${meets ? 'meets' : 'MISSES'} the ≥ ${TARGET / 1e6}M points/s target`,
    );
    return {
      points: t.length,
      points_per_s: pointsPerS,
      baseline_points_per_s: baselinePointsPerS,
      ratio,
      target_points_per_s: TARGET,
      meets_target: meets,
    };
  },
};

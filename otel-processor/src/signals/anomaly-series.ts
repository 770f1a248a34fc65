/**
 * The pure half of anomaly scoring: which series to score, how a series' history becomes a gap-free run of
 * buckets, scoring it with a fresh detector, and finding the anomalous episode that ends at the last bucket.
 *
 * A series is the spend per bucket of one team, one service or one tenant, in one currency (nano-units of
 * different currencies do not add up). Every evaluation scores from scratch over the look-back, so the
 * result depends only on what InfluxDB holds: no detector state survives between evaluations or restarts,
 * and re-running an evaluation gives the same scores.
 *
 * @packageDocumentation
 */
import { AnomalyDetector, type AnomalyParams, type AnomalyResult } from '@meterline/cost-model';

/** The `cost` tags anomaly series are kept per, each separately. */
export const ANOMALY_DIMENSIONS = ['team', 'service', 'tenant'] as const;
export type AnomalyDimension = (typeof ANOMALY_DIMENSIONS)[number];

/** One series: spend of `dimension` = `value` in `currency`. */
export interface SeriesKey {
  dimension: AnomalyDimension;
  value: string;
  currency: string;
}

/** A series with its total spend over the look-back, the measure used to choose which to score. */
export interface SeriesCandidate extends SeriesKey {
  totalNano: bigint;
}

/** `service=checkout USD`: how a series is named in logs and the summary. */
export function seriesName(k: SeriesKey): string {
  return `${k.dimension}=${k.value} ${k.currency}`;
}

/**
 * The series to score: the `maxSeries` costliest over the look-back (ties in name order, so the choice is
 * stable), and those left out. Costliest first because that is where an anomaly costs the most; every
 * skipped series is reported, never silently dropped.
 */
export function selectSeries(
  candidates: readonly SeriesCandidate[],
  maxSeries: number,
): { selected: SeriesCandidate[]; skipped: SeriesCandidate[] } {
  const sorted = [...candidates].sort((a, b) => {
    if (a.totalNano !== b.totalNano) return a.totalNano > b.totalNano ? -1 : 1;
    const an = seriesName(a);
    const bn = seriesName(b);
    return an < bn ? -1 : an > bn ? 1 : 0;
  });
  return { selected: sorted.slice(0, maxSeries), skipped: sorted.slice(maxSeries) };
}

/** Spend of one bucket: its start and the exact sum. */
export interface Bucket {
  timeMs: number;
  amountNano: bigint;
}

/**
 * Turns the buckets InfluxDB returned (`GROUP BY time(bucket) fill(none)`: only buckets with data) into a
 * gap-free run from the series' first bucket to `lastStartMs`, missing buckets as 0.
 *
 * Why not `fill(0)` over the whole look-back: before a series' first point it did not exist (a new
 * service, a new tenant), and zeros there would teach the detector that this series normally spends
 * nothing, so its first ordinary day would score as an anomaly. After its first point, an empty bucket is
 * a real zero (no traffic, nothing priced). Buckets after `lastStartMs` (the incomplete current one) are
 * dropped; input order does not matter.
 */
export function densify(buckets: readonly Bucket[], lastStartMs: number, bucketMs: number): Bucket[] {
  const byTime = new Map<number, bigint>();
  let first = Infinity;
  for (const b of buckets) {
    if (b.timeMs > lastStartMs) continue;
    byTime.set(b.timeMs, (byTime.get(b.timeMs) ?? 0n) + b.amountNano);
    if (b.timeMs < first) first = b.timeMs;
  }
  if (first === Infinity) return [];
  const out: Bucket[] = [];
  for (let t = first; t <= lastStartMs; t += bucketMs)
    out.push({ timeMs: t, amountNano: byTime.get(t) ?? 0n });
  return out;
}

/** A bucket with the detector's verdict on it. */
export interface ScoredBucket extends Bucket {
  result: AnomalyResult;
}

/**
 * Scores a gap-free run of buckets with a fresh {@link AnomalyDetector}, oldest first: each bucket is judged
 * only on the buckets before it (the detector is streaming), exactly as a detector running since the
 * series' first bucket would have judged it. Spend is fed in nano-units, so expected value and band come
 * out in nano-units per bucket too.
 */
export function scoreSeries(buckets: readonly Bucket[], params?: Partial<AnomalyParams>): ScoredBucket[] {
  const detector = new AnomalyDetector(params);
  return buckets.map((b) => ({ ...b, result: detector.update(b.timeMs, Number(b.amountNano)) }));
}

/**
 * The anomalous episode ending at the last scored bucket: the index of its first bucket, walking back while
 * scores stay at or above `threshold`, or `undefined` when the last bucket is not anomalous.
 *
 * The event of an episode is written at its first bucket, so every evaluation during the episode rewrites
 * the same event (with the latest numbers) instead of adding one per bucket or per evaluation.
 */
export function anomalousEpisodeStart(
  scored: readonly ScoredBucket[],
  threshold: number,
): number | undefined {
  const anomalous = (i: number): boolean => {
    const r = scored[i]!.result;
    return r.ready && r.score >= threshold;
  };
  let i = scored.length - 1;
  if (i < 0 || !anomalous(i)) return undefined;
  while (i > 0 && anomalous(i - 1)) i--;
  return i;
}

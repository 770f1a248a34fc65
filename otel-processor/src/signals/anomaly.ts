/**
 * Anomaly scores of spend per team, per service and per tenant (`cost_signal signal=anomaly_score`), and
 * `cost_event kind=anomaly` events when a score reaches the threshold.
 *
 * On each evaluation: list the series with spend in the look-back, keep the `maxSeries` costliest, read
 * each one's history bucketed (`GROUP BY time(bucket)`), score it with a fresh detector up to the last
 * complete bucket, and write that bucket's score at the bucket's start. Re-evaluating (every minute, while
 * the bucket is the last complete one) rewrites the same point with whatever late data arrived.
 *
 * Cost: one request listing series, one per 50 series of history (look-back ÷ bucket rows each: 4,032 for
 * 14 days of 5-minute buckets), and for each anomalous series two or three small ones for its event.
 *
 * @packageDocumentation
 */
import type { AnomalyParams, SignalsAnomalyConfig } from '@meterline/cost-model';
import { ident, influxql, raw } from '../influx/influxql';
import { int } from '../influx/line-protocol';
import { seriesRows, toBigInt } from '../influx/query-result';
import type { InfluxStore } from '../influx/store';
import { completeSeries } from '../reconcile/query';
import { anomalyEventPoint, queryAnomalyContext } from './anomaly-event';
import {
  ANOMALY_DIMENSIONS,
  anomalousEpisodeStart,
  densify,
  scoreSeries,
  selectSeries,
  seriesName,
  type Bucket,
  type ScoredBucket,
  type SeriesCandidate,
  type SeriesKey,
} from './anomaly-series';
import { SIGNAL_MEASUREMENT, tagValue, type SignalPoint } from './points';
import { anyOf, timeWhere } from './query-text';
import { DAY_MS, bucketMs as parseBucket, lastCompleteBucket, type TimeRange } from './time';

/** The `signal` tag value of anomaly scores. */
export const ANOMALY_SCORE_SIGNAL = 'anomaly_score';
/** Series values per history query: keeps each query's text and answer moderate. */
export const HISTORY_CHUNK = 50;

/** What anomaly evaluation needs from the `signals` config. */
export interface AnomalySettings extends SignalsAnomalyConfig {
  deployLookbackMs: number;
}

/** Where anomaly evaluation reports what it skipped. */
export interface SignalsLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

function key(k: SeriesKey): string {
  return `${k.dimension}\u0000${k.value}\u0000${k.currency}`;
}

/** Every (team | service | tenant, currency) series with spend in `range`, with its total. */
export async function querySeriesCandidates(
  store: InfluxStore,
  range: TimeRange,
): Promise<SeriesCandidate[]> {
  const statements = ANOMALY_DIMENSIONS.map(
    (d) =>
      influxql`SELECT SUM("amount_nano") AS "amount_nano" FROM "cost" WHERE ${raw(timeWhere(range))} GROUP BY ${ident(d)}, "currency"`,
  );
  const results = await store.query(statements.join('; '), { epoch: 'ms' });
  const out: SeriesCandidate[] = [];
  ANOMALY_DIMENSIONS.forEach((dimension, i) => {
    for (const s of completeSeries(
      results.filter((r) => r.statementId === i),
      `listing ${dimension} series`,
    )) {
      const value = s.tags?.[dimension] ?? '';
      const amount = s.values[0]?.[s.columns.indexOf('amount_nano')];
      // A point without the tag is no series of this dimension.
      if (value === '' || amount === null || amount === undefined) continue;
      out.push({ dimension, value, currency: s.tags?.currency ?? '', totalNano: toBigInt(amount) });
    }
  });
  return out;
}

/**
 * The bucketed history of each series over `range` (`GROUP BY time(bucket)` with `fill(none)`: only
 * buckets with data; {@link densify} fills the gaps after a series' first bucket).
 */
export async function querySeriesHistory(
  store: InfluxStore,
  series: readonly SeriesKey[],
  range: TimeRange,
  bucketMs: number,
): Promise<Map<string, Bucket[]>> {
  const wanted = new Set(series.map(key));
  const out = new Map<string, Bucket[]>();
  for (const dimension of ANOMALY_DIMENSIONS) {
    const values = [...new Set(series.filter((s) => s.dimension === dimension).map((s) => s.value))].sort();
    for (let i = 0; i < values.length; i += HISTORY_CHUNK) {
      const chunk = values.slice(i, i + HISTORY_CHUNK);
      // A non-empty chunk: anyOf is defined.
      const oneOf = anyOf(dimension, chunk)!;
      const q = influxql`SELECT SUM("amount_nano") AS "amount_nano" FROM "cost" WHERE ${raw(timeWhere(range))} AND ${raw(oneOf)} GROUP BY ${raw(`time(${bucketMs}ms)`)}, ${ident(dimension)}, "currency" fill(none)`;
      for (const s of completeSeries(await store.query(q, { epoch: 'ms' }), `reading ${dimension} history`)) {
        const k = key({ dimension, value: s.tags?.[dimension] ?? '', currency: s.tags?.currency ?? '' });
        if (!wanted.has(k)) continue;
        const buckets = out.get(k) ?? [];
        for (const r of seriesRows(s)) {
          if (typeof r.time !== 'number' || r.amount_nano === null || r.amount_nano === undefined) continue;
          buckets.push({ timeMs: r.time, amountNano: toBigInt(r.amount_nano) });
        }
        out.set(k, buckets);
      }
    }
  }
  return out;
}

/**
 * The score point of a series' last bucket (pure): time = the bucket's start; tags `signal=anomaly_score`,
 * `window` = the bucket (`5m`), the dimension (`team`, `service` or `tenant`), `currency`; fields `value`
 * (score in [0, 1], 0 while the detector is not ready), `expected`, `lower`, `upper` (nano-units of
 * `currency` per bucket, when the detector has them), `amount_nano` (the bucket's spend), `ready`.
 */
export function anomalyScorePoint(k: SeriesKey, bucket: string, scored: ScoredBucket): SignalPoint {
  const r = scored.result;
  return {
    measurement: SIGNAL_MEASUREMENT,
    tags: {
      signal: ANOMALY_SCORE_SIGNAL,
      window: bucket,
      [k.dimension]: tagValue(k.value),
      currency: tagValue(k.currency),
    },
    fields: {
      value: r.score,
      expected: finite(r.expected),
      lower: finite(r.lower),
      upper: finite(r.upper),
      amount_nano: int(scored.amountNano),
      ready: r.ready,
    },
    time: scored.timeMs,
  };
}

function finite(n: number | undefined): number | undefined {
  return n !== undefined && Number.isFinite(n) ? n : undefined;
}

/** What one anomaly evaluation produced. */
export interface AnomalyOutcome {
  /** Score points, one per scored series. */
  points: SignalPoint[];
  /** Anomaly events, one per series whose last bucket is anomalous. */
  events: SignalPoint[];
  /** The last complete bucket that was scored. */
  bucket: TimeRange;
  /** Series left out by `maxSeries`, costliest first. */
  skipped: SeriesCandidate[];
}

/**
 * Scores every selected series at the last bucket complete at `atMs`, and builds the events of the
 * anomalous ones (with their trace IDs and deploys).
 */
export async function evaluateAnomalies(
  store: InfluxStore,
  settings: AnomalySettings,
  atMs: number,
  options: { logger?: SignalsLogger; detector?: Partial<AnomalyParams> } = {},
): Promise<AnomalyOutcome> {
  const width = parseBucket(settings.bucket);
  const bucket = lastCompleteBucket(atMs, width);
  const lookback: TimeRange = { fromMs: bucket.toMs - settings.lookbackDays * DAY_MS, toMs: bucket.toMs };
  const { selected, skipped } = selectSeries(
    await querySeriesCandidates(store, lookback),
    settings.maxSeries,
  );
  if (skipped.length > 0) {
    options.logger?.warn(
      {
        skipped: skipped.length,
        maxSeries: settings.maxSeries,
        examples: skipped.slice(0, 10).map(seriesName),
      },
      'anomaly scoring: more series than signals.anomaly.maxSeries; the least costly were skipped',
    );
  }
  const histories = await querySeriesHistory(store, selected, lookback, width);
  // The detector's band is where its score reaches the threshold: the same threshold as the events. The step
  // is the bucket (inferring it from gaps would misjudge a series with long quiet stretches).
  const detector: Partial<AnomalyParams> = {
    threshold: settings.threshold,
    stepMs: width,
    ...options.detector,
  };
  const points: SignalPoint[] = [];
  const events: SignalPoint[] = [];
  for (const series of selected) {
    const scored = scoreSeries(densify(histories.get(key(series)) ?? [], bucket.fromMs, width), detector);
    const last = scored[scored.length - 1];
    // A series whose data all lies after the bucket (only in the incomplete current one) has nothing to score.
    if (last === undefined || last.timeMs !== bucket.fromMs) continue;
    const k: SeriesKey = { dimension: series.dimension, value: series.value, currency: series.currency };
    points.push(anomalyScorePoint(k, settings.bucket, last));
    const start = anomalousEpisodeStart(scored, settings.threshold);
    if (start === undefined) continue;
    const episode = scored.slice(start);
    const context = await queryAnomalyContext(
      store,
      k,
      { fromMs: episode[0]!.timeMs, toMs: bucket.toMs },
      settings.deployLookbackMs,
    );
    events.push(anomalyEventPoint({ key: k, bucket: settings.bucket, episode, ...context }));
  }
  return { points, events, bucket, skipped };
}

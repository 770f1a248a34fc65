/**
 * `cost_event kind=anomaly`: what an on-call engineer needs next to an anomaly score — a readable summary,
 * the costliest traces of the episode (from `cost_exemplar`, one click to Tempo) and the deploys just
 * before it (`cost_event kind=deploy`, written by `meterline serve` on a `service.version` change).
 *
 * Exemplars and deploys carry `service` (and exemplars `tenant`) but not `team`, so a team's series is
 * matched through the services that team spent on in the episode (from `cost`), and a tenant's deploys
 * through the services that tenant spent on.
 *
 * @packageDocumentation
 */
import { ident, influxql, raw } from '../influx/influxql';
import { seriesRows, toBigInt } from '../influx/query-result';
import type { InfluxStore } from '../influx/store';
import { completeSeries } from '../reconcile/query';
import type { ScoredBucket, SeriesKey } from './anomaly-series';
import { EVENT_MEASUREMENT, tagValue, type SignalPoint } from './points';
import { anyOf, timeWhere } from './query-text';
import { isoText, type TimeRange } from './time';

/** How many trace IDs an anomaly event carries. */
export const EVENT_TRACE_IDS = 5;
/**
 * How many exemplar points are read to rank traces: the costliest spans of the episode. A trace is ranked by
 * the sum of its spans among them, so a trace with many costly spans comes before one with a single one.
 */
export const EXEMPLARS_READ = 200;

/** A costly span kept by `serve`. */
export interface ExemplarRow {
  traceId: string;
  spanId?: string;
  amountNano: bigint;
}

/**
 * The `n` costliest distinct traces: amounts summed per trace (a span listed twice counted once), costliest
 * first, ties by trace ID so the choice never depends on InfluxDB's row order.
 */
export function topTraceIds(rows: readonly ExemplarRow[], n: number = EVENT_TRACE_IDS): string[] {
  const sums = new Map<string, bigint>();
  const seen = new Set<string>();
  for (const r of rows) {
    if (r.traceId === '') continue;
    if (r.spanId !== undefined) {
      const span = `${r.traceId}/${r.spanId}`;
      if (seen.has(span)) continue;
      seen.add(span);
    }
    sums.set(r.traceId, (sums.get(r.traceId) ?? 0n) + r.amountNano);
  }
  return [...sums]
    .sort(([at, a], [bt, b]) => (a !== b ? (a > b ? -1 : 1) : at < bt ? -1 : at > bt ? 1 : 0))
    .slice(0, n)
    .map(([t]) => t);
}

/** A deploy as `serve` recorded it. */
export interface DeployRow {
  timeMs: number;
  service: string;
  version: string;
  previousVersion: string;
}

/** `checkout 1.1.0 (from 1.0.0) at 2026-03-01T10:18:00Z`. */
export function deployText(d: DeployRow): string {
  const from = d.previousVersion === '' ? '' : ` (from ${d.previousVersion})`;
  return `${d.service} ${d.version}${from} at ${isoText(d.timeMs)}`;
}

/** Deploys oldest first, as the `deploys` field (`; `-separated) and `deploy_versions` (`,`-separated, distinct). */
export function deployFields(deploys: readonly DeployRow[]): { deploys: string; deploy_versions: string } {
  const sorted = [...deploys].sort((a, b) => a.timeMs - b.timeMs || (a.service < b.service ? -1 : 1));
  return {
    deploys: sorted.map(deployText).join('; '),
    deploy_versions: [...new Set(sorted.map((d) => d.version))].join(','),
  };
}

/**
 * An amount of nano-units (a float: expected values and bands are estimates) as currency text with four
 * significant digits, at least two decimals and at most nine: `12.35`, `0.001235`, `1234.50`.
 */
export function amountText(nano: number): string {
  const v = nano / 1e9;
  if (v === 0 || !Number.isFinite(v)) return v === 0 ? '0.00' : String(v);
  const decimals = Math.min(9, Math.max(2, 3 - Math.floor(Math.log10(Math.abs(v)))));
  return v.toFixed(decimals);
}

/** What an event is about: the series, its episode (first to last anomalous bucket), and the context read. */
export interface AnomalyEventInput {
  key: SeriesKey;
  /** The bucket width as configured (`5m`). */
  bucket: string;
  /** The anomalous buckets, oldest first; the last is the bucket just evaluated. */
  episode: readonly ScoredBucket[];
  traceIds: readonly string[];
  deploys: readonly DeployRow[];
}

/** Title and text of an anomaly event (pure). */
export function anomalyEventText(input: AnomalyEventInput): { title: string; text: string } {
  const { key, episode, bucket } = input;
  const last = episode[episode.length - 1]!;
  const first = episode[0]!;
  const r = last.result;
  const c = key.currency;
  const title = `Cost anomaly: ${key.dimension} ${key.value}`;
  const expected =
    r.expected === undefined
      ? ''
      : `, expected ${amountText(r.expected)} ${c}` +
        (r.lower !== undefined && r.upper !== undefined
          ? ` (band ${amountText(r.lower)}–${amountText(r.upper)} ${c})`
          : '');
  const since =
    episode.length === 1 ? '' : `; anomalous for ${episode.length} buckets since ${isoText(first.timeMs)}`;
  const { deploys } = deployFields(input.deploys);
  const text =
    `${key.dimension} ${key.value} spent ${amountText(Number(last.amountNano))} ${c} in the ${bucket} from ${isoText(last.timeMs)}` +
    `${expected}, anomaly score ${r.score.toFixed(3)}${since}.` +
    (deploys === '' ? '' : ` Deploys before it: ${deploys}.`);
  return { title, text };
}

/**
 * The event point (pure): time = the episode's first bucket; tags `kind=anomaly`, the series' dimension
 * (`team`, `service` or `tenant`) and `currency`; fields `title`, `text`, `score` (of the last bucket),
 * `trace_ids` (comma-separated), `deploys`, `deploy_versions`. Every field is always written (possibly
 * empty), so a rewrite replaces all of them.
 */
export function anomalyEventPoint(input: AnomalyEventInput): SignalPoint {
  const { title, text } = anomalyEventText(input);
  return {
    measurement: EVENT_MEASUREMENT,
    tags: {
      kind: 'anomaly',
      [input.key.dimension]: tagValue(input.key.value),
      currency: tagValue(input.key.currency),
    },
    fields: {
      title,
      text,
      score: input.episode[input.episode.length - 1]!.result.score,
      trace_ids: input.traceIds.join(','),
      ...deployFields(input.deploys),
    },
    time: input.episode[0]!.timeMs,
  };
}

// ------------------------------------------------------------------------------------------ queries

/** The services a team or tenant spent on (in `currency`) over `range`, from `cost`. */
export async function queryServicesOf(
  store: InfluxStore,
  key: SeriesKey,
  range: TimeRange,
): Promise<string[]> {
  const q = influxql`SELECT SUM("amount_nano") AS "amount_nano" FROM "cost" WHERE ${ident(key.dimension)} = ${key.value} AND "currency" = ${key.currency} AND ${raw(timeWhere(range))} GROUP BY "service"`;
  const services = new Set<string>();
  for (const s of completeSeries(await store.query(q, { epoch: 'ms' }), 'reading the services of a series')) {
    const service = s.tags?.service ?? '';
    if (service !== '') services.add(service);
  }
  return [...services].sort();
}

/** The costliest exemplars matching `filter` (an InfluxQL condition) over `range`, ranked into trace IDs. */
async function queryTraceIds(store: InfluxStore, filter: string, range: TimeRange): Promise<string[]> {
  const q = influxql`SELECT TOP("amount_nano", ${EXEMPLARS_READ}) AS "amount_nano", "trace_id", "span_id" FROM "cost_exemplar" WHERE ${raw(filter)} AND ${raw(timeWhere(range))}`;
  const rows: ExemplarRow[] = [];
  for (const s of completeSeries(await store.query(q, { epoch: 'ms' }), 'reading cost_exemplar')) {
    for (const r of seriesRows(s)) {
      if (r.amount_nano === null || r.trace_id === null || r.trace_id === undefined) continue;
      rows.push({
        traceId: String(r.trace_id),
        ...(r.span_id === null || r.span_id === undefined ? {} : { spanId: String(r.span_id) }),
        amountNano: toBigInt(r.amount_nano),
      });
    }
  }
  return topTraceIds(rows);
}

/** Deploys matching `filter` over `range`, oldest first. */
async function queryDeploys(store: InfluxStore, filter: string, range: TimeRange): Promise<DeployRow[]> {
  const q = influxql`SELECT "version", "previous_version", "service" FROM "cost_event" WHERE "kind" = 'deploy' AND ${raw(filter)} AND ${raw(timeWhere(range))}`;
  const out: DeployRow[] = [];
  for (const s of completeSeries(await store.query(q, { epoch: 'ms' }), 'reading deploy events')) {
    for (const r of seriesRows(s)) {
      if (typeof r.time !== 'number' || r.version === null || r.version === undefined) continue;
      out.push({
        timeMs: r.time,
        service: String(r.service ?? ''),
        version: String(r.version),
        previousVersion: String(r.previous_version ?? ''),
      });
    }
  }
  return out.sort((a, b) => a.timeMs - b.timeMs);
}

/**
 * Trace IDs of the episode `[episode.fromMs, episode.toMs)` and deploys from `deployLookbackMs` before the
 * episode to its end, for the series `key`:
 *
 * - service: exemplars and deploys of that service;
 * - tenant: exemplars of that tenant; deploys of the services it spent on in the episode;
 * - team: exemplars of the services it spent on in the episode; deploys of those services or tagged with
 *   the team.
 */
export async function queryAnomalyContext(
  store: InfluxStore,
  key: SeriesKey,
  episode: TimeRange,
  deployLookbackMs: number,
): Promise<{ traceIds: string[]; deploys: DeployRow[] }> {
  const services = key.dimension === 'service' ? [key.value] : await queryServicesOf(store, key, episode);
  const exemplarFilter =
    key.dimension === 'tenant' ? influxql`"tenant" = ${key.value}` : anyOf('service', services);
  const deployConditions = [anyOf('service', services)];
  if (key.dimension === 'team') deployConditions.push(influxql`"team" = ${key.value}`);
  const deployFilter = deployConditions.filter((c): c is string => c !== undefined).join(' OR ');
  const deployRange = { fromMs: episode.fromMs - deployLookbackMs, toMs: episode.toMs };
  const [traceIds, deploys] = await Promise.all([
    exemplarFilter === undefined ? [] : queryTraceIds(store, exemplarFilter, episode),
    deployFilter === '' ? [] : queryDeploys(store, `(${deployFilter})`, deployRange),
  ]);
  return { traceIds, deploys };
}

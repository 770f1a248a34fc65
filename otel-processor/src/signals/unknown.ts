/**
 * Unknown attribution: how much of the spend nobody owns. Attribution rules and fallbacks that match
 * nothing leave a cost `unknown` (never dropped), both in telemetry (`cost`, `amount_nano`) and in provider
 * bills (`provider_cost`, `billed_nano`); the ratio unknown / total is the health signal of the rules
 * (target: below 5%), and the top unattributed sources say which rule to write next.
 *
 * Amounts are summed within a currency only: nano-units of different currencies do not add up.
 *
 * @packageDocumentation
 */
import { int } from '../influx/line-protocol';
import { ident, influxql } from '../influx/influxql';
import { seriesRows, toBigInt } from '../influx/query-result';
import type { InfluxStore } from '../influx/store';
import { completeSeries } from '../reconcile/query';
import { SIGNAL_MEASUREMENT, tagValue, type SignalPoint } from './points';
import { DAY_MS, HOUR_MS, windowEndingAt, type TimeRange } from './time';

/** The `signal` tag value of unknown-attribution points. */
export const UNKNOWN_RATIO_SIGNAL = 'unknown_ratio';
/** The `attribution` tag value of cost nobody owns. */
export const UNKNOWN_ATTRIBUTION = 'unknown';
/** The trailing windows the ratio is written for. */
export const UNKNOWN_WINDOWS: readonly { name: '1h' | '1d'; ms: number }[] = Object.freeze([
  { name: '1h', ms: HOUR_MS },
  { name: '1d', ms: DAY_MS },
]);

/** Where an amount comes from: priced telemetry or provider billing exports. */
export type AmountSource = 'telemetry' | 'export';

/** How each source is read: measurement, money field, and the tags a top-sources table groups by. */
const SOURCES: Record<AmountSource, { measurement: string; field: string; groupBy: readonly string[] }> = {
  telemetry: { measurement: 'cost', field: 'amount_nano', groupBy: ['service', 'sku', 'region'] },
  export: {
    measurement: 'provider_cost',
    field: 'billed_nano',
    groupBy: ['provider', 'account', 'service', 'sku', 'region'],
  },
};

/** A sum of one source in one currency, split by whether it is attributed. */
export interface AttributionSum {
  source: AmountSource;
  currency: string;
  unknown: boolean;
  amountNano: bigint;
}

/** Unknown and total amounts of a source (or of both: `all`) in one currency. */
export interface UnknownRatio {
  source: AmountSource | 'all';
  currency: string;
  unknownNano: bigint;
  totalNano: bigint;
  /** `unknownNano / totalNano`. */
  ratio: number;
}

/**
 * Unknown ratios per source and currency, plus `all` (both sources) per currency, sorted by currency then
 * source. Only where the total is positive: with nothing spent (or net credits) there is no ratio to show,
 * and writing 0 would claim "everything attributed".
 */
export function unknownRatios(sums: readonly AttributionSum[]): UnknownRatio[] {
  const acc = new Map<
    string,
    { source: UnknownRatio['source']; currency: string; unknown: bigint; total: bigint }
  >();
  const add = (source: UnknownRatio['source'], s: AttributionSum): void => {
    const key = `${s.currency}\u0000${source}`;
    const a = acc.get(key) ?? { source, currency: s.currency, unknown: 0n, total: 0n };
    a.total += s.amountNano;
    if (s.unknown) a.unknown += s.amountNano;
    acc.set(key, a);
  };
  for (const s of sums) {
    add(s.source, s);
    add('all', s);
  }
  const order = { telemetry: 0, export: 1, all: 2 };
  return [...acc.values()]
    .filter((a) => a.total > 0n)
    .sort((a, b) =>
      a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : order[a.source] - order[b.source],
    )
    .map((a) => ({
      source: a.source,
      currency: a.currency,
      unknownNano: a.unknown,
      totalNano: a.total,
      ratio: ratioOf(a.unknown, a.total),
    }));
}

/** `num / den` as a float: exact enough for a ratio, and safe beyond 2^53 (both scaled down together). */
function ratioOf(num: bigint, den: bigint): number {
  const shift = den > 2n ** 52n ? BigInt(den.toString(2).length - 52) : 0n;
  return Number(num >> shift) / Number(den >> shift);
}

/** Reads the attribution split of both sources over `range` (two statements, one request). */
export async function queryAttributionSums(store: InfluxStore, range: TimeRange): Promise<AttributionSum[]> {
  const sources: AmountSource[] = ['telemetry', 'export'];
  const statements = sources.map((source) => {
    const { measurement, field } = SOURCES[source];
    return influxql`SELECT SUM(${ident(field)}) AS "amount_nano" FROM ${ident(measurement)} WHERE time >= ${new Date(range.fromMs)} AND time < ${new Date(range.toMs)} GROUP BY "currency", "attribution"`;
  });
  const results = await store.query(statements.join('; '), { epoch: 'ms' });
  const out: AttributionSum[] = [];
  sources.forEach((source, i) => {
    const result = results.filter((r) => r.statementId === i);
    for (const s of completeSeries(result, `reading ${SOURCES[source].measurement} attribution`)) {
      for (const r of seriesRows(s)) {
        if (r.amount_nano === null || r.amount_nano === undefined) continue;
        out.push({
          source,
          currency: String(r.currency ?? ''),
          unknown: r.attribution === UNKNOWN_ATTRIBUTION,
          amountNano: toBigInt(r.amount_nano),
        });
      }
    }
  });
  return out;
}

/**
 * `cost_signal signal=unknown_ratio` points at `atMs` for one window: tags `window`, `source`
 * (telemetry | export | all), `currency`; fields `value` (the ratio), `unknown_nano`, `total_nano`.
 */
export function unknownRatioPoints(
  window: string,
  ratios: readonly UnknownRatio[],
  atMs: number,
): SignalPoint[] {
  return ratios.map((r) => ({
    measurement: SIGNAL_MEASUREMENT,
    tags: { signal: UNKNOWN_RATIO_SIGNAL, window, source: r.source, currency: tagValue(r.currency) },
    fields: { value: r.ratio, unknown_nano: int(r.unknownNano), total_nano: int(r.totalNano) },
    time: atMs,
  }));
}

/** The unknown-ratio points of every {@link UNKNOWN_WINDOWS} window ending at `atMs`. */
export async function evaluateUnknownRatios(store: InfluxStore, atMs: number): Promise<SignalPoint[]> {
  const points: SignalPoint[] = [];
  for (const w of UNKNOWN_WINDOWS) {
    const sums = await queryAttributionSums(store, windowEndingAt(atMs, w.ms));
    points.push(...unknownRatioPoints(w.name, unknownRatios(sums), atMs));
  }
  return points;
}

// ------------------------------------------------------------------------------------ top sources

/** An unattributed source: where unknown spend comes from. Tags a source lacks are `''`. */
export interface UnattributedSource {
  source: AmountSource;
  /** Telemetry: `service`, `sku`, `region`; export: also `provider` and `account`. */
  tags: Record<string, string>;
  currency: string;
  amountNano: bigint;
}

/**
 * The InfluxQL of the unattributed sources of `source` over `range`: unknown spend per service, SKU and
 * region (and provider/account for exports) and currency. The Grafana data source issues the same query
 * for its "top unattributed sources" table; InfluxQL cannot order groups by their sum, so the caller sorts.
 */
export function unattributedSourcesQuery(source: AmountSource, range: TimeRange): string {
  const { measurement, field, groupBy } = SOURCES[source];
  const keys = [...groupBy, 'currency'].map((k) => ident(k));
  return influxql`SELECT SUM(${ident(field)}) AS "amount_nano" FROM ${ident(measurement)} WHERE "attribution" = ${UNKNOWN_ATTRIBUTION} AND time >= ${new Date(range.fromMs)} AND time < ${new Date(range.toMs)} GROUP BY ${keys}`;
}

/**
 * The top `limit` unattributed sources over `range` of telemetry, exports or both, costliest first (ties in
 * a stable order). Amounts of different currencies are ranked by their nano-unit value: rank within one
 * currency when that matters.
 */
export async function topUnattributedSources(
  store: InfluxStore,
  range: TimeRange,
  options: { source?: AmountSource | 'all'; limit?: number } = {},
): Promise<UnattributedSource[]> {
  const which = options.source ?? 'all';
  const sources: AmountSource[] = which === 'all' ? ['telemetry', 'export'] : [which];
  const out: UnattributedSource[] = [];
  for (const source of sources) {
    const q = unattributedSourcesQuery(source, range);
    for (const s of completeSeries(await store.query(q, { epoch: 'ms' }), `reading unattributed ${source}`)) {
      const tags: Record<string, string> = {};
      for (const k of SOURCES[source].groupBy) tags[k] = s.tags?.[k] ?? '';
      for (const r of seriesRows(s)) {
        if (r.amount_nano === null || r.amount_nano === undefined) continue;
        out.push({ source, tags, currency: s.tags?.currency ?? '', amountNano: toBigInt(r.amount_nano) });
      }
    }
  }
  return rankSources(out, options.limit ?? 10);
}

/** Costliest first; ties by source, currency and tags, so the order never depends on InfluxDB's. */
export function rankSources(sources: readonly UnattributedSource[], limit: number): UnattributedSource[] {
  const key = (s: UnattributedSource): string =>
    [
      s.source,
      s.currency,
      ...Object.keys(s.tags)
        .sort()
        .map((k) => `${k}=${s.tags[k]}`),
    ].join('\u0000');
  return [...sources]
    .sort((a, b) =>
      a.amountNano > b.amountNano ? -1 : a.amountNano < b.amountNano ? 1 : key(a) < key(b) ? -1 : 1,
    )
    .slice(0, Math.max(0, limit));
}

/**
 * What `meterline report` reads from InfluxDB, and nothing else: per-day sums of every `cost` series and
 * price version, the costliest exemplar per (service, tenant, SKU, day), the digests of the provider files
 * imported for the period, and the spend of each budget period. Rendering lives in the other modules of
 * this folder and never queries.
 *
 * All money is read as integer sums of nano-unit fields (`bigint`, exact beyond 2^53).
 *
 * @packageDocumentation
 */
import { ident, influxql, raw } from '../influx/influxql';
import { seriesRows, toBigInt, type InfluxValue } from '../influx/query-result';
import type { InfluxStore } from '../influx/store';
import { completeSeries, type TimeRange } from '../reconcile/query';

/** The measurement line items come from. */
export const COST = 'cost';

/** One line-item grain: a `cost` series on one UTC day with one price version. */
export interface CostDaySum {
  /** Start of the UTC day, epoch ms. */
  dayMs: number;
  /** Every tag key of the `cost` measurement → value (`''` where the series has none). */
  tags: Readonly<Record<string, string>>;
  /** The `price_version` field of the points; `''` for points written without one. */
  priceVersion: string;
  amountNano: bigint;
  /** Sum of the float `quantity` field. */
  quantity: number;
  events: bigint;
}

const SEP = '\u0000';

function timeOf(value: InfluxValue | undefined, what: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw new TypeError(`${what}: expected an epoch-ms time, got ${JSON.stringify(String(value))}`);
}

function numberOf(value: InfluxValue | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'bigint' ? Number(value) : Number(value);
}

function intOf(value: InfluxValue | undefined): bigint {
  return value === null || value === undefined ? 0n : toBigInt(value);
}

/** A key of a series' tags that does not depend on object key order. */
function tagsKey(tags: Readonly<Record<string, string>>): string {
  return Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k]}`)
    .join(SEP);
}

async function dailySeriesSums(
  store: InfluxStore,
  range: TimeRange,
  version: string | undefined,
): Promise<Omit<CostDaySum, 'priceVersion'>[]> {
  const where =
    version === undefined
      ? influxql`time >= ${new Date(range.fromMs)} AND time < ${new Date(range.toMs)}`
      : influxql`time >= ${new Date(range.fromMs)} AND time < ${new Date(range.toMs)} AND "price_version" = ${version}`;
  const q = influxql`SELECT SUM("amount_nano") AS "amount_nano", SUM("quantity") AS "quantity", SUM("events") AS "events" FROM ${ident(COST)} WHERE ${raw(where)} GROUP BY time(1d), * fill(none)`;
  const out: Omit<CostDaySum, 'priceVersion'>[] = [];
  const what = `reading cost${version === undefined ? '' : ` (price version ${JSON.stringify(version)})`}`;
  for (const s of completeSeries(await store.query(q, { epoch: 'ms' }), what)) {
    const tags: Record<string, string> = { ...(s.tags ?? {}) };
    for (const r of seriesRows(s)) {
      out.push({
        dayMs: timeOf(r.time, 'cost'),
        tags,
        amountNano: intOf(r.amount_nano),
        quantity: numberOf(r.quantity),
        events: intOf(r.events),
      });
    }
  }
  return out;
}

/**
 * Per-day sums of every `cost` series per price version in `range`.
 *
 * `price_version` is a field, not a tag, so InfluxQL cannot group by it: the distinct versions of the range
 * are read first and summed one by one (`WHERE "price_version" = …`). The unfiltered per-day sums are read
 * as well, and whatever the versions do not account for (points written without a version) becomes a
 * line with version `''`: the line items always add up to the measurement's total.
 */
export async function queryCostDaySums(store: InfluxStore, range: TimeRange): Promise<CostDaySum[]> {
  const distinct = completeSeries(
    await store.query(
      influxql`SELECT DISTINCT("price_version") AS "price_version" FROM ${ident(COST)} WHERE time >= ${new Date(range.fromMs)} AND time < ${new Date(range.toMs)}`,
      { epoch: 'ms' },
    ),
    'reading cost price versions',
  );
  const versions = [
    ...new Set(distinct.flatMap((s) => seriesRows(s).map((r) => String(r.price_version ?? '')))),
  ]
    .filter((v) => v !== '')
    .sort();
  const out: CostDaySum[] = [];
  const accounted = new Map<string, { amountNano: bigint; quantity: number; events: bigint }>();
  for (const version of versions) {
    for (const sum of await dailySeriesSums(store, range, version)) {
      out.push({ ...sum, priceVersion: version });
      const key = `${sum.dayMs}${SEP}${tagsKey(sum.tags)}`;
      const a = accounted.get(key) ?? { amountNano: 0n, quantity: 0, events: 0n };
      a.amountNano += sum.amountNano;
      a.quantity += sum.quantity;
      a.events += sum.events;
      accounted.set(key, a);
    }
  }
  for (const total of await dailySeriesSums(store, range, undefined)) {
    const a = accounted.get(`${total.dayMs}${SEP}${tagsKey(total.tags)}`);
    const amountNano = total.amountNano - (a?.amountNano ?? 0n);
    const events = total.events - (a?.events ?? 0n);
    if (a !== undefined && amountNano === 0n && events === 0n) continue;
    out.push({
      ...total,
      amountNano,
      events,
      quantity: total.quantity - (a?.quantity ?? 0),
      priceVersion: '',
    });
  }
  return out;
}

/** The costliest exemplar of a (service, tenant, SKU, day). */
export interface ExemplarPick {
  traceId: string;
  amountNano: bigint;
}

/** Key of {@link queryTopExemplars}'s map. */
export function exemplarPickKey(dayMs: number, service: string, tenant: string, sku: string): string {
  return [String(dayMs), service, tenant, sku].join(SEP);
}

/**
 * The costliest `cost_exemplar` per (service, tenant, SKU, UTC day): `MAX("amount_nano")` is a selector, so
 * the `trace_id` of the same point comes with it (InfluxDB picks the earliest point among equal amounts,
 * which keeps the choice stable across regenerations).
 */
export async function queryTopExemplars(
  store: InfluxStore,
  range: TimeRange,
): Promise<Map<string, ExemplarPick>> {
  const q = influxql`SELECT MAX("amount_nano") AS "amount_nano", "trace_id" FROM "cost_exemplar" WHERE time >= ${new Date(range.fromMs)} AND time < ${new Date(range.toMs)} GROUP BY time(1d), "service", "tenant", "sku" fill(none)`;
  const out = new Map<string, ExemplarPick>();
  for (const s of completeSeries(await store.query(q, { epoch: 'ms' }), 'reading cost_exemplar')) {
    for (const r of seriesRows(s)) {
      if (r.trace_id === null || r.trace_id === undefined || r.amount_nano === null) continue;
      out.set(
        exemplarPickKey(
          timeOf(r.time, 'cost_exemplar'),
          String(r.service ?? ''),
          String(r.tenant ?? ''),
          String(r.sku ?? ''),
        ),
        { traceId: String(r.trace_id), amountNano: intOf(r.amount_nano) },
      );
    }
  }
  return out;
}

/** The distinct `file` digests of `provider_cost` points in `range` (the imports the period rests on), sorted. */
export async function queryProviderFiles(store: InfluxStore, range: TimeRange): Promise<string[]> {
  const q = influxql`SELECT DISTINCT("file") AS "file" FROM "provider_cost" WHERE time >= ${new Date(range.fromMs)} AND time < ${new Date(range.toMs)}`;
  const files = new Set<string>();
  for (const s of completeSeries(await store.query(q, { epoch: 'ms' }), 'reading provider_cost files')) {
    for (const r of seriesRows(s)) if (r.file !== null && r.file !== undefined) files.add(String(r.file));
  }
  return [...files].sort();
}

/** Tag equality filters of a budget scope. */
export type ScopeFilter = Readonly<Partial<Record<'tenant' | 'team' | 'service' | 'center', string>>>;

/**
 * Spend per currency of the `cost` series matching `scope`, for each window (one statement per window, all
 * in one request).
 */
export async function querySpendByWindow(
  store: InfluxStore,
  windows: readonly TimeRange[],
  scope: ScopeFilter,
): Promise<Map<string, bigint>[]> {
  if (windows.length === 0) return [];
  const filters = (Object.keys(scope) as (keyof ScopeFilter)[])
    .sort()
    .filter((k) => scope[k] !== undefined)
    .map((k) => influxql` AND ${ident(k)} = ${scope[k]!}`)
    .join('');
  const statements = windows.map(
    (w) =>
      influxql`SELECT SUM("amount_nano") AS "amount_nano" FROM ${ident(COST)} WHERE time >= ${new Date(w.fromMs)} AND time < ${new Date(w.toMs)}${raw(filters)} GROUP BY "currency"`,
  );
  const results = await store.query(statements.join('; '), { epoch: 'ms' });
  return windows.map((_, i) => {
    const result = results.find((r) => r.statementId === i);
    const spend = new Map<string, bigint>();
    for (const s of completeSeries(result ? [result] : [], 'reading budget spend')) {
      for (const r of seriesRows(s)) {
        const currency = String(r.currency ?? '');
        spend.set(currency, (spend.get(currency) ?? 0n) + intOf(r.amount_nano));
      }
    }
    return spend;
  });
}

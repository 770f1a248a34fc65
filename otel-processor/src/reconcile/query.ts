/**
 * Reads what reconciliation compares from InfluxDB: per UTC day, the billed sums of `provider_cost` and
 * the modelled sums of `cost`, with `GROUP BY time(1d)` (InfluxDB aligns 1d buckets on the Unix epoch,
 * i.e. on UTC midnights). Sums of the integer nano-unit fields come back as integers (`bigint` beyond
 * 2^53), so no money passes through a float.
 *
 * @packageDocumentation
 */
import type { BilledDaySum, ModelledDaySum, ReconcileAccountConfig } from '@meterline/cost-model';
import { ident, influxql, raw } from '../influx/influxql';
import { seriesRows, toBigInt, type InfluxSeries, type StatementResult } from '../influx/query-result';
import type { InfluxStore } from '../influx/store';

/** A half-open time range `[fromMs, toMs)`, epoch ms. */
export interface TimeRange {
  fromMs: number;
  toMs: number;
}

/**
 * The series of a statement, refusing a truncated answer (InfluxDB's `max-row-limit`): a partial sum is
 * a wrong sum, and a reconciliation or report built on it would be silently wrong.
 */
export function completeSeries(results: StatementResult[], what: string): InfluxSeries[] {
  const series: InfluxSeries[] = [];
  for (const r of results) {
    if (r.partial === true || r.series.some((s) => s.partial === true)) {
      throw new Error(
        `${what}: InfluxDB truncated the answer (max-row-limit); raise [http] max-row-limit or narrow the range`,
      );
    }
    series.push(...r.series);
  }
  return series;
}

function timeOf(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw new TypeError(`${what}: expected an epoch-ms time, got ${JSON.stringify(String(value))}`);
}

/**
 * Billed sums of `provider_cost` per UTC day and (provider, account, currency, charge, team): every
 * charge category is read, so that the caller can say what it left out.
 */
export async function queryBilledDays(store: InfluxStore, range: TimeRange): Promise<BilledDaySum[]> {
  const q = influxql`SELECT SUM("billed_nano") AS "billed_nano" FROM "provider_cost" WHERE time >= ${new Date(range.fromMs)} AND time < ${new Date(range.toMs)} GROUP BY time(1d), "provider", "account", "currency", "charge", "team" fill(none)`;
  const out: BilledDaySum[] = [];
  for (const s of completeSeries(await store.query(q, { epoch: 'ms' }), 'reading provider_cost')) {
    for (const r of seriesRows(s)) {
      if (r.billed_nano === null || r.billed_nano === undefined) continue;
      out.push({
        dayMs: timeOf(r.time, 'provider_cost'),
        provider: String(r.provider ?? ''),
        account: String(r.account ?? ''),
        currency: String(r.currency ?? ''),
        charge: String(r.charge ?? ''),
        team: String(r.team ?? ''),
        billedNano: toBigInt(r.billed_nano),
      });
    }
  }
  return out;
}

/**
 * The `cost` tag keys modelled sums must be grouped by: `team` (for team rows) and every key an account
 * rule matches on, sorted. `currency` is always grouped by as well.
 */
export function modelledGroupKeys(accounts: readonly ReconcileAccountConfig[]): string[] {
  const keys = new Set<string>(['team']);
  for (const a of accounts) for (const k of Object.keys(a.match)) keys.add(k);
  keys.delete('currency');
  return [...keys].sort();
}

/** Modelled sums of `cost` per UTC day, currency and the given tag keys (see {@link modelledGroupKeys}). */
export async function queryModelledDays(
  store: InfluxStore,
  range: TimeRange,
  tagKeys: readonly string[],
): Promise<ModelledDaySum[]> {
  const groupBy = ['currency', ...tagKeys].map((k) => ident(k));
  const q = influxql`SELECT SUM("amount_nano") AS "amount_nano" FROM "cost" WHERE time >= ${new Date(range.fromMs)} AND time < ${new Date(range.toMs)} GROUP BY ${raw('time(1d)')}, ${groupBy} fill(none)`;
  const out: ModelledDaySum[] = [];
  for (const s of completeSeries(await store.query(q, { epoch: 'ms' }), 'reading cost')) {
    const tags: Record<string, string> = {};
    for (const k of tagKeys) tags[k] = s.tags?.[k] ?? '';
    for (const r of seriesRows(s)) {
      if (r.amount_nano === null || r.amount_nano === undefined) continue;
      out.push({
        dayMs: timeOf(r.time, 'cost'),
        currency: String(r.currency ?? ''),
        tags,
        amountNano: toBigInt(r.amount_nano),
      });
    }
  }
  return out;
}

/** Both sides of a reconciliation over `range`. */
export async function queryDriftInputs(
  store: InfluxStore,
  range: TimeRange,
  accounts: readonly ReconcileAccountConfig[],
): Promise<{ billed: BilledDaySum[]; modelled: ModelledDaySum[] }> {
  const [billed, modelled] = await Promise.all([
    queryBilledDays(store, range),
    queryModelledDays(store, range, modelledGroupKeys(accounts)),
  ]);
  return { billed, modelled };
}

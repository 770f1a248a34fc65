/**
 * Re-deliveries: providers deliver the month-to-date again and again, so the newest delivery of a
 * (provider, account, billing period) replaces what older ones wrote. Points the new delivery rewrites
 * are overwritten in place (same series, same time); points only an older delivery had are neutralised
 * with zeros ({@link encodeSupersededPoint}), which works on every InfluxDB (1.x, 2.x and 3.x have no
 * common delete). A delivery older than the stored one (it ends earlier) is refused unless forced.
 *
 * @packageDocumentation
 */
import { ident, influxql } from '../influx/influxql';
import { sanitizeTagValue } from '../influx/line-protocol';
import { toBigInt } from '../influx/query-result';
import type { InfluxStore } from '../influx/store';
import { encodeSupersededPoint } from './provider-cost-points';
import {
  PROVIDER_COST_MEASUREMENT,
  PROVIDER_COST_TAG_KEYS,
  type BillingPeriodKey,
  type ProviderCostCell,
  type ProviderCostTags,
} from './provider-cost-table';

/** What happened to one (provider, account, billing period) of the import. */
export interface PeriodOutcome {
  period: BillingPeriodKey;
  /** `new`: nothing stored before; `replaced`: an earlier delivery was replaced; `skipped`: the stored one is newer. */
  action: 'new' | 'replaced' | 'skipped';
  /** Points of the earlier delivery this one no longer has (written as zeros). */
  superseded: number;
  /** Digests of the deliveries found stored. */
  previousFiles: string[];
  /** For `skipped`: the latest charge hour stored (epoch ms). */
  storedLastChargeMs?: number;
}

interface StoredPoint {
  tags: Record<string, string>;
  time: number;
}

async function storedPoints(
  store: InfluxStore,
  p: BillingPeriodKey,
): Promise<{ points: StoredPoint[]; files: Set<string> }> {
  const q = influxql`SELECT "rows", "file" FROM ${ident(PROVIDER_COST_MEASUREMENT)} WHERE "provider" = ${p.provider} AND "account" = ${p.account} AND "billing_period" = ${p.billingPeriod} GROUP BY *`;
  const results = await store.query(q, { epoch: 'ms' });
  const points: StoredPoint[] = [];
  const files = new Set<string>();
  for (const s of results[0]?.series ?? []) {
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.tags ?? {})) if (v !== '') tags[k] = v;
    const ti = s.columns.indexOf('time');
    const ri = s.columns.indexOf('rows');
    const fi = s.columns.indexOf('file');
    for (const row of s.values) {
      // Points already neutralised (rows = 0) belong to no delivery any more.
      if (toBigInt(row[ri]) === 0n) continue;
      points.push({ tags, time: Number(row[ti]) });
      if (typeof row[fi] === 'string') files.add(row[fi]);
    }
  }
  return { points, files };
}

/** The identity of a stored point, comparable with a cell's: its tag values in contract order, then time. */
function identity(tags: Readonly<Record<string, string | undefined>>, time: number): string {
  let key = '';
  for (const k of PROVIDER_COST_TAG_KEYS) key += (tags[k] ?? '') + '\u0000';
  return key + time;
}

function cellIdentity(cell: ProviderCostCell): string {
  // As stored: the values the line carried (sanitised; an empty one is absent, read back as '').
  const tags: Record<string, string> = {};
  for (const k of PROVIDER_COST_TAG_KEYS) tags[k] = sanitizeTagValue(cell.tags[k]);
  return identity(tags, cell.time);
}

/**
 * Decides, per delivery unit, whether this import replaces what is stored, and returns the outcomes plus
 * the lines neutralising superseded points. Units whose stored data is newer are `skipped` (their cells
 * must then not be written) unless `force`.
 */
export async function planReplacement(
  store: InfluxStore,
  periods: readonly BillingPeriodKey[],
  cells: (filter: (tags: ProviderCostTags) => boolean) => Iterable<ProviderCostCell>,
  file: string,
  force: boolean,
): Promise<{ outcomes: PeriodOutcome[]; supersededLines: string[] }> {
  const outcomes: PeriodOutcome[] = [];
  const supersededLines: string[] = [];
  for (const period of periods) {
    const { points, files } = await storedPoints(store, period);
    if (points.length === 0) {
      outcomes.push({ period, action: 'new', superseded: 0, previousFiles: [] });
      continue;
    }
    const storedLast = Math.max(...points.map((p) => p.time));
    if (storedLast > period.lastChargeMs && !force && !files.has(file)) {
      outcomes.push({
        period,
        action: 'skipped',
        superseded: 0,
        previousFiles: [...files].sort(),
        storedLastChargeMs: storedLast,
      });
      continue;
    }
    const fresh = new Set<string>();
    for (const c of cells(
      (t) =>
        t.provider === period.provider &&
        t.account === period.account &&
        t.billing_period === period.billingPeriod,
    ))
      fresh.add(cellIdentity(c));
    let superseded = 0;
    for (const p of points) {
      if (fresh.has(identity(p.tags, p.time))) continue;
      supersededLines.push(encodeSupersededPoint(p.tags, p.time, file));
      superseded++;
    }
    outcomes.push({ period, action: 'replaced', superseded, previousFiles: [...files].sort() });
  }
  return { outcomes, supersededLines };
}

/**
 * The cloud provider's bill for the demo's period, as a FOCUS 1.0 cost and usage CSV — the file a FinOps
 * export would deliver — for `meterline import` and `meterline reconcile`.
 *
 * The bill is derived from what the demo's services really used (the modelled `cost` per UTC day, service
 * and SKU, read back from InfluxDB), the way a provider bills usage Meterline models: a little off every
 * day (a deterministic −1.9 … +2.5%), plus what telemetry cannot see — a NAT gateway charge on one day
 * (that day's drift exceeds the 5% threshold: reconcile flags it) and a daily tax (not compared). Rows of
 * owned services carry `team` and `cost-center` resource tags, which the demo config's `billing-tag-team`
 * rule attributes; rows of the unowned services carry only an `app` tag and stay `unknown`.
 *
 * @packageDocumentation
 */
import { writeFileSync } from 'node:fs';
import { influxql } from '../influx/influxql';
import { seriesRows, toBigInt } from '../influx/query-result';
import type { InfluxStore } from '../influx/store';
import { DAY, SERVICES } from './scenario';

/** What was written. */
export interface ProviderExport {
  path: string;
  /** Data rows (without the header). */
  rows: number;
  /** First and last UTC day billed, `YYYY-MM-DD`. */
  firstDay: string;
  lastDay: string;
  /** The day with the unmodelled NAT gateway charge. */
  surpriseDay: string;
}

const PROVIDER = 'AWS';
const PUBLISHER = 'Amazon Web Services, Inc.';
const ACCOUNT = '123456789012';
const SUB_ACCOUNT = '210987654321';

/** Daily drift of the bill against the model, per mille, by day index (cycled). */
const DRIFT_PERMILLE = [12, -8, 21, 5, -14, 9, 17, -3, 11, -6, 25, 2, -19, 7, 14, -4];

/** How each Meterline SKU of the example catalog shows on the bill. */
const SKU_SERVICES: Record<string, { service: string; category: string }> = {
  'api.requests': { service: 'Amazon API Gateway', category: 'Networking' },
  'compute.gb_s': { service: 'AWS Lambda', category: 'Compute' },
  'network.egress_gb': { service: 'AWS Data Transfer', category: 'Networking' },
};

const COLUMNS = [
  'BilledCost',
  'BillingAccountId',
  'BillingAccountName',
  'BillingCurrency',
  'BillingPeriodEnd',
  'BillingPeriodStart',
  'ChargeCategory',
  'ChargeClass',
  'ChargeDescription',
  'ChargeFrequency',
  'ChargePeriodEnd',
  'ChargePeriodStart',
  'ConsumedQuantity',
  'ConsumedUnit',
  'ContractedCost',
  'EffectiveCost',
  'InvoiceIssuerName',
  'ListCost',
  'PricingQuantity',
  'PricingUnit',
  'ProviderName',
  'PublisherName',
  'RegionId',
  'ResourceId',
  'ServiceCategory',
  'ServiceName',
  'SkuId',
  'SubAccountId',
  'SubAccountName',
  'Tags',
] as const;
type Row = Partial<Record<(typeof COLUMNS)[number], string>>;

function csvCell(v: string | undefined): string {
  if (v === undefined || v === '') return '';
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Nano-units as exact decimal text (`0.000123456`, trailing zeros dropped). */
export function nanoDecimal(nano: bigint): string {
  const neg = nano < 0n;
  const a = neg ? -nano : nano;
  const frac = (a % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${a / 1_000_000_000n}${frac === '' ? '' : `.${frac}`}`;
}

function quantityText(q: number): string {
  const t = q.toFixed(9).replace(/\.?0+$/, '');
  return t === '' || t === '-0' ? '0' : t;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

function monthStart(ms: number, add = 0): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + add, 1);
}

/** One modelled (day, service, SKU) sum. */
interface Usage {
  dayMs: number;
  team: string;
  center: string;
  service: string;
  sku: string;
  region: string;
  currency: string;
  amountNano: bigint;
  quantity: number;
}

async function modelledUsage(store: InfluxStore, fromMs: number, toMs: number): Promise<Usage[]> {
  const q = influxql`SELECT SUM("amount_nano") AS "amount_nano", SUM("quantity") AS "quantity" FROM "cost" WHERE time >= ${new Date(fromMs)} AND time < ${new Date(toMs)} GROUP BY time(1d), "team", "center", "service", "sku", "region", "currency" fill(none)`;
  const out: Usage[] = [];
  for (const result of await store.query(q, { epoch: 'ms' })) {
    for (const s of result.series) {
      for (const r of seriesRows(s)) {
        if (typeof r.time !== 'number' || r.amount_nano === null || r.amount_nano === undefined) continue;
        out.push({
          dayMs: r.time,
          team: String(r.team ?? ''),
          center: String(r.center ?? ''),
          service: String(r.service ?? ''),
          sku: String(r.sku ?? ''),
          region: String(r.region ?? ''),
          currency: String(r.currency ?? ''),
          amountNano: toBigInt(r.amount_nano),
          quantity: Number(r.quantity ?? 0),
        });
      }
    }
  }
  return out.sort(
    (a, b) =>
      a.dayMs - b.dayMs ||
      a.service.localeCompare(b.service) ||
      a.sku.localeCompare(b.sku) ||
      a.currency.localeCompare(b.currency),
  );
}

/**
 * Writes the FOCUS CSV for the UTC days of `[fromMs, toMs)` (see the module notes) to `path`.
 *
 * @param unitOf the catalog's unit of a SKU (`PricingUnit`).
 */
export async function writeProviderExport(
  store: InfluxStore,
  fromMs: number,
  toMs: number,
  path: string,
  unitOf: (sku: string) => string | undefined,
): Promise<ProviderExport> {
  const usage = await modelledUsage(store, fromMs, toMs);
  if (usage.length === 0) throw new Error('provider export: no modelled cost to bill');
  const days = [...new Set(usage.map((u) => u.dayMs))].sort((a, b) => a - b);
  // The surprise lands on a whole day in the middle of the history, not on today's partial one.
  const surpriseDayMs = days[Math.max(0, days.length - 6)]!;
  const rows: Row[] = [];
  const base = (dayMs: number, currency: string): Row => ({
    BillingAccountId: ACCOUNT,
    BillingAccountName: 'Meterline Shop',
    BillingCurrency: currency,
    BillingPeriodStart: iso(monthStart(dayMs)),
    BillingPeriodEnd: iso(monthStart(dayMs, 1)),
    ChargeClass: '',
    ChargeFrequency: 'Usage-Based',
    ChargePeriodStart: iso(dayMs),
    ChargePeriodEnd: iso(dayMs + DAY),
    InvoiceIssuerName: PUBLISHER,
    ProviderName: PROVIDER,
    PublisherName: PUBLISHER,
    SubAccountId: SUB_ACCOUNT,
    SubAccountName: 'shop-prod',
  });
  const money = (nano: bigint): Row => {
    const text = nanoDecimal(nano);
    return { BilledCost: text, EffectiveCost: text, ContractedCost: text, ListCost: text };
  };
  days.forEach((dayMs, i) => {
    const permille = BigInt(DRIFT_PERMILLE[i % DRIFT_PERMILLE.length]!);
    const billedByCurrency = new Map<string, bigint>();
    for (const u of usage.filter((x) => x.dayMs === dayMs)) {
      const billed = (u.amountNano * (1000n + permille)) / 1000n;
      billedByCurrency.set(u.currency, (billedByCurrency.get(u.currency) ?? 0n) + billed);
      const spec = SKU_SERVICES[u.sku] ?? { service: u.sku, category: 'Other' };
      const owned = u.team !== '' && u.team !== 'unknown';
      const tags: Record<string, string> = owned
        ? { team: u.team, ...(u.center !== '' && u.center !== 'unknown' ? { 'cost-center': u.center } : {}) }
        : { app: u.service };
      const unit = unitOf(u.sku) ?? '';
      rows.push({
        ...base(dayMs, u.currency),
        ...money(billed),
        ChargeCategory: 'Usage',
        ChargeDescription: `${spec.service}: ${u.sku} used by ${u.service}`,
        ConsumedQuantity: quantityText(u.quantity),
        ConsumedUnit: unit,
        PricingQuantity: quantityText(u.quantity),
        PricingUnit: unit,
        RegionId: u.region === 'unknown' ? '' : u.region,
        ResourceId: `arn:aws:lambda:${u.region}:${ACCOUNT}:function:${u.service}`,
        ServiceCategory: spec.category,
        ServiceName: spec.service,
        SkuId: u.sku,
        Tags: JSON.stringify({ ...tags, env: 'demo' }),
      });
    }
    for (const [currency, billed] of billedByCurrency) {
      if (dayMs === surpriseDayMs) {
        // Usage telemetry never saw: a NAT gateway left running in the payments VPC.
        rows.push({
          ...base(dayMs, currency),
          ...money(billed / 11n),
          ChargeCategory: 'Usage',
          ChargeDescription: 'NAT Gateway hours and data processed (payments VPC)',
          ConsumedQuantity: '24',
          ConsumedUnit: 'Hours',
          PricingQuantity: '24',
          PricingUnit: 'Hours',
          RegionId: SERVICES['checkout']!.region,
          ResourceId: `arn:aws:ec2:${SERVICES['checkout']!.region}:${ACCOUNT}:natgateway/nat-0demo`,
          ServiceCategory: 'Networking',
          ServiceName: 'Amazon Virtual Private Cloud',
          SkuId: 'NatGateway-Hours',
          Tags: JSON.stringify({ team: 'payments', 'cost-center': 'cc-100', env: 'demo' }),
        });
      }
      rows.push({
        ...base(dayMs, currency),
        ...money((billed * 7n) / 100n),
        ChargeCategory: 'Tax',
        ChargeDescription: 'Sales tax',
        ChargeFrequency: 'Recurring',
        ServiceCategory: 'Other',
        ServiceName: 'Tax',
        PricingUnit: '',
        PricingQuantity: '',
        Tags: '',
      });
    }
  });
  const lines = [COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((c) => csvCell(r[c])).join(','))];
  writeFileSync(path, lines.join('\n') + '\n');
  return {
    path,
    rows: rows.length,
    firstDay: utcDay(days[0]!),
    lastDay: utcDay(days[days.length - 1]!),
    surpriseDay: utcDay(surpriseDayMs),
  };
}

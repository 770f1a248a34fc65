/**
 * `line-items.csv`: one line per (`cost` series, UTC day, price version), with FOCUS-aligned column names
 * (FinOps Open Cost and Usage Specification) plus Meterline's own `x_` columns, so finance tools read it
 * like a provider's cost export and every line traces back to the meter it came from (`x_Meter`).
 *
 * - Money is exact decimal text from integer nano-units, never a float.
 * - RFC 4180: comma-separated, CRLF line ends, a cell holding `,`, `"`, CR or LF is double-quoted with `"`
 *   doubled.
 * - CSV injection guard: a cell starting with `=`, `+`, `-`, `@`, tab or CR that is not a number gets a
 *   leading `'`, so a spreadsheet shows it as text instead of evaluating it (OWASP "CSV Injection").
 * - Deterministic order: day, then `x_Meter`, then price version (code-unit order, locale-independent).
 *
 * @packageDocumentation
 */
import { D, fromNano } from '@meterline/cost-model';
import { escapeTagKey, escapeTagValue, sanitizeTagValue } from '../influx/line-protocol';
import type { ReportPeriod } from './period';
import { COST, exemplarPickKey, type CostDaySum, type ExemplarPick } from './query';

/** The columns of `line-items.csv`, in order. */
export const LINE_ITEM_COLUMNS = [
  'BillingPeriodStart',
  'BillingPeriodEnd',
  'ChargePeriodStart',
  'ChargePeriodEnd',
  'ChargeCategory',
  'ChargeFrequency',
  'BilledCost',
  'EffectiveCost',
  'ListCost',
  'BillingCurrency',
  'PricingQuantity',
  'PricingUnit',
  'ListUnitPrice',
  'SkuId',
  'SkuPriceId',
  'ServiceName',
  'RegionId',
  'x_Tenant',
  'x_Team',
  'x_CostCenter',
  'x_Attribution',
  'x_PriceVersion',
  'x_ExemplarTraceId',
  'x_Env',
  'x_Version',
  'x_Events',
  'x_Meter',
] as const;

/** One line item: a `cost` series' sums on one day at one price version, with what traces it. */
export interface LineItem {
  dayMs: number;
  tags: Readonly<Record<string, string>>;
  priceVersion: string;
  amountNano: bigint;
  quantity: number;
  events: bigint;
  /** The series key (`cost,tag=value,…`, tags sorted, escaped as InfluxDB prints series keys). */
  meter: string;
  /** The catalog unit of the SKU (`''` for a SKU the catalog does not list). */
  unit: string;
  /** The price version's unit price, as configured (`''` when the version is not in the catalog). */
  unitPrice: string;
  /** Trace id of the costliest exemplar of the line's service, tenant, SKU and day (`''` if none). */
  exemplarTraceId: string;
}

/** What line items are enriched with: the catalog's units and prices, and the exemplars. */
export interface LineItemContext {
  unitOf(sku: string): string | undefined;
  unitPriceOf(priceVersion: string): string | undefined;
  exemplars: ReadonlyMap<string, ExemplarPick>;
}

/** Code-unit order: the same on every machine and locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function escapedTagValue(value: string, key: string): string {
  try {
    return escapeTagValue(value, key, COST);
  } catch {
    return escapeTagValue(sanitizeTagValue(value), key, COST);
  }
}

/**
 * The series key of a `cost` series as InfluxDB prints it (`SHOW SERIES`): the measurement and the
 * non-empty tags sorted by key, escaped like line protocol. It is how a line finds its points again.
 */
export function seriesKeyOf(measurement: string, tags: Readonly<Record<string, string>>): string {
  let key = measurement;
  for (const k of Object.keys(tags).sort(compareText)) {
    const v = tags[k];
    if (v === undefined || v === '') continue;
    key += `,${escapeTagKey(k, measurement)}=${escapedTagValue(v, k)}`;
  }
  return key;
}

/** Builds the sorted line items of a period from the per-day sums. */
export function buildLineItems(sums: readonly CostDaySum[], ctx: LineItemContext): LineItem[] {
  const items = sums.map((s): LineItem => {
    const sku = s.tags.sku ?? '';
    const exemplar = ctx.exemplars.get(
      exemplarPickKey(s.dayMs, s.tags.service ?? '', s.tags.tenant ?? '', sku),
    );
    return {
      dayMs: s.dayMs,
      tags: s.tags,
      priceVersion: s.priceVersion,
      amountNano: s.amountNano,
      quantity: s.quantity,
      events: s.events,
      meter: seriesKeyOf(COST, s.tags),
      unit: ctx.unitOf(sku) ?? '',
      unitPrice: s.priceVersion === '' ? '' : (ctx.unitPriceOf(s.priceVersion) ?? ''),
      exemplarTraceId: exemplar?.traceId ?? '',
    };
  });
  return items.sort(
    (a, b) =>
      a.dayMs - b.dayMs || compareText(a.meter, b.meter) || compareText(a.priceVersion, b.priceVersion),
  );
}

/** Exact decimal text of nano-units, nine places. */
export function moneyText(nano: bigint): string {
  return fromNano(nano).toFixed(9);
}

/**
 * A float quantity as plain decimal text: 15 significant digits (what a double holds reliably), which
 * drops the noise of summing floats (`0.30000000000000004` → `0.3`) and never uses exponent notation.
 */
export function quantityText(quantity: number): string {
  if (!Number.isFinite(quantity)) return '';
  if (quantity === 0) return '0';
  return new D(quantity.toPrecision(15)).toFixed();
}

/** RFC 3339 UTC instant with seconds, as FOCUS writes dates. */
export function isoInstant(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell: guarded against formula injection (a leading `'` on text starting with `=`, `+`, `-`, `@`,
 * tab or CR that is not a number), then quoted per RFC 4180 when it holds `,`, `"`, CR or LF.
 */
export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) && !NUMBER.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The cells of one line item, in {@link LINE_ITEM_COLUMNS} order. */
export function lineItemCells(item: LineItem, period: ReportPeriod): string[] {
  const t = (k: string): string => item.tags[k] ?? '';
  const cost = moneyText(item.amountNano);
  return [
    isoInstant(period.fromMs),
    isoInstant(period.toMs),
    isoInstant(item.dayMs),
    isoInstant(item.dayMs + 86_400_000),
    'Usage',
    'Usage-Based',
    cost,
    // Telemetry is priced at list unit prices per minute; tiers and discounts need period totals and are
    // not applied to line items, so billed, effective and list cost coincide.
    cost,
    cost,
    t('currency'),
    quantityText(item.quantity),
    item.unit,
    item.unitPrice,
    t('sku'),
    item.priceVersion,
    t('service'),
    t('region'),
    t('tenant'),
    t('team'),
    t('center'),
    t('attribution'),
    item.priceVersion,
    item.exemplarTraceId,
    t('env'),
    t('version'),
    item.events.toString(),
    item.meter,
  ];
}

/** The whole `line-items.csv`: header and one CRLF-terminated record per item. */
export function lineItemsCsv(items: readonly LineItem[], period: ReportPeriod): string {
  const records = [
    LINE_ITEM_COLUMNS.map(csvCell),
    ...items.map((i) => lineItemCells(i, period).map(csvCell)),
  ];
  return records.map((r) => r.join(',') + '\r\n').join('');
}

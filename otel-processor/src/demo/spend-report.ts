import { UNKNOWN, fromNano } from '@meterline/cost-model';
import { influxql } from '../influx/influxql';
import { seriesRows, toBigInt } from '../influx/query-result';
import type { InfluxStore } from '../influx/store';

/** Spend of one (tenant, SKU, currency, attribution) since a time, read from the `cost` measurement. */
export interface SpendRow {
  tenant: string;
  sku: string;
  currency: string;
  attribution: string;
  amountNano: bigint;
  quantity: number;
  events: number;
}

/** Sums `cost` since `sinceMs` by tenant, SKU, currency and attribution. Money stays integer nano-units. */
export async function querySpend(store: InfluxStore, sinceMs: number): Promise<SpendRow[]> {
  const q = influxql`SELECT SUM("amount_nano") AS "amount_nano", SUM("quantity") AS "quantity", SUM("events") AS "events" FROM "cost" WHERE time >= ${new Date(sinceMs)} GROUP BY "tenant", "sku", "currency", "attribution"`;
  const [result] = await store.query(q);
  const rows: SpendRow[] = [];
  for (const series of result?.series ?? []) {
    for (const r of seriesRows(series)) {
      rows.push({
        tenant: String(r.tenant ?? UNKNOWN),
        sku: String(r.sku ?? ''),
        currency: String(r.currency ?? ''),
        attribution: String(r.attribution ?? UNKNOWN),
        amountNano: toBigInt(r.amount_nano ?? 0),
        quantity: Number(r.quantity ?? 0),
        events: Number(r.events ?? 0),
      });
    }
  }
  return rows;
}

/** Prints spend per tenant and SKU, totals per tenant, and the unknown-attribution share, per currency. */
export function printSpendReport(
  rows: SpendRow[],
  out: NodeJS.WritableStream,
  where: { database: string; influxUrl: string },
  unitOf: (sku: string) => string | undefined = () => undefined,
): void {
  if (rows.length === 0) {
    out.write(`No priced spend found in ${where.influxUrl} database ${where.database}.\n`);
    return;
  }
  const byKey = new Map<string, SpendRow>();
  for (const r of rows) {
    const key = `${r.tenant}\u0000${r.sku}\u0000${r.currency}`;
    const prev = byKey.get(key);
    if (prev === undefined) byKey.set(key, { ...r });
    else {
      prev.amountNano += r.amountNano;
      prev.quantity += r.quantity;
      prev.events += r.events;
    }
  }
  const merged = [...byKey.values()].sort(
    (a, b) =>
      a.currency.localeCompare(b.currency) || a.tenant.localeCompare(b.tenant) || a.sku.localeCompare(b.sku),
  );
  const table: string[][] = [['tenant', 'sku', 'quantity', 'unit', 'events', 'amount', 'currency']];
  const tenantTotals = new Map<string, bigint>();
  for (const r of merged) {
    table.push([
      r.tenant,
      r.sku,
      quantity(r.quantity),
      unitOf(r.sku) ?? '',
      String(r.events),
      money(r.amountNano),
      r.currency,
    ]);
    const k = `${r.tenant}\u0000${r.currency}`;
    tenantTotals.set(k, (tenantTotals.get(k) ?? 0n) + r.amountNano);
  }
  out.write(
    `\nSpend per tenant and SKU (InfluxDB ${where.influxUrl}, database ${where.database}, measurement cost)\n\n`,
  );
  out.write(formatTable(table, [2, 4, 5]));
  out.write('\nTotal per tenant\n\n');
  const totals: string[][] = [['tenant', 'amount', 'currency']];
  for (const [k, nano] of [...tenantTotals].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : 0))) {
    const [tenant, currency] = k.split('\u0000') as [string, string];
    totals.push([tenant, money(nano), currency]);
  }
  out.write(formatTable(totals, [1]));
  out.write('\n');
  for (const currency of [...new Set(rows.map((r) => r.currency))].sort()) {
    const inCurrency = rows.filter((r) => r.currency === currency);
    const total = inCurrency.reduce((s, r) => s + r.amountNano, 0n);
    const unknown = inCurrency
      .filter((r) => r.attribution === UNKNOWN)
      .reduce((s, r) => s + r.amountNano, 0n);
    const share = total === 0n ? '0.00' : fromNano(unknown).div(fromNano(total)).times(100).toFixed(2);
    out.write(
      `Unknown attribution (${currency}): ${share}% of spend (${money(unknown)} of ${money(total)}; target < 5%)\n`,
    );
  }
}

/** Exact, to the nano-unit, with all nine decimals so the column lines up. */
function money(nano: bigint): string {
  return fromNano(nano).toFixed(9);
}

function quantity(q: number): string {
  return Number.isInteger(q) ? String(q) : String(Number(q.toPrecision(6)));
}

/** Left-aligned columns, except the numeric ones (right-aligned). */
function formatTable(rows: string[][], numeric: number[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    r
      .map((cell, i) => (numeric.includes(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return (
    [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n') +
    '\n'
  );
}

#!/usr/bin/env node
/**
 * Writes a synthetic FOCUS 1.2 cost and usage export for the Docker Compose stack's `demo-import` service,
 * which loads it with `meterline import` so the dashboards have provider bills (`provider_cost`) next to
 * Meterline's modelled cost, and `meterline reconcile` has something to compare.
 *
 * Like a real provider export it covers whole billing periods: the previous calendar month and the current
 * month up to yesterday (UTC), one row per day and service. Importing it again (every `docker compose up`)
 * replaces what the previous delivery of the same periods wrote, so nothing is counted twice. Rows are a
 * pure function of their day: the same day always gets the same costs.
 *
 * Money is computed in integer pico-units (BigInt) and written as decimal text, never through floats.
 *
 * Usage: node deploy/focus-export.mjs [--out FILE] [--today YYYY-MM-DD]
 *   --out     where to write (default: standard output)
 *   --today   the day the export is made (default: today, UTC); rows end the day before
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';

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
  'ChargePeriodEnd',
  'ChargePeriodStart',
  'ContractedCost',
  'EffectiveCost',
  'InvoiceId',
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
];

const ACCOUNT = { id: '012345678901', name: 'meterline-demo' };
const PICO = 10n ** 12n;

/**
 * What the demo's services cost at the provider, per day. `unitPicos` is the list price in pico-units of
 * USD; `discountPct` a committed-use discount; `tags` what the resource is tagged with (matched by the
 * `attribution` rules of deploy/meterline.yaml; `legacy-reports` is untagged, so its bill is `unknown`).
 */
const LINES = [
  {
    service: 'checkout',
    serviceName: 'AWS Lambda',
    category: 'Compute',
    sku: 'compute.gb_s',
    unit: 'GB-Seconds',
    unitPicos: 16_666_700n,
    dailyQuantity: 380_000,
    discountPct: 12.5,
    subAccount: { id: '000111222333', name: 'payments-prod' },
    tags: { team: 'payments', 'cost-center': 'cc-100', 'service.name': 'checkout' },
  },
  {
    service: 'checkout',
    serviceName: 'Amazon API Gateway',
    category: 'Networking',
    sku: 'api.requests',
    unit: 'Requests',
    unitPicos: 400_000n,
    dailyQuantity: 2_600_000,
    discountPct: 0,
    subAccount: { id: '000111222333', name: 'payments-prod' },
    tags: { team: 'payments', 'cost-center': 'cc-100', 'service.name': 'checkout' },
  },
  {
    service: 'search',
    serviceName: 'AWS Lambda',
    category: 'Compute',
    sku: 'compute.gb_s',
    unit: 'GB-Seconds',
    unitPicos: 16_666_700n,
    dailyQuantity: 150_000,
    discountPct: 12.5,
    subAccount: { id: '000444555666', name: 'discovery-prod' },
    tags: { team: 'discovery', 'cost-center': 'cc-200', 'service.name': 'search' },
  },
  {
    service: 'search',
    serviceName: 'Amazon CloudFront',
    category: 'Networking',
    sku: 'network.egress_gb',
    unit: 'GB',
    unitPicos: 90_000_000_000n,
    dailyQuantity: 48,
    discountPct: 0,
    subAccount: { id: '000444555666', name: 'discovery-prod' },
    tags: { team: 'discovery', 'cost-center': 'cc-200', 'service.name': 'search' },
  },
  {
    service: 'legacy-reports',
    serviceName: 'Amazon EC2',
    category: 'Compute',
    sku: 'ec2.m6i.large',
    unit: 'Hours',
    unitPicos: 96_000_000_000n,
    dailyQuantity: 24,
    discountPct: 0,
    subAccount: { id: '000777888999', name: 'shared-legacy' },
    tags: {},
  },
  {
    service: 'nightly-batch',
    serviceName: 'Amazon S3',
    category: 'Storage',
    sku: 'storage.gb_h',
    unit: 'GB-Hours',
    unitPicos: 31_944_400n,
    dailyQuantity: 96_000,
    discountPct: 0,
    subAccount: { id: '000777888999', name: 'shared-legacy' },
    tags: { team: 'data-platform', 'cost-center': 'cc-300' },
  },
];

/** FNV-1a over a string: a stable, seedable number per (day, line). */
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Pico-units as decimal text with 12 places, trailing zeros trimmed (`1.5`, `0.000000000001`, `0`). */
function decimal(picos) {
  const negative = picos < 0n;
  const abs = negative ? -picos : picos;
  const whole = abs / PICO;
  const fraction = (abs % PICO).toString().padStart(12, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

function csvCell(value) {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const DAY_MS = 86_400_000;

/** Rows of one day: usage per line, the quantity varying ±20% by day (weekends quieter). */
function rowsOfDay(dayMs) {
  const day = isoDay(dayMs);
  const d = new Date(dayMs);
  const periodStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const periodEnd = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6;
  const invoice = `INV-${isoDay(periodStart).slice(0, 7).replace('-', '')}`;
  return LINES.map((line) => {
    const jitter = 0.8 + (hash(`${day}|${line.service}|${line.sku}`) % 4001) / 10_000; // 0.8 … 1.2
    const quantity = BigInt(Math.round(line.dailyQuantity * jitter * (weekend ? 0.7 : 1)));
    const list = quantity * line.unitPicos;
    const billed = list - (list * BigInt(Math.round(line.discountPct * 10))) / 1000n;
    return {
      BilledCost: decimal(billed),
      BillingAccountId: ACCOUNT.id,
      BillingAccountName: ACCOUNT.name,
      BillingCurrency: 'USD',
      BillingPeriodEnd: new Date(periodEnd).toISOString().replace('.000', ''),
      BillingPeriodStart: new Date(periodStart).toISOString().replace('.000', ''),
      ChargeCategory: 'Usage',
      ChargeClass: '',
      ChargeDescription: `${line.serviceName} ${line.sku} for ${line.service}`,
      ChargePeriodEnd: `${isoDay(dayMs + DAY_MS)}T00:00:00Z`,
      ChargePeriodStart: `${day}T00:00:00Z`,
      ContractedCost: decimal(billed),
      EffectiveCost: decimal(billed),
      InvoiceId: invoice,
      InvoiceIssuerName: 'AWS',
      ListCost: decimal(list),
      PricingQuantity: quantity.toString(),
      PricingUnit: line.unit,
      ProviderName: 'AWS',
      PublisherName: 'AWS',
      RegionId: 'eu-central-1',
      ResourceId: `arn:aws:demo:eu-central-1:${line.subAccount.id}:${line.service}/${line.sku}`,
      ServiceCategory: line.category,
      ServiceName: line.serviceName,
      SkuId: line.sku,
      SubAccountId: line.subAccount.id,
      SubAccountName: line.subAccount.name,
      Tags: Object.keys(line.tags).length > 0 ? JSON.stringify(line.tags) : '',
    };
  });
}

/** The export made on `todayMs`: the previous month and this month up to yesterday, oldest first. */
export function focusExport(todayMs) {
  const today = new Date(todayMs);
  const firstDay = Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1);
  const endDay = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()); // exclusive
  const lines = [COLUMNS.join(',')];
  for (let day = firstDay; day < endDay; day += DAY_MS)
    for (const row of rowsOfDay(day)) lines.push(COLUMNS.map((c) => csvCell(row[c])).join(','));
  return `${lines.join('\n')}\n`;
}

function main() {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, today: { type: 'string' } },
    strict: true,
  });
  const todayMs = values.today === undefined ? Date.now() : Date.parse(`${values.today}T00:00:00Z`);
  if (!Number.isFinite(todayMs)) throw new RangeError(`--today: not a date (YYYY-MM-DD): ${values.today}`);
  const text = focusExport(todayMs);
  if (values.out === undefined) process.stdout.write(text);
  else {
    fs.writeFileSync(values.out, text);
    process.stderr.write(`focus-export: ${text.split('\n').length - 2} rows → ${values.out}\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();

/**
 * A synthetic FOCUS 1.2 cost and usage export for the import benchmark, written at bench time (never
 * committed): the column set of a real FOCUS file, hourly usage lines of an AWS-like organisation over one
 * month, a few taxes and credits, tags as JSON, costs with up to 10 decimals. Deterministic for a seed.
 *
 * Cardinality is that of a mid-sized organisation: the aggregation in `provider_cost` has a few hundred
 * series per hour, whatever the file size, so file size only adds rows.
 */
import { createWriteStream } from 'node:fs';

const COLUMNS = [
  'AvailabilityZone',
  'BilledCost',
  'BillingAccountId',
  'BillingAccountName',
  'BillingAccountType',
  'BillingCurrency',
  'BillingPeriodEnd',
  'BillingPeriodStart',
  'ChargeCategory',
  'ChargeClass',
  'ChargeDescription',
  'ChargeFrequency',
  'ChargePeriodEnd',
  'ChargePeriodStart',
  'CommitmentDiscountCategory',
  'CommitmentDiscountId',
  'CommitmentDiscountName',
  'CommitmentDiscountStatus',
  'CommitmentDiscountType',
  'ConsumedQuantity',
  'ConsumedUnit',
  'ContractedCost',
  'ContractedUnitPrice',
  'EffectiveCost',
  'InvoiceId',
  'InvoiceIssuerName',
  'ListCost',
  'ListUnitPrice',
  'PricingCategory',
  'PricingCurrency',
  'PricingQuantity',
  'PricingUnit',
  'ProviderName',
  'PublisherName',
  'RegionId',
  'RegionName',
  'ResourceId',
  'ResourceName',
  'ResourceType',
  'ServiceCategory',
  'ServiceName',
  'ServiceSubcategory',
  'SkuId',
  'SkuMeter',
  'SkuPriceId',
  'SubAccountId',
  'SubAccountName',
  'SubAccountType',
  'Tags',
];

const SERVICES: [string, string, string, string, string][] = [
  // name, category, subcategory, unit, meter
  ['Amazon Elastic Compute Cloud', 'Compute', 'Virtual Machines', 'Hrs', 'BoxUsage'],
  ['Amazon Simple Storage Service', 'Storage', 'Object Storage', 'GB-Mo', 'TimedStorage-ByteHrs'],
  ['Amazon Relational Database Service', 'Databases', 'Relational Databases', 'Hrs', 'InstanceUsage'],
  ['AWS Lambda', 'Compute', 'Serverless Compute', 'Lambda-GB-Second', 'Lambda-GB-Second'],
  ['Amazon CloudFront', 'Networking', 'Content Delivery', 'GB', 'DataTransfer-Out-Bytes'],
  ['Amazon DynamoDB', 'Databases', 'NoSQL Databases', 'ReadRequestUnits', 'ReadRequestUnits'],
];
const REGIONS: [string, string][] = [
  ['us-east-1', 'US East (N. Virginia)'],
  ['eu-west-1', 'Europe (Ireland)'],
  ['ap-southeast-2', 'Asia Pacific (Sydney)'],
];
const TEAMS = ['payments', 'search', 'checkout', 'platform', 'data', 'growth'];
const ACCOUNTS = ['012345678901', '109876543210', '000123456789', '555566667777'];

function prng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/**
 * Writes a FOCUS 1.2 CSV of at least `bytes` bytes to `path`. Resolves with the rows and bytes written.
 */
export async function writeFocusCsv(
  path: string,
  bytes: number,
  seed = 1,
): Promise<{ rows: number; bytes: number }> {
  const rnd = prng(seed);
  const out = createWriteStream(path);
  const periodStart = Date.UTC(2024, 5, 1);
  const periodEnd = Date.UTC(2024, 6, 1);
  const hours = (periodEnd - periodStart) / 3_600_000;
  let written = 0;
  let rows = 0;
  let chunk = COLUMNS.join(',') + '\n';
  const flush = async (): Promise<void> => {
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', r));
    chunk = '';
  };
  while (written + chunk.length < bytes) {
    const [service, category, sub, unit, meter] = SERVICES[Math.floor(rnd() * SERVICES.length)]!;
    const [region, regionName] = REGIONS[Math.floor(rnd() * REGIONS.length)]!;
    const a = Math.floor(rnd() * ACCOUNTS.length);
    const account = ACCOUNTS[a]!;
    // Each account belongs to two teams, as accounts do in an organisation.
    const team = TEAMS[(a * 2 + (rnd() < 0.5 ? 0 : 1)) % TEAMS.length]!;
    const kind = rnd();
    const category0 = kind < 0.01 ? 'Tax' : kind < 0.02 ? 'Credit' : 'Usage';
    // Usage is hourly; taxes and credits are daily lines.
    let hour = Math.floor(rnd() * hours);
    if (category0 !== 'Usage') hour -= hour % 24;
    const start = periodStart + hour * 3_600_000;
    const quantity = (rnd() * 100).toFixed(6);
    const unitPrice = (0.0001 + rnd() * 0.5).toFixed(10);
    let cost = (Number(quantity) * Number(unitPrice)).toFixed(10);
    if (category0 === 'Credit') cost = '-' + cost;
    const list = (Number(cost) * 1.1).toFixed(10);
    const resource = `arn:aws:ec2:${region}:${account}:instance/i-${Math.floor(rnd() * 0xffffffff)
      .toString(16)
      .padStart(8, '0')}`;
    const skuId = `${meter}-${region}`
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '')
      .slice(0, 12);
    const values = [
      `${region}a`,
      cost,
      '999988887777',
      'Example Org',
      'Organization',
      'USD',
      iso(periodEnd),
      iso(periodStart),
      category0,
      '',
      `${service} ${meter} in ${regionName}, on-demand`,
      'Usage-Based',
      iso(start + 3_600_000),
      iso(start),
      '',
      '',
      '',
      '',
      '',
      quantity,
      unit,
      cost,
      unitPrice,
      cost,
      'INV-2024-06-0001',
      'Amazon Web Services, Inc.',
      list,
      unitPrice,
      'Standard',
      'USD',
      quantity,
      unit,
      'AWS',
      'AWS',
      region,
      regionName,
      resource,
      resource.slice(-10),
      'Instance',
      category,
      service,
      sub,
      skuId,
      meter,
      `${skuId}.${hour % 7}`,
      account,
      `team-${team}`,
      'AWS Account',
      JSON.stringify({ team, env: rnd() < 0.8 ? 'prod' : 'staging', 'cost-center': `cc-${team.length}` }),
    ];
    chunk += values.map(csvCell).join(',') + '\n';
    rows++;
    if (chunk.length >= 1 << 20) await flush();
  }
  await flush();
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  return { rows, bytes: written };
}

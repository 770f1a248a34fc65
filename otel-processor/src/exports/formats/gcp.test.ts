import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RowError, type Charge } from '../charge';
import { gcpFormat } from './gcp';
import { checkFixture, expectedOf, readFixtureCsv, type FixtureTable } from './oracle.fixture';

const FIXTURES = join(__dirname, '../../../../test/fixtures/exports/gcp');

/**
 * One JSON lines record flattened as the reader does: nested objects become dotted keys, arrays stay
 * their exact source text, numbers their exact source text (a tokenizer, never `JSON.parse` of a number,
 * which would round `0.12345678901234567891`), `null` an absent value.
 */
function flattenJsonLine(src: string): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  let i = 0;
  const ws = (): void => {
    while (i < src.length && ' \t\r\n'.includes(src[i]!)) i++;
  };
  const str = (): string => {
    const start = i++;
    while (src[i] !== '"') i += src[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(src.slice(start, i)) as string;
  };
  const literal = (): string => {
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(src.slice(i, i + 400));
    if (m === null) throw new Error(`bad JSON at ${i}: ${src.slice(i, i + 20)}`);
    i += m[0].length;
    return m[0];
  };
  const skip = (): void => {
    ws();
    const open = src[i];
    if (open === '"') return void str();
    if (open !== '[' && open !== '{') return void literal();
    i++;
    ws();
    if (src[i] === (open === '[' ? ']' : '}')) return void i++;
    for (;;) {
      if (open === '{') {
        ws();
        str();
        ws();
        i++; // :
      }
      skip();
      ws();
      if (src[i++] !== ',') return; // ] or }
    }
  };
  const object = (prefix: string): void => {
    i++; // {
    ws();
    if (src[i] === '}') return void i++;
    for (;;) {
      ws();
      const key = prefix + str();
      ws();
      i++; // :
      ws();
      const c = src[i];
      if (c === '{') object(`${key}.`);
      else if (c === '[') {
        const start = i;
        skip();
        out.set(key, src.slice(start, i));
      } else if (c === '"') out.set(key, str());
      else {
        const token = literal();
        out.set(key, token === 'null' ? undefined : token);
      }
      ws();
      if (src[i++] !== ',') return;
    }
  };
  ws();
  object('');
  return out;
}

/** A JSON lines fixture flattened record by record; the columns are every key, in first-seen order. */
function readJsonLines(path: string): FixtureTable {
  const lines = readFileSync(path, 'utf8').split('\n');
  const flat: { line: number; record: Map<string, string | undefined> }[] = [];
  lines.forEach((text, k) => {
    if (text.trim() !== '') flat.push({ line: k + 1, record: flattenJsonLine(text) });
  });
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const { record } of flat)
    for (const key of record.keys())
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
  return {
    columns,
    records: flat.map(({ line, record }) => ({ line, values: columns.map((c) => record.get(c)) })),
  };
}

const csvTable = readFixtureCsv(join(FIXTURES, 'detailed-flat.csv'));
const jsonTable = readJsonLines(join(FIXTURES, 'standard.jsonl'));

/** The fixture record starting on `line`. */
function recordAt(table: FixtureTable, line: number): (string | undefined)[] {
  const r = table.records.find((x) => x.line === line);
  if (r === undefined) throw new Error(`no record on line ${line}`);
  return r.values;
}

/** A standard-export header and rows built from a base record with some cells overridden. */
const HEADER = [
  'billing_account_id',
  'service.id',
  'service.description',
  'sku.id',
  'sku.description',
  'usage_start_time',
  'usage_end_time',
  'project.id',
  'project.name',
  'labels',
  'location.location',
  'location.region',
  'cost',
  'currency',
  'usage.amount',
  'usage.unit',
  'usage.amount_in_pricing_units',
  'usage.pricing_unit',
  'credits',
  'invoice.month',
  'cost_type',
  'cost_at_list',
];
const BASE: Record<string, string> = {
  billing_account_id: '012345-6789AB-CDEF01',
  'service.id': '6F81-5844-456A',
  'service.description': 'Compute Engine',
  'sku.id': 'BB77-5FDA-8D7B',
  'sku.description': 'N2 Instance Core running in Americas',
  usage_start_time: '2024-06-10 00:00:00 UTC',
  usage_end_time: '2024-06-10 01:00:00 UTC',
  'project.id': 'web-prod',
  'project.name': 'Web Prod',
  labels: '[{"key":"team","value":"payments"}]',
  'location.location': 'us-central1',
  'location.region': 'us-central1',
  cost: '1.5',
  currency: 'USD',
  'usage.amount': '3600',
  'usage.unit': 'seconds',
  'usage.amount_in_pricing_units': '1',
  'usage.pricing_unit': 'hour',
  credits: '[]',
  'invoice.month': '202406',
  cost_type: 'regular',
  cost_at_list: '',
};
const mapper = gcpFormat.compile(HEADER, {});
function mapRow(cells: Record<string, string | undefined> = {}): ReturnType<typeof mapper.map> {
  const row = { ...BASE, ...cells };
  return mapper.map(HEADER.map((h) => row[h]));
}
function rowError(cells: Record<string, string | undefined>): RowError {
  try {
    mapRow(cells);
  } catch (err) {
    if (err instanceof RowError) return err;
    throw err;
  }
  throw new Error('expected a RowError');
}

describe('gcpFormat.detect', () => {
  it('recognises the detailed export flattened to CSV', () => {
    expect(gcpFormat.detect(csvTable.columns)).toEqual({
      ok: true,
      variant: 'GCP detailed (resource-level)',
    });
  });

  it('recognises the standard export as flattened JSON lines', () => {
    expect(gcpFormat.detect(jsonTable.columns)).toEqual({ ok: true, variant: 'GCP standard' });
  });

  it('matches header names case-insensitively and despite a BOM left on the first column', () => {
    const columns = HEADER.map((c) => c.toUpperCase());
    columns[0] = `\uFEFF${columns[0]}`;
    expect(gcpFormat.detect(columns)).toEqual({ ok: true, variant: 'GCP standard' });
  });

  it('lists the mandatory columns an unrelated header lacks', () => {
    const azure = ['SubscriptionId', 'Date', 'CostInBillingCurrency', 'BillingCurrency', 'MeterId'];
    expect(gcpFormat.detect(azure)).toEqual({
      ok: false,
      missing: [
        'billing_account_id',
        'service.description',
        'sku.id',
        'usage_start_time',
        'usage_end_time',
        'cost',
        'currency',
      ],
    });
    expect(gcpFormat.detect(HEADER.filter((c) => c !== 'usage_end_time'))).toEqual({
      ok: false,
      missing: ['usage_end_time'],
    });
  });
});

describe('gcpFormat mapping', () => {
  it('maps a detailed-export row field by field', () => {
    const mapper = gcpFormat.compile(csvTable.columns, {});
    const { charge, tags } = mapper.map(recordAt(csvTable, 2));
    expect(charge).toEqual({
      provider: 'Google Cloud',
      account: '012345-6789AB-CDEF01',
      accountName: '',
      subAccount: 'web-prod',
      subAccountName: 'Web Prod',
      service: 'Compute Engine',
      category: '',
      region: 'us-central1',
      sku: 'BB77-5FDA-8D7B',
      resourceId:
        '//compute.googleapis.com/projects/web-prod/zones/us-central1-a/instances/4242424242424242424',
      currency: 'USD',
      chargeCategory: 'Usage',
      chargeClass: '',
      chargeDescription: 'N2 Instance Core running in Americas',
      chargePeriodStart: Date.UTC(2024, 5, 1, 0),
      chargePeriodEnd: Date.UTC(2024, 5, 1, 1),
      billingPeriodStart: Date.UTC(2024, 5, 1),
      billingPeriodEnd: Date.UTC(2024, 6, 1),
      billedCost: '0.0378', // 0.126 less its 0.0882 of credits
      effectiveCost: '0.0378',
      listCost: '0.13272',
      contractedCost: '0.126',
      pricingQuantity: '4',
      pricingUnit: 'hour',
      invoiceIssuer: 'Google Cloud',
      publisher: 'Google Cloud',
      tagsKey: '[{"key":"team","value":"payments"},{"key":"env","value":"prod"}]',
    } satisfies Charge);
    expect(tags()).toEqual({ team: 'payments', env: 'prod' });
  });

  it('keeps a quoted name with a comma and a newline, a multi-region location and scientific notation', () => {
    const mapper = gcpFormat.compile(csvTable.columns, {});
    const { charge } = mapper.map(recordAt(csvTable, 3));
    expect(charge.subAccountName).toBe('Data Lake,\nshared (EU)');
    expect(charge.region).toBe('us');
    expect(charge.resourceId).toBe('');
    expect(charge.billedCost).toBe('1.2E-9');
    expect(charge.effectiveCost).toBe('1.2E-9');
    // No cost_at_list: the list cost is the cost.
    expect(charge.listCost).toBe('1.2E-9');
    expect(charge.pricingQuantity).toBe('9.46E-9');
    expect(charge.pricingUnit).toBe('gibibyte month');
  });

  it('bills usage by its invoice month, even when the usage (UTC) is in the next month', () => {
    const mapper = gcpFormat.compile(csvTable.columns, {});
    const { charge } = mapper.map(recordAt(csvTable, 14));
    expect(charge.chargePeriodStart).toBe(Date.UTC(2024, 6, 1, 3));
    expect(charge.billingPeriodStart).toBe(Date.UTC(2024, 5, 1));
    expect(charge.billingPeriodEnd).toBe(Date.UTC(2024, 6, 1));
  });

  it('reads Marketplace seller, a second currency and a second billing account', () => {
    const mapper = gcpFormat.compile(csvTable.columns, {});
    const { charge } = mapper.map(recordAt(csvTable, 17));
    expect(charge.account).toBe('00AB12-34CD56-EF7890');
    expect(charge.currency).toBe('EUR');
    expect(charge.publisher).toBe('Acme Software, Inc.');
    expect(charge.invoiceIssuer).toBe('Google Cloud');
  });

  it('reads nested JSON records: numbers beyond double precision, zone offsets, BigQuery timestamps', () => {
    const mapper = gcpFormat.compile(jsonTable.columns, {});
    const first = mapper.map(recordAt(jsonTable, 1)).charge;
    // cost 0.12345678901234567891 with its credits: billed and effective are net of them, exactly.
    expect(first.billedCost).toBe('0.1');
    expect(first.effectiveCost).toBe('0.1');
    expect(first.listCost).toBe('0.15432098626543209864');
    expect(first.subAccountName).toBe('Search, Production');
    const offset = mapper.map(recordAt(jsonTable, 2)).charge;
    expect(offset.chargePeriodStart).toBe(Date.UTC(2024, 5, 3, 5));
    expect(offset.chargePeriodEnd).toBe(Date.UTC(2024, 5, 3, 6));
    expect(offset.region).toBe('EU');
    expect(offset.listCost).toBe('1.5e-7'); // cost_at_list null
    expect(offset.pricingQuantity).toBe('9.5367431640625E-7');
    const bq = mapper.map(recordAt(jsonTable, 3)).charge;
    expect(bq.chargePeriodStart).toBe(Date.UTC(2024, 5, 3, 7));
    // A tax record without project, location or usage.
    const tax = mapper.map(recordAt(jsonTable, 4)).charge;
    expect(tax).toMatchObject({ chargeCategory: 'Tax', subAccount: '', region: '', pricingQuantity: '0' });
    // Usage without pricing units falls back to usage.amount / usage.unit.
    const run = mapper.map(recordAt(jsonTable, 8)).charge;
    expect(run).toMatchObject({ pricingQuantity: '3600', pricingUnit: 'seconds', effectiveCost: '-0.01' });
  });

  it('reads labels with escaped quotes and non-ASCII values as tags', () => {
    const mapper = gcpFormat.compile(jsonTable.columns, {});
    const row = mapper.map(recordAt(jsonTable, 7));
    expect(row.tags()).toEqual({
      'goog-k8s-cluster-name': 'search-eu',
      'cost-center': 'R&D, "core"',
      owner: 'zoë',
    });
    expect(row.charge.tagsKey).toBe(recordAt(jsonTable, 7)[jsonTable.columns.indexOf('labels')]);
    expect(mapRow({ labels: '[]' }).tags()).toEqual({});
    expect(mapRow({ labels: '' }).tags()).toEqual({});
  });
});

describe('gcpFormat costs', () => {
  it('adds credits to the cost exactly, whatever their digits', () => {
    const credits = JSON.stringify([
      { name: 'CUD', amount: -0.5, type: 'COMMITTED_USAGE_DISCOUNT' },
      { name: 'SUD', amount: -0.1, type: 'SUSTAINED_USAGE_DISCOUNT' },
    ]);
    // 0.7 − 0.5 − 0.1 is 0.09999999999999998 in doubles.
    expect(mapRow({ cost: '0.7', credits }).charge.effectiveCost).toBe('0.1');
    const long = '[{"name":"x","amount":-0.0000000000000000000000000001},{"name":"y","amount":-1.0E-28}]';
    expect(
      mapRow({ cost: '12345678901234.1234567890123456789012345678', credits: long }).charge.effectiveCost,
    ).toBe('12345678901234.1234567890123456789012345676');
    // Amounts written as strings (some flatteners quote numbers), nulls skipped.
    const quoted = '[{"name":"x","amount":"-0.25"},{"name":"y","amount":null}]';
    expect(mapRow({ cost: '1', credits: quoted }).charge.effectiveCost).toBe('0.75');
  });

  it('bills net of credits (as the invoice does), keeps ListCost and ContractedCost at the cost, takes cost_at_list when present', () => {
    const credits = '[{"name":"Free Tier","amount":-1.5,"type":"FREE_TIER"}]';
    expect(mapRow({ cost: '1.5', credits }).charge).toMatchObject({
      billedCost: '0',
      effectiveCost: '0',
      listCost: '1.5',
      contractedCost: '1.5',
    });
    expect(mapRow({ cost: '1.5', cost_at_list: '2.25' }).charge.listCost).toBe('2.25');
    expect(mapRow({ cost: '', cost_at_list: '' }).charge).toMatchObject({ billedCost: '0', listCost: '0' });
    expect(mapRow({ credits: 'NULL' }).charge.effectiveCost).toBe('1.5');
  });

  it('keeps a zero-cost row with credits as usage (credits fold into EffectiveCost)', () => {
    const credits = '[{"name":"Trial","amount":-0.0123,"type":"PROMOTION"}]';
    expect(mapRow({ cost: '0', credits }).charge).toMatchObject({
      chargeCategory: 'Usage',
      billedCost: '-0.0123',
      effectiveCost: '-0.0123',
    });
  });

  it('maps cost_type to the charge category, adjustments of earlier usage as corrections', () => {
    expect(mapRow({ cost_type: 'regular' }).charge.chargeCategory).toBe('Usage');
    expect(mapRow({ cost_type: '' }).charge.chargeCategory).toBe('Usage');
    expect(mapRow({ cost_type: 'tax' }).charge.chargeCategory).toBe('Tax');
    expect(mapRow({ cost_type: 'rounding_error' }).charge).toMatchObject({
      chargeCategory: 'Adjustment',
      chargeClass: '',
    });
    expect(mapRow({ cost_type: 'adjustment' }).charge).toMatchObject({
      chargeCategory: 'Adjustment',
      chargeClass: '',
    });
    expect(
      mapRow({
        cost_type: 'adjustment',
        usage_start_time: '2024-05-15T00:00:00Z',
        usage_end_time: '2024-05-16T00:00:00Z',
      }).charge,
    ).toMatchObject({ chargeCategory: 'Adjustment', chargeClass: 'Correction' });
    const csv = gcpFormat.compile(csvTable.columns, {});
    expect(csv.map(recordAt(csvTable, 11)).charge).toMatchObject({
      chargeCategory: 'Adjustment',
      chargeClass: 'Correction',
      billedCost: '-2.5',
      billingPeriodStart: Date.UTC(2024, 5, 1),
    });
    expect(csv.map(recordAt(csvTable, 12)).charge.chargeCategory).toBe('Adjustment');
    expect(csv.map(recordAt(csvTable, 10)).charge).toMatchObject({
      chargeCategory: 'Tax',
      service: 'Invoice',
    });
  });

  it('takes the billing period from usage when invoice.month is empty', () => {
    const late = { usage_start_time: '2024-07-31 23:00:00 UTC', usage_end_time: '2024-08-01 00:00:00 UTC' };
    expect(mapRow({ 'invoice.month': '', ...late }).charge).toMatchObject({
      billingPeriodStart: Date.UTC(2024, 6, 1),
      billingPeriodEnd: Date.UTC(2024, 7, 1),
    });
  });
});

describe('gcpFormat row errors', () => {
  it('names the column and the value', () => {
    const cost = rowError({ cost: '1,234.50' });
    expect(cost.column).toBe('cost');
    expect(cost.message).toContain('"1,234.50"');
    expect(rowError({ credits: '[{"amount":-0.5' }).column).toBe('credits');
    expect(rowError({ credits: '{"amount":-0.5}' }).column).toBe('credits');
    const amount = rowError({ credits: '[{"name":"CUD","amount":"-0,50"}]' });
    expect(amount.column).toBe('credits');
    expect(amount.message).toContain('"-0,50"');
    expect(rowError({ credits: '[{"name":"CUD","amount":true}]' }).column).toBe('credits');
    expect(rowError({ usage_start_time: '2024-06-31 00:00:00 UTC' }).column).toBe('usage_start_time');
    expect(rowError({ usage_end_time: '' }).column).toBe('usage_end_time');
    expect(rowError({ usage_end_time: '2024-06-09 00:00:00 UTC' }).column).toBe('usage_end_time');
    const month = rowError({ 'invoice.month': '2024-06' });
    expect(month.column).toBe('invoice.month');
    expect(month.message).toContain('"2024-06"');
    expect(rowError({ 'invoice.month': '202413' }).column).toBe('invoice.month');
    const type = rowError({ cost_type: 'refund' });
    expect(type.column).toBe('cost_type');
    expect(type.message).toContain('"refund"');
    expect(rowError({ cost_type: 'constructor' }).column).toBe('cost_type');
    expect(rowError({ currency: '' }).column).toBe('currency');
    expect(rowError({ billing_account_id: 'NULL' }).column).toBe('billing_account_id');
    expect(rowError({ 'usage.amount_in_pricing_units': '1 hour' }).column).toBe(
      'usage.amount_in_pricing_units',
    );
    expect(rowError({ cost_at_list: 'n/a' }).column).toBe('cost_at_list');
  });

  it('reports malformed labels when the tags are read, naming the column', () => {
    const { tags } = mapRow({ labels: '[{"key":"team",' });
    expect(tags).toThrow(RowError);
    try {
      tags();
    } catch (err) {
      expect((err as RowError).column).toBe('labels');
    }
  });

  it('reads rows shorter than the header (missing cells are empty)', () => {
    const values = HEADER.map((h) => BASE[h]).slice(0, HEADER.indexOf('invoice.month'));
    expect(mapper.map(values).charge).toMatchObject({ billedCost: '1.5', chargeCategory: 'Usage' });
  });
});

describe('gcp fixtures', () => {
  it('detailed-flat.csv (read by csv-parse) matches its expectations', () => {
    checkFixture(gcpFormat, csvTable, expectedOf(join(FIXTURES, 'detailed-flat.expected.json')));
  });

  it('standard.jsonl (flattened here with exact numbers) matches its expectations', () => {
    const cost = jsonTable.records[0]!.values[jsonTable.columns.indexOf('cost')];
    expect(cost).toBe('0.12345678901234567891');
    checkFixture(gcpFormat, jsonTable, expectedOf(join(FIXTURES, 'standard.expected.json')));
  });
});

/**
 * `meterline import` against a real influxd: every fixture export (all providers, all FOCUS versions)
 * lands in `provider_cost` with sums equal to the hand-computed sums of the file, exactly, per currency;
 * importing twice, and re-delivering a month-to-date export, never double counts; a malformed row is
 * reported with its line number while the rest is imported.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { Attributor, validateConfig } from '@meterline/cost-model';
import { parse } from 'csv-parse/sync';
import Decimal from 'decimal.js';
import { EXPORT_FORMATS } from '../../otel-processor/src/exports/formats/registry';
import { importExports, type ImportSummary } from '../../otel-processor/src/exports/import';
import { createInfluxStore, type InfluxStore } from '../../otel-processor/src/influx/store';
import { startInfluxDB, type InfluxInstance } from '../support/influxdb';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'exports');
const Wide = Decimal.clone({ precision: 100, rounding: Decimal.ROUND_HALF_EVEN });

interface Expected {
  format: string;
  variant: string;
  rows: number;
  rejected: { line: number; column?: string }[];
  totals: Record<string, { billed: string; effective: string; list: string }>;
  options?: { azureCostType?: 'actual' | 'amortized' };
}

/** Every fixture with its hand-computed expectations (`<base>.expected.json` beside `<base>.<ext>`). */
function fixtures(): { file: string; expected: Expected }[] {
  const out: { file: string; expected: Expected }[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.expected.json')) {
        const base = name.slice(0, -'.expected.json'.length);
        const expected = JSON.parse(readFileSync(p, 'utf8')) as Expected;
        for (const d of readdirSync(dir).sort()) {
          if (d.startsWith(base + '.') && !d.endsWith('.json')) out.push({ file: join(dir, d), expected });
        }
      }
    }
  };
  walk(FIXTURES);
  return out;
}

const attribution = {
  rules: [
    {
      id: 'team-tag',
      match: [{ key: 'team', source: 'attributes' as const }],
      set: { team: { from: 'team' } },
    },
  ],
  fallbacks: [],
};

let influx: InfluxInstance;
let dir: string;

beforeAll(async () => {
  influx = await startInfluxDB();
  dir = mkdtempSync(join(tmpdir(), 'meterline-import-test-'));
});

afterAll(async () => {
  await influx?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function storeFor(database: string): InfluxStore {
  return createInfluxStore(validateConfig({ influx: { url: influx.url, database } }).influx!);
}

async function importInto(
  database: string,
  paths: string[],
  extra: { force?: boolean; azureCostType?: 'actual' | 'amortized' } = {},
): Promise<ImportSummary> {
  const store = storeFor(database);
  try {
    return await importExports({
      paths,
      formats: EXPORT_FORMATS,
      attributor: Attributor.compile(attribution),
      store,
      force: extra.force,
      formatOptions: { azureCostType: extra.azureCostType },
    });
  } finally {
    await store.close();
  }
}

/** Sums per currency straight from InfluxDB (the test's own raw query). */
async function sums(
  database: string,
  where = '',
): Promise<Record<string, { billed: string; effective: string; list: string; rows: string }>> {
  const res = await influx.query(
    `SELECT SUM("billed_nano") AS billed, SUM("effective_nano") AS effective, SUM("list_nano") AS list, SUM("rows") AS rows FROM "provider_cost" ${where} GROUP BY "currency"`,
    database,
  );
  const out: Record<string, { billed: string; effective: string; list: string; rows: string }> = {};
  for (const s of res.results[0]?.series ?? []) {
    const [, billed, effective, list, rows] = s.values[0] as [unknown, unknown, unknown, unknown, unknown];
    out[s.tags!.currency!] = {
      billed: String(billed),
      effective: String(effective),
      list: String(list),
      rows: String(rows),
    };
  }
  return out;
}

/** `amount` (exact decimal text) in nano-units, half-even: what the file's own sum is in InfluxDB's unit. */
function nano(amount: string): string {
  return new Wide(amount).times(1e9).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toFixed();
}

describe('every fixture imports exactly', () => {
  const all = fixtures();

  it('has fixtures for every provider format and FOCUS version', () => {
    const formats = new Set(all.map((f) => f.expected.format));
    expect([...formats].sort()).toEqual(['aws-cur', 'aws-cur2', 'azure', 'focus', 'gcp']);
    const focus = all.filter((f) => f.expected.format === 'focus').map((f) => f.expected.variant);
    for (const v of ['FOCUS 1.0', 'FOCUS 1.1', 'FOCUS 1.2', 'FOCUS 1.3']) expect(focus).toContain(v);
  });

  it.each(all.map((f) => [relative(FIXTURES, f.file), f] as const))(
    '%s',
    async (_name, { file, expected }) => {
      const db = 'fx_' + relative(FIXTURES, file).replace(/[^a-z0-9]/gi, '_');
      const summary = await importInto(db, [file], { azureCostType: expected.options?.azureCostType });
      expect(summary.files[0]!.format).toBe(expected.variant);
      expect(summary.rows).toBe(expected.rows);
      expect(summary.rejected.map((r) => r.line)).toEqual(expected.rejected.map((r) => r.line));
      const got = await sums(db);
      expect(Object.keys(got).sort()).toEqual(Object.keys(expected.totals).sort());
      let rows = 0;
      for (const [currency, t] of Object.entries(expected.totals)) {
        expect({
          currency,
          billed: got[currency]!.billed,
          effective: got[currency]!.effective,
          list: got[currency]!.list,
        }).toEqual({
          currency,
          billed: nano(t.billed),
          effective: nano(t.effective),
          list: nano(t.list),
        });
        // The summary's exact totals are the file's, digit for digit.
        expect(new Wide(summary.totals.get(currency)!.billed.toFixed()).eq(new Wide(t.billed))).toBe(true);
        rows += Number(got[currency]!.rows);
      }
      expect(rows).toBe(expected.rows);

      // Importing the same file again changes nothing.
      const again = await importInto(db, [file], { azureCostType: expected.options?.azureCostType });
      expect(again.periods.every((p) => p.action === 'replaced' && p.superseded === 0)).toBe(true);
      expect(await sums(db)).toEqual(got);
    },
  );
});

/** A minimal FOCUS 1.0 CSV (mandatory columns, plus SkuId, RegionId, SubAccountId and Tags). */
function focusCsv(
  lines: { day: number; cost: string; sku: string; team?: string; category?: string }[],
): string {
  const header =
    'BilledCost,ContractedCost,EffectiveCost,ListCost,PricingQuantity,BillingAccountId,BillingAccountName,BillingCurrency,' +
    'BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ChargeClass,ChargeDescription,' +
    'InvoiceIssuerName,PricingUnit,ProviderName,PublisherName,ServiceCategory,ServiceName,SkuId,RegionId,SubAccountId,Tags';
  const rows = lines.map((l) => {
    const start = `2024-06-${String(l.day).padStart(2, '0')}T00:00:00Z`;
    const end = `2024-06-${String(l.day).padStart(2, '0')}T01:00:00Z`;
    const tags = l.team ? `"{""team"":""${l.team}""}"` : 'NULL';
    return [
      l.cost,
      l.cost,
      l.cost,
      l.cost,
      '1',
      '000111222333',
      'Org',
      'USD',
      '2024-06-01T00:00:00Z',
      '2024-07-01T00:00:00Z',
      start,
      end,
      l.category ?? 'Usage',
      'NULL',
      'line',
      'Acme Cloud',
      'Hours',
      'Acme Cloud',
      'Acme Cloud',
      'Compute',
      'VMs',
      l.sku,
      'eu-1',
      '000444',
      tags,
    ].join(',');
  });
  return [header, ...rows].join('\n') + '\n';
}

describe('Parquet', () => {
  it('imports a FOCUS export written as Parquet exactly as its CSV', async () => {
    // The FOCUS 1.2 fixture as a Parquet file of UTF-8 columns (how FOCUS exports land in object storage).
    const csvFile = join(FIXTURES, 'focus', 'focus-1.2.csv');
    const expected = JSON.parse(
      readFileSync(join(FIXTURES, 'focus', 'focus-1.2.expected.json'), 'utf8'),
    ) as Expected;
    // csv-parse's `info` gives each record's last line: the next record starts on the line after it.
    const records = parse(readFileSync(csvFile), {
      bom: true,
      relax_column_count: true,
      info: true,
    }) as unknown as {
      info: { lines: number };
      record: string[];
    }[];
    const header = records[0]!.record;
    const malformed = new Set(expected.rejected.map((r) => r.line));
    // Drop the malformed row: a Parquet writer would not have produced it.
    const kept = records
      .slice(1)
      .filter((_, i) => !malformed.has(records[i]!.info.lines + 1))
      .map((r) => r.record);
    expect(kept).toHaveLength(expected.rows);
    const { parquetWriteFile } = await import('hyparquet-writer');
    const file = join(dir, 'focus-1.2.parquet');
    parquetWriteFile({
      filename: file,
      columnData: header.map((name, c) => ({
        name,
        data: kept.map((r) => (r[c] === undefined || r[c] === '' ? null : r[c]!)),
        type: 'STRING',
      })),
    } as Parameters<typeof parquetWriteFile>[0]);

    const summary = await importInto('parquet', [file]);
    expect(summary.files[0]).toMatchObject({
      encoding: 'parquet',
      format: 'FOCUS 1.2',
      rows: expected.rows,
      rejected: 0,
    });
    const got = await sums('parquet');
    for (const [currency, t] of Object.entries(expected.totals)) {
      expect(got[currency]).toMatchObject({
        billed: nano(t.billed),
        effective: nano(t.effective),
        list: nano(t.list),
      });
    }
  });
});

describe('re-deliveries', () => {
  it('a newer month-to-date delivery replaces the older one; re-importing the older is refused', async () => {
    const db = 'redelivery';
    const v1 = join(dir, 'mtd-2024-06-10.csv');
    const v2 = join(dir, 'mtd-2024-06-20.csv');
    // Delivery 1: days 1–10. Delivery 2 (days 1–20) corrects day 5 and no longer bills the sku-b line of day 7.
    writeFileSync(
      v1,
      focusCsv([
        { day: 1, cost: '10.5', sku: 'sku-a', team: 'payments' },
        { day: 5, cost: '4.000000001', sku: 'sku-a', team: 'payments' },
        { day: 7, cost: '2.25', sku: 'sku-b', team: 'search' },
        { day: 10, cost: '1', sku: 'sku-a' },
      ]),
    );
    writeFileSync(
      v2,
      focusCsv([
        { day: 1, cost: '10.5', sku: 'sku-a', team: 'payments' },
        { day: 5, cost: '3.5', sku: 'sku-a', team: 'payments' },
        { day: 10, cost: '1', sku: 'sku-a' },
        { day: 15, cost: '7.125', sku: 'sku-a', team: 'payments' },
        { day: 20, cost: '0.875', sku: 'sku-c', team: 'search', category: 'Tax' },
      ]),
    );
    const first = await importInto(db, [v1]);
    expect(first.periods.map((p) => p.action)).toEqual(['new']);
    expect((await sums(db)).USD!.billed).toBe(nano('17.750000001'));

    const second = await importInto(db, [v2]);
    expect(second.periods.map((p) => [p.action, p.superseded])).toEqual([['replaced', 1]]);
    expect((await sums(db)).USD).toEqual({
      billed: nano('23'),
      effective: nano('23'),
      list: nano('23'),
      rows: '5',
    });
    // Per team, too: search's day-7 line is gone, its day-20 tax is in.
    const search = await sums(db, `WHERE "team" = 'search'`);
    expect(search.USD!.billed).toBe(nano('0.875'));

    // The older delivery again: it ends before what is stored, so it is skipped and nothing changes.
    const stale = await importInto(db, [v1]);
    expect(stale.periods.map((p) => p.action)).toEqual(['skipped']);
    expect((await sums(db)).USD!.billed).toBe(nano('23'));
    // Unless forced.
    const forced = await importInto(db, [v1], { force: true });
    expect(forced.periods.map((p) => p.action)).toEqual(['replaced']);
    expect((await sums(db)).USD!.billed).toBe(nano('17.750000001'));
  });

  it('parts of one delivery imported together are one delivery', async () => {
    const db = 'parts';
    const p1 = join(dir, 'cur-part-1.csv');
    const p2 = join(dir, 'cur-part-2.csv');
    writeFileSync(p1, focusCsv([{ day: 2, cost: '1.1', sku: 'a' }]));
    writeFileSync(p2, focusCsv([{ day: 3, cost: '2.2', sku: 'b' }]));
    const s = await importInto(db, [p1, p2]);
    expect(s.files.map((f) => f.rows)).toEqual([1, 1]);
    expect((await sums(db)).USD!.billed).toBe(nano('3.3'));
  });
});

describe('the meterline import command', () => {
  it('reports a malformed row with its line number, imports the rest, exits 3, and prints exact totals', async () => {
    const file = join(dir, 'broken.csv');
    const csv = focusCsv([
      { day: 1, cost: '1.000000000000000000000000001', sku: 'a', team: 'payments' },
      { day: 2, cost: '12,5O', sku: 'a' },
      { day: 3, cost: '2', sku: 'b' },
    ]).replace('12,5O,12,5O,12,5O,12,5O', '"12,5O",1,1,1');
    writeFileSync(file, csv);
    const config = join(dir, 'meterline.yaml');
    writeFileSync(
      config,
      `influx:\n  url: ${influx.url}\n  database: cli\nattribution:\n  rules:\n    - id: team-tag\n      match: [{ key: team, source: attributes }]\n      set: { team: { from: team } }\n`,
    );
    const cli = join(ROOT, 'otel-processor', 'dist', 'cli.js');
    const result = await run(process.execPath, [cli, 'import', '--config', config, file]).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('broken.csv:3: BilledCost: not a decimal number: "12,5O"');
    expect(result.stdout).toContain('Rows: 2 imported, 1 rejected');
    expect(result.stdout).toContain('USD  billed 3.000000000000000000000000001');
    expect((await sums('cli')).USD).toMatchObject({ billed: nano('3'), rows: '2' });
  });

  it('names every format it tried when the header is none of them', async () => {
    const file = join(dir, 'not-an-export.csv');
    writeFileSync(file, 'date,amount\n2024-06-01,1\n');
    const cli = join(ROOT, 'otel-processor', 'dist', 'cli.js');
    const result = await run(process.execPath, [cli, 'import', '--dry-run', file]).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not a known billing export');
    for (const id of ['focus', 'aws-cur', 'aws-cur2', 'gcp', 'azure'])
      expect(result.stderr).toContain(`(${id}): missing`);
  });
});

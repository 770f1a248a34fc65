/**
 * The data source's provider-side query types against a real InfluxDB filled by meterline itself: the
 * FOCUS 1.3 fixture imported by `importExports` (with a team rule, so some rows stay unattributed), the
 * unknown-attribution ratios evaluated by the signals code, and `meterline reconcile` run in-process.
 * Provider spend must equal the fixture's hand-computed totals (test/fixtures/exports/…expected.json)
 * exactly; derived signals must equal the points meterline stored, read with this test's own InfluxQL.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Decimal from 'decimal.js';
import { Attributor, validateConfig } from '@meterline/cost-model';
import { EXPORT_FORMATS } from '../../otel-processor/src/exports/formats/registry';
import { importExports } from '../../otel-processor/src/exports/import';
import { createInfluxStore } from '../../otel-processor/src/influx/store';
import { runReconcileCommand } from '../../otel-processor/src/reconcile/command';
import { encodePoints } from '../../otel-processor/src/signals/points';
import { evaluateUnknownRatios } from '../../otel-processor/src/signals/unknown';
import { startInfluxDB, type InfluxInstance } from '../support/influxdb';
import { decimal, directDataSource, labelsOf, runQuery, valueField } from '../support/datasource-direct';
import type { DataSource } from '../../datasource-plugin/src/datasource';

const DB = 'exports';
const FIXTURE = join(__dirname, '../fixtures/exports/focus/focus-1.3.csv');
const EXPECTED = JSON.parse(readFileSync(FIXTURE.replace('.csv', '.expected.json'), 'utf8')) as {
  totals: Record<string, { billed: string; effective: string; list: string }>;
};
// The fixture's charges are in June 2024; ratios are evaluated at the end of its busiest day.
const FROM = Date.UTC(2024, 5, 1);
const TO = Date.UTC(2024, 6, 1);
const AT = Date.UTC(2024, 5, 4);
const Wide = Decimal.clone({ precision: 100 });

let influx: InfluxInstance;
let dir: string;
let ds: DataSource;

/** The fixture's exact total in nano-units, half-even (how InfluxDB holds it). */
function nano(amount: string): bigint {
  return BigInt(new Wide(amount).times(1e9).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toFixed());
}

async function stored(q: string): Promise<Array<Record<string, unknown>>> {
  const json = await influx.query(q, DB);
  return (json.results[0]?.series ?? []).flatMap((s) =>
    s.values.map((v) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) })),
  );
}

beforeAll(async () => {
  influx = await startInfluxDB();
  await influx.createDatabase(DB);
  dir = mkdtempSync(join(tmpdir(), 'meterline-ds-exports-'));
  const config = validateConfig({ influx: { url: influx.url, database: DB } });
  const store = createInfluxStore(config.influx!);
  try {
    await importExports({
      paths: [FIXTURE],
      formats: EXPORT_FORMATS,
      attributor: Attributor.compile({
        rules: [
          { id: 'team-tag', match: [{ key: 'team', source: 'attributes' }], set: { team: { from: 'team' } } },
        ],
        fallbacks: [],
      }),
      store,
    });
    await store.write(encodePoints(await evaluateUnknownRatios(store, AT)));
  } finally {
    await store.close();
  }
  const configFile = join(dir, 'meterline.yaml');
  writeFileSync(
    configFile,
    `catalog:\n  baseCurrency: USD\n  exchangeRates:\n    - { currency: GBP, rate: '1.27', effectiveFrom: '2024-01-01' }\ninflux:\n  url: ${influx.url}\n  database: ${DB}\n`,
  );
  let err = '';
  const code = await runReconcileCommand(
    ['--from', '2024-06-01', '--to', '2024-06-30', '--config', configFile],
    { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) } },
  );
  // 3: drift over the threshold (there is no telemetry for these bills, so every day drifts fully).
  if (code !== 3) throw new Error(`reconcile exited ${code}: ${err}`);
  ds = directDataSource(influx.url, { database: DB, defaultCurrency: 'USD' }, {});
}, 120_000);

afterAll(async () => {
  await influx?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('provider spend', () => {
  it.each(['billed', 'effective', 'list'] as const)(
    '%s cost per currency equals the file, exactly',
    async (field) => {
      const frames = await runQuery(
        ds,
        {
          queryType: 'spend',
          sources: ['provider'],
          providerField: field,
          groupBy: [],
          mode: 'cumulative',
          interval: '1d',
        },
        FROM,
        TO,
        86_400_000,
      );
      const byCurrency = new Map(frames.map((f) => [labelsOf(f).currency, f]));
      expect([...byCurrency.keys()].sort()).toEqual(Object.keys(EXPECTED.totals).sort());
      for (const [currency, totals] of Object.entries(EXPECTED.totals)) {
        const values = valueField(byCurrency.get(currency)!).values as number[];
        expect({ currency, total: values[values.length - 1] }).toEqual({
          currency,
          total: decimal(nano(totals[field])),
        });
      }
    },
  );
});

describe('unknown attribution', () => {
  it('the ratio series is the one the signals code stored', async () => {
    const frames = await runQuery(
      ds,
      { queryType: 'unknown', unknownView: 'ratio', unknownWindow: '1d', unknownSource: 'export' },
      AT - 3_600_000,
      AT + 3_600_000,
    );
    const rows = await stored(
      `SELECT "value" FROM "cost_signal" WHERE "signal" = 'unknown_ratio' AND "window" = '1d' AND "source" = 'export' AND time = ${AT}ms GROUP BY "currency"`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const frame = frames.find((f) => labelsOf(f).currency === row.currency);
      expect(frame).toBeDefined();
      const values = (valueField(frame!).values as Array<number | null>).filter((v) => v !== null);
      expect(values).toContain(row.value);
    }
    // Some rows have no team tag: a real share somewhere (GBP's is negative: its unattributed rows are credits).
    expect(rows.some((r) => r.value !== 0)).toBe(true);
  });

  it('the top unattributed sources add up to the unattributed spend', async () => {
    const frames = await runQuery(
      ds,
      { queryType: 'unknown', unknownView: 'sources', unknownSource: 'export', limit: 100 },
      FROM,
      TO,
    );
    const [expected] = await stored(
      `SELECT SUM("billed_nano") AS "n" FROM "provider_cost" WHERE "attribution" = 'unknown' AND "currency" = 'USD'`,
    );
    const table = frames[0]!;
    const amount = table.fields.find((f) => f.type === 'number' && /amount|spend|cost/i.test(f.name))!;
    const currency = table.fields.find((f) => f.name === 'currency');
    const usd = (amount.values as number[]).filter((_, i) => !currency || currency.values[i] === 'USD');
    expect(usd.length).toBeGreaterThan(0);
    expect(usd.reduce((a, b) => a + b, 0)).toBeCloseTo(decimal(BigInt(expected!.n as number)), 8);
  });
});

describe('reconciliation drift', () => {
  it('per day and provider/account: the ratios and billed amounts reconcile stored', async () => {
    const frames = await runQuery(ds, { queryType: 'drift' }, FROM, TO, 86_400_000);
    const rows = await stored(
      `SELECT "value", "billed_nano" FROM "cost_signal" WHERE "signal" = 'drift_ratio' GROUP BY "provider", "account", "currency"`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const frame = frames.find(
        (f) =>
          labelsOf(f).provider === row.provider &&
          labelsOf(f).account === row.account &&
          (labelsOf(f).currency ?? '') === (row.currency ?? ''),
      );
      expect(frame).toBeDefined();
      const time = frame!.fields.find((f) => f.type === 'time')!.values as number[];
      const i = time.indexOf(Date.parse(row.time as string));
      expect(i).toBeGreaterThanOrEqual(0);
      const field = (name: string) => frame!.fields.find((f) => f.name === name)!.values[i];
      expect(field('drift')).toBe(row.value);
      expect(field('billed')).toBe(decimal(BigInt(row.billed_nano as number)));
    }
  });
});

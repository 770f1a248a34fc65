/**
 * `meterline reconcile` against a real InfluxDB: constructed `provider_cost` bills and `cost` rollups with
 * known drift, the command run in-process with real argv, its exit status, output and the `cost_signal`
 * points it wrote, read back with the test's own raw queries.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runReconcileCommand } from '../../otel-processor/src/reconcile/command';
import type { CommandIo } from '../../otel-processor/src/reconcile/command-io';
import { startInfluxDB, type InfluxInstance } from '../support/influxdb';

const DB = 'reconcile_test';
const day = (d: number): number => Date.UTC(2026, 2, d); // March 2026
const MIN = 60_000;

let influx: InfluxInstance;
let dir: string;
let configFile: string;
let mappedConfigFile: string;

function yaml(url: string, reconcile: string): string {
  return `catalog:
  baseCurrency: USD
  exchangeRates:
    - { currency: EUR, rate: '1.08', effectiveFrom: '2026-01-01' }
influx:
  url: ${url}
  database: ${DB}
${reconcile}`;
}

/** Raw line protocol, ms precision: the test's own view of the data contract. */
function bill(t: number, billedNano: bigint, tags: string): string {
  return `provider_cost,${tags} billed_nano=${billedNano}i,effective_nano=${billedNano}i,list_nano=${billedNano}i,quantity=1,rows=1i,file="sha256:f1" ${t}`;
}
function cost(t: number, amountNano: bigint, tags: string): string {
  return `cost,source=telemetry,attribution=rule,sku=api.requests,${tags} amount_nano=${amountNano}i,quantity=1,events=1i,price_version="v1" ${t}`;
}

const AWS = 'provider=AWS,account=012345678901,currency=USD';

beforeAll(async () => {
  influx = await startInfluxDB();
  await influx.createDatabase(DB);
  await influx.write(DB, [
    // Day 1: 100 USD of usage billed (60 tagged payments, 40 unknown), plus 20 USD tax that telemetry
    // cannot model; 95.5 USD modelled over three minutes (57.3 payments, 38.2 search) → 4.5%.
    bill(day(1), 60_000_000_000n, `${AWS},charge=usage,team=payments`),
    bill(day(1), 40_000_000_000n, `${AWS},charge=usage,team=unknown`),
    bill(day(1), 20_000_000_000n, `${AWS},charge=tax`),
    cost(day(1) + 5 * MIN, 30_000_000_000n, 'currency=USD,team=payments,env=prod'),
    cost(day(1) + 6 * MIN, 27_300_000_000n, 'currency=USD,team=payments,env=prod'),
    cost(day(1) + 23 * 60 * MIN, 38_200_000_000n, 'currency=USD,team=search,env=prod'),
    // Day 2: 100 billed, 90 modelled → 10%.
    bill(day(2) + 3_600_000, 100_000_000_000n, `${AWS},charge=usage`),
    cost(day(2) + 12 * 60 * MIN, 90_000_000_000n, 'currency=USD,team=search,env=prod'),
    // Day 3: 108 USD billed, 100 EUR modelled at 1.08 → 0%.
    bill(day(3), 108_000_000_000n, `${AWS},charge=usage`),
    cost(day(3) + MIN, 100_000_000_000n, 'currency=EUR,team=search,env=prod'),
    // Day 4: beyond 2^53 nano-units on both sides, equal to the nano-unit: exactly 0.
    bill(day(4), 10_000_000_000_000_001n, `${AWS},charge=usage`),
    cost(day(4) + MIN, 5_000_000_000_000_000n, 'currency=USD,team=search,env=prod'),
    cost(day(4) + 2 * MIN, 5_000_000_000_000_001n, 'currency=USD,team=search,env=prod'),
    // Day 5: telemetry but no bill.
    cost(day(5) + MIN, 1_000_000_000n, 'currency=USD,team=search,env=prod'),
    // Day 10: two accounts; prod telemetry belongs to one, dev to the other.
    bill(day(10), 50_000_000_000n, `${AWS},charge=usage`),
    bill(day(10), 30_000_000_000n, 'provider=AWS,account=999999999999,currency=USD,charge=usage'),
    cost(day(10) + MIN, 50_000_000_000n, 'currency=USD,team=search,env=prod'),
    cost(day(10) + MIN, 30_000_000_000n, 'currency=USD,team=search,env=dev'),
    // Day 20: modelled in a currency the catalog cannot convert.
    bill(day(20), 1_000_000_000n, `${AWS},charge=usage`),
    cost(day(20) + MIN, 1_000_000_000n, 'currency=JPY,team=search,env=prod'),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'meterline-reconcile-test-'));
  configFile = join(dir, 'meterline.yaml');
  writeFileSync(configFile, yaml(influx.url, "reconcile:\n  threshold: '0.05'\n"));
  mappedConfigFile = join(dir, 'mapped.yaml');
  writeFileSync(
    mappedConfigFile,
    yaml(
      influx.url,
      `reconcile:
  accounts:
    - { provider: AWS, account: '012345678901', match: { env: prod } }
    - { provider: AWS, account: '999999999999', match: { env: dev } }
`,
    ),
  );
});

afterAll(async () => {
  await influx?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function reconcile(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CommandIo = {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  };
  const code = await runReconcileCommand(argv, io);
  return { code, out, err };
}

interface SignalPoint {
  time: number;
  tags: Record<string, string>;
  value: number | null;
  billed_nano: number;
  modelled_nano: number;
  no_bill: boolean;
}

async function signals(): Promise<SignalPoint[]> {
  const res = await influx.query(
    `SELECT "value", "billed_nano", "modelled_nano", "no_bill" FROM "cost_signal" WHERE "signal" = 'drift_ratio' AND time >= '2026-03-01T00:00:00Z' AND time < '2026-04-01T00:00:00Z' GROUP BY * `,
    DB,
  );
  const out: SignalPoint[] = [];
  for (const s of res.results[0]?.series ?? []) {
    for (const v of s.values) {
      const row = Object.fromEntries(s.columns.map((c, i) => [c, v[i]]));
      out.push({
        time: Date.parse(String(row.time)),
        tags: s.tags ?? {},
        value: row.value as number | null,
        billed_nano: row.billed_nano as number,
        modelled_nano: row.modelled_nano as number,
        no_bill: row.no_bill as boolean,
      });
    }
  }
  return out.sort((a, b) => a.time - b.time || (a.tags.team ?? '').localeCompare(b.tags.team ?? ''));
}

describe('meterline reconcile', () => {
  it('passes a 4.5% day at the 5% threshold and writes its drift signals', async () => {
    const { code, out, err } = await reconcile(
      '--from',
      '2026-03-01',
      '--to',
      '2026-03-01',
      '--config',
      configFile,
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(
      /^2026-03-01 {2}AWS\/012345678901 +100\.000000000 USD +95\.500000000 USD +4\.50 {2}ok$/m,
    );
    // Team row: billed 60 (tag attribution) vs modelled 57.3; search has no bill side, unknown is skipped.
    expect(out).toMatch(
      /^2026-03-01 {2}AWS\/012345678901 {2}payments +60\.000000000 USD +57\.300000000 USD +4\.50 {2}ok$/m,
    );
    expect(out).not.toMatch(/search|unknown +\d/);
    expect(out).toContain('not compared: tax charges of 20.000000000 USD');
    expect(out).toContain('OK: 2 rows within the threshold of 5.00%.');

    const points = await signals();
    expect(points).toEqual([
      {
        time: day(1),
        tags: {
          account: '012345678901',
          currency: 'USD',
          provider: 'AWS',
          signal: 'drift_ratio',
          team: '',
          window: '1d',
        },
        value: 0.045,
        billed_nano: 100_000_000_000,
        modelled_nano: 95_500_000_000,
        no_bill: false,
      },
      {
        time: day(1),
        tags: {
          account: '012345678901',
          currency: 'USD',
          provider: 'AWS',
          signal: 'drift_ratio',
          team: 'payments',
          window: '1d',
        },
        value: 0.045,
        billed_nano: 60_000_000_000,
        modelled_nano: 57_300_000_000,
        no_bill: false,
      },
    ]);
  });

  it('fails with exit 3 when a day drifts 10%, and a re-run rewrites the same points', async () => {
    const first = await reconcile('--from', '2026-03-01', '--to', '2026-03-05', '--config', configFile);
    expect(first.code).toBe(3);
    expect(first.out).toMatch(
      /^2026-03-02 {2}AWS\/012345678901 +100\.000000000 USD +90\.000000000 USD +10\.00 {2}over$/m,
    );
    // Day 3: 100 EUR at 1.08 = 108 USD, and the output says it converted.
    expect(first.out).toMatch(
      /^2026-03-03 {2}AWS\/012345678901 +108\.000000000 USD +108\.000000000 USD +0\.00 {2}ok$/m,
    );
    expect(first.out).toContain('modelled 100.000000000 EUR converted to 108.000000000 USD at 1.08');
    // Day 4: exact beyond 2^53.
    expect(first.out).toMatch(
      /^2026-03-04 .* 10000000\.000000001 USD +10000000\.000000001 USD +0\.00 {2}ok$/m,
    );
    // Day 5: telemetry, no bill.
    expect(first.out).toMatch(/^2026-03-05 {2}\* +0\.000000000 USD +1\.000000000 USD +— {2}no bill$/m);
    expect(first.out).toContain('DRIFT: 2 of 6 rows over the threshold of 5.00% on 2 days');

    const before = await signals();
    const second = await reconcile('--from', '2026-03-01', '--to', '2026-03-05', '--config', configFile);
    expect(second.code).toBe(3);
    expect(second.out).toBe(first.out);
    const after = await signals();
    expect(after).toEqual(before); // same series, same timestamps: overwritten, not duplicated
    expect(after).toHaveLength(6);
    const day2 = after.find((p) => p.time === day(2))!;
    expect(day2).toMatchObject({ value: 0.1, billed_nano: 100_000_000_000, modelled_nano: 90_000_000_000 });
    const day5 = after.find((p) => p.time === day(5))!;
    expect(day5).toMatchObject({
      value: null,
      no_bill: true,
      tags: expect.objectContaining({ provider: '*', account: '*' }),
    });

    // The int64 fields beyond 2^53, read as text (JSON.parse would round them).
    const res = await fetch(
      `${influx.url}/query?${new URLSearchParams({ db: DB, q: `SELECT "billed_nano", "modelled_nano" FROM "cost_signal" WHERE time = '2026-03-04T00:00:00Z'` })}`,
    );
    expect(await res.text()).toMatch(/,10000000000000001,10000000000000001\]/);
  });

  it('takes --threshold over the config, and prints JSON with --json', async () => {
    const { code, out } = await reconcile(
      '--from',
      '2026-03-01',
      '--to',
      '2026-03-02',
      '--threshold',
      '0.1',
      '--json',
      '--config',
      configFile,
    );
    expect(code).toBe(0);
    const json = JSON.parse(out) as {
      threshold: string;
      rows: { day: string; driftRatio: string; status: string; team?: string }[];
    };
    expect(json.threshold).toBe('0.1');
    expect(json.rows.map((r) => [r.day, r.team ?? '', r.driftRatio, r.status])).toEqual([
      ['2026-03-01', '', '0.045', 'ok'],
      ['2026-03-01', 'payments', '0.045', 'ok'],
      ['2026-03-02', '', '0.1', 'ok'],
    ]);
  });

  it('compares all accounts with all telemetry, or per account with reconcile.accounts', async () => {
    const all = await reconcile(
      '--from',
      '2026-03-10',
      '--to',
      '2026-03-10',
      '--json',
      '--config',
      configFile,
    );
    expect(all.code).toBe(0);
    expect((JSON.parse(all.out) as { rows: unknown[] }).rows).toEqual([
      expect.objectContaining({
        provider: '*',
        account: '*',
        billed: '80.000000000',
        modelled: '80.000000000',
      }),
    ]);
    const mapped = await reconcile(
      '--from',
      '2026-03-10',
      '--to',
      '2026-03-10',
      '--json',
      '--config',
      mappedConfigFile,
    );
    expect(mapped.code).toBe(0);
    expect((JSON.parse(mapped.out) as { rows: unknown[] }).rows).toEqual([
      expect.objectContaining({ account: '012345678901', billed: '50.000000000', modelled: '50.000000000' }),
      expect.objectContaining({ account: '999999999999', billed: '30.000000000', modelled: '30.000000000' }),
    ]);
  });

  it('exits 2 naming the currency when the catalog has no exchange rate', async () => {
    const { code, err, out } = await reconcile(
      '--from',
      '2026-03-20',
      '--to',
      '2026-03-20',
      '--config',
      configFile,
    );
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/modelled amounts are in JPY, the row compares in USD: cannot convert JPY into USD/);
  });
});

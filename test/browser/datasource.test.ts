/**
 * The real `meterline-cost-datasource` plugin, as Grafana loads it: its built `dist/module.js` (AMD, through
 * SystemJS) in headless Chromium, its editors rendered with the shared @grafana/ui, and its queries going
 * through Grafana's data proxy (emulated: plugin.json routes, credentials added server-side) to a real
 * InfluxDB that requires them, holding cost points written by meterline's own store code.
 *
 * Needs the plugin built: `npm run build:plugins` (part of `npm run build`, which `npm test` runs first).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInfluxStore, encodeCostPoint, type CostPointRow } from '../../otel-processor/src/influx';
import { REPO_ROOT } from '../support/grafana-harness/shared-bundle';
import { startHarness, type Harness } from '../support/grafana-harness';
import { startInfluxDB, type InfluxInstance } from '../support/influxdb';

const PLUGIN = 'meterline-cost-datasource';
const DIST = join(REPO_ROOT, 'datasource-plugin', 'dist');
const USER = 'meterline';
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const DB = 'meterline';
const MIN = 60_000;
const T0 = Date.UTC(2025, 0, 15, 10, 0);
const RANGE = { from: T0 - MIN, to: T0 + 5 * MIN };

const baseTags = {
  source: 'telemetry',
  tenant: 'acme',
  team: 'payments',
  center: 'cc-1',
  service: 'checkout',
  version: '1.2.3',
  sku: 'compute.gb_s',
  env: 'prod',
  region: 'eu-west-1',
  attribution: 'rule',
  currency: 'USD',
};

function row(
  over: Omit<Partial<CostPointRow>, 'tags'> & { tags?: Partial<CostPointRow['tags']> },
): CostPointRow {
  return {
    bucketMs: T0,
    amountNano: 0n,
    quantity: 1,
    events: 1,
    priceVersion: 'compute.gb_s@2025-01-01',
    ...over,
    tags: { ...baseTags, ...over.tags },
  };
}

/** What meterline wrote: per-minute rollups of two teams, two currencies, and an amount beyond 2^53 nano. */
const ROWS: CostPointRow[] = [
  row({ amountNano: 1_500_000_000n }),
  row({ amountNano: 7n, tags: { service: 'search' } }),
  row({ bucketMs: T0 + MIN, amountNano: 250_000_001n }),
  row({ bucketMs: T0 + 2 * MIN, amountNano: 9_007_199_254_740_993n }),
  row({ amountNano: 42n, tags: { team: 'search' } }),
  row({ bucketMs: T0 + 3 * MIN, amountNano: 3_333_333_333n, tags: { team: 'search' } }),
  row({ bucketMs: T0 + MIN, amountNano: 990_000_000n, tags: { currency: 'EUR' } }),
];
const LAST_BUCKET = Math.max(...ROWS.map((r) => r.bucketMs));

/** The exact decimal value of a nano amount, as the nearest double (independent of the plugin's code). */
function units(nano: bigint): number {
  const neg = nano < 0n;
  const abs = neg ? -nano : nano;
  return Number(
    `${neg ? '-' : ''}${abs / 1_000_000_000n}.${(abs % 1_000_000_000n).toString().padStart(9, '0')}`,
  );
}

/** Expected spend per (team, currency): bucket time → summed amount in currency units. */
function expectedSpend(): Map<string, Array<[number, number]>> {
  const sums = new Map<string, Map<number, bigint>>();
  for (const r of ROWS) {
    const key = `${r.tags.team}|${r.tags.currency}`;
    const byTime = sums.get(key) ?? new Map<number, bigint>();
    byTime.set(r.bucketMs, (byTime.get(r.bucketMs) ?? 0n) + r.amountNano);
    sums.set(key, byTime);
  }
  return new Map(
    [...sums].map(([k, byTime]) => [
      k,
      [...byTime].sort(([a], [b]) => a - b).map(([t, n]) => [t, units(n)] as [number, number]),
    ]),
  );
}

let influx: InfluxInstance;
let h: Harness;

beforeAll(async () => {
  if (!existsSync(join(DIST, 'module.js'))) {
    throw new Error(
      `${join(DIST, 'module.js')} is missing: build the plugin first with \`npm run build:plugins\` ` +
        '(node tools/plugin-build/build.mjs datasource-plugin)',
    );
  }
  influx = await startInfluxDB({ authEnabled: true });
  await influx.query(`CREATE USER "${USER}" WITH PASSWORD '${PASSWORD}' WITH ALL PRIVILEGES`);
  const store = createInfluxStore(
    { url: influx.url, database: DB, username: USER, password: PASSWORD, batchSize: 5000, timeoutMs: 5000 },
    { retry: { baseDelayMs: 10 } },
  );
  await store.ensureReady();
  await store.write(ROWS.map((r) => encodeCostPoint(r)));
  await store.close();

  h = await startHarness({ plugins: [{ id: PLUGIN, distDir: DIST }], theme: 'dark' });
  await h.registerDataSource({
    uid: 'meterline',
    type: PLUGIN,
    name: 'Meterline',
    jsonData: { influxUrl: influx.url, flavor: 'v1', auth: 'password', user: USER, database: DB },
    secureJsonData: { password: PASSWORD },
  });
});

afterAll(async () => {
  await h?.close();
  await influx?.stop();
});

it('the plugin export is a DataSourcePlugin with a config and a query editor', async () => {
  const loaded = await h.loadPlugin(PLUGIN);
  expect(loaded).toMatchObject({
    id: PLUGIN,
    kind: 'datasource',
    type: 'datasource',
    name: 'Meterline Cost',
  });
  expect(loaded.components).toEqual(expect.arrayContaining(['ConfigEditor', 'QueryEditor']));
});

it('config editor: renders the saved settings, and typing in the URL field changes them', async () => {
  const root = await h.renderDataSourceEditor('config', { uid: 'meterline' });
  const url = root.getByRole('textbox', { name: /^URL/ });
  await expect(url.inputValue()).resolves.toBe(influx.url);
  await url.fill('http://influxdb:8086');
  const state = await h.editorState();
  expect(state.options?.['jsonData']).toMatchObject({
    influxUrl: 'http://influxdb:8086',
    database: DB,
    user: USER,
  });
  // The password is a secure field: shown as configured, never as its value.
  expect(JSON.stringify(state.options)).not.toContain(PASSWORD);
  await h.screenshot('datasource/config-editor.png', { fullPage: true });
});

it('query editor: switching the query type changes the visible options', async () => {
  const root = await h.renderDataSourceEditor('query', { uid: 'meterline', query: { queryType: 'spend' } });
  const label = (text: string) => root.locator('label', { hasText: new RegExp(`^${text}$`) });
  await label('Group by').waitFor();
  await expect(label('Budget').count()).resolves.toBe(0);
  await h.screenshot('datasource/query-editor-spend.png', { fullPage: true });

  await root.getByRole('combobox', { name: 'Query type' }).click();
  await h.page.getByRole('option', { name: 'Burn rate & budgets' }).click();
  await label('Budget').waitFor();
  await expect(label('Group by').count()).resolves.toBe(0);
  const state = await h.editorState();
  expect(state.query?.['queryType']).toBe('burn');
  expect(state.runQueryCalls).toBeGreaterThan(0);
  await h.screenshot('datasource/query-editor-burn.png', { fullPage: true });
});

it('a spend query goes through the data proxy and returns the exact amounts meterline wrote', async () => {
  const before = h.forwarded().length;
  const res = await h.runDataSourceQuery('meterline', {
    targets: [
      {
        refId: 'A',
        queryType: 'spend',
        groupBy: ['team'],
        sources: ['telemetry'],
        mode: 'rate',
        interval: '1m',
      },
    ],
    range: RANGE,
  });
  expect(res.error).toBeUndefined();
  const got = new Map(
    res.frames.map((f) => {
      const amount = f.fields.find((x) => x.name === 'amount');
      const time = f.fields.find((x) => x.type === 'time');
      const labels = amount?.labels ?? {};
      expect(f.refId).toBe('A');
      return [
        `${labels['team']}|${labels['currency']}`,
        (time?.values ?? []).map((t, i) => [t, amount?.values?.[i]] as [number, number]),
      ];
    }),
  );
  expect(got).toEqual(expectedSpend());
  // The amount beyond 2^53 nano-units arrived exactly (a plain JSON.parse would be off by one nano).
  expect(got.get('payments|USD')?.find(([t]) => t === T0 + 2 * MIN)?.[1]).toBe(9007199.254740993);

  // The credentials were added by the proxy route, and never reached the page.
  const forwarded = h.forwarded().slice(before);
  expect(forwarded.length).toBeGreaterThan(0);
  for (const f of forwarded) {
    expect(f).toMatchObject({
      uid: 'meterline',
      route: 'influx-password',
      injectedParams: { u: USER, p: PASSWORD },
      status: 200,
    });
  }
  const pageRequests = h.pageRequests();
  expect(
    pageRequests.some((r) => r.url.includes('/api/datasources/proxy/uid/meterline/influx-password/query')),
  ).toBe(true);
  for (const r of pageRequests) {
    expect(`${r.url} ${JSON.stringify(r.headers)} ${r.postData ?? ''}`).not.toContain(PASSWORD);
  }
  expect(JSON.stringify(await h.dataSourceInstanceSettings('meterline'))).not.toContain(PASSWORD);
});

it("the dashboard's ad-hoc filters narrow a spend query", async () => {
  const res = await h.runDataSourceQuery('meterline', {
    targets: [{ refId: 'A', queryType: 'spend', groupBy: ['team'], sources: ['telemetry'], interval: '1m' }],
    range: RANGE,
    filters: [{ key: 'team', operator: '=', value: 'search' }],
  });
  expect(res.error).toBeUndefined();
  expect(res.frames.map((f) => f.fields.find((x) => x.name === 'amount')?.labels?.['team'])).toEqual([
    'search',
  ]);
  expect(res.frames[0]?.fields.find((x) => x.name === 'amount')?.values).toEqual(
    expectedSpend()
      .get('search|USD')
      ?.map(([, v]) => v),
  );
});

it('testDatasource reports success with what it found', async () => {
  const result = await h.testDataSource('meterline');
  expect(result.status).toBe('success');
  expect(result.message).toMatch(
    new RegExp(
      `^Connected to InfluxDB ${influx.version.replace(/[.~]/g, '\\$&')}, database "${DB}"; ` +
        `latest cost point at ${new Date(LAST_BUCKET).toISOString().replace(/\./g, '\\.')}\\b`,
    ),
  );
});

it('testDatasource with a wrong database reports precisely what to fix', async () => {
  await h.registerDataSource({
    uid: 'wrong-db',
    type: PLUGIN,
    jsonData: { influxUrl: influx.url, flavor: 'v1', auth: 'password', user: USER, database: 'nope' },
    secureJsonData: { password: PASSWORD },
  });
  const result = await h.testDataSource('wrong-db');
  expect(result).toMatchObject({
    status: 'error',
    message: `InfluxDB ${influx.version} has no database "nope". Check "Database" (or the bucket's v1 mapping).`,
  });
});

it('testDatasource with a wrong password says to re-enter it', async () => {
  await h.registerDataSource({
    uid: 'wrong-password',
    type: PLUGIN,
    jsonData: { influxUrl: influx.url, flavor: 'v1', auth: 'password', user: USER, database: DB },
    secureJsonData: { password: 'wrong' },
  });
  const result = await h.testDataSource('wrong-password');
  // InfluxDB answers 401; Grafana's proxy turns that into 400 "Authentication to data source failed".
  expect(h.forwarded().at(-1)).toMatchObject({ uid: 'wrong-password', status: 401, sentStatus: 400 });
  expect(result.status).toBe('error');
  expect(result.message).toMatch(
    new RegExp(`rejected the user "${USER}" and password .*re-enter the password`),
  );
});

it('left no console errors, page errors or unexpected requests', () => {
  // Chromium logs the refused request of the wrong-password check as a failed resource load.
  expect(h.consoleErrors().filter((e) => !/status of 400 \(Bad Request\)/.test(e))).toEqual([]);
  expect(h.server.notFound).toEqual([]);
});

/**
 * The Grafana plugin harness itself, proven with two tiny fixture plugins built like real ones (webpack,
 * AMD, Grafana's externals): they load through SystemJS against the shared @grafana/* builds, the
 * `instanceof` checks tell a real plugin from a look-alike, the panel renders in light and dark, the
 * editors keep their state like Grafana's pages do, and the data source's queries go through the data
 * proxy emulation to a real InfluxDB that requires credentials only the proxy knows.
 */
import { randomBytes } from 'node:crypto';
import type { FieldType } from '@grafana/data';
import { readFileSync, statSync } from 'node:fs';
import { startHarness, type Harness } from '../support/grafana-harness';
import { startInfluxDB, type InfluxInstance } from '../support/influxdb';
import {
  FIXTURE_DATASOURCE,
  FIXTURE_IMPOSTOR,
  FIXTURE_PANEL,
  buildFixtures,
  type BuiltFixtures,
} from './fixtures/build-fixtures';

const USER = 'admin';
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const DB = 'harness';
const T0 = Date.UTC(2025, 0, 15, 10, 0);
const MIN = 60_000;
const RANGE = { from: T0 - MIN, to: T0 + 10 * MIN };

/** The points written to InfluxDB, per host: [time, value]. */
const POINTS: Record<string, Array<[number, number]>> = {
  a: [
    [T0, 1.5],
    [T0 + MIN, 2.25],
  ],
  b: [[T0, 10]],
  c: [[T0 + 2 * MIN, -3.75]],
};

let influx: InfluxInstance;
let fixtures: BuiltFixtures;
let h: Harness;

/** InfluxDB with authentication on: a request without the proxy's credentials is refused. */
async function influxAsAdmin(path: string, params: Record<string, string>, body?: string): Promise<string> {
  const qs = new URLSearchParams({ ...params, u: USER, p: PASSWORD });
  const res = await fetch(`${influx.url}${path}?${qs}`, { method: 'POST', body: body ?? null });
  const text = await res.text();
  if (!res.ok) throw new Error(`influx ${path}: HTTP ${res.status}: ${text}`);
  return text;
}

beforeAll(async () => {
  [influx, fixtures] = await Promise.all([startInfluxDB({ authEnabled: true }), buildFixtures()]);
  // With no user yet, InfluxDB only accepts creating the first admin.
  await influx.query(`CREATE USER "${USER}" WITH PASSWORD '${PASSWORD}' WITH ALL PRIVILEGES`);
  await influxAsAdmin('/query', { q: `CREATE DATABASE "${DB}"` });
  const lines = Object.entries(POINTS).flatMap(([host, pts]) =>
    pts.map(([t, v]) => `fixture,host=${host} value=${v} ${t}`),
  );
  await influxAsAdmin('/write', { db: DB, precision: 'ms' }, lines.join('\n'));
  h = await startHarness({
    plugins: [fixtures.datasource, fixtures.panel, fixtures.impostor],
    theme: 'light',
  });
  for (const id of [FIXTURE_DATASOURCE, FIXTURE_PANEL]) await h.loadPlugin(id);
  await h.registerDataSource({
    uid: 'fixture',
    type: FIXTURE_DATASOURCE,
    jsonData: { influxUrl: influx.url, database: DB, user: USER },
    secureJsonData: { password: PASSWORD },
  });
});

afterAll(async () => {
  await h?.close();
  await influx?.stop();
  fixtures?.remove();
});

describe('loading plugins the way Grafana does', () => {
  it('imports the built AMD modules through SystemJS and checks the plugin export with instanceof', async () => {
    // What was served is a real AMD module whose Grafana dependencies are external, not bundled.
    const dsModule = readFileSync(`${fixtures.datasource.distDir}/module.js`, 'utf8');
    expect(dsModule).toMatch(
      /^define\(\["@grafana\/data","@grafana\/runtime","@grafana\/ui","react","rxjs"\]/,
    );
    expect(statSync(`${fixtures.datasource.distDir}/module.js`).size).toBeLessThan(40_000);

    const ds = await h.loadPlugin(FIXTURE_DATASOURCE);
    expect(ds).toMatchObject({
      id: FIXTURE_DATASOURCE,
      kind: 'datasource',
      type: 'datasource',
      name: 'Harness fixture data source',
    });
    expect(ds.components).toEqual(expect.arrayContaining(['ConfigEditor', 'QueryEditor']));
    expect(ds.exports).toEqual(expect.arrayContaining(['plugin', 'FixtureDataSource']));
    const panel = await h.loadPlugin(FIXTURE_PANEL);
    expect(panel).toMatchObject({ kind: 'panel', type: 'panel', components: ['panel'] });
    const requested = h.pageRequests().map((r) => new URL(r.url).pathname);
    expect(requested).toEqual(
      expect.arrayContaining([
        `/plugins/${FIXTURE_DATASOURCE}/module.js`,
        `/plugins/${FIXTURE_PANEL}/module.js`,
      ]),
    );
  });

  it('tells a duck-typed look-alike from a real DataSourcePlugin', async () => {
    const impostor = await h.loadPlugin(FIXTURE_IMPOSTOR);
    expect(impostor.kind).toBe('unknown');
    expect(impostor.exports).toContain('plugin');
  });
});

describe('the fixture panel', () => {
  const frames = [
    {
      name: 'spend',
      fields: [
        // Type-only enum members: @grafana/data itself does not load in Node (it touches window).
        { name: 'time', type: 'time' as FieldType.time, values: [T0, T0 + MIN] },
        { name: 'value', type: 'number' as FieldType.number, values: [1, 42.5] },
      ],
    },
  ];

  it('renders its DOM with option defaults and field config, in light then dark, with screenshots', async () => {
    await h.setTheme('light');
    const panel = await h.renderPanel(FIXTURE_PANEL, {
      frames,
      fieldConfig: { defaults: { decimals: 2 } },
      width: 320,
      height: 160,
    });
    await expect(panel.getByTestId('fixture-value').textContent()).resolves.toBe('42.50');
    // The option's default comes from the plugin's options builder.
    await expect(panel.getByTestId('fixture-label').textContent()).resolves.toBe('Total');
    const bg = () =>
      panel
        .getByTestId('fixture-panel')
        .evaluate(
          (el) =>
            (
              globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }
            ).getComputedStyle(el).backgroundColor,
        );
    const light = await bg();
    const lightShot = await h.screenshot('harness/fixture-panel-light.png', {
      selector: '[data-testid="harness-panel"]',
    });

    await h.setTheme('dark');
    const dark = await bg();
    const darkShot = await h.screenshot('harness/fixture-panel-dark.png', {
      selector: '[data-testid="harness-panel"]',
    });
    const luminance = (rgb: string) =>
      (rgb.match(/\d+/g) ?? []).slice(0, 3).reduce((s, x) => s + Number(x), 0);
    expect(light).toBe('rgb(255, 255, 255)');
    expect(luminance(dark)).toBeLessThan(200);
    for (const shot of [lightShot, darkShot]) {
      expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
      expect(statSync(shot).size).toBeGreaterThan(1000);
    }
  });

  it('passes options, colors by the default thresholds, and shows "No data" without frames', async () => {
    const colorOf = async (value: number) => {
      const panel = await h.renderPanel(FIXTURE_PANEL, {
        frames: [{ fields: [{ name: 'value', type: 'number' as FieldType.number, values: [value] }] }],
      });
      return panel.getByTestId('fixture-value').getAttribute('data-color');
    };
    // Grafana's default thresholds: base green, red from 80.
    const below = await colorOf(79);
    const above = await colorOf(80);
    expect(below).toMatch(/^(#|rgb)/);
    expect(above).toMatch(/^(#|rgb)/);
    expect(above).not.toBe(below);

    const panel = await h.renderPanel(FIXTURE_PANEL, { frames: [], options: { label: 'Spend today' } });
    await expect(panel.getByTestId('fixture-label').textContent()).resolves.toBe('Spend today');
    await expect(panel.getByTestId('fixture-value').textContent()).resolves.toBe('No data');
  });
});

describe('the fixture data source editors', () => {
  it('config editor: typing in the URL field changes the saved options; secrets show as configured', async () => {
    const root = await h.renderDataSourceEditor('config', { uid: 'fixture' });
    const url = root.getByLabel('InfluxDB URL');
    await expect(url.inputValue()).resolves.toBe(influx.url);
    await url.fill('http://influxdb:8086');
    const state = await h.editorState();
    expect(state.options?.['jsonData']).toEqual({
      influxUrl: 'http://influxdb:8086',
      database: DB,
      user: USER,
    });
    expect(state.changes).toBeGreaterThan(0);
    // Grafana's SecretInput shows a configured secret as "configured" with a Reset button, never its value.
    await root.getByRole('button', { name: 'Reset' }).waitFor();
    await expect(root.getByLabel('Password').inputValue()).resolves.toBe('configured');
  });

  it('query editor: switching the query type changes the visible options', async () => {
    const root = await h.renderDataSourceEditor('query', {
      uid: 'fixture',
      query: { kind: 'series', hosts: 'a' },
    });
    await expect(root.getByLabel('Hosts').inputValue()).resolves.toBe('a');
    await root.getByRole('radio', { name: 'Count' }).click();
    await root.getByTestId('fixture-count-hint').waitFor();
    await expect(root.getByLabel('Hosts').count()).resolves.toBe(0);
    const state = await h.editorState();
    expect(state.query).toMatchObject({ refId: 'A', kind: 'count', hosts: 'a' });
    expect(state.runQueryCalls).toBe(1);
  });
});

describe('queries through the data proxy emulation to a real InfluxDB', () => {
  const seriesOf = (frames: Awaited<ReturnType<Harness['runDataSourceQuery']>>['frames']) =>
    Object.fromEntries(
      frames.map((f) => [f.name, (f.fields[0]?.values ?? []).map((t, i) => [t, f.fields[1]?.values?.[i]])]),
    );

  it('returns the written points; the route injected the credentials, which never reached the page', async () => {
    const before = h.forwarded().length;
    const res = await h.runDataSourceQuery('fixture', {
      targets: [{ refId: 'A', measurement: 'fixture' }],
      range: RANGE,
    });
    expect(res.error).toBeUndefined();
    expect(seriesOf(res.frames)).toEqual(POINTS);
    expect(res.frames[0]?.refId).toBe('A');

    const forwarded = h.forwarded().slice(before);
    expect(forwarded).toHaveLength(1);
    expect(forwarded[0]).toMatchObject({
      uid: 'fixture',
      method: 'GET',
      route: 'influx-password',
      injectedParams: { u: USER, p: PASSWORD },
      status: 200,
    });
    const target = new URL(forwarded[0]?.target ?? '');
    expect(`${target.origin}${target.pathname}`).toBe(`${influx.url}/query`);
    expect(target.searchParams.get('db')).toBe(DB);
    expect(target.searchParams.get('p')).toBe(PASSWORD);

    const proxied = h.pageRequests().filter((r) => r.url.includes('/api/datasources/proxy/uid/fixture/'));
    expect(proxied.length).toBeGreaterThan(0);
    expect(new URL(proxied[0]?.url ?? '').pathname).toBe(
      '/api/datasources/proxy/uid/fixture/influx-password/query',
    );
    for (const r of h.pageRequests()) {
      expect(`${r.url} ${JSON.stringify(r.headers)} ${r.postData ?? ''}`).not.toContain(PASSWORD);
    }
    expect(await h.page.content()).not.toContain(PASSWORD);
    const settings = await h.dataSourceInstanceSettings('fixture');
    expect(settings).toMatchObject({ url: '/api/datasources/proxy/uid/fixture', jsonData: { user: USER } });
    expect(JSON.stringify(settings)).not.toContain(PASSWORD);
  });

  it('forwards POST bodies, and applies dashboard variables with the format the data source asks for', async () => {
    await h.setVariables([
      { name: 'measurement', value: 'fixture' },
      { name: 'hosts', value: ['a', 'c'], options: ['a', 'b', 'c'] },
      { name: 'everyone', value: '$__all', options: ['a', 'b', 'c'] },
    ]);
    const res = await h.runDataSourceQuery('fixture', {
      targets: [
        { refId: 'A', measurement: '$measurement', hosts: '$hosts', method: 'POST' },
        { refId: 'B', measurement: '${measurement}', hosts: '${everyone}', kind: 'count' },
      ],
      range: RANGE,
    });
    expect(seriesOf(res.frames.filter((f) => f.refId === 'A'))).toEqual({ a: POINTS['a'], c: POINTS['c'] });
    expect(res.frames.find((f) => f.refId === 'B')?.fields[0]?.values).toEqual([4]);
    const posted = h.forwarded().filter((f) => f.method === 'POST');
    expect(posted.at(-1)).toMatchObject({
      route: 'influx-password',
      status: 200,
      injectedParams: { u: USER, p: PASSWORD },
    });
    const postRequest = h
      .pageRequests()
      .filter((r) => r.method === 'POST')
      .at(-1);
    // The regex format of a multi-value variable, as Grafana renders it: (a|c).
    expect(decodeURIComponent((postRequest?.postData ?? '').replace(/\+/g, ' '))).toContain(
      '"host" =~ /^(a|c)$/',
    );
  });

  it('a header route injects its header; testDatasource reports success with the right credentials', async () => {
    const before = h.forwarded().length;
    // InfluxDB ignores the fixture's header: without u/p it refuses, and Grafana turns its 401 into a 400.
    await expect(
      h.runDataSourceQuery('fixture', {
        targets: [{ refId: 'A', route: 'influx-header', kind: 'count' }],
        range: RANGE,
      }),
    ).rejects.toThrow('query() failed: Authentication to data source failed (HTTP 400)');
    expect(h.forwarded()[before]).toMatchObject({
      route: 'influx-header',
      injectedHeaders: { 'X-Fixture-Secret': PASSWORD },
      injectedParams: {},
      status: 401,
      sentStatus: 400,
    });
    await expect(h.testDataSource('fixture')).resolves.toEqual({
      status: 'success',
      message: `Connected to ${DB}`,
    });
  });

  it('with a wrong password InfluxDB refuses, and the data source reports the precise failure', async () => {
    await h.registerDataSource({
      uid: 'fixture-bad',
      type: FIXTURE_DATASOURCE,
      jsonData: { influxUrl: influx.url, database: DB, user: USER },
      secureJsonData: { password: 'wrong' },
    });
    await expect(h.testDataSource('fixture-bad')).resolves.toEqual({
      status: 'error',
      message: 'InfluxDB: HTTP 400: Authentication to data source failed',
    });
    expect(h.forwarded().at(-1)).toMatchObject({
      uid: 'fixture-bad',
      injectedParams: { p: 'wrong' },
      status: 401,
    });
    await expect(
      h.runDataSourceQuery('fixture-bad', { targets: [{ refId: 'A' }], range: RANGE }),
    ).rejects.toThrow('query() failed: Authentication to data source failed (HTTP 400)');
  });

  it('left no unexpected console errors, page errors or 404s', () => {
    // The refused requests above are logged by Chromium as failed resource loads; nothing else may be.
    const unexpected = h.consoleErrors().filter((e) => !/status of 400 \(Bad Request\)/.test(e));
    expect(unexpected).toEqual([]);
    expect(h.server.notFound).toEqual([]);
  });
});

/**
 * The real `meterline-attribution-panel`, as Grafana loads it (its built `dist/module.js`, AMD through
 * SystemJS, in headless Chromium), rendering frames that the real `meterline-cost-datasource` produced
 * through Grafana's data proxy from a real InfluxDB filled by meterline's own code:
 *
 * - a FOCUS 1.3 bill imported by `importExports` with a team rule, so some rows stay unattributed (among
 *   them a GBP credit: the GBP ratio is negative);
 * - priced telemetry rollups written by the InfluxDB store: 10 USD attributed per hour and a growing
 *   unattributed share from three services, one of them with a name that needs URL-encoding;
 * - the unknown ratios evaluated by the signals code every hour.
 *
 * Screenshots (light and dark, 800×300) go to test/artifacts/panels/; with UPDATE_SCREENSHOTS=1 they are
 * also copied to panel-plugin/attribution/src/img/, where plugin.json and the README use them.
 *
 * Needs both plugins built: `node tools/plugin-build/build.mjs datasource-plugin panel-plugin/attribution`.
 */
import { copyFileSync, existsSync, statSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { join } from 'node:path';
import { Attributor, validateConfig } from '@meterline/cost-model';
import { EXPORT_FORMATS } from '../../otel-processor/src/exports/formats/registry';
import { importExports } from '../../otel-processor/src/exports/import';
import { createInfluxStore, encodeCostPoint, type CostPointRow } from '../../otel-processor/src/influx';
import { encodePoints } from '../../otel-processor/src/signals/points';
import { evaluateUnknownRatios } from '../../otel-processor/src/signals/unknown';
import { REPO_ROOT } from '../support/grafana-harness/shared-bundle';
import { startHarness, type Harness } from '../support/grafana-harness';
import { startInfluxDB, type InfluxInstance } from '../support/influxdb';

const DS = 'meterline-cost-datasource';
const PANEL = 'meterline-attribution-panel';
const DS_DIST = join(REPO_ROOT, 'datasource-plugin', 'dist');
const PANEL_DIST = join(REPO_ROOT, 'panel-plugin', 'attribution', 'dist');
const FOCUS = join(REPO_ROOT, 'test', 'fixtures', 'exports', 'focus', 'focus-1.3.csv');
const DB = 'meterline';
const HOUR = 3_600_000;
// The FOCUS fixture's usage is charged 2024-06-03 10:00–11:00 UTC; telemetry follows from 11:00 to 18:00.
const T0 = Date.UTC(2024, 5, 3, 10);
const RANGE = { from: T0, to: T0 + 8 * HOUR };
const WIDTH = 800;
const HEIGHT = 300;

/** A service name with characters a URL must escape. */
const CRON = 'legacy-cron & reports/v2';

/** Unattributed USD per telemetry hour (11:00…17:00), in nano-units; 10 USD is attributed every hour. */
const UNKNOWN_NANO = [200, 300, 350, 500, 600, 700, 800].map((m) => BigInt(m) * 1_000_000n);
const ATTRIBUTED_NANO = 10_000_000_000n;
/** How each hour's unknown spend splits between the services (60/30/10). */
const SPLIT = [
  { service: CRON, sku: 'compute.gb_s', region: 'eu-west-1', part: 6n },
  { service: 'image-resizer', sku: 'egress.gb', region: 'us-east-1', part: 3n },
  { service: 'search-indexer', sku: 'storage.gb_h', region: 'eu-west-1', part: 1n },
];

const baseTags = {
  source: 'telemetry',
  tenant: '',
  team: '',
  center: '',
  service: 'checkout',
  version: '1.4.0',
  sku: 'compute.gb_s',
  env: 'prod',
  region: 'eu-west-1',
  attribution: 'unknown',
  currency: 'USD',
};

function costRow(bucketMs: number, amountNano: bigint, tags: Partial<typeof baseTags>): CostPointRow {
  return {
    bucketMs,
    amountNano,
    quantity: 1,
    events: 1,
    priceVersion: 'catalog@2024-06-01',
    tags: { ...baseTags, ...tags },
  };
}

function telemetryRows(): CostPointRow[] {
  const rows: CostPointRow[] = [];
  UNKNOWN_NANO.forEach((unknown, i) => {
    const t = T0 + (i + 1) * HOUR;
    rows.push(
      costRow(t, ATTRIBUTED_NANO, { team: 'payments', tenant: 'acme', center: 'cc-1', attribution: 'rule' }),
    );
    for (const s of SPLIT) {
      rows.push(costRow(t, (unknown * s.part) / 10n, { service: s.service, sku: s.sku, region: s.region }));
    }
  });
  return rows;
}

/** The percent text of a ratio as the panel's field config says (`percentunit`, 1 decimal). */
const pct = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;

let influx: InfluxInstance;
let h: Harness;
let frames: Array<Parameters<Harness['renderPanel']>[1]['frames'][number]>;
let ratioFrames: typeof frames;
let sourceFrames: typeof frames;
/** The latest unknown ratio meterline stored per currency in the range, read with our own InfluxQL. */
let storedLast: Map<string, number>;

beforeAll(async () => {
  for (const dist of [DS_DIST, PANEL_DIST]) {
    if (!existsSync(join(dist, 'module.js'))) {
      throw new Error(
        `${join(dist, 'module.js')} is missing: build the plugins first with ` +
          '`node tools/plugin-build/build.mjs datasource-plugin panel-plugin/attribution`',
      );
    }
  }
  influx = await startInfluxDB();
  await influx.createDatabase(DB);
  const config = validateConfig({ influx: { url: influx.url, database: DB } });
  const store = createInfluxStore(config.influx!);
  try {
    await importExports({
      paths: [FOCUS],
      formats: EXPORT_FORMATS,
      attributor: Attributor.compile({
        rules: [
          { id: 'team-tag', match: [{ key: 'team', source: 'attributes' }], set: { team: { from: 'team' } } },
        ],
        fallbacks: [],
      }),
      store,
    });
    await store.write(telemetryRows().map((r) => encodeCostPoint(r)));
    // The signals loop, every hour from 11:00 to 18:00.
    for (let at = T0 + HOUR; at <= RANGE.to; at += HOUR) {
      await store.write(encodePoints(await evaluateUnknownRatios(store, at)));
    }
  } finally {
    await store.close();
  }
  const stored = await influx.query(
    `SELECT LAST("value") FROM "cost_signal" WHERE "signal" = 'unknown_ratio' AND "window" = '1h' AND "source" = 'all' AND time >= ${RANGE.from}ms AND time <= ${RANGE.to}ms GROUP BY "currency"`,
    DB,
  );
  storedLast = new Map(
    (stored.results[0]?.series ?? []).map((s) => [s.tags?.currency ?? '', s.values[0]![1] as number]),
  );

  h = await startHarness({
    plugins: [
      { id: DS, distDir: DS_DIST },
      { id: PANEL, distDir: PANEL_DIST },
    ],
    theme: 'light',
    viewport: { width: WIDTH, height: HEIGHT },
  });
  await h.loadPlugin(DS);
  await h.loadPlugin(PANEL);
  await h.registerDataSource({
    uid: 'meterline',
    type: DS,
    name: 'Meterline',
    jsonData: { influxUrl: influx.url, flavor: 'v1', auth: 'none', database: DB, defaultCurrency: 'USD' },
  });
  const ratio = await h.runDataSourceQuery('meterline', {
    targets: [
      {
        refId: 'A',
        queryType: 'unknown',
        unknownView: 'ratio',
        unknownWindow: '1h',
        unknownSource: 'all',
        interval: '1h',
      },
    ],
    range: RANGE,
  });
  const sources = await h.runDataSourceQuery('meterline', {
    targets: [{ refId: 'B', queryType: 'unknown', unknownView: 'sources', unknownSource: 'all', limit: 10 }],
    range: RANGE,
  });
  expect(ratio.error).toBeUndefined();
  expect(sources.error).toBeUndefined();
  ratioFrames = ratio.frames;
  sourceFrames = sources.frames;
  frames = [...ratioFrames, ...sourceFrames];
}, 180_000);

afterAll(async () => {
  await h?.close();
  await influx?.stop();
});

/** The last value of the ratio frame of `currency`. */
function lastRatio(currency: string): number {
  const frame = ratioFrames.find((f) =>
    f.fields.some((x) => x.name === 'unknown ratio' && x.labels?.['currency'] === currency),
  );
  const values = (frame?.fields.find((x) => x.name === 'unknown ratio')?.values ?? []) as Array<
    number | null
  >;
  const last = values.filter((v): v is number => typeof v === 'number').at(-1);
  if (last === undefined) throw new Error(`no ${currency} ratio in ${JSON.stringify(ratioFrames)}`);
  return last;
}

it('the plugin export is a panel plugin', async () => {
  await expect(h.loadPlugin(PANEL)).resolves.toMatchObject({ id: PANEL, kind: 'panel', type: 'panel' });
});

it('the data source gave both views: a ratio per currency and the sources table', () => {
  expect(ratioFrames.length).toBe(2);
  // 18:00 evaluates 17:00–18:00: 0.8 USD unattributed of 10.8 USD.
  expect(lastRatio('USD')).toBeCloseTo(0.8 / 10.8, 12);
  expect(lastRatio('USD')).toBe(storedLast.get('USD'));
  // GBP: only the bill's hour (evaluated at 11:00), whose unattributed row is a −0.50 credit:
  // −0.5 / (1.0023 − 0.5 + 0.0465) = −0.9110787…
  expect(lastRatio('GBP')).toBe(storedLast.get('GBP'));
  expect(lastRatio('GBP')).toBeCloseTo(-0.5 / 0.5488, 12);
  expect(sourceFrames).toHaveLength(1);
});

it('renders the ratio the frames hold, over target, with its trend and the sources, linking with escaped values', async () => {
  const panel = await h.renderPanel(PANEL, { frames, width: WIDTH, height: HEIGHT, timeRange: RANGE });
  const number = panel.getByTestId('attribution-ratio');
  const usd = lastRatio('USD');
  await expect(number.textContent()).resolves.toBe(pct(usd));
  expect(pct(usd)).toBe('7.4%');
  // USD is furthest over target, so it is the big number; GBP (a net credit) is listed under it.
  await expect(number.getAttribute('aria-label')).resolves.toBe(
    `Unknown attribution (USD) ${pct(usd)}, over the 5% target`,
  );
  await expect(panel.getByTestId('attribution-status').textContent()).resolves.toBe(
    'over target · target 5%',
  );
  await expect(panel.getByRole('list', { name: 'Other currencies' }).textContent()).resolves.toBe(
    `GBP ${pct(lastRatio('GBP'))} credit`,
  );
  // The trend: 11:00 (the bill's hour, ~0%) … 18:00.
  await expect(panel.getByTestId('attribution-sparkline').getAttribute('aria-label')).resolves.toBe(
    `Trend of unknown attribution over the time range: from 0.0% to ${pct(usd)}; target 5%`,
  );

  const table = panel.getByRole('table');
  await expect(table.locator('caption').textContent()).resolves.toBe('Top unattributed sources');
  const services = await table.getByRole('rowheader').allTextContents();
  // Telemetry's 3.45 USD split 60/30/10, then the bill's unattributed rows (log storage, the GBP credit).
  expect(services.slice(0, 3)).toEqual([CRON, 'image-resizer', 'search-indexer']);
  expect(services).toContain('Cloud Storage');
  const cronRow = table.getByRole('row').filter({ has: h.page.getByRole('rowheader', { name: CRON }) });
  // Mixed currencies in the table: amounts carry their code. 0.6 × 3.45 = 2.07 USD, 60.0% of USD's unknown.
  await expect(cronRow.locator('td').allTextContents()).resolves.toEqual([
    'compute.gb_s',
    'eu-west-1',
    '2.07 USD',
    '60.0%',
  ]);
  const creditRow = table
    .getByRole('row')
    .filter({ has: h.page.getByRole('rowheader', { name: 'Cloud Storage' }) });
  await expect(creditRow.locator('td').nth(2).textContent()).resolves.toBe('-0.50 GBP credit');

  const href = await panel.getByRole('link', { name: CRON }).getAttribute('href');
  expect(href).toBe(
    `/d/meterline-debug?var-service=legacy-cron%20%26%20reports%2Fv2&var-sku=compute.gb_s&from=${RANGE.from}&to=${RANGE.to}`,
  );
  expect(new URL(href!, 'http://grafana').searchParams.get('var-service')).toBe(CRON);

  const light = await h.screenshot('panels/attribution-light.png', {
    selector: '[data-testid="harness-panel"]',
  });
  await h.setTheme('dark');
  const dark = await h.screenshot('panels/attribution-dark.png', {
    selector: '[data-testid="harness-panel"]',
  });
  for (const file of [light, dark]) expect(statSync(file).size).toBeLessThan(300 * 1024);
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    const img = join(REPO_ROOT, 'panel-plugin', 'attribution', 'src', 'img');
    copyFileSync(light, join(img, 'screenshot-light.png'));
    copyFileSync(dark, join(img, 'screenshot-dark.png'));
  }
  await h.setTheme('light');

  // Keyboard (after the screenshots, which should not show a focus ring): the first Tab stop on the page
  // is the first row's link.
  await h.page.keyboard.press('Tab');
  const focused = await h.page.evaluate(() => {
    const el = (
      globalThis as unknown as { document: { activeElement: { textContent: string; tagName: string } } }
    ).document.activeElement;
    return `${el.tagName} ${el.textContent}`;
  });
  expect(focused).toBe(`A ${CRON}`);
});

it('passes axe (WCAG 2.1 A/AA) in both themes', async () => {
  for (const theme of ['light', 'dark'] as const) {
    await h.setTheme(theme);
    await h.renderPanel(PANEL, { frames, width: WIDTH, height: HEIGHT, timeRange: RANGE });
    const result = await new AxeBuilder({ page: h.page })
      .include('[data-testid="harness-panel"]')
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    // It did look at the panel (the table, the image, the links…).
    expect(result.passes.length).toBeGreaterThan(5);
    expect({
      theme,
      violations: result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`),
    }).toEqual({
      theme,
      violations: [],
    });
  }
  await h.setTheme('light');
});

it('colours the number by theme tokens: over target differs from within target, in both themes', async () => {
  const colour = async (options: Record<string, unknown>) => {
    const panel = await h.renderPanel(PANEL, {
      frames,
      options,
      width: WIDTH,
      height: HEIGHT,
      timeRange: RANGE,
    });
    return panel
      .getByTestId('attribution-ratio')
      .evaluate(
        (el) =>
          (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el)
            .color,
      );
  };
  const over = await colour({});
  const within = await colour({ targetPercent: 10 });
  expect(over).not.toBe(within);
  await h.setTheme('dark');
  const darkOver = await colour({});
  expect(darkOver).not.toBe(over);
  await h.setTheme('light');
});

it('a 4×3 grid cell (300×130): the number and trend only', async () => {
  const panel = await h.renderPanel(PANEL, { frames, width: 300, height: 130, timeRange: RANGE });
  await expect(panel.getByTestId('attribution-ratio').textContent()).resolves.toBe(pct(lastRatio('USD')));
  await expect(panel.getByTestId('attribution-sparkline').count()).resolves.toBe(1);
  await expect(panel.getByRole('table').count()).resolves.toBe(0);
  // Nothing spills out of the cell.
  const box = await panel.getByTestId('attribution-panel').boundingBox();
  expect(box).toMatchObject({ width: 300, height: 130 });
  const overflow = await panel.getByTestId('attribution-panel').evaluate((el) => {
    const e = el as unknown as {
      scrollWidth: number;
      clientWidth: number;
      scrollHeight: number;
      clientHeight: number;
    };
    return [e.scrollWidth - e.clientWidth, e.scrollHeight - e.clientHeight];
  });
  expect(overflow).toEqual([0, 0]);
  await h.screenshot('panels/attribution-small.png', { selector: '[data-testid="harness-panel"]' });
});

it('only the sources query: the table alone; no frames: "No data"', async () => {
  const tableOnly = await h.renderPanel(PANEL, {
    frames: sourceFrames,
    width: WIDTH,
    height: HEIGHT,
    timeRange: RANGE,
  });
  await expect(tableOnly.getByRole('table').count()).resolves.toBe(1);
  await expect(tableOnly.getByTestId('attribution-ratio').count()).resolves.toBe(0);
  const empty = await h.renderPanel(PANEL, { frames: [], width: WIDTH, height: HEIGHT });
  await expect(empty.getByRole('status').textContent()).resolves.toContain('No data');
});

it('left no console errors, page errors or unexpected requests', () => {
  expect(h.consoleErrors()).toEqual([]);
  expect(h.server.notFound).toEqual([]);
});

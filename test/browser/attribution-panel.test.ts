/**
 * The real `meterline-attribution-panel`, as Grafana loads it (its built `dist/module.js`, AMD through
 * SystemJS, in headless Chromium), rendering frames that the real `meterline-cost-datasource` produced
 * through Grafana's data proxy from a real InfluxDB filled by the runaway scenario with its unattributed
 * traffic (test/support/runaway.ts, `{ unattributed: true }`):
 *
 * - 15 days of `checkout` history, then real OTel SDK spans through a real `meterline serve`: `checkout`'s
 *   ordinary requests (owned by the tenant rule), a deploy 1.0.0 → 1.1.0, and a runaway autoscaler (also
 *   owned);
 * - through the same serve, spans of services nothing owns, priced `cost.attribution=unknown`: `legacy-cron`
 *   (two short jobs a minute, and from the deploy on a burst of long ones) and `reports & exports/v2` (a
 *   name a URL must escape);
 * - the unknown ratios evaluated by the signals code (`evaluateUnknownRatios`) every 5 minutes through the
 *   serve window, as the loop in `meterline serve` would have written them live.
 *
 * Every ratio the data source returns is checked against the unknown share computed here by hand, in
 * BigInt, from what the scenario sent; the panel must show the last of them.
 *
 * Screenshots (light and dark, 800×300) go to test/artifacts/panels/; with UPDATE_SCREENSHOTS=1 they are
 * also copied to panel-plugin/attribution/src/img/, where plugin.json and the README use them.
 *
 * Needs both plugins built: `node tools/plugin-build/build.mjs datasource-plugin panel-plugin/attribution`.
 */
import { copyFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { DataFrameDTO } from '@grafana/data';
import { createInfluxStore } from '../../otel-processor/src/influx/store';
import { encodePoints } from '../../otel-processor/src/signals/points';
import { evaluateUnknownRatios } from '../../otel-processor/src/signals/unknown';
import { REPO_ROOT } from '../support/grafana-harness/shared-bundle';
import { startHarness, type Harness } from '../support/grafana-harness';
import {
  REQUEST_COMPUTE_NANO,
  REQUEST_NANO,
  RUNAWAY_SPANS_PER_MINUTE,
  UNATTRIBUTED_REGION,
  UNATTRIBUTED_REPORTS_REGION,
  UNATTRIBUTED_REPORTS_SERVICE,
  UNATTRIBUTED_SERVICE,
  ordinaryRequests,
  setUpRunawayScenario,
  type RunawayScenario,
  type UnattributedSpan,
} from '../support/runaway';

const DS = 'meterline-cost-datasource';
const PANEL = 'meterline-attribution-panel';
const DS_DIST = join(REPO_ROOT, 'datasource-plugin', 'dist');
const PANEL_DIST = join(REPO_ROOT, 'panel-plugin', 'attribution', 'dist');
const MIN = 60_000;
const HOUR = 3_600_000;
const WIDTH = 800;
const HEIGHT = 300;
/** The scenario's SKUs: every server span is priced in both. */
const REQUESTS = 'api.requests';
const COMPUTE = 'compute.seconds';
/** `compute.seconds` at 0.0002 USD/s: `REQUEST_COMPUTE_NANO` is one millisecond of it (200 nano-USD). */
const COMPUTE_NANO_PER_MS = REQUEST_COMPUTE_NANO;

/** The percent text of a ratio as the data source's field config says (`percentunit`, 1 decimal). */
const pct = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;
/** A USD amount as the panel formats the data source's money field (`currencyUSD`, 2 decimals). */
const usd = (nano: bigint): string => `$${(Number(nano) / 1e9).toFixed(2)}`;

let scenario: RunawayScenario;
let h: Harness;
let range: { from: number; to: number };
/** The signals evaluations: every 5 minutes from the first minute of serve traffic to T0. */
let evaluations: number[];
let frames: DataFrameDTO[];
let ratioFrames: DataFrameDTO[];
let sourceFrames: DataFrameDTO[];
/** The latest 1h unknown ratio meterline stored in the range (USD, all sources), read with our own InfluxQL. */
let storedLast: number | undefined;

// ------------------------------------------------------------------------------- by hand, from what was sent

/** What one unattributed span costs: one request, plus its duration of compute. */
const spanNano = (s: UnattributedSpan): { [REQUESTS]: bigint; [COMPUTE]: bigint } => ({
  [REQUESTS]: REQUEST_NANO,
  [COMPUTE]: BigInt(s.durationMs) * COMPUTE_NANO_PER_MS,
});

/** One costly autoscaler span (the i-th of its minute): a request plus 30–90 s of compute. */
const runawayNano = (i: number): bigint =>
  REQUEST_NANO + BigInt(30 + ((i * 37) % 61)) * 1000n * COMPUTE_NANO_PER_MS;

/**
 * Spend in `[fromMs, toMs)` (whole minutes) in nano-USD, as the scenario sent it: `checkout`'s ordinary
 * requests (history before serve's window, then through serve: the same per-minute counts), the runaway
 * (owned by the tenant rule like the ordinary requests) and the unattributed spans, each in the minute it
 * ends in.
 */
function spendByHand(fromMs: number, toMs: number): { unknown: bigint; total: bigint } {
  let total = 0n;
  for (let m = fromMs; m < toMs; m += MIN) {
    total += BigInt(ordinaryRequests(m)) * (REQUEST_NANO + REQUEST_COMPUTE_NANO);
    if (m >= scenario.incidentMs && m < scenario.t0) {
      for (let i = 0; i < RUNAWAY_SPANS_PER_MINUTE; i++) total += runawayNano(i);
    }
  }
  let unknown = 0n;
  for (const s of scenario.sent.unattributed) {
    if (s.endMs < fromMs || s.endMs >= toMs) continue;
    const cost = spanNano(s);
    unknown += cost[REQUESTS] + cost[COMPUTE];
  }
  return { unknown, total: total + unknown };
}

/** The 1h unknown ratio the signals loop writes at `atMs`: over `[atMs − 1h, atMs)`, by hand. */
function ratioByHand(atMs: number): number {
  const { unknown, total } = spendByHand(atMs - HOUR, atMs);
  // Totals stay far below 2^53 nano-USD: the float division is the signals code's own.
  expect(total).toBeLessThan(2n ** 52n);
  return Number(unknown) / Number(total);
}

/** Unknown spend per service and SKU over everything sent (the sources table's rows), by hand. */
function sourcesByHand(): Array<{ service: string; region: string; sku: string; nano: bigint }> {
  const acc = new Map<string, { service: string; region: string; sku: string; nano: bigint }>();
  for (const s of scenario.sent.unattributed) {
    for (const [sku, nano] of Object.entries(spanNano(s))) {
      const key = JSON.stringify([s.service, s.region, sku]);
      const row = acc.get(key) ?? { service: s.service, region: s.region, sku, nano: 0n };
      row.nano += nano;
      acc.set(key, row);
    }
  }
  return [...acc.values()].sort((a, b) => (a.nano > b.nano ? -1 : a.nano < b.nano ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------- set-up

beforeAll(async () => {
  for (const dist of [DS_DIST, PANEL_DIST]) {
    if (!existsSync(join(dist, 'module.js'))) {
      throw new Error(
        `${join(dist, 'module.js')} is missing: build the plugins first with ` +
          '`node tools/plugin-build/build.mjs datasource-plugin panel-plugin/attribution`',
      );
    }
  }
  scenario = await setUpRunawayScenario({ unattributed: true });
  // The signals loop, every 5 minutes through serve's window (each evaluation reads only the past, so
  // evaluating afterwards writes the points the loop would have written live).
  evaluations = [];
  for (let at = scenario.serveFromMs; at <= scenario.t0; at += 5 * MIN) evaluations.push(at);
  const store = createInfluxStore(scenario.config.influx!);
  try {
    for (const at of evaluations) await store.write(encodePoints(await evaluateUnknownRatios(store, at)));
  } finally {
    await store.close();
  }
  // The on-call view: serve's 40 minutes, and the bucket of the last evaluation (at T0).
  range = { from: scenario.serveFromMs, to: scenario.t0 + 5 * MIN };
  const stored = await scenario.influx.query(
    `SELECT LAST("value") FROM "cost_signal" WHERE "signal" = 'unknown_ratio' AND "window" = '1h' AND "source" = 'all' AND "currency" = 'USD' AND time >= ${range.from}ms AND time <= ${range.to}ms`,
    scenario.database,
  );
  storedLast = stored.results[0]?.series?.[0]?.values[0]?.[1] as number | undefined;

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
    jsonData: {
      influxUrl: scenario.influx.url,
      flavor: 'v1',
      auth: 'none',
      database: scenario.database,
      defaultCurrency: 'USD',
    },
  });
  const ratio = await h.runDataSourceQuery('meterline', {
    targets: [
      {
        refId: 'A',
        queryType: 'unknown',
        unknownView: 'ratio',
        unknownWindow: '1h',
        unknownSource: 'all',
        interval: '5m',
      },
    ],
    range,
  });
  const sources = await h.runDataSourceQuery('meterline', {
    targets: [{ refId: 'B', queryType: 'unknown', unknownView: 'sources', unknownSource: 'all', limit: 10 }],
    range,
  });
  expect(ratio.error).toBeUndefined();
  expect(sources.error).toBeUndefined();
  ratioFrames = ratio.frames;
  sourceFrames = sources.frames;
  frames = [...ratioFrames, ...sourceFrames];
}, 240_000);

afterAll(async () => {
  await h?.close();
  await scenario?.stop();
});

/** The USD ratio frame's points, `[time, value]`. */
function ratioPoints(): Array<[number, number | null]> {
  const frame = ratioFrames.find((f) =>
    f.fields.some((x) => x.name === 'unknown ratio' && x.labels?.['currency'] === 'USD'),
  );
  if (frame === undefined) throw new Error(`no USD ratio in ${JSON.stringify(ratioFrames)}`);
  const times = frame.fields.find((x) => x.type === 'time')!.values as number[];
  const values = frame.fields.find((x) => x.name === 'unknown ratio')!.values as Array<number | null>;
  return times.map((t, i) => [t, values[i] ?? null]);
}

/** The last value of the USD ratio frame: what the panel's big number shows. */
function lastRatio(): number {
  const last = ratioPoints()
    .map(([, v]) => v)
    .filter((v): v is number => typeof v === 'number')
    .at(-1);
  if (last === undefined) throw new Error(`no USD ratio value in ${JSON.stringify(ratioFrames)}`);
  return last;
}

/** A table column of the sources frame. */
function column(name: string): unknown[] {
  const f = sourceFrames[0]!.fields.find((x) => x.name === name);
  if (f === undefined) throw new Error(`no ${name} field in ${JSON.stringify(sourceFrames)}`);
  return f.values as unknown[];
}

// ------------------------------------------------------------------------------------------------ tests

it('the plugin export is a panel plugin', async () => {
  await expect(h.loadPlugin(PANEL)).resolves.toMatchObject({ id: PANEL, kind: 'panel', type: 'panel' });
});

it('serve received the unowned services’ spans: legacy-cron steady, then a burst after the deploy', () => {
  const { serveFromMs, deployMs, t0 } = scenario;
  const cron = scenario.sent.unattributed.filter((s) => s.service === UNATTRIBUTED_SERVICE);
  const reports = scenario.sent.unattributed.filter((s) => s.service === UNATTRIBUTED_REPORTS_SERVICE);
  expect(cron.length + reports.length).toBe(scenario.sent.unattributed.length);
  for (const s of scenario.sent.unattributed) {
    expect(s.endMs).toBeGreaterThanOrEqual(serveFromMs);
    expect(s.endMs).toBeLessThan(t0);
  }
  // 2 a minute over the 40 minutes, plus 5 a minute over the 30 after the deploy; reports every 5 minutes.
  expect(cron.filter((s) => s.endMs < deployMs)).toHaveLength(2 * 10);
  expect(cron.filter((s) => s.endMs >= deployMs)).toHaveLength(7 * 30);
  expect(reports).toHaveLength(8);
  expect(new Set(cron.map((s) => s.region))).toEqual(new Set([UNATTRIBUTED_REGION]));
  expect(new Set(reports.map((s) => s.region))).toEqual(new Set([UNATTRIBUTED_REPORTS_REGION]));
});

it('the ratio frame holds, at every evaluation, the unknown share computed by hand from what was sent', async () => {
  // One currency (the scenario prices in USD only), one point per evaluation, each the 1h window before it.
  expect(ratioFrames).toHaveLength(1);
  const points = ratioPoints();
  expect(points.map(([t]) => t)).toEqual(evaluations);
  for (const [t, value] of points) expect({ t, value }).toEqual({ t, value: ratioByHand(t) });
  expect(lastRatio()).toBe(storedLast);
  // The signals code itself, asked again at T0, says the same.
  const store = createInfluxStore(scenario.config.influx!);
  try {
    const atT0 = (await evaluateUnknownRatios(store, scenario.t0)).find(
      (p) => p.tags?.window === '1h' && p.tags?.source === 'all' && p.tags?.currency === 'USD',
    );
    expect(atT0?.fields.value).toBe(lastRatio());
  } finally {
    await store.close();
  }

  // The story the numbers tell. At T0 the hour [T0 − 60 min, T0) holds 20 minutes of history (all
  // checkout's, owned), serve's 40 minutes of checkout, 20 minutes of runaway (owned: it dilutes the share)
  // and every unattributed span.
  const share = ratioByHand;
  expect(share(scenario.serveFromMs)).toBe(0); // the hour before serve: history only
  // 10 minutes of legacy-cron's short jobs: a few percent (around the target at a weekend night's trough of
  // checkout's traffic, well under it on a weekday).
  expect(share(scenario.deployMs)).toBeGreaterThan(0);
  expect(share(scenario.deployMs)).toBeLessThan(0.1);
  expect(share(scenario.incidentMs)).toBeGreaterThan(0.05); // its burst after the deploy…
  expect(share(scenario.incidentMs)).toBeGreaterThan(share(scenario.deployMs));
  expect(share(scenario.t0)).toBeGreaterThan(0.05); // …still over target after 20 minutes of runaway
  expect(share(scenario.t0)).toBeLessThan(share(scenario.incidentMs));
  const atT0 = spendByHand(scenario.t0 - HOUR, scenario.t0);
  expect(lastRatio()).toBe(Number(atT0.unknown) / Number(atT0.total));
});

it('the sources table is the unattributed spend sent, per service and SKU, costliest first', () => {
  expect(sourceFrames).toHaveLength(1);
  const expected = sourcesByHand();
  // legacy-cron's compute (its burst of long jobs) first, then its requests, then the small reports service.
  expect(expected.map((r) => [r.service, r.sku])).toEqual([
    [UNATTRIBUTED_SERVICE, COMPUTE],
    [UNATTRIBUTED_SERVICE, REQUESTS],
    [UNATTRIBUTED_REPORTS_SERVICE, COMPUTE],
    [UNATTRIBUTED_REPORTS_SERVICE, REQUESTS],
  ]);
  // The unattributed traffic does not depend on the time of day: its amounts are fixed. legacy-cron's
  // compute: 80 short jobs (12.536 s in all) and 150 burst jobs (12 015 s) at 200 000 nano-USD/s.
  expect(expected.map((r) => r.nano)).toEqual([2_415_536_000n, 230_000_000n, 32_000_000n, 8_000_000n]);
  const unknownTotal = expected.reduce((sum, r) => sum + r.nano, 0n);
  // Everything unknown in the range is in the table: it is what the 1h window at T0 saw as unknown too.
  expect(unknownTotal).toBe(spendByHand(scenario.t0 - HOUR, scenario.t0).unknown);
  expect(column('source')).toEqual(expected.map(() => 'telemetry'));
  expect(column('service')).toEqual(expected.map((r) => r.service));
  expect(column('sku')).toEqual(expected.map((r) => r.sku));
  expect(column('region')).toEqual(expected.map((r) => r.region));
  expect(column('currency')).toEqual(expected.map(() => 'USD'));
  expect(column('amount')).toEqual(expected.map((r) => Number(r.nano) / 1e9));
  const shares = column('share') as number[];
  expected.forEach((r, i) => expect(shares[i]).toBeCloseTo(Number(r.nano) / Number(unknownTotal), 12));
});

it('renders the ratio the frames hold and the share by hand, over target, with its trend and the sources, linking with escaped values', async () => {
  const panel = await h.renderPanel(PANEL, {
    frames,
    width: WIDTH,
    height: HEIGHT,
    timeRange: range,
  });
  const number = panel.getByTestId('attribution-ratio');
  const last = lastRatio();
  await expect(number.textContent()).resolves.toBe(pct(last));
  expect(pct(last)).toBe(pct(ratioByHand(scenario.t0)));
  // One currency: no currency in the label, no list of others.
  await expect(number.getAttribute('aria-label')).resolves.toBe(
    `Unknown attribution ${pct(last)}, over the 5% target`,
  );
  await expect(panel.getByTestId('attribution-status').textContent()).resolves.toBe(
    'over target · target 5%',
  );
  await expect(panel.getByRole('list', { name: 'Other currencies' }).count()).resolves.toBe(0);
  // The trend: from the hour before serve (history only, 0%) to T0.
  await expect(panel.getByTestId('attribution-sparkline').getAttribute('aria-label')).resolves.toBe(
    `Trend of unknown attribution over the time range: from 0.0% to ${pct(last)}; target 5%`,
  );

  const expected = sourcesByHand();
  const unknownTotal = expected.reduce((sum, r) => sum + r.nano, 0n);
  const table = panel.getByRole('table');
  await expect(table.locator('caption').textContent()).resolves.toBe('Top unattributed sources');
  await expect(table.getByRole('rowheader').allTextContents()).resolves.toEqual(
    expected.map((r) => r.service),
  );
  const rows = table.locator('tbody tr');
  for (const [i, r] of expected.entries()) {
    await expect(rows.nth(i).locator('td').allTextContents()).resolves.toEqual([
      r.sku,
      r.region,
      usd(r.nano),
      pct(Number(r.nano) / Number(unknownTotal)),
    ]);
  }
  // The top row: legacy-cron's compute, the bulk of the unknown spend (2.415536 of 2.685536 USD).
  await expect(rows.first().locator('th').textContent()).resolves.toBe(UNATTRIBUTED_SERVICE);
  await expect(rows.first().locator('td').allTextContents()).resolves.toEqual([
    COMPUTE,
    UNATTRIBUTED_REGION,
    '$2.42',
    '89.9%',
  ]);

  // Each row links to the debug dashboard filtered to its service and SKU, values escaped, same time range.
  const hrefs = await table
    .getByRole('link')
    .evaluateAll((links) =>
      links.map((a) => (a as unknown as { getAttribute(n: string): string | null }).getAttribute('href')),
    );
  expect(hrefs).toEqual(
    expected.map(
      (r) =>
        `/d/meterline-debug?var-service=${encodeURIComponent(r.service)}&var-sku=${encodeURIComponent(r.sku)}&from=${range.from}&to=${range.to}`,
    ),
  );
  const reportsHref = hrefs[expected.findIndex((r) => r.service === UNATTRIBUTED_REPORTS_SERVICE)]!;
  expect(reportsHref).toContain('var-service=reports%20%26%20exports%2Fv2&');
  const params = new URL(reportsHref, 'http://grafana').searchParams;
  expect(params.get('var-service')).toBe(UNATTRIBUTED_REPORTS_SERVICE);
  expect(params.get('var-sku')).toBe(COMPUTE);

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
  expect(focused).toBe(`A ${UNATTRIBUTED_SERVICE}`);
});

it('passes axe (WCAG 2.1 A/AA) in both themes', async () => {
  for (const theme of ['light', 'dark'] as const) {
    await h.setTheme(theme);
    await h.renderPanel(PANEL, { frames, width: WIDTH, height: HEIGHT, timeRange: range });
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
      timeRange: range,
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
  // A target just above the ratio: within it.
  const within = await colour({ targetPercent: Math.ceil(lastRatio() * 100) + 1 });
  expect(over).not.toBe(within);
  await h.setTheme('dark');
  const darkOver = await colour({});
  expect(darkOver).not.toBe(over);
  await h.setTheme('light');
});

it('a 4×3 grid cell (300×130): the number and trend only', async () => {
  const panel = await h.renderPanel(PANEL, { frames, width: 300, height: 130, timeRange: range });
  await expect(panel.getByTestId('attribution-ratio').textContent()).resolves.toBe(pct(lastRatio()));
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
    timeRange: range,
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

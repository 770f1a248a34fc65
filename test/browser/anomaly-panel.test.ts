/**
 * The real `meterline-anomaly-panel` in headless Chromium (its built `dist/module.js`, loaded as Grafana
 * loads it), drawing frames that the real `meterline-cost-datasource` produced — through the emulated data
 * proxy — from a real InfluxDB filled by the runaway scenario (test/support/runaway.ts: history, then real
 * OTel SDK spans through a real `meterline serve`: a deploy of `checkout` 1.0.0 → 1.1.0, then a runaway
 * autoscaler), with anomaly scores and events evaluated by `runSignals`.
 *
 * The deploy annotation frames reach the panel as `data.annotations`, as Grafana delivers a dashboard's
 * annotation queries.
 *
 * Also writes the plugin's screenshots (light and dark, 800×300) to test/artifacts/panels/ and, with
 * UPDATE_SCREENSHOTS=1, copies them to panel-plugin/anomaly/src/img/ (plugin.json and the README show them).
 *
 * Needs both plugins built: `node tools/plugin-build/build.mjs datasource-plugin panel-plugin/anomaly`.
 */
import { copyFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DataFrameDTO } from '@grafana/data';
import { createInfluxStore } from '../../otel-processor/src/influx/store';
import { runSignals } from '../../otel-processor/src/signals/evaluate';
import { REPO_ROOT } from '../support/grafana-harness/shared-bundle';
import type { Harness } from '../support/grafana-harness';
import { startPanelHarness } from '../support/panel-harness';
import {
  RUNAWAY_SERVICE,
  VERSION_AFTER,
  VERSION_BEFORE,
  setUpRunawayScenario,
  type RunawayScenario,
} from '../support/runaway';

const PANEL = 'meterline-anomaly-panel';
const PANEL_IMG = join(REPO_ROOT, 'panel-plugin', 'anomaly', 'src', 'img');
const MIN = 60_000;
const SIZE = { width: 800, height: 300 };

let scenario: RunawayScenario;
let h: Harness;
let frames: DataFrameDTO[];
let annotationFrames: DataFrameDTO[];
let range: { from: number; to: number };
let deployTime: number;

/** `HH:mm` in UTC (the harness renders panels with `timeZone: 'utc'`). */
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/** The trace IDs of the Explore URLs of the menu's "Open top traces" items, read from their hrefs. */
async function traceIdsInMenu(): Promise<string[]> {
  const group = h.page.getByRole('group', { name: 'Open top traces' });
  await group.waitFor();
  const hrefs: string[] = [];
  for (const item of await group.getByRole('menuitem').all())
    hrefs.push((await item.getAttribute('href')) ?? '');
  return hrefs.map((href) => {
    const left = JSON.parse(new URL(href, 'http://grafana.local').searchParams.get('left') ?? 'null') as {
      datasource: string;
      queries: Array<{ queryType: string; query: string }>;
    };
    expect(left.datasource).toBe('tempo');
    expect(left.queries).toHaveLength(1);
    expect(left.queries[0]!.queryType).toBe('traceql');
    return left.queries[0]!.query;
  });
}

beforeAll(async () => {
  scenario = await setUpRunawayScenario();
  // Signals as the loop in `meterline serve` evaluates them while the incident unfolds: every 5-minute
  // bucket from the first one of the range to the runaway's last (each evaluation scores the last complete
  // bucket from the past only, so evaluating afterwards gives the points the loop would have written live).
  const store = createInfluxStore(scenario.config.influx!);
  try {
    for (let at = scenario.serveFromMs; at <= scenario.afterMs; at += 5 * MIN) {
      const report = await runSignals(store, scenario.config, at);
      expect(report.errors).toEqual([]);
    }
  } finally {
    await store.close();
  }

  h = await startPanelHarness({
    panel: PANEL,
    folder: 'anomaly',
    influxUrl: scenario.influx.url,
    database: scenario.database,
    viewport: SIZE,
    tempoUid: 'tempo',
  });
  // The on-call view of the incident: from before the deploy to just after the runaway's last bucket.
  range = { from: scenario.serveFromMs - 5 * MIN, to: scenario.t0 + 5 * MIN };
  const run = async (target: Record<string, unknown>) => {
    const res = await h.runDataSourceQuery('meterline', { targets: [{ refId: 'A', ...target }], range });
    expect(res.error).toBeUndefined();
    return res.frames;
  };
  const series = await run({
    queryType: 'anomalies',
    anomalyView: 'series',
    dimension: 'service',
    dimensionValue: RUNAWAY_SERVICE,
  });
  const events = await run({
    queryType: 'anomalies',
    anomalyView: 'events',
    dimension: 'service',
    dimensionValue: RUNAWAY_SERVICE,
  });
  const annotations = await run({ refId: 'Anno', queryType: 'annotations', events: ['deploy'] });
  expect(annotations).toHaveLength(1);
  const times = annotations[0]!.fields.find((f) => f.name === 'time')!.values as number[];
  expect(times).toHaveLength(1);
  deployTime = times[0]!;
  frames = [...series, ...events];
  annotationFrames = annotations;
}, 240_000);

afterAll(async () => {
  await h?.close();
  await scenario?.stop();
});

it('the plugin export is a PanelPlugin', async () => {
  const loaded = await h.loadPlugin(PANEL);
  expect(loaded).toMatchObject({ id: PANEL, kind: 'panel', type: 'panel', name: 'Meterline Anomalies' });
});

it('draws the runaway: anomaly and deploy markers, the band and the score strip', async () => {
  const panel = await h.renderPanel(PANEL, {
    frames,
    annotations: annotationFrames,
    ...SIZE,
    timeRange: range,
    title: 'Anomalies',
  });
  const anomaly = panel.getByRole('button', { name: /^Anomaly at \d\d:\d\d, score \d\.\d\d, \d+ traces?$/ });
  await anomaly.waitFor();
  const label = (await anomaly.getAttribute('aria-label'))!;
  // The event starts with the runaway (20 minutes before T0), scored at or above the threshold.
  expect(label).toContain(`Anomaly at ${hhmm(scenario.incidentMs)}`);
  expect(Number(/score (\d\.\d\d)/.exec(label)![1])).toBeGreaterThanOrEqual(0.9);
  const deploy = panel.getByRole('button', {
    name: `Deploy ${RUNAWAY_SERVICE} ${VERSION_BEFORE} → ${VERSION_AFTER} at ${hhmm(deployTime)}`,
  });
  await deploy.waitFor();
  // Only one deploy marker: the events table and the annotation describe the same deploy.
  await expect(panel.getByRole('button', { name: /^Deploy / }).count()).resolves.toBe(1);
  await expect(panel.locator('[data-testid="band"]').count()).resolves.toBe(1);
  await expect(panel.locator('[data-testid="actual"]').count()).resolves.toBe(1);
  const over = await panel.locator('rect[data-over="true"]').count();
  expect(over).toBeGreaterThan(0);
  await expect(
    panel.getByRole('group', { name: /^Anomaly score per bucket, threshold 0\.90$/ }).count(),
  ).resolves.toBe(1);
});

it('the anomaly’s menu opens top traces that are the runaway’s, and the deploy before it', async () => {
  const panel = await h.renderPanel(PANEL, {
    frames,
    annotations: annotationFrames,
    ...SIZE,
    timeRange: range,
  });
  await panel.getByRole('button', { name: /^Anomaly at/ }).click();
  const ids = await traceIdsInMenu();
  expect(ids.length).toBeGreaterThan(0);
  for (const id of ids) expect(scenario.runawayTraceIds.has(id)).toBe(true);
  const deploys = h.page.getByRole('group', { name: 'Deploys before it' });
  await expect(deploys.getByRole('menuitem').first().textContent()).resolves.toContain('Open deploy');
  await expect(deploys.getByRole('menuitem').first().textContent()).resolves.toContain(
    `${VERSION_BEFORE} → ${VERSION_AFTER}`,
  );
  await h.page.keyboard.press('Escape');
  await h.page.getByRole('group', { name: 'Open top traces' }).waitFor({ state: 'detached' });
});

it('the deploy marker: "Open deploy" in its menu, versions in its tooltip', async () => {
  const panel = await h.renderPanel(PANEL, {
    frames,
    annotations: annotationFrames,
    ...SIZE,
    timeRange: range,
  });
  const deploy = panel.getByRole('button', { name: /^Deploy / });
  await deploy.hover();
  // Tooltips render in Grafana's portal (fixed position), outside the panel's box.
  const tip = h.page.getByRole('tooltip');
  await expect(tip.textContent()).resolves.toContain(`${VERSION_BEFORE} → ${VERSION_AFTER}`);
  await deploy.click();
  const item = h.page.getByRole('group', { name: 'Deploy' }).getByRole('menuitem');
  await expect(item.textContent()).resolves.toContain('Open deploy');
  const href = (await item.getAttribute('href'))!;
  const url = new URL(href, 'http://grafana.local');
  expect(Number(url.searchParams.get('from'))).toBeLessThan(deployTime);
  expect(Number(url.searchParams.get('to'))).toBeGreaterThan(deployTime);
  await h.page.keyboard.press('Escape');
});

it('keyboard: Tab to the anomaly, Enter opens its menu, Escape closes it and focus returns', async () => {
  const panel = await h.renderPanel(PANEL, {
    frames,
    annotations: annotationFrames,
    ...SIZE,
    timeRange: range,
  });
  const anomaly = panel.getByRole('button', { name: /^Anomaly at/ });
  await anomaly.waitFor();
  await anomaly.focus();
  await h.page.keyboard.press('Enter');
  const ids = await traceIdsInMenu();
  expect(ids.every((id) => scenario.runawayTraceIds.has(id))).toBe(true);
  await h.page.keyboard.press('Escape');
  await h.page.getByRole('group', { name: 'Open top traces' }).waitFor({ state: 'detached' });
  // The page's globals are not typed here (no DOM lib for Node-side code).
  const focused = await h.page.evaluate(
    () =>
      (
        globalThis as unknown as {
          document: { activeElement: { getAttribute(n: string): string | null } | null };
        }
      ).document.activeElement?.getAttribute('aria-label') ?? null,
  );
  expect(focused).toBe(await anomaly.getAttribute('aria-label'));
});

it('screenshots, light and dark (800×300), with the anomaly’s tooltip', async () => {
  for (const theme of ['light', 'dark'] as const) {
    await h.setTheme(theme);
    const panel = await h.renderPanel(PANEL, {
      frames,
      annotations: annotationFrames,
      ...SIZE,
      timeRange: range,
    });
    await panel.getByRole('button', { name: /^Anomaly at/ }).hover();
    await h.page.getByRole('tooltip').waitFor();
    const file = await h.screenshot(`panels/anomaly-${theme}.png`, {
      selector: '[data-testid="harness-panel"]',
    });
    expect(statSync(file).size).toBeLessThan(300 * 1024);
    // The README's screenshots are refreshed on request only, so a test run leaves the tree clean.
    if (process.env.UPDATE_SCREENSHOTS === '1')
      copyFileSync(file, join(PANEL_IMG, `screenshot-${theme}.png`));
  }
});

it('a 4×3 grid cell (300×130): chart, both markers and the strip', async () => {
  await h.setTheme('dark');
  const panel = await h.renderPanel(PANEL, {
    frames,
    annotations: annotationFrames,
    width: 300,
    height: 130,
    timeRange: range,
  });
  await panel.getByRole('button', { name: /^Anomaly at/ }).waitFor();
  await expect(panel.getByRole('button', { name: /^Deploy / }).count()).resolves.toBe(1);
  await expect(panel.locator('[data-testid="actual"]').count()).resolves.toBe(1);
  await expect(panel.locator('rect[data-over="true"]').count()).resolves.toBeGreaterThan(0);
  await expect(panel.getByTestId('anomaly-header').count()).resolves.toBe(0);
  await h.screenshot('panels/anomaly-small.png', { selector: '[data-testid="harness-panel"]' });
});

it('left no console errors, page errors or unexpected requests', () => {
  expect(h.consoleErrors()).toEqual([]);
  expect(h.server.notFound).toEqual([]);
});

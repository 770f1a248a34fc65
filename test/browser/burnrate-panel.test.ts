/**
 * The real `meterline-burnrate-panel`, as Grafana loads it (its built `dist/module.js` through SystemJS in
 * headless Chromium), rendering the frames the real `meterline-cost-datasource` made from a real InfluxDB:
 * the runaway-autoscaler incident (test/support/runaway.ts: history, real OTel spans through a real
 * `meterline serve`, a deploy, then 20 minutes of runaway), signals evaluated by meterline's `runSignals`
 * just after it, a "Burn rate & budgets" query through the harness's data proxy.
 *
 * Expected text is computed here from the frames' values (and the burn rate checked against the point
 * meterline stored), with formatting written out in this file, not taken from the panel's code.
 *
 * Screenshots (light and dark, 800×300) go to test/artifacts/panels/ and, with UPDATE_SCREENSHOTS=1, are
 * copied to the plugin's `src/img/`, where its plugin.json and README show them.
 *
 * Needs both plugins built: `node tools/plugin-build/build.mjs datasource-plugin panel-plugin/burnrate`.
 */
import { copyFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DataFrameDTO, FieldDTO } from '@grafana/data';
import { createInfluxStore } from '../../otel-processor/src/influx/store';
import { runSignals } from '../../otel-processor/src/signals/evaluate';
import type { Harness } from '../support/grafana-harness';
import { startPanelHarness } from '../support/panel-harness';
import { REPO_ROOT } from '../support/grafana-harness/shared-bundle';
import {
  RUNAWAY_BUDGET,
  RUNAWAY_SERVICE,
  RUNAWAY_TEAM,
  RUNAWAY_TENANT,
  setUpRunawayScenario,
  type RunawayScenario,
} from '../support/runaway';

const PANEL = 'meterline-burnrate-panel';
const PANEL_IMG = join(REPO_ROOT, 'panel-plugin', 'burnrate', 'src', 'img');
const MIN = 60_000;
const WINDOWS = ['5m', '1h', '6h', '1d', '3d'];
const SIZE = { width: 800, height: 300 };

let scenario: RunawayScenario;
let h: Harness;
let frames: DataFrameDTO[];

/** `$767.00`, `$1.05K`: Grafana's `currencyUSD` unit with 2 decimals (it scales thousands). */
function usd(v: number): string {
  const sign = v < 0 ? '-' : '';
  const a = Math.abs(v);
  return a >= 1000 ? `${sign}$${(a / 1000).toFixed(2)}K` : `${sign}$${a.toFixed(2)}`;
}

/** Seconds as the panel words them, rounded down: `2 d 5 h`, `3 h 12 min`, `40 min`. */
function duration(s: number): string {
  const m = Math.floor(s / 60);
  const hours = Math.floor(m / 60);
  const d = Math.floor(hours / 24);
  if (s < 60) return '< 1 min';
  if (m < 60) return `${m} min`;
  if (hours < 24) return m % 60 === 0 ? `${hours} h` : `${hours} h ${m % 60} min`;
  return hours % 24 === 0 ? `${d} d` : `${d} d ${hours % 24} h`;
}

function tableField(name: string): FieldDTO {
  const table = frames.find((f) => f.name === 'budgets');
  const field = table?.fields.find((f) => f.name === name);
  if (field === undefined) throw new Error(`no ${name} in the budgets table: ${JSON.stringify(table)}`);
  return field;
}

/** The budgets table's value of `name` for `budget`. */
function cell(name: string, budget: string): unknown {
  const row = (tableField('budget').values as string[]).indexOf(budget);
  if (row < 0) throw new Error(`no row for ${budget} in the budgets table`);
  return (tableField(name).values as unknown[])[row];
}

beforeAll(async () => {
  scenario = await setUpRunawayScenario();
  // The scenario's budget, plus two wider ones over the same real spend, so the panel has rows to compare.
  const config = {
    ...scenario.config,
    budgets: [
      ...scenario.config.budgets,
      {
        name: 'payments-weekly',
        scope: { team: RUNAWAY_TEAM },
        amount: '2000',
        currency: 'USD',
        period: 'week' as const,
        timezone: 'UTC',
      },
      {
        name: 'acme-monthly',
        scope: { tenant: RUNAWAY_TENANT },
        amount: '8000',
        currency: 'USD',
        period: 'month' as const,
        timezone: 'UTC',
      },
    ],
  };
  const store = createInfluxStore(scenario.config.influx!);
  try {
    const report = await runSignals(store, config, scenario.afterMs);
    expect(report.errors).toEqual([]);
  } finally {
    await store.close();
  }

  h = await startPanelHarness({
    panel: PANEL,
    folder: 'burnrate',
    influxUrl: scenario.influx.url,
    database: scenario.database,
    viewport: SIZE,
  });
  const res = await h.runDataSourceQuery('meterline', {
    targets: [
      {
        refId: 'A',
        queryType: 'burn',
        windows: WINDOWS,
        burnMetrics: ['burn', 'projected', 'exhaustion', 'budget', 'spent'],
      },
    ],
    range: { from: scenario.afterMs - 10 * MIN, to: scenario.afterMs + MIN },
  });
  expect(res.error).toBeUndefined();
  frames = res.frames;
}, 240_000);

afterAll(async () => {
  await h?.close();
  await scenario?.stop();
});

it('the plugin export is a PanelPlugin', async () => {
  const loaded = await h.loadPlugin(PANEL);
  expect(loaded).toMatchObject({
    id: PANEL,
    kind: 'panel',
    type: 'panel',
    name: 'Meterline Budget Burn Rate',
  });
});

it('checkout-monthly pages after the runaway: its row, 1h chip, state word and numbers match the frames', async () => {
  // What meterline stored for the 1h window at the evaluation, and what the data source made of it.
  const json = await scenario.influx.query(
    `SELECT "value" FROM "cost_signal" WHERE "signal" = 'burn_rate' AND "window" = '1h' AND "budget" = '${RUNAWAY_BUDGET}' AND time = ${scenario.afterMs}ms`,
    scenario.database,
  );
  const stored1h = json.results[0]?.series?.[0]?.values[0]?.[1] as number;
  const burn1h = cell('burn 1h', RUNAWAY_BUDGET) as number;
  expect(burn1h).toBe(stored1h);
  expect(burn1h).toBeGreaterThan(14.4);
  expect(cell('state', RUNAWAY_BUDGET)).toBe('page');

  const panel = await h.renderPanel(PANEL, { frames, ...SIZE, title: 'Budget burn rate' });
  const row = panel.locator(`[role="listitem"][data-budget="${RUNAWAY_BUDGET}"]`);
  await row.waitFor();
  await expect(row.getAttribute('tabindex')).resolves.toBe('0');
  // The highest burn first: the runaway's own service budget.
  await expect(panel.locator('[role="listitem"]').first().getAttribute('data-budget')).resolves.toBe(
    RUNAWAY_BUDGET,
  );
  await expect(row.locator('[data-state]').textContent()).resolves.toBe('page');
  const chip = row.getByRole('img', { name: `1h burn rate ${burn1h.toFixed(2)}, page` });
  await expect(chip.getAttribute('data-level')).resolves.toBe('page');
  await expect(chip.textContent()).resolves.toBe(`1h${burn1h.toFixed(2)}page`);

  const spent = cell('spent', RUNAWAY_BUDGET) as number;
  const amount = cell('budget amount', RUNAWAY_BUDGET) as number;
  const projected = cell('projected', RUNAWAY_BUDGET) as number;
  const ratio = cell('projected ratio', RUNAWAY_BUDGET) as number;
  const exhaustion = cell('exhaustion', RUNAWAY_BUDGET) as number | null;
  expect(amount).toBe(900);
  const text = (await row.textContent()) ?? '';
  expect(text).toContain(`spent ${usd(spent)} of ${usd(amount)} (${Math.round((spent / amount) * 100)}%)`);
  expect(text).toContain(`projected ${usd(projected)} (${Math.round(ratio * 100)}% of budget)`);
  const exhaustionText =
    spent >= amount || exhaustion === 0
      ? 'exhausted'
      : exhaustion === null
        ? 'exhaustion not within period'
        : `exhaustion in ${duration(exhaustion)}`;
  expect(text).toContain(exhaustionText);
  const label = (await row.getAttribute('aria-label')) ?? '';
  expect(label.startsWith(`${RUNAWAY_BUDGET}: page; spent ${usd(spent)} of ${usd(amount)}`)).toBe(true);
  expect(label).toContain(`1h ${burn1h.toFixed(2)} page`);
  // The projection chart is placed (the 1d window tells how much of the month has passed).
  await expect(row.getByTestId('projection-line').count()).resolves.toBe(1);

  // Every budget the table has is a row.
  const budgets = tableField('budget').values as string[];
  expect(budgets).toEqual(expect.arrayContaining([RUNAWAY_BUDGET, 'payments-weekly', 'acme-monthly']));
  await expect(panel.locator('[role="listitem"]').count()).resolves.toBe(budgets.length);
  expect(h.consoleErrors()).toEqual([]);

  const light = await h.screenshot('panels/burnrate-light.png', {
    selector: '[data-testid="harness-panel"]',
  });
  await h.setTheme('dark');
  await expect(row.locator('[data-state]').textContent()).resolves.toBe('page');
  const dark = await h.screenshot('panels/burnrate-dark.png', { selector: '[data-testid="harness-panel"]' });
  for (const [shot, name] of [
    [light, 'screenshot-light.png'],
    [dark, 'screenshot-dark.png'],
  ] as const) {
    expect(statSync(shot).size).toBeLessThan(300 * 1024);
    // The README's screenshots are refreshed on request only, so a test run leaves the tree clean.
    if (process.env.UPDATE_SCREENSHOTS === '1') copyFileSync(shot, join(PANEL_IMG, name));
  }
  await h.setTheme('light');
  expect(h.consoleErrors()).toEqual([]);
});

it('compact in a 4×3 dashboard cell (300×130): one line per budget, the state word kept', async () => {
  const panel = await h.renderPanel(PANEL, { frames, width: 300, height: 130 });
  await expect(panel.locator('[data-compact]').getAttribute('data-compact')).resolves.toBe('true');
  const row = panel.locator(`[role="listitem"][data-budget="${RUNAWAY_BUDGET}"]`);
  await expect(row.locator('[data-state]').textContent()).resolves.toBe('page');
  await expect(row.getByTestId('spend-bar').count()).resolves.toBe(0);
  // One line: the row is no taller than a chip line.
  const box = await row.boundingBox();
  expect(box!.height).toBeLessThan(32);
  await h.screenshot('panels/burnrate-compact.png', { selector: '[data-testid="harness-panel"]' });
  expect(h.consoleErrors()).toEqual([]);
});

it('full rows fit the narrowest full-layout panel (480 px) without scrolling sideways', async () => {
  const panel = await h.renderPanel(PANEL, { frames, width: 480, height: 300 });
  await expect(panel.locator('[data-compact]').getAttribute('data-compact')).resolves.toBe('false');
  const list = panel.getByRole('list', { name: 'Budgets' });
  const overflow = await list.evaluate((el) => {
    const e = el as unknown as { scrollWidth: number; clientWidth: number };
    return e.scrollWidth - e.clientWidth;
  });
  expect(overflow).toBe(0);
  await h.screenshot('panels/burnrate-narrow.png', { selector: '[data-testid="harness-panel"]' });
  expect(h.consoleErrors()).toEqual([]);
});

it('says what it expects for frames of another query', async () => {
  const spend = await h.runDataSourceQuery('meterline', {
    targets: [
      {
        refId: 'A',
        queryType: 'spend',
        groupBy: ['service'],
        interval: '5m',
        filters: [{ key: 'service', operator: '=', value: RUNAWAY_SERVICE }],
      },
    ],
    range: { from: scenario.afterMs - 30 * MIN, to: scenario.afterMs },
  });
  expect(spend.frames.length).toBeGreaterThan(0);
  const panel = await h.renderPanel(PANEL, { frames: spend.frames, ...SIZE });
  const status = panel.getByRole('status');
  await expect(status.textContent()).resolves.toContain('These frames do not have what this panel needs');
  await expect(status.textContent()).resolves.toContain('burn (number, labels budget and window');
  expect(h.consoleErrors()).toEqual([]);
});

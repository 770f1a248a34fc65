/**
 * `meterline demo`'s render step: Meterline's Grafana plugins — the real, built `dist/module.js` of the
 * `meterline-cost-datasource` and the burn rate, attribution and anomaly panels — in headless Chromium on
 * the plugin harness (test/support/grafana-harness: SystemJS, the shared @grafana/* builds, Grafana's data
 * proxy emulated), the data source querying the demo's InfluxDB through the proxy, each panel drawn from
 * the frames it returned and saved as a PNG; then the on-call view: the panels side by side, as the on-call
 * dashboard shows them.
 *
 *   node --conditions=meterline-source --import tsx tools/demo-render.ts \
 *     --influx-url URL --database DB --out DIR --from MS --to MS --at MS [--story-from MS] \
 *     [--service checkout] [--theme dark|light]
 *
 * `--from`/`--to` is the dashboard's time range (epoch ms), `--at` the last signals evaluation,
 * `--story-from` where per-minute data starts (the spend graph's start). Prints one
 * JSON line per image on stdout (`{"file","width","height","bytes","title"}`), progress on stderr. Exits 1
 * when a query fails, a panel does not render or the page logged an error; SIGTERM/SIGINT close Chromium
 * and exit 130. Needs `npm run build` (the plugins' dist/) and Chromium (scripts/ensure-chromium.sh).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { DataFrameDTO } from '@grafana/data';
import { startHarness, type Harness } from '../test/support/grafana-harness';

const ROOT = resolve(__dirname, '..');
const DS = 'meterline-cost-datasource';
const PANELS = {
  burn: { id: 'meterline-burnrate-panel', dir: 'panel-plugin/burnrate', title: 'Budget burn rate' },
  unknown: {
    id: 'meterline-attribution-panel',
    dir: 'panel-plugin/attribution',
    title: 'Unknown attribution',
  },
  anomaly: { id: 'meterline-anomaly-panel', dir: 'panel-plugin/anomaly', title: 'Anomalies' },
} as const;
const SIZE = { width: 800, height: 320 };

/**
 * Grafana's own time series panel is core, not a plugin: a stand-in for it, `@grafana/ui`'s `TimeSeries`
 * (the uPlot graph Grafana's panel is built on) in a hand-written AMD module loaded like any plugin.
 */
const TIMESERIES = { id: 'meterline-demo-timeseries-panel', title: 'Spend per team' };
const TIMESERIES_MODULE = `define(['@grafana/data', '@grafana/ui', 'react'], function (data, ui, React) {
  function SpendPanel(props) {
    return React.createElement(ui.TimeSeries, {
      frames: props.data.series,
      structureRev: props.data.structureRev,
      width: props.width,
      height: props.height,
      timeRange: props.timeRange,
      timeZone: props.timeZone,
      legend: { showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] },
      options: props.options,
    });
  }
  // The graph's field config, with the defaults of Grafana's time series panel where it has them: stacked
  // lines with an opacity gradient, one palette color per series.
  var custom = {
    drawStyle: 'line', lineInterpolation: 'smooth', lineWidth: 1, fillOpacity: 35, gradientMode: 'opacity',
    showPoints: 'never', pointSize: 4, spanNulls: true, axisPlacement: 'auto', axisBorderShow: false,
    barAlignment: 0, stacking: { mode: 'normal', group: 'A' }, hideFrom: { legend: false, tooltip: false, viz: false },
  };
  var plugin = new data.PanelPlugin(SpendPanel).useFieldConfig({
    standardOptions: { color: { defaultValue: { mode: 'palette-classic' } } },
    useCustomConfig: function (builder) {
      Object.keys(custom).forEach(function (key) {
        builder.addCustomEditor({
          id: key, path: key, name: key, defaultValue: custom[key],
          editor: function () { return null; }, override: function () { return null; },
          process: function (v) { return v; }, shouldApply: function () { return true; },
        });
      });
    },
  });
  return { plugin: plugin };
});
`;
const TIMESERIES_JSON = {
  type: 'panel',
  name: 'Time series (demo stand-in)',
  id: TIMESERIES.id,
  info: { version: '1.0.0', author: { name: 'Meterline demo' }, logos: {} },
};
const MIN = 60_000;
/** The on-call view's grid, row by row. */
const ONCALL_ORDER = ['Budget burn rate', 'Spend per team', 'Anomalies', 'Unknown attribution'];

const { values } = parseArgs({
  options: {
    'influx-url': { type: 'string' },
    database: { type: 'string' },
    out: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    at: { type: 'string' },
    'story-from': { type: 'string' },
    service: { type: 'string', default: 'checkout' },
    theme: { type: 'string', default: 'dark' },
  },
  strict: true,
});

function required(name: keyof typeof values): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') {
    process.stderr.write(`demo-render: --${name} is required\n`);
    process.exit(2);
  }
  return v;
}

const influxUrl = required('influx-url');
const database = required('database');
const outDir = resolve(required('out'));
const range = { from: Number(required('from')), to: Number(required('to')) };
const atMs = Number(required('at'));
/** Where per-minute data starts (before it, history is in 5-minute points): the spend graph's start. */
const storyFromMs = values['story-from'] === undefined ? range.from : Number(values['story-from']);
const service = values.service!;
const theme = values.theme === 'light' ? 'light' : 'dark';

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  if (b.length < 24 || b.toString('latin1', 1, 4) !== 'PNG') throw new Error(`${file} is not a PNG`);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

function report(file: string, title: string): void {
  const { width, height } = pngSize(file);
  process.stdout.write(JSON.stringify({ file, width, height, bytes: statSync(file).size, title }) + '\n');
  process.stderr.write(`demo-render: ${title}: ${file} (${width}×${height})\n`);
}

let harness: Harness | undefined;
let closing = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    void (harness?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

async function query(h: Harness, target: Record<string, unknown>, r = range): Promise<DataFrameDTO[]> {
  const res = await h.runDataSourceQuery('meterline', { targets: [{ refId: 'A', ...target }], range: r });
  if (res.error !== undefined) {
    throw new Error(
      `query ${JSON.stringify(target)}: ${res.error.message} (HTTP ${res.error.status ?? '-'})`,
    );
  }
  return res.frames;
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const dist = (dir: string) => join(ROOT, dir, 'dist');
  const timeseriesDir = mkdtempSync(join(tmpdir(), 'meterline-demo-timeseries-'));
  process.once('exit', () => rmSync(timeseriesDir, { recursive: true, force: true }));
  writeFileSync(join(timeseriesDir, 'module.js'), TIMESERIES_MODULE);
  writeFileSync(join(timeseriesDir, 'plugin.json'), JSON.stringify(TIMESERIES_JSON));
  const h = await startHarness({
    plugins: [
      { id: DS, distDir: dist('datasource-plugin') },
      ...Object.values(PANELS).map((p) => ({ id: p.id, distDir: dist(p.dir) })),
      { id: TIMESERIES.id, distDir: timeseriesDir },
    ],
    theme,
    viewport: { width: 1280, height: 900 },
  });
  harness = h;
  await h.loadPlugin(DS);
  await h.registerDataSource({
    uid: 'meterline',
    type: DS,
    name: 'Meterline',
    jsonData: {
      influxUrl,
      flavor: 'v1',
      auth: 'none',
      database,
      defaultCurrency: 'USD',
      tempoUid: 'tempo',
    },
  });
  for (const p of [...Object.values(PANELS), TIMESERIES]) await h.loadPlugin(p.id);

  const shots: { file: string; title: string }[] = [];
  const shoot = async (name: string, title: string): Promise<void> => {
    const file = await h.screenshot(join(outDir, name), { selector: '[data-testid="harness-panel"]' });
    shots.push({ file, title });
    report(file, title);
  };

  // Burn rate: the budgets as the last evaluation left them.
  const burn = await query(
    h,
    {
      queryType: 'burn',
      windows: ['5m', '1h', '6h', '1d', '3d'],
      burnMetrics: ['burn', 'projected', 'exhaustion', 'budget', 'spent'],
    },
    { from: atMs - 10 * MIN, to: atMs + MIN },
  );
  await h.renderPanel(PANELS.burn.id, { frames: burn, ...SIZE, title: PANELS.burn.title });
  await shoot('burn-rate.png', PANELS.burn.title);

  // Unknown attribution: the 1h ratio through the story and the top unattributed sources.
  const ratio = await query(h, {
    queryType: 'unknown',
    unknownView: 'ratio',
    unknownWindow: '1h',
    unknownSource: 'telemetry',
    interval: '5m',
  });
  const sources = await query(h, {
    refId: 'B',
    queryType: 'unknown',
    unknownView: 'sources',
    unknownSource: 'telemetry',
    limit: 10,
  });
  await h.renderPanel(PANELS.unknown.id, {
    frames: [...ratio, ...sources],
    ...SIZE,
    timeRange: range,
    title: PANELS.unknown.title,
  });
  await shoot('unknown-attribution.png', PANELS.unknown.title);

  // Anomalies of the runaway's service: spend against the expected band, events, the deploy.
  const anomalyTarget = { queryType: 'anomalies', dimension: 'service', dimensionValue: service };
  const series = await query(h, { ...anomalyTarget, anomalyView: 'series' });
  const events = await query(h, { ...anomalyTarget, anomalyView: 'events' });
  const annotations = await query(h, { refId: 'Anno', queryType: 'annotations', events: ['deploy'] });
  await h.renderPanel(PANELS.anomaly.id, {
    frames: [...series, ...events],
    annotations,
    ...SIZE,
    timeRange: range,
    title: PANELS.anomaly.title,
  });
  await shoot('anomalies.png', PANELS.anomaly.title);

  // Spend per team per minute through the story, stacked: the runaway and the new service stand out.
  const spend = await query(
    h,
    { queryType: 'spend', sources: ['telemetry'], groupBy: ['team'], mode: 'rate', interval: '1m' },
    { from: storyFromMs, to: range.to },
  );
  // Grafana's page carries uPlot's stylesheet (the harness's shared bundle drops CSS imports).
  await h.page.addStyleTag({ path: join(ROOT, 'node_modules/uplot/dist/uPlot.min.css') });
  await h.renderPanel(TIMESERIES.id, {
    frames: spend,
    ...SIZE,
    timeRange: range,
    title: TIMESERIES.title,
  });
  await shoot('spend.png', TIMESERIES.title);

  // The on-call view: the panels in a dashboard grid, each under its title, on Grafana's dark background.
  const page = await h.page.context().newPage();
  const cell = (s: { file: string; title: string }): string =>
    `<figure><figcaption>${s.title}</figcaption><img src="data:image/png;base64,${readFileSync(s.file).toString('base64')}"></figure>`;
  await page.setContent(`<!doctype html><html><head><style>
    body { margin: 0; padding: 16px; background: ${theme === 'dark' ? '#111217' : '#f4f5f5'}; font: 14px Inter, Helvetica, Arial, sans-serif;
           color: ${theme === 'dark' ? '#ccccdc' : '#24292e'}; display: inline-block; }
    h1 { font-size: 18px; font-weight: 500; margin: 0 0 12px; }
    main { display: grid; grid-template-columns: repeat(2, ${SIZE.width}px); gap: 12px; }
    figure { margin: 0; background: ${theme === 'dark' ? '#181b1f' : '#ffffff'}; border: 1px solid ${theme === 'dark' ? '#2c3235' : '#dcdee1'}; border-radius: 3px; }
    figcaption { padding: 6px 8px; font-weight: 500; }
    img { display: block; }
  </style></head><body><h1>Meterline — on-call (demo, ${new Date(range.from).toISOString().slice(0, 16)}Z – ${new Date(range.to).toISOString().slice(11, 16)}Z)</h1>
  <main>${ONCALL_ORDER.map((t) => shots.find((s) => s.title === t))
    .filter((s) => s !== undefined)
    .map(cell)
    .join('')}</main></body></html>`);
  const oncall = join(outDir, 'on-call.png');
  await page.locator('body').screenshot({ path: oncall });
  await page.close();
  report(oncall, 'On-call dashboard (key panels)');

  const errors = h.consoleErrors();
  await h.close();
  harness = undefined;
  if (errors.length > 0) throw new Error(`the page logged errors:\n${errors.join('\n')}`);
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    process.stderr.write(`demo-render: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await harness?.close().catch(() => undefined);
    process.exit(closing ? 130 : 1);
  },
);

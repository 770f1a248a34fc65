/**
 * Every Meterline query of the three dashboards (`dashboards/*.json`), run through the real data source class
 * against a real InfluxDB that meterline itself filled, returns data, and a representative set returns the
 * right data:
 *
 * - the runaway scenario with unowned services (test/support/runaway.ts, `{ unattributed: true }`): 15 days
 *   of history, then real OTel SDK spans through a real `meterline serve` (a deploy of `checkout`, a runaway
 *   autoscaler, `legacy-cron` and `reports & exports/v2` that nobody owns); signals evaluated every 5 minutes
 *   through the incident as the loop in `serve` would have (`runSignals`);
 * - the FOCUS 1.3 fixture imported by `importExports` (a team rule, so some rows stay unattributed), and
 *   `meterline reconcile` over its month, in-process.
 *
 * Time ranges: each panel is queried over the range Grafana would give it when the dashboard is opened now
 * (the dashboard's relative range, then the panel's `timeFrom` / `timeShift`). Panels that read only provider
 * bills or reconciliation drift (`drift`, and `spend` with `sources: ['provider']`) are queried over June 2024,
 * the fixture's month, instead: that is a choice of this test, not of the dashboards (they show the last 30
 * days, `timeFrom: 30d`). Variables are "All", except where a test selects the scenario's service.
 *
 * Expected money is computed here from what the scenario sent (requests per minute, span durations, the
 * catalog's prices), in BigInt, never by the code under test; derived values (burn rates, projections,
 * drift) are compared with the points meterline stored, read with this test's own InfluxQL. Table panels'
 * transformations are applied with Grafana's own (`@grafana/data`'s standard transformers).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  getFieldDisplayName,
  standardTransformers,
  standardTransformersRegistry,
  transformDataFrame,
  type DataFrame,
  type DataTransformerConfig,
  type Field,
} from '@grafana/data';
import { firstValueFrom } from 'rxjs';
import { Attributor } from '@meterline/cost-model';
import { EXPORT_FORMATS } from '../../otel-processor/src/exports/formats/registry';
import { importExports } from '../../otel-processor/src/exports/import';
import { createInfluxStore } from '../../otel-processor/src/influx/store';
import { runReconcileCommand } from '../../otel-processor/src/reconcile/command';
import { runSignals } from '../../otel-processor/src/signals/evaluate';
import type { DataSource } from '../../datasource-plugin/src/datasource';
import type { MeterlineQuery, MeterlineVariableQuery } from '../../datasource-plugin/src/types';
import { loadProvisioning } from '../support/alert-rules';
import {
  dashboardByUid,
  loadDashboards,
  meterlineTargets,
  panelIntervalMs,
  panelTimeRange,
  type Dashboard,
  type Panel,
  type Target,
} from '../support/dashboards';
import {
  MIN,
  decimal,
  directDataSource,
  fieldOf,
  labelsOf,
  request,
  runQuery,
  timeField,
  valueField,
} from '../support/datasource-direct';
import {
  REQUEST_COMPUTE_NANO,
  REQUEST_NANO,
  RUNAWAY_BUDGET,
  RUNAWAY_SERVICE,
  RUNAWAY_SPANS_PER_MINUTE,
  RUNAWAY_TENANT,
  UNATTRIBUTED_SERVICE,
  VERSION_AFTER,
  VERSION_BEFORE,
  ordinaryRequests,
  setUpRunawayScenario,
  type RunawayScenario,
} from '../support/runaway';

const DAY = 86_400_000;
const FOCUS = join(__dirname, '../fixtures/exports/focus/focus-1.3.csv');
/** The FOCUS fixture's month: the range of the provider-only panels in this test (see the module notes). */
const FOCUS_RANGE = { fromMs: Date.UTC(2024, 5, 1), toMs: Date.UTC(2024, 6, 1) - 1 };

const dashboards = loadDashboards();
const byUid = (uid: string): Dashboard => dashboardByUid(dashboards, uid);
const panelOf = (uid: string, title: string): Panel => {
  const p = byUid(uid).panels.find((x) => x.title === title);
  if (p === undefined) throw new Error(`${uid} has no panel "${title}"`);
  return p;
};

let scenario: RunawayScenario;
let ds: DataSource;
let dir: string;
/** "Now" of the dashboards: when the data was complete. */
let nowMs: number;
/** Template variables of the data source: set per dashboard (and per test) before querying. */
const vars: Record<string, string | string[]> = {};
/** Frames of every Meterline target (key: `<uid>#<panel id>/<refId>`), run in `beforeAll` with "All". */
const results = new Map<string, DataFrame[]>();

const key = (d: Dashboard, panel: Panel, target: Target) => `${d.uid}#${panel.id}/${target.refId}`;

/** Reads only provider bills or reconciliation drift: queried over the FOCUS month (module notes). */
function providerOnly(panel: Panel): boolean {
  return (panel.targets ?? []).every(
    (t) =>
      t['queryType'] === 'drift' ||
      (t['queryType'] === 'spend' && JSON.stringify(t['sources']) === JSON.stringify(['provider'])),
  );
}

/** The range and interval a panel is queried over here. */
function rangeOf(d: Dashboard, panel: Panel): { fromMs: number; toMs: number; intervalMs: number } {
  const { fromMs, toMs } = providerOnly(panel) ? FOCUS_RANGE : panelTimeRange(d, panel, nowMs);
  return { fromMs, toMs, intervalMs: panelIntervalMs(panel, fromMs, toMs) };
}

/** The dashboard's variables as it opens: every query variable "All", the others their default. */
function selectAll(d: Dashboard): void {
  for (const k of Object.keys(vars)) delete vars[k];
  for (const v of d.templating.list) {
    vars[v.name] = v.type === 'query' ? '$__all' : String((v.current as { value?: unknown }).value ?? '');
  }
}

/** Runs one panel's target as the dashboard would (its range, the current variables). */
function runTarget(d: Dashboard, panel: Panel, target: Target): Promise<DataFrame[]> {
  const { fromMs, toMs, intervalMs } = rangeOf(d, panel);
  return runQuery(ds, target as Partial<MeterlineQuery> & Record<string, unknown>, fromMs, toMs, intervalMs);
}

async function runPanel(d: Dashboard, panel: Panel): Promise<DataFrame[]> {
  const frames: DataFrame[] = [];
  for (const t of panel.targets ?? []) frames.push(...(await runTarget(d, panel, t)));
  return frames;
}

/** A panel's frames after its transformations, with Grafana's standard transformers. */
function transformed(panel: Panel, frames: DataFrame[]): Promise<DataFrame[]> {
  return firstValueFrom(transformDataFrame((panel.transformations ?? []) as DataTransformerConfig[], frames));
}

/** The column names a table shows (display names: `organize` renames by setting them). */
const columns = (frame: DataFrame): string[] => frame.fields.map((f) => getFieldDisplayName(f, frame));
/** A table's column by its shown name. */
const column = (frame: DataFrame, name: string): Field => {
  const f = frame.fields.find((x) => getFieldDisplayName(x, frame) === name);
  if (f === undefined) throw new Error(`no column "${name}" in ${columns(frame).join(', ')}`);
  return f;
};

const frameResults = (uid: string, title: string): DataFrame[] => {
  const d = byUid(uid);
  const panel = panelOf(uid, title);
  return (panel.targets ?? []).flatMap((t) => results.get(key(d, panel, t)) ?? []);
};

async function stored(q: string): Promise<Array<Record<string, unknown>>> {
  const json = await scenario.influx.query(q, scenario.database);
  return (json.results[0]?.series ?? []).flatMap((s) =>
    s.values.map((v) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) })),
  );
}

// ------------------------------------------------------------------------------------------ expected money

/** Seconds of the i-th runaway span of a minute (the scenario's child sends 30–90 s spans). */
const runawaySeconds = (i: number) => 30 + ((i * 37) % 61);
/** One runaway minute: 150 spans, each a request plus its seconds at 0.0002 USD/s. */
const RUNAWAY_MINUTE_NANO = (() => {
  let n = 0n;
  for (let i = 0; i < RUNAWAY_SPANS_PER_MINUTE; i++) n += REQUEST_NANO + BigInt(runawaySeconds(i)) * 200_000n;
  return n;
})();
/** The unowned services' spend per minute (each span priced in the minute it ended). */
let unattributedByMinute: Map<number, bigint>;

/** `checkout`'s spend in the minute starting at `m`: history, then what serve priced (ordinary + runaway). */
function checkoutMinuteNano(m: number): bigint {
  if (m < scenario.serveFromMs - 15 * DAY || m >= scenario.t0) return 0n;
  let total = BigInt(ordinaryRequests(m)) * (REQUEST_NANO + REQUEST_COMPUTE_NANO);
  if (m >= scenario.incidentMs) total += RUNAWAY_MINUTE_NANO;
  return total;
}

/** Spend of every point a spend query over [from, to] reads (minute points, both ends included). */
function spendNano(fromMs: number, toMs: number, who: 'all' | 'checkout' = 'all'): bigint {
  let total = 0n;
  for (let m = Math.ceil(fromMs / MIN) * MIN; m <= toMs; m += MIN) {
    total += checkoutMinuteNano(m);
    if (who === 'all') total += unattributedByMinute.get(m) ?? 0n;
  }
  return total;
}

const lastValue = (f: Field): number | null => {
  const values = (f.values as Array<number | null>).filter((v) => v !== null && v !== undefined);
  return values.length === 0 ? null : values[values.length - 1]!;
};

// --------------------------------------------------------------------------------------------- set-up

beforeAll(async () => {
  // Grafana's standard transformers, as the app registers them (the registry is empty outside Grafana).
  // (`seriesToColumnsTransformer` is a deprecated alias of `joinByFieldTransformer`: registered once.)
  const transformers = new Map(Object.values(standardTransformers).map((t) => [t.id, t]));
  standardTransformersRegistry.setInit(
    () =>
      [...transformers.values()].map((t) => ({
        id: t.id,
        name: t.name,
        description: t.description ?? '',
        transformation: () => t,
        editor: () => null,
      })) as never,
  );

  scenario = await setUpRunawayScenario({ unattributed: true });
  unattributedByMinute = new Map();
  for (const u of scenario.sent.unattributed) {
    const m = Math.floor(u.endMs / MIN) * MIN;
    const nano = REQUEST_NANO + BigInt(Math.round(u.durationMs)) * 200n;
    unattributedByMinute.set(m, (unattributedByMinute.get(m) ?? 0n) + nano);
  }
  const store = createInfluxStore(scenario.config.influx!);
  try {
    // Signals as the loop in `meterline serve` evaluates them while the incident unfolds.
    for (let at = scenario.serveFromMs; at <= scenario.afterMs; at += 5 * MIN) {
      const report = await runSignals(store, scenario.config, at);
      expect(report.errors).toEqual([]);
    }
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
  } finally {
    await store.close();
  }
  dir = mkdtempSync(join(tmpdir(), 'meterline-dashboards-'));
  const configFile = join(dir, 'meterline.yaml');
  writeFileSync(
    configFile,
    `catalog:\n  baseCurrency: USD\n  exchangeRates:\n    - { currency: GBP, rate: '1.27', effectiveFrom: '2024-01-01' }\ninflux:\n  url: ${scenario.influx.url}\n  database: ${scenario.database}\n`,
  );
  let err = '';
  const code = await runReconcileCommand(
    ['--from', '2024-06-01', '--to', '2024-06-30', '--config', configFile],
    { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) } },
  );
  // 3: drift over the threshold (no telemetry for these bills: every day drifts fully).
  if (code !== 3) throw new Error(`reconcile exited ${code}: ${err}`);

  // The provisioned data source's display settings and Tempo link, pointed at the test InfluxDB.
  const provisioned = loadProvisioning().datasources.find((d) => d.uid === 'meterline-cost')!.jsonData!;
  ds = directDataSource(
    scenario.influx.url,
    {
      database: scenario.database,
      defaultCurrency: provisioned['defaultCurrency'] as string,
      currencyDisplay: provisioned['currencyDisplay'] as 'symbol',
      tempoUid: provisioned['tempoUid'] as string,
    },
    vars,
  );
  nowMs = Date.now();

  for (const { dashboard: d } of dashboards) {
    selectAll(d);
    for (const { panel, target } of meterlineTargets(d))
      results.set(key(d, panel, target), await runTarget(d, panel, target));
  }
}, 300_000);

afterAll(async () => {
  await scenario?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------- every query

const allTargets = dashboards.flatMap(({ dashboard: d }) =>
  meterlineTargets(d).map(
    ({ panel, target }) => [`${d.uid} "${panel.title}" ${target.refId}`, d, panel, target] as const,
  ),
);

describe('every dashboard query', () => {
  it.each(allTargets)('%s returns data', (_name, d, panel, target) => {
    const frames = results.get(key(d, panel, target))!;
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.some((f) => f.length > 0)).toBe(true);
  });

  it.each(dashboards.map((d) => [d.file, d.dashboard] as const))(
    '%s: its variables list the scenario’s tenants, teams and services',
    async (_file, d) => {
      selectAll(d);
      const values = async (name: string) => {
        const v = d.templating.list.find((x) => x.name === name)!;
        return (await ds.metricFindQuery(v.query as MeterlineVariableQuery)).map((x) => x.text);
      };
      expect(await values('tenant')).toContain(RUNAWAY_TENANT);
      expect(await values('team')).toContain('payments');
      const services = await values('service');
      expect(services).toEqual(expect.arrayContaining([RUNAWAY_SERVICE, UNATTRIBUTED_SERVICE]));
      // Narrowed by the selection of the variables before it.
      vars['tenant'] = RUNAWAY_TENANT;
      expect(await values('service')).toEqual([RUNAWAY_SERVICE]);
    },
  );

  it.each(dashboards.map((d) => [d.file, d.dashboard] as const))(
    '%s: its annotations (deploys, anomalies, budget crossings) find the incident',
    async (_file, d) => {
      selectAll(d);
      const { fromMs, toMs } = panelTimeRange(byUid('meterline-oncall'), { timeFrom: '6h' } as Panel, nowMs);
      const texts = new Map<string, string[]>();
      for (const a of d.annotations.list) {
        const response = await new Promise<{ data: DataFrame[]; errors?: unknown[] }>((resolve, reject) =>
          ds
            .query(request([a.target as unknown as MeterlineQuery], fromMs, toMs))
            .subscribe({ next: (r) => resolve(r as never), error: reject }),
        );
        expect(response.errors ?? []).toEqual([]);
        const frame = response.data[0]!;
        const title = fieldOf(frame, (f) => f.name === 'title')!.values as string[];
        const text = fieldOf(frame, (f) => f.name === 'text')!.values as string[];
        const tags = fieldOf(frame, (f) => f.name === 'tags')!.values as string[][];
        // Only the incident's service: anomalies of other series (a team, a tenant) are not its business here.
        const rows = title
          .map((t, i) => ({ line: `${t}\n${text[i]}`, tags: tags[i]! }))
          .filter((r) => a.name !== 'Anomalies' || r.tags.includes(`service:${RUNAWAY_SERVICE}`));
        texts.set(
          a.name,
          rows.map((r) => r.line),
        );
      }
      expect(texts.get('Deploys')!.join('\n')).toContain(`${VERSION_BEFORE} → ${VERSION_AFTER}`);
      const anomalies = texts.get('Anomalies')!.join('\n');
      const traces = [...anomalies.matchAll(/\b[0-9a-f]{32}\b/g)].map((m) => m[0]);
      expect(traces.length).toBeGreaterThan(0);
      for (const id of traces) expect(scenario.runawayTraceIds.has(id)).toBe(true);
      // The runaway turns the budget's page condition on.
      expect(texts.get('Budget crossings')!.join('\n')).toContain(`Budget ${RUNAWAY_BUDGET}: page alert`);
    },
  );
});

// --------------------------------------------------------------------------------------------- on-call

describe('on-call', () => {
  const UID = 'meterline-oncall';

  it.each([
    ['Spend, last 1h', 'checkout, its runaway and the unowned services'],
    ['Spend, last 6h', 'history included'],
    ['Spend, same hour yesterday', 'history only'],
  ])('"%s" is exactly the spend sent in its range (%s)', (title) => {
    const d = byUid(UID);
    const panel = panelOf(UID, title);
    const frames = frameResults(UID, title);
    expect(frames).toHaveLength(1);
    expect(labelsOf(frames[0]!)).toMatchObject({ currency: 'USD' });
    // The stat shows the last value of the running total (reduceOptions: lastNotNull).
    expect(panel.options!['reduceOptions']).toMatchObject({ calcs: ['lastNotNull'] });
    const { fromMs, toMs } = panelTimeRange(d, panel, nowMs);
    const expected = spendNano(fromMs, toMs);
    expect(expected).toBeGreaterThan(0n);
    expect(lastValue(valueField(frames[0]!))).toBe(decimal(expected));
    expect(valueField(frames[0]!).config.unit).toMatch(/USD|\$/);
  });

  it('the last hour costs more than the same hour yesterday: the runaway', () => {
    const now = lastValue(valueField(frameResults(UID, 'Spend, last 1h')[0]!))!;
    const yesterday = lastValue(valueField(frameResults(UID, 'Spend, same hour yesterday')[0]!))!;
    expect(now).toBeGreaterThan(5 * yesterday);
  });

  it('"Budget burn rate": checkout-monthly pages in the budgets table, burn rates as stored', async () => {
    const frames = frameResults(UID, 'Budget burn rate');
    const table = frames.find((f) => f.name === 'budgets')!;
    const col = (name: string) => fieldOf(table, (f) => f.name === name)!.values as unknown[];
    const i = (col('budget') as string[]).indexOf(RUNAWAY_BUDGET);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(col('state')[i]).toBe('page');
    const [burn] = await stored(
      `SELECT "value" FROM "cost_signal" WHERE "signal" = 'burn_rate' AND "window" = '1h' AND "budget" = '${RUNAWAY_BUDGET}' AND time = ${scenario.afterMs}ms`,
    );
    expect(col('burn 1h')[i]).toBe(burn!.value);
    expect(burn!.value as number).toBeGreaterThan(14.4);
    expect(col('budget amount')[i]).toBe(900);
  });

  it('"Unknown attribution": the ratio is above zero, legacy-cron tops the sources', () => {
    const frames = frameResults(UID, 'Unknown attribution');
    const ratio = frames.find((f) => f.fields.some((x) => x.name === 'unknown ratio'))!;
    expect(lastValue(fieldOf(ratio, (f) => f.name === 'unknown ratio')!)).toBeGreaterThan(0);
    const sources = frames.find((f) => f.name === 'unknown sources')!;
    expect(fieldOf(sources, (f) => f.name === 'service')!.values[0]).toBe(UNATTRIBUTED_SERVICE);
    expect(fieldOf(sources, (f) => f.name === 'service')!.values).not.toContain(RUNAWAY_SERVICE);
  });

  it('"Anomalies": the score crosses the threshold; events carry the runaway’s traces, linked to Tempo', () => {
    const frames = frameResults(UID, 'Anomalies');
    const scores = frames
      .flatMap((f) => f.fields)
      .filter((f) => f.name === 'score' && f.labels?.['service'] === RUNAWAY_SERVICE);
    expect(
      Math.max(...scores.flatMap((f) => (f.values as Array<number | null>).map((v) => v ?? 0))),
    ).toBeGreaterThanOrEqual(0.9);
    const events = frames.find((f) => f.name === 'anomaly events')!;
    const kinds = fieldOf(events, (f) => f.name === 'kind')!.values as string[];
    const services = fieldOf(events, (f) => f.name === 'service')!.values as string[];
    const traceIds = (fieldOf(events, (f) => f.name === 'trace_ids')!.values as string[][])
      .filter((_, i) => kinds[i] === 'anomaly' && services[i] === RUNAWAY_SERVICE)
      .flat();
    expect(kinds).toEqual(expect.arrayContaining(['anomaly', 'deploy']));
    expect(traceIds.length).toBeGreaterThan(0);
    for (const id of traceIds) expect(scenario.runawayTraceIds.has(id)).toBe(true);
    const link = fieldOf(events, (f) => f.name === 'trace_id')!.config.links?.[0];
    expect(link?.internal?.datasourceUid).toBe('tempo');
  });

  it('"Recent deploys with cost impact": the deploy and the anomaly after it, newest first, as the table shows them', async () => {
    const panel = panelOf(UID, 'Recent deploys with cost impact');
    const [table] = await transformed(panel, frameResults(UID, 'Recent deploys with cost impact'));
    const names = columns(table!);
    expect(names.slice(0, 5)).toEqual(['time', 'kind', 'service', 'from version', 'to version']);
    expect(names).toContain('top trace');
    expect(names).not.toContain('trace_ids');
    const rows = (column(table!, 'kind').values as string[]).map((kind, i) => ({
      kind,
      to: column(table!, 'to version').values[i],
      time: column(table!, 'time').values[i] as number,
    }));
    expect(rows.find((r) => r.kind === 'deploy')).toMatchObject({ to: VERSION_AFTER });
    const times = rows.map((r) => r.time);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('"Spend by version": the deploy splits checkout’s spend, exactly', () => {
    const frames = frameResults(UID, 'Spend by version').filter(
      (f) => labelsOf(f)['service'] === RUNAWAY_SERVICE,
    );
    const byVersion = new Map(frames.map((f) => [labelsOf(f)['version'], f]));
    expect([...byVersion.keys()].sort()).toEqual([VERSION_BEFORE, VERSION_AFTER]);
    const total = (f: DataFrame) =>
      (valueField(f).values as Array<number | null>).reduce<number>((a, v) => a + (v ?? 0), 0);
    const { fromMs } = panelTimeRange(byUid(UID), panelOf(UID, 'Spend by version'), nowMs);
    expect(total(byVersion.get(VERSION_AFTER)!)).toBeCloseTo(
      decimal(spendNano(scenario.deployMs, nowMs, 'checkout')),
      6,
    );
    expect(total(byVersion.get(VERSION_BEFORE)!)).toBeCloseTo(
      decimal(spendNano(fromMs, scenario.deployMs - 1, 'checkout')),
      6,
    );
  });

  it('"Top unattributed sources": both unowned services, each linking to the debug dashboard', () => {
    const [table] = frameResults(UID, 'Top unattributed sources');
    const services = fieldOf(table!, (f) => f.name === 'service')!.values as string[];
    expect(services).toEqual(expect.arrayContaining([UNATTRIBUTED_SERVICE, 'reports & exports/v2']));
  });
});

// ------------------------------------------------------------------------------------------- executive

describe('executive', () => {
  const UID = 'meterline-executive';

  it('"Total spend trend: 30 days": the daily spend adds up to the spend of the range', () => {
    const panel = panelOf(UID, 'Total spend trend: 30 days');
    const frames = frameResults(UID, panel.title);
    // Telemetry only: the imported bills (June 2024) are not in the last 30 days.
    expect(frames.map((f) => labelsOf(f)['source'])).toEqual(['telemetry']);
    const { fromMs, toMs } = panelTimeRange(byUid(UID), panel, nowMs);
    const days = valueField(frames[0]!).values as Array<number | null>;
    expect(days.length).toBeGreaterThanOrEqual(15);
    expect(days.reduce<number>((a, v) => a + (v ?? 0), 0)).toBeCloseTo(decimal(spendNano(fromMs, toMs)), 6);
  });

  it('"Total spend trend: 365 days (cumulative)": ends at the exact total', () => {
    const panel = panelOf(UID, 'Total spend trend: 365 days (cumulative)');
    const [frame] = frameResults(UID, panel.title);
    const { fromMs, toMs } = panelTimeRange(byUid(UID), panel, nowMs);
    expect(lastValue(valueField(frame!))).toBe(decimal(spendNano(fromMs, toMs)));
  });

  it('the trend panels show the imported bills beside telemetry when their range holds them', async () => {
    selectAll(byUid(UID));
    const panel = panelOf(UID, 'Total spend trend: 30 days');
    const frames = await runQuery(ds, panel.targets![0] as never, FOCUS_RANGE.fromMs, FOCUS_RANGE.toMs, DAY);
    expect(frames.map((f) => `${labelsOf(f)['source']} ${labelsOf(f)['currency']}`).sort()).toEqual([
      'provider GBP',
      'provider USD',
    ]);
  });

  it('"Spend by tenant (top 10)": acme first with checkout’s exact spend, after the table’s transformations', async () => {
    const panel = panelOf(UID, 'Spend by tenant (top 10)');
    const [table] = await transformed(panel, frameResults(UID, panel.title));
    expect(columns(table!)).toEqual(['tenant', 'currency', 'Spend']);
    const tenants = column(table!, 'tenant').values as string[];
    const spend = column(table!, 'Spend').values as number[];
    expect(tenants[0]).toBe(RUNAWAY_TENANT);
    expect(spend).toEqual([...spend].sort((a, b) => b - a));
    expect(spend.length).toBeLessThanOrEqual(10);
    const { fromMs, toMs } = panelTimeRange(byUid(UID), panel, nowMs);
    expect(spend[0]).toBe(decimal(spendNano(fromMs, toMs, 'checkout')));
  });

  it('"Spend by team (top 10)": payments first', async () => {
    const panel = panelOf(UID, 'Spend by team (top 10)');
    const [table] = await transformed(panel, frameResults(UID, panel.title));
    expect(column(table!, 'team').values[0]).toBe('payments');
  });

  it('"Budget vs actual": the budget, spent to date and projection as stored', async () => {
    const table = frameResults(UID, 'Budget vs actual').find((f) => f.name === 'budgets')!;
    const col = (name: string) => fieldOf(table, (f) => f.name === name)!.values as unknown[];
    const i = (col('budget') as string[]).indexOf(RUNAWAY_BUDGET);
    const [p] = await stored(
      `SELECT LAST("spent_nano") AS "spent", LAST("projected_nano") AS "projected" FROM "cost_signal" WHERE "signal" = 'projected_ratio' AND "budget" = '${RUNAWAY_BUDGET}'`,
    );
    expect(col('spent')[i]).toBe(decimal(BigInt(p!.spent as number)));
    expect(col('projected')[i]).toBe(decimal(BigInt(p!.projected as number)));
    expect(col('budget amount')[i]).toBe(900);
  });

  it('"Forecast month-end spend": the stat picks the projected period-end spend, as stored', async () => {
    const panel = panelOf(UID, 'Forecast month-end spend');
    const frames = frameResults(UID, panel.title);
    // The stat's field selection: its regex on the fields' display names.
    const pattern = String((panel.options!['reduceOptions'] as { fields: string }).fields);
    const regex = new RegExp(/^\/(.*)\/$/.exec(pattern)![1]!);
    const shown = frames.flatMap((f) =>
      f.fields.filter((x) => x.type === 'number' && regex.test(getFieldDisplayName(x, f, frames))),
    );
    expect(shown).toHaveLength(1);
    expect(shown[0]!.labels).toEqual({ budget: RUNAWAY_BUDGET });
    const [p] = await stored(
      `SELECT LAST("projected_nano") AS "projected" FROM "cost_signal" WHERE "signal" = 'projected_ratio' AND "budget" = '${RUNAWAY_BUDGET}'`,
    );
    expect(lastValue(shown[0]!)).toBe(decimal(BigInt(p!.projected as number)));
  });

  it('"Unknown attribution" (1d): above zero', () => {
    const ratio = frameResults(UID, 'Unknown attribution').find((f) =>
      f.fields.some((x) => x.name === 'unknown ratio'),
    )!;
    expect(lastValue(fieldOf(ratio, (f) => f.name === 'unknown ratio')!)).toBeGreaterThan(0);
  });
});

// ----------------------------------------------------------------------------------------------- debug

describe('debug', () => {
  const UID = 'meterline-debug';

  it('"Costly traces (top 20)" of the scenario’s service are runaway traces, costliest first, linked to Tempo', async () => {
    const d = byUid(UID);
    selectAll(d);
    vars['service'] = RUNAWAY_SERVICE;
    const panel = panelOf(UID, 'Costly traces (top 20)');
    const [table] = await runPanel(d, panel);
    const ids = fieldOf(table!, (f) => f.name === 'trace_id')!;
    const amounts = fieldOf(table!, (f) => f.name === 'amount')!.values as number[];
    expect(ids.values).toHaveLength(20);
    for (const id of ids.values as string[]) expect(scenario.runawayTraceIds.has(id)).toBe(true);
    expect(amounts[0]).toBe(decimal(90n * 200_000n));
    expect(amounts).toEqual([...amounts].sort((a, b) => b - a));
    expect(ids.config.links?.[0]?.internal?.datasourceUid).toBe('tempo');
  });

  it('"Costly traces (top 20)" with every service: the unowned 100 s jobs cost more than any runaway span', () => {
    const [table] = frameResults(UID, 'Costly traces (top 20)');
    const services = fieldOf(table!, (f) => f.name === 'service')!.values as string[];
    const amounts = fieldOf(table!, (f) => f.name === 'amount')!.values as number[];
    expect(services).toHaveLength(20);
    // legacy-cron's jobs run 60–100 s, the runaway's spans 30–90 s (0.0002 USD/s both).
    expect(services[0]).toBe(UNATTRIBUTED_SERVICE);
    expect(amounts[0]).toBe(decimal(100n * 200_000n));
    expect(amounts).toEqual([...amounts].sort((a, b) => b - a));
    const runawayMax = decimal(90n * 200_000n);
    services.forEach((s, i) => {
      if (amounts[i]! > runawayMax) expect(s).toBe(UNATTRIBUTED_SERVICE);
    });
  });

  it('"Cost per SKU" and "Usage per SKU": both SKUs; the requests used are the requests sent', () => {
    const cost = frameResults(UID, 'Cost per SKU').map((f) => labelsOf(f)['sku']);
    expect([...new Set(cost)].sort()).toEqual(['api.requests', 'compute.seconds']);
    const usage = frameResults(UID, 'Usage per SKU');
    const requests = usage.find((f) => labelsOf(f)['sku'] === 'api.requests')!;
    const sum = (valueField(requests).values as Array<number | null>).reduce<number>(
      (a, v) => a + (v ?? 0),
      0,
    );
    const { fromMs, toMs } = panelTimeRange(byUid(UID), panelOf(UID, 'Usage per SKU'), nowMs);
    let sent = 0;
    for (let m = Math.ceil(fromMs / MIN) * MIN; m <= toMs; m += MIN) {
      if (m < scenario.serveFromMs - 15 * DAY || m >= scenario.t0) continue;
      sent += ordinaryRequests(m) + (m >= scenario.incidentMs ? RUNAWAY_SPANS_PER_MINUTE : 0);
    }
    sent += scenario.sent.unattributed.filter((u) => {
      const m = Math.floor(u.endMs / MIN) * MIN;
      return m >= fromMs && m <= toMs;
    }).length;
    expect(sum).toBe(sent);
  });

  it('"Cost per transaction" of checkout: its spend over its requests per bucket', async () => {
    const d = byUid(UID);
    selectAll(d);
    vars['service'] = RUNAWAY_SERVICE;
    const panel = panelOf(UID, 'Cost per transaction');
    const target = panel.targets![0]!;
    // One-minute buckets over the served minutes, where the expectation is per minute.
    const frames = await runQuery(ds, target as never, scenario.serveFromMs, scenario.t0 - 1, MIN);
    const times = timeField(frames[0]!).values as number[];
    const values = valueField(frames[0]!).values as number[];
    expect(times).toHaveLength(40);
    times.forEach((t, i) => {
      const requests = ordinaryRequests(t) + (t >= scenario.incidentMs ? RUNAWAY_SPANS_PER_MINUTE : 0);
      expect(values[i]).toBeCloseTo(Number(checkoutMinuteNano(t)) / requests / 1e9, 9);
    });
  });

  it('"Ingest health": serve’s lag points and its confirmed writes', () => {
    const frames = frameResults(UID, 'Ingest health');
    const lag = frames
      .filter((f) => f.refId === 'A')
      .flatMap((f) => f.fields.filter((x) => x.type === 'number'));
    const writes = frames
      .filter((f) => f.refId === 'B')
      .flatMap((f) => f.fields.filter((x) => x.type === 'number'));
    const lagValues = lag.flatMap((f) => f.values as number[]);
    expect(lagValues.length).toBeGreaterThan(0);
    for (const v of lagValues) expect(v).toBeGreaterThanOrEqual(0);
    // `fill(0)`: every interval of the range has a count, and the serve run wrote at least once.
    const counts = writes.flatMap((f) => f.values as number[]);
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('"Priced usages (accepted) by attribution": rule-attributed and unknown usages', () => {
    const by = new Set(
      frameResults(UID, 'Priced usages (accepted) by attribution').map((f) => labelsOf(f)['attribution']),
    );
    expect([...by]).toEqual(expect.arrayContaining(['unknown']));
    expect(by.size).toBeGreaterThanOrEqual(2);
  });

  it('"Reconciliation drift by provider and day": the drift meterline reconcile stored, per provider account', async () => {
    const panel = panelOf(UID, 'Reconciliation drift by provider and day');
    const frames = frameResults(UID, panel.title);
    const rows = await stored(
      `SELECT "value" FROM "cost_signal" WHERE "signal" = 'drift_ratio' AND "team" = '' GROUP BY "provider", "account", "currency"`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const frame = frames.find(
        (f) =>
          labelsOf(f)['provider'] === row['provider'] &&
          labelsOf(f)['account'] === row['account'] &&
          (labelsOf(f)['currency'] ?? '') === (row['currency'] ?? ''),
      );
      expect(frame).toBeDefined();
      const i = (timeField(frame!).values as number[]).indexOf(Date.parse(row['time'] as string));
      expect(i).toBeGreaterThanOrEqual(0);
      expect(fieldOf(frame!, (f) => f.name === 'drift')!.values[i]).toBe(row['value']);
    }
    // What the time series draws: the drift fields only.
    const shown = await transformed(panel, frames);
    const drawn = shown.flatMap((f) => f.fields.filter((x) => x.type !== 'time').map((x) => x.name));
    expect(new Set(drawn)).toEqual(new Set(['drift']));
  });

  it('"Billed vs modelled by provider and day": one table, a row per provider account and day, newest first', async () => {
    const panel = panelOf(UID, 'Billed vs modelled by provider and day');
    const out = await transformed(panel, frameResults(UID, panel.title));
    expect(out).toHaveLength(1);
    const table = out[0]!;
    expect(columns(table).slice(0, 7)).toEqual([
      'day',
      'provider',
      'account',
      'currency',
      'billed',
      'modelled',
      'drift',
    ]);
    const [count] = await stored(
      `SELECT COUNT("billed_nano") AS "n" FROM "cost_signal" WHERE "signal" = 'drift_ratio' AND "team" = ''`,
    );
    expect(table.length).toBe(count!['n']);
    const days = column(table, 'day').values as number[];
    expect(days).toEqual([...days].sort((a, b) => b - a));
    const currencies = await stored(
      `SHOW TAG VALUES FROM "cost_signal" WITH KEY = "currency" WHERE "signal" = 'drift_ratio'`,
    );
    expect(new Set(column(table, 'currency').values)).toEqual(new Set(currencies.map((r) => r['value'])));
  });

  it('"Provider bills by provider (billed, daily)": the month’s bills, per provider', () => {
    const frames = frameResults(UID, 'Provider bills by provider (billed, daily)');
    expect(frames.length).toBeGreaterThan(0);
    for (const f of frames) expect(labelsOf(f)['provider']).not.toBe('');
  });
});

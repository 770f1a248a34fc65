/**
 * Meterline's dashboards (`dashboards/*.json`) and the provisioning that loads them, checked statically the way
 * Grafana would read them and against everything they reference:
 *
 * - the JSON model: required keys, the schema version, stable uids, unique panel ids, a 24-column grid
 *   without overlaps, panel types Grafana or this repository ships, time overrides Grafana accepts;
 * - data sources: every panel, target, variable and annotation names a provisioned data source, or `${ds}`
 *   whose default is one;
 * - template variables: every `$x` / `${x}` / `[[x]]` is defined (before the variables that use it) or a
 *   Grafana global; Meterline query variables build their `SHOW TAG VALUES`;
 * - queries: every Meterline target is a current query model of its type that the data source's own builder
 *   turns into InfluxQL with "All" and with concrete multi-value selections; annotation queries likewise;
 * - panel options of our panel plugins are in the shape their migrations leave them in;
 * - links: between the dashboards, to runbooks, from the attribution panel's rows, from alert rules
 *   (`dashboard_url`) and from the runbooks' "Dashboard" lines (panel titles);
 * - provisioning: the dashboard provider (path, folder shared with the alert rules), the Tempo data source the
 *   Meterline data source links traces to, every provisioning file parses (contact points and policies are
 *   checked by alert-rules.test.ts).
 *
 * What the queries return over real data is test/plugins/dashboards-data.test.ts.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { defaultDashboard } from '@grafana/schema';
import { parse as parseYaml } from 'yaml';
import {
  PROVISIONING_DIR,
  RUNBOOK_DIR,
  loadProvisioning,
  readProvisioningFile,
  runbookPath,
} from '../support/alert-rules';
import {
  DASHBOARD_UIDS,
  METERLINE_DS_TYPE,
  REPO_ROOT,
  dashboardByUid,
  grafanaDurationMs,
  loadDashboards,
  meterlineTargets,
  panelsOf,
  stringsOf,
  variableRefs,
  type Dashboard,
  type DataSourceRef,
  type Panel,
} from '../support/dashboards';
import {
  annotationQuery,
  buildQuery,
  migrateQuery,
  variableQuery,
} from '../../datasource-plugin/src/queries';
import type { BuildContext } from '../../datasource-plugin/src/queries/contract';
import { MapInterpolator } from '../../datasource-plugin/src/templating/interpolator';
import {
  DEFAULT_QUERY,
  QUERY_MODEL_VERSION,
  QUERY_TYPES,
  type MeterlineAnnotationQuery,
  type MeterlineVariableQuery,
} from '../../datasource-plugin/src/types';
import { DEFAULT_LINK_TEMPLATE } from '../../panel-plugin/attribution/src/types';
import { migrateOptions as migrateAttributionOptions } from '../../panel-plugin/attribution/src/migrations';
import { migrateOptions as migrateAnomalyOptions } from '../../panel-plugin/anomaly/src/migrations';
import { migrateOptions as migrateBurnrateOptions } from '../../panel-plugin/burnrate/src/migrations';

const all = loadDashboards();
const prov = loadProvisioning();
const byUid = (uid: string): Dashboard => dashboardByUid(all, uid);
const cases = all.map((d) => [d.file, d.dashboard] as const);

/** The schema version Grafana 12.3 writes (migration 42, grafana/grafana#110517, is its latest). */
const SCHEMA_VERSION = 42;

/** Grafana's core panels the dashboards may use (no Angular panels: Grafana 12 cannot load them). */
const CORE_PANELS = new Set([
  'row',
  'timeseries',
  'stat',
  'table',
  'bargauge',
  'barchart',
  'gauge',
  'piechart',
  'state-timeline',
  'alertlist',
  'annolist',
  'text',
]);
/** Core panels that query nothing (no data source, no targets). */
const NO_QUERY_PANELS = new Set(['row', 'alertlist', 'text', 'annolist']);

/** Our panel plugins: `panel-plugin/<name>/src/plugin.json` ids. */
const PLUGIN_PANELS = new Set(
  readdirSync(join(REPO_ROOT, 'panel-plugin'))
    .map((d) => join(REPO_ROOT, 'panel-plugin', d, 'src', 'plugin.json'))
    .filter((f) => existsSync(f))
    .map((f) => JSON.parse(readFileSync(f, 'utf8')) as { id: string; type: string })
    .filter((p) => p.type === 'panel')
    .map((p) => p.id),
);

/**
 * Names a dashboard may use without defining them: Grafana's global variables (all start with `__`: `__from`,
 * `__to`, `__interval`, `__url_time_range`, `__value.raw`, `__data.fields.x`, `__all`…), and the raw InfluxQL
 * macros of the Meterline data source that do not (datasource-plugin/src/influxql/macros.ts).
 */
const RAW_MACROS = new Set(['timeFilter', 'interval']);
const isGlobal = (name: string): boolean => name.startsWith('__') || RAW_MACROS.has(name);

/** Row variables of the attribution panel's link template (panel-plugin/attribution/src/links.ts). */
const ATTRIBUTION_ROW_VARIABLES = (() => {
  const source = readFileSync(join(REPO_ROOT, 'panel-plugin', 'attribution', 'src', 'links.ts'), 'utf8');
  const list = /export const ROW_VARIABLES = \[([^\]]*)\]/.exec(source);
  if (list === null) throw new Error('ROW_VARIABLES not found in the attribution panel’s links.ts');
  return new Set([...list[1]!.matchAll(/'(\w+)'/g)].map((m) => m[1]!));
})();

/** Every query-model key a Meterline target may hold (a misspelt option would be silently ignored). */
const TARGET_KEYS = new Set([
  ...Object.keys(DEFAULT_QUERY),
  'refId',
  'datasource',
  'hide',
  'queryType',
  'version',
]);

/** The transformation and field-matcher ids of the installed @grafana/data (its dist cannot load in Node). */
function grafanaEnumValues(file: string): Set<string> {
  const text = readFileSync(join(REPO_ROOT, 'node_modules', '@grafana', 'data', 'dist', 'esm', file), 'utf8');
  return new Set([...text.matchAll(/\["\w+"\] = "([\w-]+)"/g)].map((m) => m[1]!));
}
const TRANSFORMATIONS = grafanaEnumValues('transformations/transformers/ids.mjs');
const FIELD_MATCHERS = grafanaEnumValues('transformations/matchers/ids.mjs');

const dsVariable = (d: Dashboard) => d.templating.list.find((v) => v.type === 'datasource');
const variableNames = (d: Dashboard) => new Set(d.templating.list.map((v) => v.name));

/** The provisioned data source a reference resolves to (through `${ds}`'s default), or undefined. */
function resolveDataSource(d: Dashboard, ref: DataSourceRef | undefined) {
  if (ref?.uid === undefined) return undefined;
  let uid = ref.uid;
  const m = /^\$\{?(\w+)\}?$/.exec(uid);
  if (m !== null) {
    const variable = d.templating.list.find((v) => v.name === m[1]);
    if (variable?.type !== 'datasource') return undefined;
    uid = String((variable.current as { value?: unknown } | undefined)?.value ?? '');
  }
  return prov.datasources.find((ds) => ds.uid === uid);
}

/** A build context whose variables come from `vars` (what the dashboard would have selected). */
function context(vars: Record<string, string | string[]>): BuildContext {
  const toMs = Date.UTC(2025, 2, 10, 12);
  return {
    fromMs: toMs - 6 * 3_600_000,
    toMs,
    intervalMs: 60_000,
    vars: new MapInterpolator(vars),
    settings: { defaultCurrency: 'USD', tempoUid: 'tempo' },
  };
}

/** Variable values: every query variable "All", or two concrete values each (the multi-value regex path). */
function selections(d: Dashboard): Array<[string, Record<string, string | string[]>]> {
  const allSelected: Record<string, string | string[]> = {};
  const concrete: Record<string, string | string[]> = {};
  for (const v of d.templating.list) {
    if (v.type === 'query') {
      allSelected[v.name] = '$__all';
      concrete[v.name] = [`${v.name}-a`, `${v.name} & b/2`];
    } else {
      const value = String((v.current as { value?: unknown } | undefined)?.value ?? '');
      allSelected[v.name] = value;
      concrete[v.name] = value;
    }
  }
  return [
    ['All', allSelected],
    ['two values each', concrete],
  ];
}

/** `/d/<uid>…` links: the uid and the `var-` parameters. */
function dashboardLink(url: string): { uid: string; vars: string[] } | undefined {
  const m = /^\/d\/([\w-]+)(?:\/[\w-]+)?(?:\?(.*))?$/.exec(url);
  if (m === null) return undefined;
  const vars = [...(m[2] ?? '').matchAll(/(?:^|&)var-([\w]+)=/g)].map((v) => v[1]!);
  return { uid: m[1]!, vars };
}

/** Every URL a panel links to: panel links, field data links (defaults and overrides), the attribution rows. */
function panelUrls(panel: Panel): string[] {
  const urls = (panel.links ?? []).map((l) => l.url);
  const linkLists = [
    panel.fieldConfig?.defaults?.['links'],
    ...(panel.fieldConfig?.overrides ?? []).flatMap((o) =>
      ((o['properties'] as Array<{ id: string; value: unknown }> | undefined) ?? [])
        .filter((p) => p.id === 'links')
        .map((p) => p.value),
    ),
  ];
  for (const list of linkLists)
    for (const l of (list as Array<{ url: string }> | undefined) ?? []) urls.push(l.url);
  if (panel.type === 'meterline-attribution-panel') urls.push(String(panel.options?.['linkTemplate'] ?? ''));
  return urls;
}

/** The runbook base URL of the alert rules (they all share it: alert-rules.test.ts). */
const RUNBOOK_BASE = prov.rules[0]!.annotations!['runbook_url']!.replace(/\/[^/]+\.md$/, '');

// ------------------------------------------------------------------------------------------------- model

describe('dashboard JSON', () => {
  it('the three dashboards, each in its file, with stable uids and unique titles', () => {
    expect(Object.fromEntries(all.map((d) => [d.file, d.dashboard.uid]))).toEqual(DASHBOARD_UIDS);
    const titles = all.map((d) => d.dashboard.title);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it.each(cases)('%s: required keys, schema version, tags, a relative time range', (_file, d) => {
    for (const key of [
      'uid',
      'title',
      'description',
      'tags',
      'schemaVersion',
      'time',
      'templating',
      'annotations',
      'panels',
      'links',
    ])
      expect(d).toHaveProperty(key);
    expect(d.uid).toMatch(/^[A-Za-z0-9_-]{8,40}$/);
    expect(d.schemaVersion).toBe(SCHEMA_VERSION);
    // Never newer than the installed @grafana/schema knows (Grafana would not migrate it).
    expect(d.schemaVersion).toBeLessThanOrEqual(defaultDashboard.schemaVersion!);
    expect(d.tags).toContain('meterline');
    expect(d['id'] ?? null).toBeNull();
    expect(d.time.to).toBe('now');
    expect(d.time.from).toMatch(/^now-\d+[smhdw]$/);
    expect(Array.isArray(d.templating.list)).toBe(true);
    expect(Array.isArray(d.annotations.list)).toBe(true);
  });

  it.each(cases)('%s: unique panel ids, a 24-column grid without overlaps', (_file, d) => {
    const panels = panelsOf(d);
    expect(panels.length).toBeGreaterThan(0);
    const ids = panels.map((p) => p.id);
    for (const id of ids) expect(Number.isInteger(id) && id > 0).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      const { x, y, w, h } = p.gridPos;
      for (const n of [x, y, w, h]) expect(Number.isInteger(n)).toBe(true);
      expect({ id: p.id, x: x >= 0, y: y >= 0, w: w >= 1, h: h >= 1, right: x + w <= 24 }).toEqual({
        id: p.id,
        x: true,
        y: true,
        w: true,
        h: true,
        right: true,
      });
      if (p.type === 'row') expect({ id: p.id, x, w, h }).toEqual({ id: p.id, x: 0, w: 24, h: 1 });
    }
    // Top-level panels (a collapsed row's panels are laid out when it opens) never overlap.
    const top = d.panels;
    for (let i = 0; i < top.length; i++)
      for (let j = i + 1; j < top.length; j++) {
        const a = top[i]!.gridPos;
        const b = top[j]!.gridPos;
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect({ a: top[i]!.id, b: top[j]!.id, overlap }).toEqual({
          a: top[i]!.id,
          b: top[j]!.id,
          overlap: false,
        });
      }
  });

  it.each(cases)('%s: panels are core panels or our plugins, titled and described', (_file, d) => {
    expect(PLUGIN_PANELS).toEqual(
      new Set(['meterline-burnrate-panel', 'meterline-attribution-panel', 'meterline-anomaly-panel']),
    );
    for (const p of panelsOf(d)) {
      expect({ id: p.id, known: CORE_PANELS.has(p.type) || PLUGIN_PANELS.has(p.type) }).toEqual({
        id: p.id,
        known: true,
      });
      expect(p.title.trim()).not.toBe('');
      if (p.type !== 'row' && p.type !== 'text') expect((p.description ?? '').length).toBeGreaterThan(20);
      if (NO_QUERY_PANELS.has(p.type)) {
        expect(p.targets ?? []).toEqual([]);
        expect(p.datasource).toBeUndefined();
      } else expect((p.targets ?? []).length).toBeGreaterThan(0);
      for (const key of ['timeFrom', 'timeShift'] as const)
        if (p[key] !== undefined) expect(() => grafanaDurationMs(p[key]!)).not.toThrow();
      for (const tr of p.transformations ?? []) expect(TRANSFORMATIONS).toContain(tr.id);
      for (const o of p.fieldConfig?.overrides ?? [])
        expect(FIELD_MATCHERS).toContain((o['matcher'] as { id: string }).id);
    }
  });

  it('the dashboards show what the billing guide recommends for each audience', () => {
    const types = (uid: string) => new Set(panelsOf(byUid(uid)).map((p) => p.type));
    for (const t of [
      'meterline-burnrate-panel',
      'meterline-attribution-panel',
      'stat',
      'timeseries',
      'table',
    ])
      expect(types('meterline-executive').has(t)).toBe(true);
    for (const t of [
      'meterline-burnrate-panel',
      'meterline-attribution-panel',
      'meterline-anomaly-panel',
      'alertlist',
      'stat',
      'table',
    ])
      expect(types('meterline-oncall').has(t)).toBe(true);
    const queryTypes = (uid: string) =>
      new Set(meterlineTargets(byUid(uid)).map(({ target }) => String(target['queryType'])));
    expect([...queryTypes('meterline-executive')].sort()).toEqual(['burn', 'spend', 'unknown']);
    expect([...queryTypes('meterline-oncall')].sort()).toEqual(['anomalies', 'burn', 'spend', 'unknown']);
    expect([...queryTypes('meterline-debug')].sort()).toEqual([
      'drift',
      'perTransaction',
      'raw',
      'spend',
      'traces',
    ]);
    // Every query type of the data source is used somewhere.
    const used = new Set(all.flatMap((d) => [...queryTypes(d.dashboard.uid)]));
    expect([...used].sort()).toEqual(QUERY_TYPES.map((q) => q.value).sort());
  });
});

// ------------------------------------------------------------------------------------------ data sources

describe('data sources', () => {
  it.each(cases)(
    '%s: a data source variable `ds` defaulting to the provisioned Meterline data source',
    (_file, d) => {
      const ds = dsVariable(d);
      expect(ds).toMatchObject({ name: 'ds', type: 'datasource', query: METERLINE_DS_TYPE });
      const target = prov.datasources.find((p) => p.uid === (ds!.current as { value: string }).value);
      expect(target).toMatchObject({ uid: 'meterline-cost', type: METERLINE_DS_TYPE });
    },
  );

  it.each(cases)(
    '%s: every panel, target, variable and annotation reads a provisioned data source',
    (_file, d) => {
      const refs: Array<{ where: string; ref: DataSourceRef | undefined }> = [];
      for (const p of panelsOf(d)) {
        if (NO_QUERY_PANELS.has(p.type)) continue;
        refs.push({ where: `panel ${p.id}`, ref: p.datasource });
        for (const t of p.targets ?? [])
          refs.push({ where: `panel ${p.id} target ${t.refId}`, ref: t.datasource });
      }
      for (const v of d.templating.list)
        if (v.type === 'query') refs.push({ where: `variable ${v.name}`, ref: v.datasource });
      for (const a of d.annotations.list) refs.push({ where: `annotation ${a.name}`, ref: a.datasource });
      expect(refs.length).toBeGreaterThan(0);
      for (const { where, ref } of refs) {
        // Through the dashboard's data source variable, so the whole dashboard can switch data sources.
        expect({ where, ref }).toEqual({ where, ref: { type: METERLINE_DS_TYPE, uid: '${ds}' } });
        expect({ where, type: resolveDataSource(d, ref)?.type }).toEqual({ where, type: METERLINE_DS_TYPE });
      }
    },
  );
});

// --------------------------------------------------------------------------------------------- variables

describe('template variables', () => {
  it.each(cases)(
    '%s: tenant, team and service: multi-value with All, chained tenant → team → service',
    (_file, d) => {
      const names = d.templating.list.map((v) => v.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names.slice(0, 4)).toEqual(['ds', 'tenant', 'team', 'service']);
      const kinds: Record<string, MeterlineVariableQuery['kind']> = {
        tenant: 'tenants',
        team: 'teams',
        service: 'services',
        sku: 'skus',
        budget: 'budgets',
        provider: 'providers',
      };
      for (const v of d.templating.list.filter((x) => x.type === 'query')) {
        expect(v.query).toMatchObject({ kind: kinds[v.name] });
        // "All" drops the condition only without a custom all value (datasource-plugin/README.md).
        expect({
          name: v.name,
          multi: v.multi,
          includeAll: v.includeAll,
          allValue: v.allValue ?? null,
        }).toEqual({
          name: v.name,
          multi: true,
          includeAll: true,
          allValue: null,
        });
        expect(v.current).toEqual({ text: ['All'], value: ['$__all'] });
      }
      const q = (name: string) =>
        d.templating.list.find((v) => v.name === name)!.query as MeterlineVariableQuery;
      expect(q('team').filters).toEqual([{ key: 'tenant', operator: '=', value: '$tenant' }]);
      expect(q('service').filters).toEqual([
        { key: 'tenant', operator: '=', value: '$tenant' },
        { key: 'team', operator: '=', value: '$team' },
      ]);
    },
  );

  it.each(cases)('%s: every variable used is defined before its users, or a Grafana global', (_file, d) => {
    const defined = variableNames(d);
    const { templating, panels, ...rest } = d;
    const used: Array<{ path: string; name: string }> = [];
    for (const { path, text } of stringsOf({ ...rest, panels }))
      for (const name of variableRefs(text)) used.push({ path, name: name.split('.')[0]! });
    expect(used.length).toBeGreaterThan(0);
    for (const { path, name } of used) {
      if (isGlobal(name) || defined.has(name)) continue;
      // The attribution panel fills its row values into its link template before Grafana does.
      if (/\.options\.linkTemplate$/.test(path) && ATTRIBUTION_ROW_VARIABLES.has(name)) continue;
      throw new Error(`${path} uses $${name}, which is not a variable of ${d.uid}`);
    }
    // A variable only uses variables listed before it (Grafana resolves them in order).
    templating.list.forEach((v, i) => {
      const before = new Set(templating.list.slice(0, i).map((x) => x.name));
      const { current: _current, options: _options, ...definition } = v;
      for (const { text } of stringsOf(definition))
        for (const name of variableRefs(text))
          if (!isGlobal(name))
            expect({ variable: v.name, uses: name, defined: before.has(name) }).toEqual({
              variable: v.name,
              uses: name,
              defined: true,
            });
    });
  });

  it.each(cases)('%s: query variables build their SHOW TAG VALUES statement', (_file, d) => {
    for (const [, vars] of selections(d)) {
      for (const v of d.templating.list.filter((x) => x.type === 'query')) {
        const statements = variableQuery.build(v.query as MeterlineVariableQuery, context(vars));
        expect(statements).toHaveLength(1);
        expect(statements[0]!.text).toMatch(/^SHOW TAG VALUES FROM "\w+" WITH KEY = "\w+"/);
      }
    }
  });

  it('the debug dashboard has the variables the attribution panel’s default row link sets', () => {
    const link = dashboardLink(DEFAULT_LINK_TEMPLATE)!;
    expect(link.uid).toBe('meterline-debug');
    expect(link.vars).toEqual(['service', 'sku']);
    const names = variableNames(byUid(link.uid));
    for (const v of link.vars) expect(names).toContain(v);
  });
});

// ----------------------------------------------------------------------------------------------- queries

describe('queries', () => {
  const targets = all.flatMap(({ dashboard: d }) =>
    meterlineTargets(d).map(
      ({ panel, target }) =>
        [`${d.uid} #${panel.id} ${panel.title} ${target.refId}`, d, panel, target] as const,
    ),
  );

  it('every panel query is a Meterline query (no other data source is provisioned for panels)', () => {
    const panelTargets = all.flatMap(({ dashboard: d }) => panelsOf(d).flatMap((p) => p.targets ?? []));
    expect(targets).toHaveLength(panelTargets.length);
  });

  it.each(targets)('%s: a current query model of its type that builds', (_name, d, panel, target) => {
    for (const key of Object.keys(target))
      expect({ key, known: TARGET_KEYS.has(key) }).toEqual({ key, known: true });
    expect(target['version']).toBe(QUERY_MODEL_VERSION);
    expect(QUERY_TYPES.map((q) => q.value)).toContain(target['queryType']);
    const migrated = migrateQuery(target);
    expect(migrated.queryType).toBe(target['queryType']);
    // Saved as they are: migration only adds defaults, it changes nothing the dashboard set.
    for (const [key, value] of Object.entries(target))
      expect({ key, value: (migrated as unknown as Record<string, unknown>)[key] }).toEqual({ key, value });
    const refIds = (panel.targets ?? []).map((t) => t.refId);
    expect(new Set(refIds).size).toBe(refIds.length);
    for (const [selection, vars] of selections(d)) {
      let statements: Array<{ text: string }> = [];
      expect(() => (statements = buildQuery(target, context(vars)))).not.toThrow();
      expect({ selection, statements: statements.length > 0 }).toEqual({ selection, statements: true });
      for (const s of statements) expect(s.text).not.toMatch(/\$\{?\w+|\[\[/);
    }
  });

  it.each(cases)('%s: annotations for deploys, anomalies and budget crossings build', (_file, d) => {
    expect(d.annotations.list.map((a) => a.name)).toEqual(['Deploys', 'Anomalies', 'Budget crossings']);
    expect(d.annotations.list.map((a) => (a.target as unknown as MeterlineAnnotationQuery).events)).toEqual([
      ['deploy'],
      ['anomaly'],
      ['budget'],
    ]);
    for (const a of d.annotations.list) {
      expect(a.target).toMatchObject({ refId: 'Anno', queryType: 'annotations' });
      // A tenant filter would hide every deploy (deploys have no tenant): only services narrow them.
      expect(a.target).not.toHaveProperty('tenant');
      for (const [, vars] of selections(d)) {
        const statements = annotationQuery.build(
          a.target as unknown as MeterlineAnnotationQuery,
          context(vars),
        );
        expect(statements.length).toBeGreaterThan(0);
      }
    }
  });

  it('raw InfluxQL reads only measurements of the data contract', () => {
    const contract = ['cost', 'provider_cost', 'cost_signal', 'cost_event', 'cost_exemplar', 'cost_budget'];
    const raw = targets.filter(([, , , t]) => t['queryType'] === 'raw');
    expect(raw.length).toBeGreaterThan(0);
    for (const [, , , t] of raw) {
      const from = [...String(t['rawQuery']).matchAll(/\bFROM "(\w+)"/g)].map((m) => m[1]);
      expect(from.length).toBeGreaterThan(0);
      for (const m of from) expect(contract).toContain(m);
      expect(String(t['rawQuery'])).toContain('$timeFilter');
    }
  });
});

// ---------------------------------------------------------------------------------------- panel plugins

describe('our panels', () => {
  const plugins = all.flatMap(({ dashboard: d }) =>
    panelsOf(d)
      .filter((p) => PLUGIN_PANELS.has(p.type))
      .map((p) => [`${d.uid} #${p.id} ${p.type}`, p] as const),
  );

  it.each(plugins)('%s: options in the shape the panel’s migration leaves them', (_name, p) => {
    const migrated =
      p.type === 'meterline-burnrate-panel'
        ? migrateBurnrateOptions({ options: p.options })
        : p.type === 'meterline-attribution-panel'
          ? migrateAttributionOptions(p.options)
          : migrateAnomalyOptions(p.options);
    expect(isDeepStrictEqual(migrated, p.options)).toBe(true);
  });

  it.each(plugins)('%s: queries what it shows', (_name, p) => {
    const targets = p.targets ?? [];
    if (p.type === 'meterline-burnrate-panel') {
      // Chips are shown only for windows the query returns.
      expect(targets.map((t) => t['queryType'])).toEqual(['burn']);
      const queried = new Set(targets[0]!['windows'] as string[]);
      for (const w of p.options!['windows'] as string[]) expect(queried).toContain(w);
    } else if (p.type === 'meterline-attribution-panel') {
      expect(targets.map((t) => [t['queryType'], t['unknownView']])).toEqual([
        ['unknown', 'ratio'],
        ['unknown', 'sources'],
      ]);
      // The table shows at most the query's limit.
      expect(targets[1]!['limit'] as number).toBeGreaterThanOrEqual(p.options!['topN'] as number);
    } else {
      expect(
        targets.map((t) => [t['queryType'], t['anomalyView'], t['dimension'], t['dimensionValue']]),
      ).toEqual([
        ['anomalies', 'series', 'service', '$service'],
        ['anomalies', 'events', 'service', '$service'],
      ]);
    }
  });
});

// ------------------------------------------------------------------------------------------------- links

describe('links', () => {
  it.each(cases)(
    '%s: links to the other two dashboards (keeping time and variables) and the runbooks',
    (_file, d) => {
      const others = Object.values(DASHBOARD_UIDS).filter((u) => u !== d.uid);
      const dashboards = d.links.filter((l) => l.url?.startsWith('/d/'));
      expect(dashboards.map((l) => dashboardLink(l.url!)!.uid).sort()).toEqual([...others].sort());
      for (const l of dashboards)
        expect(l).toMatchObject({ type: 'link', keepTime: true, includeVars: true });
      const runbooks = d.links.filter((l) => l.url?.includes('/docs/runbooks/'));
      expect(runbooks.map((l) => l.url)).toEqual([`${RUNBOOK_BASE}/README.md`]);
    },
  );

  it.each(cases)('%s: every dashboard link resolves to a dashboard and the variables it sets', (_file, d) => {
    const urls = [...d.links.map((l) => l.url ?? ''), ...panelsOf(d).flatMap(panelUrls)];
    let internal = 0;
    for (const url of urls) {
      if (url.includes('/docs/runbooks/')) {
        // The rules' runbook base (one place to change it: provisioning/README.md), and a file that exists.
        expect(url.startsWith(`${RUNBOOK_BASE}/`)).toBe(true);
        const file = url.endsWith('/README.md') ? join(RUNBOOK_DIR, 'README.md') : runbookPath(url);
        expect({ url, exists: file !== undefined && existsSync(file) }).toEqual({ url, exists: true });
        continue;
      }
      const link = dashboardLink(url);
      expect({ url, internal: link !== undefined }).toEqual({ url, internal: true });
      internal++;
      const names = variableNames(byUid(link!.uid));
      for (const v of link!.vars)
        expect({ url, variable: v, defined: names.has(v) }).toEqual({ url, variable: v, defined: true });
    }
    expect(internal).toBeGreaterThan(0);
  });

  it('alert rules link to a provisioned dashboard (dashboard_url)', () => {
    const uids = new Set(all.map((d) => d.dashboard.uid));
    for (const rule of prov.rules) {
      const url = rule.annotations!['dashboard_url']!;
      const m = /\/d\/([\w-]+)\?/.exec(url);
      expect({ rule: rule.uid, uid: m?.[1] && uids.has(m[1]) }).toEqual({ rule: rule.uid, uid: true });
    }
  });

  it('the panels the runbooks point at exist', () => {
    const titles = (uid: string) => panelsOf(byUid(uid)).map((p) => p.title);
    const runbooks = readdirSync(RUNBOOK_DIR).filter((f) => f.endsWith('.md') && f !== 'README.md');
    expect(runbooks.length).toBeGreaterThanOrEqual(6);
    let checked = 0;
    for (const file of runbooks) {
      const text = readFileSync(join(RUNBOOK_DIR, file), 'utf8');
      // `- **Dashboard**: …` up to the next blank line.
      const line = /^- \*\*Dashboard\*\*:([\s\S]*?)\n\n/m.exec(text)?.[1] ?? '';
      expect({ file, dashboardLine: line !== '' }).toEqual({ file, dashboardLine: true });
      // "…" on the on-call dashboard, unless the runbook names the executive or debug dashboard before it.
      for (const part of line.split(/;/)) {
        const uid = /executive dashboard/.test(part)
          ? 'meterline-executive'
          : /debug dashboard/.test(part)
            ? 'meterline-debug'
            : 'meterline-oncall';
        for (const m of part.matchAll(/"([^"]+)"/g)) {
          const name = m[1]!.replace(/\s+/g, ' ');
          const found = titles(uid).some(
            (t) => t === name || t.startsWith(`${name} `) || t.startsWith(`${name}:`),
          );
          expect({ file, uid, name, found }).toEqual({ file, uid, name, found: true });
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });
});

// ------------------------------------------------------------------------------------------ provisioning

describe('provisioning', () => {
  const providerFiles = readdirSync(join(PROVISIONING_DIR, 'dashboards')).filter((f) => /\.ya?ml$/.test(f));
  const providers = providerFiles.flatMap(
    (f) =>
      (readProvisioningFile(join(PROVISIONING_DIR, 'dashboards', f))['providers'] ?? []) as Array<
        Record<string, unknown> & { options?: Record<string, unknown> }
      >,
  );
  const PATH = '/var/lib/grafana/dashboards';

  it('every provisioning file parses (apiVersion 1), dashboards/ included', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.ya?ml$/.test(f)) files.push(p);
      }
    };
    walk(PROVISIONING_DIR);
    expect(files.map((f) => relative(REPO_ROOT, f))).toContain('provisioning/dashboards/meterline.yaml');
    for (const f of files) expect(() => readProvisioningFile(f)).not.toThrow();
  });

  it('one file provider: the mounted dashboards/ folder, into the alert rules’ folder', () => {
    expect(providers).toHaveLength(1);
    const p = providers[0]!;
    expect(p).toMatchObject({ name: 'meterline', orgId: 1, type: 'file', folder: 'Meterline' });
    expect(p.options).toMatchObject({ path: PATH, foldersFromFilesStructure: false });
    // The folder the rules are provisioned into, found by title by both provisioners (no folderUid).
    expect(new Set(prov.groups.map((g) => g.folder))).toEqual(new Set([p['folder']]));
    expect(p).not.toHaveProperty('folderUid');
    // Every dashboard is a file the provider reads (a flat folder of *.json).
    expect(
      readdirSync(join(REPO_ROOT, 'dashboards'))
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(Object.keys(DASHBOARD_UIDS).sort());
  });

  it('the provider path is where docker compose mounts dashboards/ (when the compose file exists)', () => {
    const compose = join(REPO_ROOT, 'docker-compose.yml');
    const readme = readFileSync(join(PROVISIONING_DIR, 'README.md'), 'utf8');
    expect(readme).toContain(PATH);
    expect(readme).toContain('dashboards/meterline.yaml');
    if (!existsSync(compose)) return;
    const doc = parseYaml(readFileSync(compose, 'utf8')) as {
      services?: Record<string, { volumes?: Array<string | { source?: string; target?: string }> }>;
    };
    const mounts = Object.values(doc.services ?? {}).flatMap((s) =>
      (s.volumes ?? []).map((v) => {
        if (typeof v !== 'string') return { source: v.source ?? '', target: v.target ?? '' };
        const [source = '', target = ''] = v.split(':');
        return { source, target };
      }),
    );
    const norm = (s: string) => s.replace(/^\.\//, '').replace(/\/$/, '');
    expect(mounts.filter((m) => norm(m.source) === 'dashboards').map((m) => m.target)).toContain(PATH);
    expect(mounts.filter((m) => norm(m.source) === 'provisioning').map((m) => m.target)).toContain(
      '/etc/grafana/provisioning',
    );
  });

  it('Tempo is provisioned where the Meterline data source links traces', () => {
    const meterline = prov.datasources.find((d) => d.type === METERLINE_DS_TYPE)!;
    const tempoUid = meterline.jsonData!['tempoUid'];
    const tempo = prov.datasources.find((d) => d.uid === tempoUid);
    expect(tempo).toMatchObject({ uid: 'tempo', type: 'tempo', access: 'proxy', url: 'http://tempo:3200' });
    expect(tempo!.isDefault).not.toBe(true);
  });

  it('dashboards/README.md describes every dashboard', () => {
    const readme = readFileSync(join(REPO_ROOT, 'dashboards', 'README.md'), 'utf8');
    for (const { file, dashboard: d } of all) {
      expect(readme).toContain(file);
      expect(readme).toContain(d.uid);
      for (const p of panelsOf(d).filter((x) => x.type !== 'row')) expect(readme).toContain(p.title);
    }
  });
});

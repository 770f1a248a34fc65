/**
 * Meterline's Grafana provisioning (data source, alert rules, contact points, notification policies) and
 * the runbooks it links to: statically consistent, and each rule's real InfluxQL, run against a real
 * InfluxDB holding constructed `cost_signal` points, fires for a constructed incident and stays quiet on
 * the data just before it. Rules are evaluated by test/support/alert-rules.ts the way Grafana does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startInfluxDB, type InfluxInstance } from '../support/influxdb';
import {
  EXPRESSION_DATASOURCE_UID,
  REPO_ROOT,
  RUNBOOK_DIR,
  alertInstances,
  dataSourceDatabase,
  evaluateAlerts,
  evaluateRule,
  evaluationTimes,
  expressionInputs,
  groupByTags,
  influxQuery,
  interpolateDeep,
  interpolateGrafanaValue,
  isEnvReference,
  loadProvisioning,
  parseDuration,
  policyReceivers,
  provisionedForm,
  renderInfluxQL,
  renderRuleQueries,
  renderTemplate,
  routeAlert,
  ruleByUid,
  runbookPath,
  simulateRule,
  templateReferences,
  type AlertInstance,
  type InfluxQueryFn,
  type InfluxQueryJson,
  type Labels,
  type SimulationStep,
} from '../support/alert-rules';

const prov = loadProvisioning();

/** The InfluxQL statements of a runbook (its ```sql blocks, possibly indented in lists). */
function runbookQueries(markdown: string): string[] {
  return [...markdown.matchAll(/```sql\n([\s\S]*?)\n\s*```/g)].map((m) =>
    m[1]!
      .split('\n')
      .map((l) => l.trim())
      .join(' ')
      .trim(),
  );
}

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const RULES = {
  burnPage: 'meterline-budget-burn-page',
  burnTicket: 'meterline-budget-burn-ticket',
  unknown: 'meterline-unknown-attribution',
  anomaly: 'meterline-cost-anomaly',
  lag: 'meterline-ingest-lag',
  drift: 'meterline-reconciliation-drift',
} as const;

/** Environment the provisioning is checked under (what docker-compose would pass to Grafana). */
const ENV = {
  METERLINE_ONCALL_WEBHOOK_URL: 'https://oncall.example.test/hooks/meterline',
  METERLINE_TICKET_WEBHOOK_URL: 'https://tickets.example.test/hooks/meterline',
  METERLINE_INFLUXDB_USER: 'grafana',
  METERLINE_INFLUXDB_PASSWORD: 's3cret',
};

const SEVERITY_RECEIVER = { page: 'meterline-oncall', ticket: 'meterline-tickets' } as const;

describe('Grafana provisioning files', () => {
  it('parse, and define the six Meterline alert rules with unique, valid uids', () => {
    expect(prov.files).toEqual(
      expect.arrayContaining([
        'provisioning/datasources/meterline.yaml',
        'provisioning/alerting/alert-rules.yaml',
        'provisioning/alerting/contact-points.yaml',
        'provisioning/alerting/notification-policies.yaml',
      ]),
    );
    const uids = prov.rules.map((r) => r.uid);
    expect([...uids].sort()).toEqual(Object.values(RULES).sort());
    expect(new Set(uids).size).toBe(uids.length);
    for (const uid of uids) expect(uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    const titles = prov.rules.map((r) => r.title);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it('provision the core InfluxDB data source with credentials only from the environment', () => {
    const ds = prov.datasources.find((d) => d.uid === 'meterline-influxdb');
    expect(ds).toMatchObject({
      type: 'influxdb',
      access: 'proxy',
      url: 'http://influxdb:8086',
      jsonData: { version: 'InfluxQL', dbName: 'meterline' },
    });
    const uids = prov.datasources.map((d) => d.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const d of prov.datasources) {
      // Secrets never inline: no password/token outside secureJsonData, every secure value an env reference.
      for (const key of ['password', 'basicAuthPassword', 'token']) expect(Object.keys(d)).not.toContain(key);
      for (const [k, v] of Object.entries(d.jsonData ?? {}))
        expect(`${k}=${String(v)}`).not.toMatch(/password|token|secret/i);
      for (const v of Object.values(d.secureJsonData ?? {})) expect(isEnvReference(v)).toBe(true);
    }
    expect(interpolateDeep(ds!.secureJsonData, ENV)).toEqual({ password: 's3cret' });
    expect(interpolateGrafanaValue(ds!.user ?? '', ENV)).toBe('grafana');
    expect(interpolateDeep(ds!.secureJsonData, {})).toEqual({ password: '' });
  });

  it('interpolates provisioning values like Grafana ($__env{X}, ${X}, $X, $$ for a literal $)', () => {
    const env = { A: 'one', B: 'two' };
    expect(interpolateGrafanaValue('$__env{A}/${B}/$A-x', env)).toBe('one/two/one-x');
    expect(interpolateGrafanaValue('{{ $$labels.team }} $$5', env)).toBe('{{ $labels.team }} $5');
    // The trap the rules avoid: an unescaped template in an interpolated field loses its variable.
    expect(interpolateGrafanaValue('{{ $labels.team }}', env)).toBe('{{ .team }}');
    expect(interpolateGrafanaValue('$timeFilter', env)).toBe('');
  });

  it('render InfluxQL macros the way Grafana’s InfluxDB data source does', () => {
    const q =
      'SELECT last("v") FROM "m" WHERE $timeFilter GROUP BY time($__interval) -- $__interval_ms $interval';
    expect(renderInfluxQL(q, { fromMs: 1_000, toMs: 61_000 }, 60_000)).toBe(
      'SELECT last("v") FROM "m" WHERE time >= 1000ms and time <= 61000ms GROUP BY time(1m) -- 60000 1m',
    );
    expect(renderInfluxQL('$__interval', { fromMs: 0, toMs: 0 }, 1000)).toBe('1s');
    expect(renderInfluxQL('$__interval', { fromMs: 0, toMs: 0 }, 3_600_000)).toBe('1h');
    const t = Date.UTC(2025, 2, 10, 12, 0);
    expect(renderRuleQueries(ruleByUid(prov, RULES.burnPage), t).map((r) => r.influxql)).toEqual([
      `SELECT last("value") FROM "cost_signal" WHERE "signal" = 'burn_rate' AND "window" = '1h' AND time >= ${t - 600_000}ms and time <= ${t}ms GROUP BY time(1m), "budget", "team", "tenant", "service", "center" fill(none)`,
      `SELECT last("value") FROM "cost_signal" WHERE "signal" = 'burn_rate' AND "window" = '5m' AND time >= ${t - 600_000}ms and time <= ${t}ms GROUP BY time(1m), "budget", "team", "tenant", "service", "center" fill(none)`,
    ]);
  });
});

describe('alert rules', () => {
  const definedUids = new Set(prov.datasources.map((d) => d.uid));

  it.each(prov.rules.map((r) => [r.uid, r] as const))('%s: structure', (_uid, rule) => {
    expect(rule.group.interval).toMatch(/^\d+[smh]$/);
    expect(rule.group.folder).toBe('Meterline');
    expect(() => parseDuration(rule.for)).not.toThrow();
    expect(parseDuration(rule.for) % parseDuration(rule.group.interval)).toBe(0);
    expect(['Alerting', 'NoData', 'OK']).toContain(rule.noDataState);
    expect(['Alerting', 'Error', 'OK']).toContain(rule.execErrState);
    const refIds = rule.data.map((q) => q.refId);
    expect(new Set(refIds).size).toBe(refIds.length);
    expect(refIds).toContain(rule.condition);
    const dsQueries = rule.data.filter((q) => q.datasourceUid !== EXPRESSION_DATASOURCE_UID);
    expect(dsQueries.length).toBeGreaterThan(0);
    for (const q of rule.data) {
      // Only data sources the provisioning defines, or Grafana's expressions.
      if (q.datasourceUid !== EXPRESSION_DATASOURCE_UID) expect(definedUids).toContain(q.datasourceUid);
      // Every expression reads refIds that exist, and never itself.
      for (const ref of expressionInputs(q)) {
        expect(refIds).toContain(ref);
        expect(ref).not.toBe(q.refId);
      }
    }
    for (const q of dsQueries) {
      expect(q.model).toMatchObject({ rawQuery: true, resultFormat: 'time_series' });
      const query = String(q.model['query']);
      expect(q.relativeTimeRange!.from).toBeGreaterThan(q.relativeTimeRange!.to);
      expect(query).toContain('$timeFilter');
      expect(query).toContain('GROUP BY time($__interval)');
      expect(query).toMatch(/^SELECT last\("value"\) FROM "cost_signal" WHERE "signal" = '\w+'/);
      expect(query).toContain('fill(none)');
    }
    // The condition is a threshold or math over `last` reductions of every data-source query.
    const cond = rule.data.find((q) => q.refId === rule.condition)!;
    expect(['threshold', 'math']).toContain(cond.model['type']);
    const reduces = rule.data.filter((q) => q.model['type'] === 'reduce');
    expect(reduces.map((q) => q.model['expression']).sort()).toEqual(dsQueries.map((q) => q.refId).sort());
    for (const r of reduces) expect(r.model['reducer']).toBe('last');
  });

  it.each(prov.rules.map((r) => [r.uid, r] as const))('%s: labels, annotations and runbook', (_uid, rule) => {
    const labels = rule.labels ?? {};
    const annotations = rule.annotations ?? {};
    expect(['page', 'ticket']).toContain(labels['severity']);
    expect(labels['team']).toBeDefined();
    expect(annotations['summary']).toMatch(/\S/);
    expect(annotations['description']).toMatch(/\{\{.*\$values\.\w+\.Value/);
    expect(annotations['dashboard_url']).toContain('/d/meterline-oncall');

    // Annotations are stored raw by Grafana: `$$` would stay doubled. Labels are interpolated: templates
    // there must be written with `$$` so that `$labels` survives.
    for (const v of Object.values(annotations)) expect(v).not.toContain('$$');
    for (const v of Object.values(labels)) if (v.includes('{{')) expect(v).toContain('$$labels');

    // Templates only use labels the queries GROUP BY and values of expressions that exist.
    const dsQueries = rule.data.filter((q) => q.datasourceUid !== EXPRESSION_DATASOURCE_UID);
    const grouped = dsQueries.map((q) => new Set(groupByTags(String(q.model['query']))));
    const expressionRefs = rule.data
      .filter((q) => q.datasourceUid === EXPRESSION_DATASOURCE_UID)
      .map((q) => q.refId);
    const stored = provisionedForm(rule, ENV);
    for (const t of [...Object.values(stored.labels ?? {}), ...Object.values(stored.annotations ?? {})]) {
      const refs = templateReferences(t);
      for (const l of refs.labels) for (const g of grouped) expect(g).toContain(l);
      for (const v of refs.values) expect(expressionRefs).toContain(v);
    }
    // Budget rules carry the budget label, team-scoped rules group by team.
    if (dsQueries.some((q) => String(q.model['query']).includes("'burn_rate'")))
      for (const g of grouped) expect(g).toContain('budget');

    // The runbook exists, under the same base URL as every other rule's, names this rule and its checklist.
    const url = annotations['runbook_url']!;
    expect(url).toMatch(/^https:\/\/\S+\/docs\/runbooks\/[a-z0-9-]+\.md$/);
    const path = runbookPath(url);
    expect(path).toBeDefined();
    expect(existsSync(path!)).toBe(true);
    const text = readFileSync(path!, 'utf8');
    expect(text).toContain(rule.uid);
    expect(text).toContain(rule.title);
    for (const section of [
      '## What it means',
      '## Why it fires',
      '## First checks',
      '## Mitigation',
      '## When to escalate',
      '## Verify recovery',
    ])
      expect(text).toContain(section);
    for (const item of [
      'Identify domain and impacted tenants',
      'Check ingestion pipeline status and backfill needs',
      'Verify recent deploys and scaling events',
      'Apply mitigations and compute projected financial impact',
      'Communicate with finance',
    ])
      expect(text).toContain(item);
    expect(text).toContain('/d/meterline-oncall');
    expect(runbookQueries(text).length).toBeGreaterThanOrEqual(3);
  });

  it('all share one runbook base URL, and the runbook index lists every runbook', () => {
    const urls = prov.rules.map((r) => r.annotations!['runbook_url']!);
    const bases = new Set(urls.map((u) => u.replace(/\/[^/]+\.md$/, '')));
    expect(bases.size).toBe(1);
    const index = readFileSync(join(RUNBOOK_DIR, 'README.md'), 'utf8');
    for (const rule of prov.rules) {
      const file = runbookPath(rule.annotations!['runbook_url']!)!.slice(RUNBOOK_DIR.length + 1);
      expect(index).toContain(`(${file})`);
      expect(index).toContain(rule.uid);
    }
    // The provisioning README documents how the base is changed.
    expect(readFileSync(join(REPO_ROOT, 'provisioning', 'README.md'), 'utf8')).toContain([...bases][0]);
  });

  it('page rules page on both windows of a multi-window burn and sustained anomalies; tickets for slow issues', () => {
    const sev = Object.fromEntries(prov.rules.map((r) => [r.uid, r.labels!['severity']]));
    expect(sev).toEqual({
      [RULES.burnPage]: 'page',
      [RULES.anomaly]: 'page',
      [RULES.lag]: 'page',
      [RULES.burnTicket]: 'ticket',
      [RULES.unknown]: 'ticket',
      [RULES.drift]: 'ticket',
    });
    expect(ruleByUid(prov, RULES.anomaly).for).toBe('10m');
    const mathOf = (uid: string) => {
      const r = ruleByUid(prov, uid);
      return String(r.data.find((q) => q.refId === r.condition)!.model['expression']);
    };
    expect(mathOf(RULES.burnPage)).toBe('$C > 14.4 && $D > 14.4');
    expect(mathOf(RULES.burnTicket)).toBe('$C > 1 && $D > 1');
  });
});

describe('contact points and notification policies', () => {
  const policy = () => {
    expect(prov.policies).toHaveLength(1);
    return interpolateDeep(prov.policies[0]!, ENV);
  };

  it('webhook contact points whose URLs come only from the environment', () => {
    const names = prov.contactPoints.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    const receiverUids = prov.contactPoints.flatMap((c) => c.receivers.map((r) => r.uid));
    expect(new Set(receiverUids).size).toBe(receiverUids.length);
    for (const cp of prov.contactPoints) {
      expect(cp.receivers.length).toBeGreaterThan(0);
      for (const r of cp.receivers) {
        expect(r.type).toBe('webhook');
        expect(isEnvReference(r.settings['url'])).toBe(true);
        expect(JSON.stringify(r.settings)).not.toMatch(/https?:\/\//);
      }
    }
    const urls = Object.fromEntries(
      prov.contactPoints.map((c) => [c.name, interpolateDeep(c.receivers[0]!.settings, ENV)['url']]),
    );
    expect(urls).toEqual({
      'meterline-oncall': ENV.METERLINE_ONCALL_WEBHOOK_URL,
      'meterline-tickets': ENV.METERLINE_TICKET_WEBHOOK_URL,
    });
  });

  it('the policy tree only names defined contact points, and every contact point is reachable', () => {
    const names = new Set(prov.contactPoints.map((c) => c.name));
    const used = policyReceivers(policy());
    expect(used.length).toBeGreaterThan(0);
    for (const r of used) expect(names).toContain(r);
    for (const n of names) expect(used).toContain(n);
  });

  it('routes page and ticket labels to different receivers, pages faster and more often', () => {
    const root = policy();
    const [page] = routeAlert(root, { severity: 'page', alertname: 'x', team: 'payments' });
    const [ticket] = routeAlert(root, { severity: 'ticket', alertname: 'x', team: 'payments' });
    expect(page!.receiver).toBe(SEVERITY_RECEIVER.page);
    expect(ticket!.receiver).toBe(SEVERITY_RECEIVER.ticket);
    expect(page!.receiver).not.toBe(ticket!.receiver);
    expect(page!.groupWaitMs).toBeLessThanOrEqual(30_000);
    expect(page!.groupWaitMs).toBeLessThan(ticket!.groupWaitMs);
    expect(page!.repeatIntervalMs).toBeLessThanOrEqual(HOUR);
    expect(page!.repeatIntervalMs).toBeLessThan(ticket!.repeatIntervalMs);
    expect(page!.groupBy).toContain('budget');
    // An unlabelled alert is never silently dropped, and never pages.
    expect(routeAlert(root, { alertname: 'x' }).map((m) => m.receiver)).toEqual([SEVERITY_RECEIVER.ticket]);
  });

  it.each(prov.rules.map((r) => [r.uid, r] as const))(
    '%s: its alerts (and its NoData/Error alerts) reach the receiver of its severity',
    (_uid, rule) => {
      const labels = provisionedForm(rule, ENV).labels!;
      const severity = labels['severity'] as 'page' | 'ticket';
      for (const alertname of [rule.title, 'DatasourceNoData', 'DatasourceError']) {
        const routes = routeAlert(policy(), { ...labels, alertname, grafana_folder: rule.group.folder });
        expect(routes.map((m) => m.receiver)).toEqual([SEVERITY_RECEIVER[severity]]);
      }
    },
  );
});

describe('the evaluator in test/support follows Grafana’s semantics', () => {
  const fake =
    (bySubstring: Record<string, InfluxQueryJson>): InfluxQueryFn =>
    async (q) => {
      const hit = Object.entries(bySubstring).find(([k]) => q.includes(k));
      return hit?.[1] ?? { results: [{ statement_id: 0 }] };
    };
  const series = (tags: Labels, values: [number, number | null][]): InfluxQueryJson => ({
    results: [
      { statement_id: 0, series: [{ name: 'cost_signal', tags, columns: ['time', 'last'], values }] },
    ],
  });
  const rule = ruleByUid(prov, RULES.burnPage);

  it('a rule with one query returning nothing is NoData as a whole, even if the other query fires', async () => {
    const ev = await evaluateRule(rule, {
      nowMs: 10 * MIN,
      query: fake({
        "'5m'": series({ budget: 'b', team: 't', tenant: '', service: '', center: '' }, [[0, 99]]),
      }),
    });
    expect(ev.condition).toEqual([
      expect.objectContaining({
        state: 'NoData',
        labels: { datasource_uid: 'meterline-influxdb', ref_id: 'A' },
      }),
    ]);
    // noDataState OK: no page from a blind spot in one window.
    expect(alertInstances(ev, { env: ENV }).map((i) => i.state)).toEqual(['Normal']);
  });

  it('math matches series by labels, `last` takes the latest point, annotations render', async () => {
    const tags = { budget: 'b', team: '', tenant: 'acme', service: '', center: '' };
    const ev = await evaluateRule(rule, {
      nowMs: 10 * MIN,
      query: fake({
        "'1h'": series(tags, [
          [MIN, 1],
          [2 * MIN, 20],
        ]),
        "'5m'": series(tags, [
          [MIN, 30],
          [2 * MIN, 15],
        ]),
      }),
    });
    const [inst] = alertInstances(ev, { env: ENV, externalUrl: 'https://grafana.example.test/' });
    expect(inst).toMatchObject({
      state: 'Alerting',
      labels: { budget: 'b', tenant: 'acme', team: 'billing-ops', severity: 'page' },
      annotations: {
        summary: 'Budget b is burning 20.0x its allowance over 1h and 15.0x over 5m',
        dashboard_url: 'https://grafana.example.test/d/meterline-oncall?from=now-6h&to=now',
      },
    });
    expect(inst!.values['C']!.value).toBe(20);
  });

  it('renders the Go-template functions the rules use, and refuses what it cannot render', () => {
    const data = {
      labels: { team: '' },
      values: { B: { labels: {}, value: 0.0834 } },
      externalUrl: 'http://g/',
    };
    expect(renderTemplate('{{ humanizePercentage $values.B.Value }}', data)).toBe('8.34%');
    expect(renderTemplate('{{ humanizeDuration 750 }}|{{ humanizeDuration 90061 }}', data)).toBe(
      '12m 30s|1d 1h 1m 1s',
    );
    expect(renderTemplate('{{ or $labels.team "sre" }}|{{ $values.B.Value | printf "%.2f" }}', data)).toBe(
      'sre|0.08',
    );
    expect(() => renderTemplate('{{ $values.Z.Value }}', data)).toThrow(/refId Z/);
    expect(() => renderTemplate('{{ if $labels.team }}x{{ end }}', data)).toThrow();
    expect(() => renderTemplate('{{ .team }}', data)).toThrow();
  });
});

// ------------------------------------------------------------------------------------- real InfluxDB

const DB = dataSourceDatabase(prov);
/** 2025-03-10 12:00 UTC: every scenario is laid out around it (absolute times, no wall clock). */
const T0 = Date.UTC(2025, 2, 10, 12, 0);

/** The test's own line protocol for a `cost_signal` point (the tag values used here need no escaping). */
function signal(
  name: string,
  tags: Record<string, string | undefined>,
  fields: Record<string, number | boolean>,
  timeMs: number,
): string {
  const tagText = Object.entries({ signal: name, ...tags })
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `,${k}=${v}`)
    .join('');
  const fieldText = Object.entries(fields)
    // Money is an integer nano-unit field (`…_nano`, `i` suffix); everything else a float or a boolean.
    .map(([k, v]) => `${k}=${typeof v === 'boolean' || !k.endsWith('_nano') ? String(v) : `${v}i`}`)
    .join(',');
  return `cost_signal${tagText} ${fieldText} ${timeMs}`;
}

/** One point per minute from `fromMs` (inclusive) to `toMs` (exclusive), value by minute index. */
function everyMinute(fromMs: number, toMs: number, line: (t: number, i: number) => string): string[] {
  const out: string[] = [];
  for (let t = fromMs, i = 0; t < toMs; t += MIN, i++) out.push(line(t, i));
  return out;
}

function firing(instances: readonly AlertInstance[]): AlertInstance[] {
  return instances.filter((i) => i.state === 'Alerting');
}

/** The first step where an instance with `match` labels is in `state`, as minutes from T0. */
function firstMinute(steps: SimulationStep[], state: string, match: Labels): number | undefined {
  const s = steps.find((st) =>
    st.instances.some((i) => i.state === state && Object.entries(match).every(([k, v]) => i.labels[k] === v)),
  );
  return s === undefined ? undefined : (s.atMs - T0) / MIN;
}

function statesOf(steps: SimulationStep[], match: Labels): string[] {
  return steps.map(
    (st) =>
      st.instances.find((i) => Object.entries(match).every(([k, v]) => i.labels[k] === v))?.state ?? 'absent',
  );
}

describe('rules against a real InfluxDB', () => {
  let influx: InfluxInstance;
  let query: InfluxQueryFn;
  const opts = () => ({ query, env: ENV, externalUrl: 'https://grafana.example.test/' });
  const evalAt = (uid: string, nowMs: number) => evaluateAlerts(ruleByUid(prov, uid), { ...opts(), nowMs });

  beforeAll(async () => {
    influx = await startInfluxDB();
    await influx.createDatabase(DB);
    query = influxQuery(influx, DB);
    const lines: string[] = [];
    const burn = (window: string, scope: Record<string, string>, value: number, t: number) =>
      signal('burn_rate', { window, ...scope }, { value, spend_nano: 1000 }, t);
    const checkout = { budget: 'checkout-monthly', team: 'payments', service: 'checkout' };
    const search = { budget: 'search-monthly', team: 'search' };
    const acme = { budget: 'tenant-acme', tenant: 'acme' };

    // Fast burn. Quiet hour before T0; from T0 checkout runs away (5m = 32x, 1h ramps up 1.5 per minute and
    // crosses 14.4 at T0+9m) and recovers at T0+20m (5m back to 0.8 while 1h is still high). search has a
    // 3-minute 5m blip with a calm 1h; acme's 1h is high from earlier but its 5m is calm.
    lines.push(
      ...everyMinute(T0 - HOUR, T0, (t) => burn('1h', checkout, 0.9, t)),
      ...everyMinute(T0 - HOUR, T0, (t) => burn('5m', checkout, 1.1, t)),
      ...everyMinute(T0, T0 + 30 * MIN, (t, i) => burn('1h', checkout, 1 + 1.5 * i, t)),
      ...everyMinute(T0, T0 + 30 * MIN, (t, i) => burn('5m', checkout, i < 20 ? 32 : 0.8, t)),
      ...everyMinute(T0 - HOUR, T0 + 30 * MIN, (t) => burn('1h', search, 2, t)),
      ...everyMinute(T0 - HOUR, T0 + 30 * MIN, (t) =>
        burn('5m', search, t >= T0 + 3 * MIN && t < T0 + 6 * MIN ? 20 : 1, t),
      ),
      ...everyMinute(T0 - HOUR, T0 + 30 * MIN, (t) => burn('1h', acme, 16, t)),
      ...everyMinute(T0 - HOUR, T0 + 30 * MIN, (t) => burn('5m', acme, 0.5, t)),
    );

    // Slow burn, every 5 minutes. data-platform: 6h above 1 all along, 3d crosses 1 at T0. ml-training: 3d
    // above 1 but 6h back below (already corrected).
    const dataPlatform = { budget: 'data-platform', team: 'data' };
    const ml = { budget: 'ml-training', team: 'ml' };
    for (let t = T0 - 2 * HOUR; t <= T0 + HOUR; t += 5 * MIN) {
      lines.push(
        burn('3d', dataPlatform, t < T0 ? 0.95 : 1.25, t),
        burn('6h', dataPlatform, t < T0 ? 1.4 : 1.6, t),
      );
      lines.push(burn('3d', ml, 1.5, t), burn('6h', ml, 0.7, t));
    }

    // Unknown attribution: USD `all` over 1d goes from 3% to 8% at T0; EUR stays at 1%. Telemetry alone at
    // 30% and the 1h window at 20% must not matter (the rule is on 1d, all sources).
    lines.push(
      ...everyMinute(T0 - HOUR, T0 + HOUR, (t) =>
        signal(
          'unknown_ratio',
          { window: '1d', source: 'all', currency: 'USD' },
          { value: t < T0 ? 0.03 : 0.08 },
          t,
        ),
      ),
      ...everyMinute(T0 - HOUR, T0 + HOUR, (t) =>
        signal('unknown_ratio', { window: '1d', source: 'all', currency: 'EUR' }, { value: 0.01 }, t),
      ),
      ...everyMinute(T0 - HOUR, T0 + HOUR, (t) =>
        signal('unknown_ratio', { window: '1d', source: 'telemetry', currency: 'USD' }, { value: 0.3 }, t),
      ),
      ...everyMinute(T0 - HOUR, T0 + HOUR, (t) =>
        signal('unknown_ratio', { window: '1h', source: 'all', currency: 'USD' }, { value: 0.2 }, t),
      ),
    );

    // Anomaly scores: payments spikes for 6 minutes (T0..T0+5m), calms down, then stays anomalous from
    // T0+10m. search's score is always 0.5.
    const payments = { window: '5m', team: 'payments', currency: 'USD' };
    const anomaly = (scope: Record<string, string>, value: number, t: number) =>
      signal('anomaly_score', scope, { value, expected: 120.5, lower: 80, upper: 160 }, t);
    lines.push(
      ...everyMinute(T0 - 30 * MIN, T0 + 40 * MIN, (t) => {
        const m = (t - T0) / MIN;
        return anomaly(payments, m >= 0 && m < 6 ? 0.95 : m >= 10 ? 0.97 : m < 0 ? 0.2 : 0.3, t);
      }),
      ...everyMinute(T0 - 30 * MIN, T0 + 40 * MIN, (t) =>
        anomaly({ window: '5m', service: 'search', currency: 'USD' }, 0.5, t),
      ),
    );

    // Ingest lag: 15 s until T0, then 700 s growing 60 s per minute, until serve stops at T0+15m.
    lines.push(
      ...everyMinute(T0 - 30 * MIN, T0 + 15 * MIN, (t) =>
        signal(
          'ingest_lag_s',
          { window: 'instant' },
          { value: t < T0 ? 15 : 700 + (60 * (t - T0)) / MIN },
          t,
        ),
      ),
    );

    // Drift, one point per UTC day at its start: aws account 000123456789 drifts 3% on 2025-03-08 (0.4% the
    // day before); its team row and gcp stay below 1%; 2025-03-09 has no bill yet (no `value`).
    const aws = { window: '1d', provider: 'aws', account: '000123456789', currency: 'USD' };
    const D0 = Date.UTC(2025, 2, 8);
    lines.push(
      signal(
        'drift_ratio',
        aws,
        { value: 0.004, billed_nano: 1000, modelled_nano: 996, no_bill: false },
        D0 - DAY,
      ),
      signal('drift_ratio', aws, { value: 0.03, billed_nano: 1000, modelled_nano: 970, no_bill: false }, D0),
      signal('drift_ratio', aws, { billed_nano: 0, modelled_nano: 5, no_bill: true }, D0 + DAY),
      signal('drift_ratio', { ...aws, team: 'payments' }, { value: 0.002, no_bill: false }, D0 - DAY),
      signal('drift_ratio', { ...aws, team: 'payments' }, { value: 0.002, no_bill: false }, D0),
      signal(
        'drift_ratio',
        { window: '1d', provider: 'gcp', account: 'proj-1', currency: 'EUR' },
        { value: 0.009 },
        D0 - DAY,
      ),
      signal(
        'drift_ratio',
        { window: '1d', provider: 'gcp', account: 'proj-1', currency: 'EUR' },
        { value: 0.009 },
        D0,
      ),
    );

    for (let i = 0; i < lines.length; i += 5000) await influx.write(DB, lines.slice(i, i + 5000), 'ms');
  });

  afterAll(async () => {
    await influx?.stop();
  });

  describe('budget burn page (fast pair: 1h and 5m above 14.4)', () => {
    const uid = RULES.burnPage;

    it('is quiet on the hour before the incident (every budget evaluated, none firing)', async () => {
      const inst = await evalAt(uid, T0 - MIN);
      expect(inst.map((i) => [i.labels['budget'], i.state]).sort()).toEqual([
        ['checkout-monthly', 'Normal'],
        ['search-monthly', 'Normal'],
        ['tenant-acme', 'Normal'],
      ]);
    });

    it('fires for the runaway budget only, with its labels, values and rendered annotations', async () => {
      const inst = await evalAt(uid, T0 + 10 * MIN);
      expect(inst).toHaveLength(3);
      const [fire, ...rest] = firing(inst);
      expect(rest).toEqual([]);
      expect(fire!.labels).toMatchObject({
        budget: 'checkout-monthly',
        team: 'payments',
        service: 'checkout',
        severity: 'page',
        alertname: 'Budget burn rate: fast burn (page)',
        grafana_folder: 'Meterline',
      });
      expect(fire!.values['C']!.value).toBe(16);
      expect(fire!.values['D']!.value).toBe(32);
      expect(fire!.annotations['summary']).toBe(
        'Budget checkout-monthly is burning 16.0x its allowance over 1h and 32.0x over 5m',
      );
      expect(fire!.annotations['description']).toContain('1h = 16.00, 5m = 32.00');
      expect(fire!.annotations['runbook_url']).toMatch(/\/docs\/runbooks\/budget-burn-page\.md$/);
      expect(routeAlert(interpolateDeep(prov.policies[0]!, ENV), fire!.labels)[0]!.receiver).toBe(
        'meterline-oncall',
      );
    });

    it('pages after `for` (2m), never for a 5m blip or a calm 5m, and resolves when the 5m burn recovers', async () => {
      const steps = await simulateRule(ruleByUid(prov, uid), {
        ...opts(),
        times: evaluationTimes(T0 - 3 * MIN, T0 + 25 * MIN, MIN),
      });
      expect(firstMinute(steps, 'Pending', { budget: 'checkout-monthly' })).toBe(9);
      expect(firstMinute(steps, 'Alerting', { budget: 'checkout-monthly' })).toBe(11);
      const checkout = statesOf(steps, { budget: 'checkout-monthly' });
      expect(checkout.slice(14, 23)).toEqual(Array(9).fill('Alerting')); // T0+11m … T0+19m
      expect(checkout[23]).toBe('Normal'); // T0+20m: 5m burn back to 0.8
      expect(statesOf(steps, { budget: 'search-monthly' }).every((s) => s === 'Normal')).toBe(true);
      expect(statesOf(steps, { budget: 'tenant-acme' }).every((s) => s === 'Normal')).toBe(true);
    });

    it('does not page when the signals stop (NoData is OK for this rule)', async () => {
      const inst = await evalAt(uid, T0 - 10 * DAY);
      expect(inst.map((i) => [i.evalState, i.state])).toEqual([['NoData', 'Normal']]);
    });
  });

  describe('budget burn ticket (slow pair: 3d and 6h above 1)', () => {
    const uid = RULES.burnTicket;

    it('is quiet before the 3d burn crosses 1, even though 6h is above', async () => {
      const inst = await evalAt(uid, T0 - 5 * MIN);
      expect(inst).toHaveLength(2);
      expect(firing(inst)).toEqual([]);
    });

    it('files a ticket for data-platform only, after `for` (30m at the 5m group interval)', async () => {
      const raw = await evalAt(uid, T0 + 5 * MIN);
      expect(firing(raw).map((i) => [i.labels['budget'], i.labels['team'], i.labels['severity']])).toEqual([
        ['data-platform', 'data', 'ticket'],
      ]);
      expect(firing(raw)[0]!.annotations['summary']).toBe(
        'Budget data-platform is on course to overspend: burn 1.25x over 3d and 1.60x over 6h',
      );
      const steps = await simulateRule(ruleByUid(prov, uid), {
        ...opts(),
        times: evaluationTimes(
          T0 - 10 * MIN,
          T0 + 40 * MIN,
          parseDuration(ruleByUid(prov, uid).group.interval),
        ),
      });
      expect(firstMinute(steps, 'Pending', { budget: 'data-platform' })).toBe(0);
      expect(firstMinute(steps, 'Alerting', { budget: 'data-platform' })).toBe(30);
      expect(statesOf(steps, { budget: 'ml-training' }).every((s) => s === 'Normal')).toBe(true);
      expect(routeAlert(interpolateDeep(prov.policies[0]!, ENV), firing(raw)[0]!.labels)[0]!.receiver).toBe(
        'meterline-tickets',
      );
    });
  });

  describe('unknown attribution (1d, all sources, above 5%)', () => {
    const uid = RULES.unknown;

    it('is quiet at 3%, whatever telemetry alone or the 1h window say', async () => {
      const inst = await evalAt(uid, T0 - MIN);
      expect(inst.map((i) => [i.labels['currency'], i.state]).sort()).toEqual([
        ['EUR', 'Normal'],
        ['USD', 'Normal'],
      ]);
    });

    it('fires for the USD ratio at 8% with a readable summary', async () => {
      const [fire, ...rest] = firing(await evalAt(uid, T0 + 5 * MIN));
      expect(rest).toEqual([]);
      expect(fire!.labels).toMatchObject({
        source: 'all',
        currency: 'USD',
        severity: 'ticket',
        team: 'billing-ops',
      });
      expect(fire!.annotations['summary']).toBe(
        "8% of the last day's USD spend has no owner (unknown attribution above 5%)",
      );
    });

    it('raises NoData (a ticket) when no ratio has been written for an hour', async () => {
      const inst = await evalAt(uid, T0 - 10 * DAY);
      expect(inst.map((i) => [i.state, i.labels['alertname'], i.labels['severity']])).toEqual([
        ['NoData', 'DatasourceNoData', 'ticket'],
      ]);
    });
  });

  describe('cost anomaly (score above 0.9 for 10m)', () => {
    const uid = RULES.anomaly;

    it('is quiet before the spike', async () => {
      const inst = await evalAt(uid, T0 - MIN);
      expect(inst).toHaveLength(2);
      expect(firing(inst)).toEqual([]);
    });

    it('a 6-minute spike stays Pending; a sustained one pages 10 minutes after it starts', async () => {
      const steps = await simulateRule(ruleByUid(prov, uid), {
        ...opts(),
        times: evaluationTimes(T0 - 2 * MIN, T0 + 25 * MIN, MIN),
      });
      const payments = statesOf(steps, { team: 'payments' });
      expect(payments.slice(2, 8)).toEqual(Array(6).fill('Pending')); // T0 … T0+5m
      expect(payments.slice(8, 12)).toEqual(Array(4).fill('Normal')); // T0+6m … T0+9m
      expect(firstMinute(steps, 'Alerting', { team: 'payments' })).toBe(20);
      expect(statesOf(steps, { service: 'search' }).every((s) => s === 'Normal')).toBe(true);
      const fire = firing(steps[steps.length - 1]!.instances)[0]!;
      expect(fire.labels).toMatchObject({
        team: 'payments',
        service: '',
        currency: 'USD',
        window: '5m',
        severity: 'page',
      });
      expect(fire.annotations['summary']).toBe(
        'Cost anomaly on team=payments service= tenant=: score 0.97 for 10 minutes',
      );
    });

    it('a series without a team is owned by sre', async () => {
      const inst = await evalAt(uid, T0);
      expect(inst.find((i) => i.labels['service'] === 'search')!.labels['team']).toBe('sre');
    });
  });

  describe('ingestion lag (above 600 s)', () => {
    const uid = RULES.lag;

    it('is quiet at 15 s', async () => {
      const inst = await evalAt(uid, T0 - MIN);
      expect(inst.map((i) => i.state)).toEqual(['Normal']);
    });

    it('pages 2 minutes after the lag passes 10 minutes', async () => {
      const raw = await evalAt(uid, T0 + MIN);
      expect(firing(raw)).toHaveLength(1);
      expect(firing(raw)[0]!.annotations['summary']).toBe(
        'Cost data is 12m 40s behind (ingest lag above 10 minutes)',
      );
      const steps = await simulateRule(ruleByUid(prov, uid), {
        ...opts(),
        times: evaluationTimes(T0 - MIN, T0 + 3 * MIN, MIN),
      });
      expect(steps.map((s) => s.instances[0]!.state)).toEqual([
        'Normal',
        'Pending',
        'Pending',
        'Alerting',
        'Alerting',
      ]);
    });

    it('pages when serve stops reporting altogether (NoData → Alerting)', async () => {
      const steps = await simulateRule(ruleByUid(prov, uid), {
        ...opts(),
        times: evaluationTimes(T0 + 30 * MIN, T0 + 32 * MIN, MIN),
      });
      expect(steps.map((s) => s.instances.map((i) => [i.evalState, i.state]))).toEqual([
        [['NoData', 'Pending']],
        [['NoData', 'Pending']],
        [['NoData', 'Alerting']],
      ]);
      expect(steps[2]!.instances[0]!.labels).toMatchObject({ severity: 'page', team: 'sre' });
    });
  });

  describe('reconciliation drift (above 1%)', () => {
    const uid = RULES.drift;
    const D0 = Date.UTC(2025, 2, 8);

    it('is quiet while the latest reconciled day is within 1%', async () => {
      const inst = await evalAt(uid, D0 - HOUR);
      expect(inst).toHaveLength(3);
      expect(firing(inst)).toEqual([]);
    });

    it('files a ticket for the drifting account (leading zeros kept), not its team row or gcp', async () => {
      const [fire, ...rest] = firing(await evalAt(uid, D0 + 6 * HOUR));
      expect(rest).toEqual([]);
      expect(fire!.labels).toMatchObject({
        provider: 'aws',
        account: '000123456789',
        currency: 'USD',
        team: 'billing-ops',
        severity: 'ticket',
      });
      expect(fire!.annotations['summary']).toBe(
        'aws account 000123456789 (USD): provider bill and modelled cost differ by 3%',
      );
    });

    it('keeps firing on the latest known drift while the next day has no bill yet', async () => {
      const inst = await evalAt(uid, D0 + DAY + 6 * HOUR);
      expect(firing(inst).map((i) => i.labels['account'])).toEqual(['000123456789']);
    });
  });

  it('every InfluxQL statement in the runbooks runs on InfluxDB 1.x and finds the data it is about', async () => {
    // A little of everything, just written (the runbooks query relative to now()), for the alert's labels.
    const now = Date.now();
    const today = now - (now % DAY);
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const scope = { budget: 'checkout-monthly', team: 'payments', service: 'checkout' };
    await influx.write(DB, [
      `cost,source=telemetry,tenant=acme,team=payments,service=checkout,sku=requests,region=eu,attribution=unknown,currency=USD amount_nano=5000i,quantity=10,events=10i ${now - 5 * MIN}`,
      `cost_exemplar,service=checkout,tenant=acme,sku=requests trace_id="${trace}",span_id="00f067aa0ba902b7",amount_nano=900i ${now - 5 * MIN}`,
      `cost_event,kind=deploy,service=checkout,team=payments title="checkout v1 → v2",text="deploy",version="v2",previous_version="v1" ${now - 30 * MIN}`,
      `cost_event,kind=anomaly,service=checkout,team=payments title="checkout spend anomaly",text="score 0.97",trace_ids="${trace}",score=0.97 ${now - 10 * MIN}`,
      `provider_cost,provider=aws,account=000123456789,service=ec2,sku=box,attribution=unknown,currency=USD,charge=usage billed_nano=100i,effective_nano=90i,list_nano=120i,quantity=1,rows=1i,file="abc" ${today - DAY}`,
      signal('burn_rate', { window: '1h', ...scope }, { value: 1.2, spend_nano: 5 }, now - 2 * MIN),
      signal(
        'projected_ratio',
        { window: 'period', ...scope },
        { value: 0.9, exhaustion_s: 100_000 },
        now - 2 * MIN,
      ),
      signal(
        'anomaly_score',
        { window: '5m', team: 'payments', currency: 'USD' },
        { value: 0.2, expected: 1, lower: 0.5, upper: 2 },
        now - 2 * MIN,
      ),
      signal('ingest_lag_s', { window: 'instant' }, { value: 3 }, now - 2 * MIN),
      signal(
        'unknown_ratio',
        { window: '1d', source: 'all', currency: 'USD' },
        { value: 0.01 },
        now - 2 * MIN,
      ),
      signal(
        'drift_ratio',
        { window: '1d', provider: 'aws', account: '000123456789', currency: 'USD' },
        { value: 0.002, billed_nano: 1000, modelled_nano: 998, no_bill: false },
        today,
      ),
    ]);
    const placeholders: Record<string, string> = {
      "'<budget>'": "'checkout-monthly'",
      "'<team>'": "'payments'",
      "'<service>'": "'checkout'",
      "'<provider>'": "'aws'",
      "'<account>'": "'000123456789'",
    };
    const files = prov.rules.map((r) => runbookPath(r.annotations!['runbook_url']!)!);
    let count = 0;
    for (const file of files) {
      for (const q of runbookQueries(readFileSync(file, 'utf8'))) {
        expect(q).toMatch(/^SELECT /);
        const concrete = q.replace(/'<[a-z-]+>'/g, (p) => placeholders[p] ?? p);
        expect(concrete).not.toMatch(/'<[a-z-]+>'/);
        const json = await query(concrete);
        const found = json.results[0]?.series?.length ?? 0;
        if (found === 0) throw new Error(`${file.slice(REPO_ROOT.length + 1)}: no data for ${concrete}`);
        count++;
      }
    }
    expect(count).toBeGreaterThan(20);
  });

  it('every rule’s rendered queries run on InfluxDB 1.x without errors', async () => {
    for (const rule of prov.rules) {
      for (const q of renderRuleQueries(rule, T0 + 5 * MIN)) {
        const json = await query(q.influxql);
        expect(json.results[0]?.error).toBeUndefined();
      }
    }
  });
});

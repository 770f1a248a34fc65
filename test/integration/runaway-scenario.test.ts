/**
 * The runaway-autoscaler incident end to end (test/support/runaway.ts): weeks of ordinary spend, a deploy
 * and a runaway sent through a real `meterline serve` by the real OpenTelemetry SDK and OTLP exporter, then
 * signals evaluated in-process before and after the incident, and once with the built CLI. What an
 * on-call engineer needs must be in InfluxDB: a high anomaly score for the service, an anomaly event that
 * points at the costly traces and names the deploy, and a budget burning over the page threshold.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BURN_RULES } from '@meterline/cost-model';
import { createInfluxStore } from '../../otel-processor/src/influx/store';
import { runSignals } from '../../otel-processor/src/signals/evaluate';
import {
  evaluateAlerts,
  influxQuery,
  loadProvisioning,
  routeAlert,
  ruleByUid,
  parseDuration,
  type AlertInstance,
} from '../support/alert-rules';
import {
  RUNAWAY_BUDGET,
  RUNAWAY_SERVICE,
  RUNAWAY_TEAM,
  RUNAWAY_TENANT,
  VERSION_AFTER,
  VERSION_BEFORE,
  setUpRunawayScenario,
  type RunawayScenario,
} from '../support/runaway';

const ROOT = join(__dirname, '../..');
const BUILT_CLI = join(ROOT, 'otel-processor/dist/cli.js');
const PAGE = BURN_RULES.find((r) => r.name === 'page')!;
const THRESHOLD = 0.9;

let scenario: RunawayScenario;

/** Sources of both packages whose compiled `dist/….js` is missing or older than they are. */
function staleBuildOutputs(): string[] {
  const stale: string[] = [];
  const walk = (pkg: string, dir: string): void => {
    for (const entry of readdirSync(join(ROOT, pkg, 'src', dir), { withFileTypes: true })) {
      const rel = join(dir, entry.name);
      if (entry.isDirectory()) walk(pkg, rel);
      else if (/(?<!\.test|\.fixture)\.ts$/.test(entry.name)) {
        const out = join(ROOT, pkg, 'dist', rel.replace(/\.ts$/, '.js'));
        if (!existsSync(out) || statSync(out).mtimeMs < statSync(join(ROOT, pkg, 'src', rel)).mtimeMs)
          stale.push(join(pkg, 'src', rel));
      }
    }
  };
  walk('cost-model', '');
  walk('otel-processor', '');
  return stale;
}

type Row = Record<string, unknown>;

async function rows(q: string): Promise<Row[]> {
  const json = await scenario.influx.query(q, scenario.database);
  return (json.results[0]?.series ?? []).flatMap((s) =>
    s.values.map((v) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) })),
  );
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

async function evaluate(atMs: number) {
  const store = createInfluxStore(scenario.config.influx!);
  try {
    const report = await runSignals(store, scenario.config, atMs);
    expect(report.errors).toEqual([]);
    return report;
  } finally {
    await store.close();
  }
}

function burn(window: string, atMs: number): Promise<Row[]> {
  return rows(
    `SELECT "value" FROM "cost_signal" WHERE "signal" = 'burn_rate' AND "budget" = '${RUNAWAY_BUDGET}' AND "window" = '${window}' AND time = ${atMs}ms`,
  );
}

function score(tag: string, value: string, bucketStartMs: number): Promise<Row[]> {
  return rows(
    `SELECT "value", "expected", "upper", "amount_nano", "ready" FROM "cost_signal" WHERE "signal" = 'anomaly_score' AND "window" = '5m' AND "${tag}" = '${value}' AND time = ${bucketStartMs}ms`,
  );
}

beforeAll(async () => {
  scenario = await setUpRunawayScenario();
}, 120_000);

afterAll(async () => {
  await scenario?.stop();
});

describe('a runaway autoscaler after a deploy', () => {
  it('serve priced what the real exporter sent, and recorded the deploy', async () => {
    expect(scenario.sent.runaway).toBe(20 * 150);
    const deploys = await rows(
      `SELECT "version", "previous_version" FROM "cost_event" WHERE "kind" = 'deploy'`,
    );
    expect(deploys).toEqual([
      expect.objectContaining({ version: VERSION_AFTER, previous_version: VERSION_BEFORE }),
    ]);
    expect(Date.parse(deploys[0]!.time as string)).toBeGreaterThanOrEqual(scenario.deployMs);
    expect(Date.parse(deploys[0]!.time as string)).toBeLessThan(scenario.deployMs + 60_000);
  });

  it('before the incident: scores and burn rates are below their thresholds, and there is no event', async () => {
    const report = await evaluate(scenario.beforeMs);
    const bucket = scenario.beforeMs - 5 * 60_000;
    for (const [tag, value] of [
      ['service', RUNAWAY_SERVICE],
      ['team', RUNAWAY_TEAM],
      ['tenant', RUNAWAY_TENANT],
    ] as const) {
      const [s] = await score(tag, value, bucket);
      expect(s).toMatchObject({ ready: true });
      expect(s!.value as number).toBeLessThan(THRESHOLD);
    }
    for (const window of [PAGE.long, PAGE.short]) {
      const [b] = await burn(window, scenario.beforeMs);
      expect(b!.value as number).toBeLessThan(PAGE.threshold);
    }
    expect(report.points.filter((p) => p.measurement === 'cost_event')).toEqual([]);
  });

  it('after 20 minutes of runaway: a high score, an event with the costly traces and the deploy, a page-level burn', async () => {
    await evaluate(scenario.afterMs);
    const lastBucket = scenario.afterMs - 5 * 60_000;
    const [s] = await score('service', RUNAWAY_SERVICE, lastBucket);
    expect(s!.value as number).toBeGreaterThan(0.99);
    // Some 2 USD a minute against an expected few cents.
    expect(s!.amount_nano as number).toBeGreaterThan(50 * (s!.upper as number));

    const events = await rows(
      `SELECT * FROM "cost_event" WHERE "kind" = 'anomaly' AND "service" = '${RUNAWAY_SERVICE}'`,
    );
    expect(events).toHaveLength(1);
    const event = events[0]!;
    // Written at the first anomalous bucket: the start of the runaway.
    expect(event.time).toBe(iso(scenario.incidentMs));
    expect(event.score as number).toBeGreaterThan(0.99);
    const traceIds = String(event.trace_ids).split(',');
    expect(traceIds.length).toBe(5);
    for (const id of traceIds) expect(scenario.runawayTraceIds.has(id)).toBe(true);
    expect(String(event.deploys)).toMatch(
      new RegExp(
        `^${RUNAWAY_SERVICE} ${VERSION_AFTER} \\(from ${VERSION_BEFORE}\\) at ${iso(scenario.deployMs).slice(0, 16)}`,
      ),
    );
    expect(event.deploy_versions).toBe(VERSION_AFTER);
    expect(String(event.text)).toContain(`Deploys before it: ${RUNAWAY_SERVICE} ${VERSION_AFTER}`);

    // The team's and the tenant's series see the same incident, with the same traces.
    for (const tag of ['team', 'tenant'] as const) {
      const [e] = await rows(
        `SELECT "trace_ids", "deploy_versions" FROM "cost_event" WHERE "kind" = 'anomaly' AND "${tag}" <> ''`,
      );
      expect(e).toMatchObject({ trace_ids: event.trace_ids, deploy_versions: VERSION_AFTER });
    }

    for (const window of [PAGE.long, PAGE.short]) {
      const [b] = await burn(window, scenario.afterMs);
      expect(b!.value as number).toBeGreaterThan(PAGE.threshold);
    }
    const [projection] = await rows(
      `SELECT "page", "escalate" FROM "cost_signal" WHERE "signal" = 'projected_ratio' AND time = ${scenario.afterMs}ms`,
    );
    expect(projection).toMatchObject({ page: true });
  });

  it('the built CLI evaluates the same time to the same points', async () => {
    const stale = staleBuildOutputs();
    if (stale.length > 0) {
      throw new Error(
        `the built CLI is older than its sources (${stale.slice(0, 3).join(', ')}…): run \`npm run build\` (npm test does)`,
      );
    }
    const snapshot = async () =>
      JSON.stringify(
        await Promise.all(
          [
            'SHOW SERIES',
            'SELECT * FROM "cost_signal"',
            'SELECT * FROM "cost_event"',
            'SELECT * FROM "cost_budget"',
          ].map((q) => scenario.influx.query(q, scenario.database)),
        ),
      );
    const before = await snapshot();
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(
          process.execPath,
          [
            BUILT_CLI,
            'signals',
            '--once',
            '--at',
            new Date(scenario.afterMs).toISOString(),
            '--config',
            scenario.configPath,
          ],
          { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      },
    );
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toContain(`Signals at ${iso(scenario.afterMs)}`);
    expect(result.stdout).toMatch(/cost_event\s+anomaly\s+currency=USD service=checkout\s+(0\.99\d*|1)\s/);
    expect(result.stdout).toMatch(/burn_rate\s+1h\s+budget=checkout-monthly service=checkout\s+\d{2,}/);
    expect(await snapshot()).toBe(before);
  }, 60_000);
});

describe('the provisioned alert rules on the runaway', () => {
  // Grafana's own evaluation, reproduced by test/support/alert-rules.ts: each rule's InfluxQL runs against
  // this scenario's InfluxDB with its macros rendered, then reduce/threshold/math as Grafana does.
  const prov = loadProvisioning();
  const queryFn = () => influxQuery(scenario.influx, scenario.database);
  const alerting = (instances: AlertInstance[]) => instances.filter((i) => i.state === 'Alerting');

  it('the fast burn-rate pair pages for the budget after the incident and not before it', async () => {
    const rule = ruleByUid(prov, 'meterline-budget-burn-page');
    // Signals as they stood before the incident: the latest points written at or before `beforeMs`.
    await evaluate(scenario.beforeMs);
    const quiet = await evaluateAlerts(rule, { nowMs: scenario.beforeMs, query: queryFn() });
    expect(alerting(quiet)).toEqual([]);
    await evaluate(scenario.afterMs);
    const paging = alerting(await evaluateAlerts(rule, { nowMs: scenario.afterMs, query: queryFn() }));
    expect(paging.map((i) => [i.labels['budget'], i.labels['severity']])).toEqual([[RUNAWAY_BUDGET, 'page']]);
    expect(routeAlert(prov.policies[0]!, paging[0]!.labels).map((m) => m.receiver)).toEqual([
      'meterline-oncall',
    ]);
  });

  it('the anomaly rule pages once the score stayed over its threshold for its `for`, and not before the incident', async () => {
    const rule = ruleByUid(prov, 'meterline-cost-anomaly');
    const forMs = parseDuration(rule.for);
    // As in production: each minute the signals are evaluated, then the rule; a rule evaluated at `t`
    // sees only what evaluations up to `t` wrote. `for` as Grafana applies it: Pending, then Alerting
    // once the condition held for `for`.
    let pendingSince: number | undefined;
    const states: string[] = [];
    for (let t = scenario.beforeMs; t <= scenario.afterMs; t += 60_000) {
      await evaluate(t);
      const instance = (await evaluateAlerts(rule, { nowMs: t, query: queryFn() })).find(
        (i) => i.labels['service'] === RUNAWAY_SERVICE,
      );
      if (instance?.state !== 'Alerting') {
        pendingSince = undefined;
        states.push('Normal');
        continue;
      }
      expect(instance.labels['severity']).toBe('page');
      pendingSince ??= t;
      states.push(t - pendingSince >= forMs ? 'Alerting' : 'Pending');
    }
    expect(states[0]).toBe('Normal');
    expect(states).toContain('Pending');
    expect(states[states.length - 1]).toBe('Alerting');
  });
});

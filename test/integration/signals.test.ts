/**
 * Signals against a real InfluxDB: constructed `cost`, `provider_cost`, `cost_exemplar` and deploy
 * `cost_event` points with known sums; `meterline signals --once` run in-process with real argv; the
 * `cost_signal`, `cost_event` and `cost_budget` points it wrote read back with the test's own raw queries
 * and compared with values computed by hand below. Evaluating the same time again must leave InfluxDB
 * exactly as it was. Last, the loop inside `meterline serve` writes on its own and stops with the service.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '@meterline/cost-model';
import pino from 'pino';
import { createInfluxStore } from '../../otel-processor/src/influx/store';
import type { CommandIo } from '../../otel-processor/src/reconcile/command-io';
import { MeterlineService } from '../../otel-processor/src/serve/service';
import { runSignalsCommand } from '../../otel-processor/src/signals/command';
import { evaluateSignals } from '../../otel-processor/src/signals/evaluate';
import { topUnattributedSources } from '../../otel-processor/src/signals/unknown';
import { freePort } from '../support/free-port';
import { startInfluxDB, type InfluxInstance } from '../support/influxdb';

const DB = 'signals_test';
const MIN = 60_000;
const B = 5 * MIN;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NANO = 1_000_000_000n;
/** The evaluation time: 2026-03-10T12:00Z, 9.5 days into March (744 hours long). */
const AT = Date.UTC(2026, 2, 10, 12);
/** The last complete 5-minute bucket at AT, where checkout's spend jumps. */
const SPIKE = AT - B;
/** History starts 14 days back (the default look-back): the detector scores after 10 days of it. */
const START = AT - 14 * DAY;

/** Normal spend per 5 minutes: checkout 0.1 USD (attributed), search 0.05 USD (unknown); the spike 20 USD. */
const CHECKOUT = 100_000_000n;
const SEARCH = 50_000_000n;
const SPIKE_NANO = 20n * NANO;

const CHECKOUT_TAGS =
  'attribution=rule,center=cc-100,currency=USD,service=checkout,sku=api.requests,source=telemetry,team=payments,tenant=acme';
const SEARCH_TAGS =
  'attribution=unknown,currency=USD,service=search,sku=api.requests,source=telemetry,team=discovery,tenant=unknown';

const TRACE = {
  a: '4bf92f3577b34da6a3ce929d0e0e4736',
  b: '5bf92f3577b34da6a3ce929d0e0e4736',
  c: '6bf92f3577b34da6a3ce929d0e0e4736',
  search: '7bf92f3577b34da6a3ce929d0e0e4736',
  old: '8bf92f3577b34da6a3ce929d0e0e4736',
};

function cost(t: number, amountNano: bigint, tags: string): string {
  return `cost,${tags} amount_nano=${amountNano}i,events=1i,price_version="v1",quantity=1 ${t}`;
}
function bill(t: number, billedNano: bigint, tags: string): string {
  return `provider_cost,provider=AWS,account=012345678901,charge=usage,${tags} billed_nano=${billedNano}i,effective_nano=${billedNano}i,list_nano=${billedNano}i,quantity=1,rows=1i,file="sha256:f" ${t}`;
}
function exemplar(
  t: number,
  service: string,
  tenant: string,
  traceId: string,
  spanId: string,
  amountNano: bigint,
): string {
  return `cost_exemplar,service=${service},sku=api.requests,tenant=${tenant} trace_id="${traceId}",span_id="${spanId}",amount_nano=${amountNano}i ${t}`;
}
function deploy(t: number, service: string, team: string, version: string, previous: string): string {
  return `cost_event,kind=deploy,service=${service},team=${team} title="${service} ${previous} → ${version}",text="deploy",version="${version}",previous_version="${previous}" ${t}`;
}

const CONFIG = (url: string, database: string, extra: Record<string, unknown> = {}) => ({
  influx: { url, database },
  budgets: [
    {
      name: 'checkout-monthly',
      scope: { service: 'checkout' },
      amount: '744',
      currency: 'USD',
      period: 'month',
    },
  ],
  signals: {},
  ...extra,
});

let influx: InfluxInstance;
let dir: string;
let configFile: string;

function capture(): CommandIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
  };
}

type Row = Record<string, unknown>;

/** The test's own query: rows of every series of `q`, tags merged in. */
async function rows(q: string, db = DB): Promise<Row[]> {
  const json = await influx.query(q, db);
  return (json.results[0]?.series ?? []).flatMap((s) =>
    s.values.map((v) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) })),
  );
}

/** Everything signals write, as one comparable value (for the idempotency check). */
async function snapshot(): Promise<string> {
  const parts = await Promise.all([
    influx.query('SHOW SERIES', DB),
    influx.query(`SELECT * FROM "cost_signal"`, DB),
    influx.query(`SELECT * FROM "cost_budget"`, DB),
    influx.query(`SELECT * FROM "cost_event"`, DB),
  ]);
  return JSON.stringify(parts);
}

beforeAll(async () => {
  influx = await startInfluxDB();
  await influx.createDatabase(DB);
  const lines: string[] = [];
  for (let t = START; t < AT; t += B) {
    lines.push(cost(t, t === SPIKE ? SPIKE_NANO : CHECKOUT, CHECKOUT_TAGS));
    lines.push(cost(t, SEARCH, SEARCH_TAGS));
  }
  // Bills of March 10 (inside the 1d window, outside the 1h one), and of March 8 (outside both).
  const day10 = Date.UTC(2026, 2, 10);
  lines.push(
    bill(day10, 100n * NANO, 'attribution=rule,currency=USD,service=AmazonEC2,team=payments'),
    bill(day10, 25n * NANO, 'attribution=unknown,currency=USD,service=AmazonS3,region=eu-west-1'),
    bill(day10, 10n * NANO, 'attribution=unknown,currency=EUR,service=AmazonRDS,region=eu-central-1'),
    bill(Date.UTC(2026, 2, 8), 1000n * NANO, 'attribution=unknown,currency=USD,service=AmazonS3'),
  );
  // Costly spans of the spike bucket: trace A twice (3 + 0.5 USD), B, C; another service's; and an older one.
  lines.push(
    exemplar(SPIKE + 10_000, 'checkout', 'acme', TRACE.a, '00f067aa0ba902b7', 3n * NANO),
    exemplar(SPIKE + 70_000, 'checkout', 'acme', TRACE.b, '01f067aa0ba902b7', 2n * NANO),
    exemplar(SPIKE + 130_000, 'checkout', 'acme', TRACE.c, '02f067aa0ba902b7', 1n * NANO),
    exemplar(SPIKE + 190_000, 'checkout', 'acme', TRACE.a, '03f067aa0ba902b7', NANO / 2n),
    exemplar(SPIKE + 20_000, 'search', 'unknown', TRACE.search, '04f067aa0ba902b7', 5n * NANO),
    exemplar(SPIKE - 15 * MIN, 'checkout', 'acme', TRACE.old, '05f067aa0ba902b7', 9n * NANO),
  );
  // Deploys: checkout 5 minutes before the spike; an older one beyond the 2h look-back; another service's.
  lines.push(
    deploy(SPIKE - 5 * MIN, 'checkout', 'payments', '1.1.0', '1.0.0'),
    deploy(SPIKE - 3 * HOUR, 'checkout', 'payments', '1.0.0', '0.9.0'),
    deploy(SPIKE - 3 * MIN, 'search', 'discovery', '2.0.0', '1.9.0'),
  );
  await influx.write(DB, lines);
  dir = mkdtempSync(join(tmpdir(), 'meterline-signals-test-'));
  configFile = join(dir, 'meterline.yaml');
  writeFileSync(configFile, JSON.stringify(CONFIG(influx.url, DB))); // JSON is YAML
}, 60_000);

afterAll(async () => {
  await influx?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('meterline signals --once against a real InfluxDB', () => {
  let first: { code: number; out: string; err: string };

  beforeAll(async () => {
    const io = capture();
    // 30 s after AT: aligned down to the minute, so this evaluates AT.
    const code = await runSignalsCommand(
      ['--once', '--at', '2026-03-10T12:00:30Z', '--config', configFile],
      io,
    );
    first = { code, out: io.out.join(''), err: io.err.join('') };
  }, 60_000);

  it('exits 0 and prints what it wrote', () => {
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toContain(`Signals at 2026-03-10T12:00:00Z → ${influx.url} database ${DB}`);
    // 1 budget; 5 burn rates + 1 projection; 7 unknown ratios; 6 anomaly scores; 3 anomaly events.
    expect(first.out).toContain('Wrote 23 points: 1 cost_budget, 3 cost_event, 19 cost_signal.');
    expect(first.out).toMatch(/cost_event\s+anomaly\s+currency=USD service=checkout\s+(0\.99\d*|1)\s/);
  });

  it('writes the budget amount at the period start', async () => {
    expect(await rows(`SELECT * FROM "cost_budget"`)).toEqual([
      {
        time: '2026-03-01T00:00:00Z',
        budget: 'checkout-monthly',
        service: 'checkout',
        currency: 'USD',
        amount_nano: 744_000_000_000,
        period: 'month',
      },
    ]);
  });

  it('writes burn rates per window computed from the exact spend', async () => {
    const burn = await rows(
      `SELECT "value", "spend_nano" FROM "cost_signal" WHERE "signal" = 'burn_rate' AND "budget" = 'checkout-monthly' AND "service" = 'checkout' GROUP BY "window"`,
    );
    const byWindow = Object.fromEntries(burn.map((r) => [r.window, r]));
    // 744 USD over March's 744 hours: 1 USD/hour is on pace. Each window holds 0.1 USD per 5 minutes
    // before the spike bucket plus the 20 USD spike.
    const spend = {
      '5m': 20,
      '1h': 11 * 0.1 + 20,
      '6h': 71 * 0.1 + 20,
      '1d': 287 * 0.1 + 20,
      '3d': 863 * 0.1 + 20,
    };
    const hours = { '5m': 1 / 12, '1h': 1, '6h': 6, '1d': 24, '3d': 72 };
    for (const w of ['5m', '1h', '6h', '1d', '3d'] as const) {
      expect(byWindow[w]).toMatchObject({ time: '2026-03-10T12:00:00Z' });
      expect(byWindow[w]!.spend_nano).toBe(Math.round(spend[w] * 1e9));
      expect(byWindow[w]!.value).toBeCloseTo(spend[w] / hours[w], 9);
    }
    expect(byWindow['5m']!.value).toBeCloseTo(240, 9);
    expect(byWindow['1h']!.value).toBeCloseTo(21.1, 9);
  });

  it('projects the period end at the last day’s pace, with exhaustion and alert flags', async () => {
    const [p] = await rows(`SELECT * FROM "cost_signal" WHERE "signal" = 'projected_ratio'`);
    // Spent since March 1: 9.5 days = 2,736 buckets, 2,735 at 0.1 USD and the 20 USD spike = 293.5 USD.
    // Last day: 48.7 USD; 21.5 days left → 1,047.05 USD more → 1,340.55 USD projected.
    const spent = 293_500_000_000n;
    const dayPace = 48_700_000_000n;
    const projected = spent + (dayPace * 43n) / 2n;
    expect(projected).toBe(1_340_550_000_000n);
    // The remaining 450.5 USD last 450.5 / 48.7 days at that pace: 799,244.353… s (whole ms either way).
    const exhaustionS = (450.5 / 48.7) * 86_400;
    expect(p).toMatchObject({
      time: '2026-03-10T12:00:00Z',
      budget: 'checkout-monthly',
      service: 'checkout',
      window: 'period',
      spent_nano: Number(spent),
      projected_nano: Number(projected),
      budget_nano: 744_000_000_000,
      // Projected past half the budget before mid-month, and past the whole budget by the end.
      warn: true,
      escalate: true,
      // 1h (21.1) and 5m (240) above 14.4; 3d (1.48) and 6h (4.52) above 1.
      page: true,
      ticket: true,
    });
    expect(p!.value).toBeCloseTo(1340.55 / 744, 12);
    expect(Math.abs((p!.exhaustion_s as number) - exhaustionS)).toBeLessThanOrEqual(0.001);
  });

  it('writes the unknown-attribution ratio per window, source and currency, within a currency only', async () => {
    const got = await rows(
      `SELECT "value", "unknown_nano", "total_nano" FROM "cost_signal" WHERE "signal" = 'unknown_ratio' GROUP BY "window", "source", "currency"`,
    );
    const key = (r: Row) => `${String(r.window)} ${String(r.source)} ${String(r.currency)}`;
    const byKey = Object.fromEntries(got.map((r) => [key(r), r]));
    // 1h: search 12 × 0.05 = 0.6 USD unknown; checkout 1.1 + 20 USD; no bill in the hour (none written).
    // 1d: search 14.4 USD unknown of 63.1; the bill of March 10: 25 of 125 USD unknown, 10 of 10 EUR.
    const expected: Record<string, [number, number]> = {
      '1h telemetry USD': [0.6, 21.7],
      '1h all USD': [0.6, 21.7],
      '1d telemetry USD': [14.4, 63.1],
      '1d export USD': [25, 125],
      '1d all USD': [39.4, 188.1],
      '1d export EUR': [10, 10],
      '1d all EUR': [10, 10],
    };
    expect(Object.keys(byKey).sort()).toEqual(Object.keys(expected).sort());
    for (const [k, [unknown, total]] of Object.entries(expected)) {
      expect(byKey[k]).toMatchObject({
        time: '2026-03-10T12:00:00Z',
        unknown_nano: Math.round(unknown * 1e9),
        total_nano: Math.round(total * 1e9),
      });
      expect(byKey[k]!.value).toBeCloseTo(unknown / total, 12);
    }
  });

  it('scores each team, service and tenant series at the last complete bucket', async () => {
    const scores = await rows(
      `SELECT "value", "expected", "lower", "upper", "amount_nano", "ready" FROM "cost_signal" WHERE "signal" = 'anomaly_score' AND "window" = '5m' GROUP BY "team", "service", "tenant", "currency"`,
    );
    expect(scores).toHaveLength(6);
    for (const s of scores) {
      expect(s).toMatchObject({ time: '2026-03-10T11:55:00Z', currency: 'USD', ready: true });
      const spiking = s.team === 'payments' || s.service === 'checkout' || s.tenant === 'acme';
      // Each series carries exactly one of the three tags.
      expect([s.team, s.service, s.tenant].filter((v) => v !== '')).toHaveLength(1);
      const normal = spiking ? 0.1e9 : 0.05e9;
      expect(s.amount_nano).toBe(spiking ? 20e9 : 0.05e9);
      // Two weeks at a constant level: the detector expects that level, with the level inside the band.
      expect(Math.abs((s.expected as number) / normal - 1)).toBeLessThan(0.02);
      expect(s.lower as number).toBeLessThan(normal);
      expect(s.upper as number).toBeGreaterThan(normal);
      if (spiking) expect(s.value as number).toBeGreaterThan(0.99);
      else expect(s.value as number).toBeLessThan(0.5);
    }
  });

  it('writes one anomaly event per spiking series, with its top traces and the deploy before it', async () => {
    const events = await rows(`SELECT * FROM "cost_event" WHERE "kind" = 'anomaly'`);
    const series = events.map((e) => [e.team, e.service, e.tenant].find((v) => v) as string).sort();
    expect(series).toEqual(['acme', 'checkout', 'payments']);
    for (const e of events) {
      expect(e).toMatchObject({
        time: '2026-03-10T11:55:00Z',
        currency: 'USD',
        // A: 3 + 0.5 USD, B: 2, C: 1; search's trace and the older checkout trace are not in this series' bucket.
        trace_ids: `${TRACE.a},${TRACE.b},${TRACE.c}`,
        deploys: 'checkout 1.1.0 (from 1.0.0) at 2026-03-10T11:50:00Z',
        deploy_versions: '1.1.0',
      });
      expect(e.score as number).toBeGreaterThan(0.99);
    }
    const checkout = events.find((e) => e.service === 'checkout')!;
    expect(checkout.title).toBe('Cost anomaly: service checkout');
    expect(checkout.text).toMatch(
      /^service checkout spent 20\.00 USD in the 5m from 2026-03-10T11:55:00Z, expected 0\.\d+ USD \(band 0\.\d+–0\.\d+ USD\), anomaly score (0\.99\d|1\.000)\. Deploys before it: checkout 1\.1\.0 \(from 1\.0\.0\) at 2026-03-10T11:50:00Z\.$/,
    );
  });

  it('rewrites exactly the same points when the same time is evaluated again', async () => {
    const before = await snapshot();
    const io = capture();
    expect(
      await runSignalsCommand(['--once', '--at', '2026-03-10T12:00:00Z', '--config', configFile], io),
    ).toBe(0);
    expect(io.out.join('')).toContain('Wrote 23 points');
    expect(await snapshot()).toBe(before);
  });

  it('before the spike, nothing is anomalous and no budget pages', async () => {
    const store = createInfluxStore(validateConfig(CONFIG(influx.url, DB)).influx!);
    const report = await evaluateSignals(store, validateConfig(CONFIG(influx.url, DB)), SPIKE);
    const burn1h = report.points.find((p) => p.tags?.signal === 'burn_rate' && p.tags.window === '1h')!;
    expect(burn1h.fields.value).toBeCloseTo(1.2, 9);
    const scores = report.points.filter((p) => p.tags?.signal === 'anomaly_score');
    expect(scores).toHaveLength(6);
    for (const s of scores) expect(s.fields.value as number).toBeLessThan(0.5);
    expect(report.points.filter((p) => p.measurement === 'cost_event')).toEqual([]);
  });

  it('scores only the costliest series when there are more than maxSeries, and says which were skipped', async () => {
    const config = validateConfig(CONFIG(influx.url, DB, { signals: { anomaly: { maxSeries: 4 } } }));
    const warnings: unknown[] = [];
    const logger = { info: () => undefined, warn: (obj: object) => void warnings.push(obj) };
    const report = await evaluateSignals(createInfluxStore(config.influx!), config, AT, { logger });
    expect(report.points.filter((p) => p.tags?.signal === 'anomaly_score')).toHaveLength(4);
    // The search series tie at 144 USD each; name order keeps service=search.
    expect(report.skippedSeries.map((s) => `${s.dimension}=${s.value}`)).toEqual([
      'team=discovery',
      'tenant=unknown',
    ]);
    expect(warnings).toEqual([
      { skipped: 2, maxSeries: 4, examples: ['team=discovery USD', 'tenant=unknown USD'] },
    ]);
  });

  it('lists the top unattributed sources', async () => {
    const store = createInfluxStore(validateConfig(CONFIG(influx.url, DB)).influx!);
    const top = await topUnattributedSources(store, { fromMs: AT - DAY, toMs: AT });
    expect(top.map((s) => [s.source, s.tags.service, s.tags.region, s.currency, s.amountNano])).toEqual([
      ['export', 'AmazonS3', 'eu-west-1', 'USD', 25n * NANO],
      ['telemetry', 'search', '', 'USD', 14_400_000_000n],
      ['export', 'AmazonRDS', 'eu-central-1', 'EUR', 10n * NANO],
    ]);
  });

  it('exits 1 when InfluxDB does not answer', async () => {
    const badFile = join(dir, 'unreachable.yaml');
    const port = await freePort(); // free: nothing listens there
    writeFileSync(badFile, JSON.stringify(CONFIG(`http://127.0.0.1:${port}`, DB)));
    const io = capture();
    expect(await runSignalsCommand(['--once', '--config', badFile], io)).toBe(1);
    // Every part failed on its own (nothing to write), and each says why.
    expect(io.out.join('')).toContain('Wrote 0 points.');
    expect(io.err.join('')).toMatch(/budgets failed: .*ECONNREFUSED/);
    expect(io.err.join('')).toMatch(/anomaly failed: /);
  });
});

describe('the signals loop inside meterline serve', () => {
  it('evaluates every interval on its own, and stops with the service', async () => {
    const db = 'signals_loop';
    const walDir = mkdtempSync(join(tmpdir(), 'meterline-signals-wal-'));
    const config = validateConfig(
      CONFIG(influx.url, db, {
        signals: { intervalMs: 1000 },
        serve: { listen: '127.0.0.1:0', walDir, flushIntervalMs: 100 },
      }),
    );
    const service = await MeterlineService.start({ config, logger: pino({ level: 'silent' }) });
    try {
      const deadline = Date.now() + 15_000;
      while ((service.signalsStats?.runs ?? 0) < 2 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(service.signalsStats).toMatchObject({ failures: 0 });
      expect(service.signalsStats!.runs).toBeGreaterThanOrEqual(2);
    } finally {
      await service.stop();
      rmSync(walDir, { recursive: true, force: true });
    }
    const burn = await rows(
      `SELECT "value" FROM "cost_signal" WHERE "signal" = 'burn_rate' AND "window" = '1h'`,
      db,
    );
    expect(burn.length).toBeGreaterThanOrEqual(2);
    // Evaluation times are aligned to the 1-second interval; nothing was spent, so the rate is 0.
    for (const r of burn) {
      expect(Date.parse(r.time as string) % 1000).toBe(0);
      expect(r.value).toBe(0);
    }
    expect(await rows(`SELECT * FROM "cost_budget"`, db)).toHaveLength(1);
    const runs = service.signalsStats!.runs;
    await new Promise((r) => setTimeout(r, 2_000));
    expect(service.signalsStats!.runs).toBe(runs);
    expect(
      await rows(`SELECT "value" FROM "cost_signal" WHERE "signal" = 'burn_rate' AND "window" = '1h'`, db),
    ).toHaveLength(burn.length);
  }, 60_000);
});

/**
 * `meterline demo` is the README's first command: run it as CI would — the built CLI
 * (`otel-processor/dist/cli.js`, what `npm run demo` runs after building), `--duration 60 --no-browser`, a
 * real `meterline serve` child, the real OTel SDK and OTLP exporter — against an InfluxDB this test started
 * (`--influx-url`), and check that the summary it writes (`--json`) is what InfluxDB holds, read with this
 * test's own InfluxQL: spend per tenant to the nano-unit, every span priced, the burn rates, the unknown
 * share, the anomalies' trace IDs (runaway spans, in `cost_event` and `cost_exemplar`) and the deploy.
 *
 * Also: a bad option is a usage error, and Ctrl-C stops serve and InfluxDB and removes the temp dirs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInfluxDB, type InfluxInstance } from '../support/influxdb';

const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'otel-processor/dist/cli.js');
const DB = 'demo_test';
const MIN = 60_000;
const WINDOWS = ['5m', '1h', '6h', '1d', '3d'];

/** The part of `--json`'s summary this test reads (see otel-processor/src/demo/summary.ts). */
interface Summary {
  influx: { url: string; database: string };
  story: { replayFromMs: number; liveFromMs: number; deployMs: number; runawayMs: number; endMs: number };
  traffic: { spans: number; replayed: number; live: number; runaway: number; unowned: number };
  spend: {
    fromMs: number;
    toMs: number;
    tenants: { tenant: string; currency: string; amountNano: string; amount: string; events: number }[];
    totals: { currency: string; amountNano: string }[];
    events: number;
  };
  evaluatedAtMs: number;
  budgets: {
    budget: string;
    burn: Record<string, number>;
    status: string;
    flags: { page: boolean; ticket: boolean };
  }[];
  unknown: {
    window: string;
    source: string;
    currency: string;
    ratio: number;
    unknownNano: string;
    totalNano: string;
  }[];
  anomalies: {
    dimension: string;
    value: string;
    currency: string;
    score: number;
    sinceMs: number;
    traceIds: string[];
    runawayTraces: number;
    deployVersions: string[];
  }[];
  deploys: { service: string; previousVersion: string; version: string; timeMs: number }[];
  providerExport: { file: string; rows: number; rejected: number; points: number };
  reconcile: { days: number; daysOver: string[]; exitCode: number; file: string };
  report: { dir: string; files: string[] };
  images: unknown[];
  phases: { phase: string; atS: number }[];
}

/** Fails with the build command when dist/ is missing or older than a source file (CI builds first). */
function assertBuilt(): void {
  const stale: string[] = [];
  for (const pkg of ['cost-model', 'otel-processor']) {
    const visit = (dir: string): void => {
      for (const entry of readdirSync(join(ROOT, pkg, 'src', dir), { withFileTypes: true })) {
        const rel = join(dir, entry.name);
        if (entry.isDirectory()) visit(rel);
        else if (/(?<!\.test|\.fixture)\.ts$/.test(entry.name)) {
          const js = join(ROOT, pkg, 'dist', rel.replace(/\.ts$/, '.js'));
          if (!existsSync(js) || statSync(js).mtimeMs < statSync(join(ROOT, pkg, 'src', rel)).mtimeMs)
            stale.push(`${pkg}/src/${rel}`);
        }
      }
    };
    visit('');
  }
  if (stale.length > 0) {
    throw new Error(
      `the built CLI is missing or stale (${stale.slice(0, 3).join(', ')}…): run npx tsc -b first`,
    );
  }
}

interface Run {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

function startDemo(args: string[], cwd = ROOT): Run {
  const child = spawn(process.execPath, [CLI, 'demo', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? (signal === null ? null : 128))),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function waitFor(what: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let influx: InfluxInstance;
let dir: string;
let summary: Summary;
let run: Run;
let code: number | null;

/** Rows of an InfluxQL result (the test's own view), `GROUP BY` tags merged in. */
async function rows(q: string): Promise<Record<string, unknown>[]> {
  const json = await influx.query(q, DB);
  const out: Record<string, unknown>[] = [];
  for (const s of json.results[0]?.series ?? []) {
    for (const v of s.values) {
      const row: Record<string, unknown> = { ...s.tags };
      s.columns.forEach((c, i) => (row[c] = v[i]));
      out.push(row);
    }
  }
  return out;
}

/** An integer InfluxDB returned (JSON numbers: exact below 2^53, which every sum here is). */
function big(v: unknown): bigint {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Error(`not a safe integer: ${String(v)}`);
  return BigInt(v);
}

beforeAll(async () => {
  assertBuilt();
  influx = await startInfluxDB();
  dir = mkdtempSync(join(tmpdir(), 'meterline-demo-test-'));
  run = startDemo([
    '--duration',
    '60',
    '--no-browser',
    '--influx-url',
    influx.url,
    '--database',
    DB,
    '--out',
    join(dir, 'out'),
    '--json',
    join(dir, 'summary.json'),
  ]);
  code = await run.exited;
  if (code !== 0) throw new Error(`meterline demo exited ${code}:\n${run.stderr()}\n${run.stdout()}`);
  summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
}, 240_000);

afterAll(async () => {
  await influx?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('meterline demo --duration 60 --no-browser', () => {
  it('shows its progress as one line per phase with the elapsed time, and writes its files', () => {
    expect(code).toBe(0);
    const lines = run.stderr().trim().split('\n');
    for (const line of lines) expect(line).toMatch(/^\[\s*\d+\.\d+s\] /);
    // No line per span: a handful of lines for ~20,000 spans.
    expect(lines.length).toBeLessThan(20);
    expect(summary.phases.map((p) => p.phase)).toEqual([
      'influxdb',
      'history',
      'serve',
      'traffic',
      'signals',
      'import',
      'reconcile',
      'report',
    ]);
    // The traffic phase lasted --duration (the replay included), give or take the final flush.
    const traffic = summary.phases.find((p) => p.phase === 'traffic')!;
    const serve = summary.phases.find((p) => p.phase === 'serve')!;
    expect(traffic.atS - serve.atS).toBeGreaterThanOrEqual(60);
    expect(traffic.atS - serve.atS).toBeLessThan(75);
    // --json and the output directory's summary.json are the same summary.
    expect(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')).toBe(
      readFileSync(join(dir, 'summary.json'), 'utf8'),
    );
    for (const f of summary.report.files)
      expect(statSync(join(summary.report.dir, f)).size).toBeGreaterThan(0);
    expect(existsSync(summary.providerExport.file)).toBe(true);
    expect(existsSync(summary.reconcile.file)).toBe(true);
    expect(summary.images).toEqual([]);
  });

  it('the story happened: the replay, live traffic, the runaway and the unowned service went through serve', () => {
    const { story, traffic } = summary;
    expect(story.liveFromMs - story.replayFromMs).toBeGreaterThanOrEqual(40 * MIN);
    expect(story.deployMs).toBe(Math.floor((story.liveFromMs - 30 * MIN) / MIN) * MIN);
    expect(story.runawayMs).toBe(Math.floor((story.liveFromMs - 20 * MIN) / MIN) * MIN);
    expect(traffic.spans).toBe(traffic.replayed + traffic.live);
    expect(traffic.replayed).toBeGreaterThan(10_000);
    expect(traffic.live).toBeGreaterThan(100);
    // 60 costly spans a minute from 20 minutes before the live part on.
    expect(traffic.runaway).toBeGreaterThanOrEqual(20 * 60);
    expect(traffic.unowned).toBeGreaterThan(0);
  });

  it('spend per tenant is what InfluxDB holds, to the nano-unit, and every span was priced once', async () => {
    const { fromMs, toMs } = summary.spend;
    expect(fromMs).toBe(summary.story.replayFromMs);
    const stored = await rows(
      `SELECT SUM("amount_nano") AS "amount_nano", SUM("events") AS "events" FROM "cost" WHERE time >= ${fromMs}ms AND time < ${toMs}ms GROUP BY "tenant", "currency"`,
    );
    const byTenant = (r: { tenant?: unknown; currency?: unknown }) =>
      `${String(r.tenant)}/${String(r.currency)}`;
    expect(new Map(summary.spend.tenants.map((t) => [byTenant(t), [t.amountNano, t.events]]))).toEqual(
      new Map(stored.map((r) => [byTenant(r), [big(r.amount_nano).toString(), r.events]])),
    );
    expect(new Set(summary.spend.tenants.map((t) => t.tenant))).toEqual(
      new Set(['acme', 'globex', 'initech', 'unknown']),
    );
    // The runaway re-prices acme's carts: acme spends the most.
    expect(summary.spend.tenants[0]!.tenant).toBe('acme');
    const total = stored.reduce((s, r) => s + big(r.amount_nano), 0n);
    expect(summary.spend.totals).toEqual([
      { currency: 'USD', amountNano: total.toString(), amount: expect.any(String) },
    ]);
    // The example config prices every server span in three SKUs (requests, GB-s, egress): one usage each,
    // nothing lost and nothing counted twice, and nothing else in the window (history ends where it starts).
    const events = stored.reduce((s, r) => s + Number(r.events), 0);
    expect(events).toBe(3 * summary.traffic.spans);
    expect(summary.spend.events).toBe(events);
    // The text summary prints the same amounts.
    for (const t of summary.spend.tenants)
      expect(run.stdout()).toMatch(new RegExp(`^  ${t.tenant} +${t.amount.replace('.', '\\.')} +USD`, 'm'));
  });

  it('the burn rates are the stored cost_signal points, and the story burns the budgets it should', async () => {
    const at = summary.evaluatedAtMs;
    expect(at % MIN).toBe(0);
    expect(summary.budgets.map((b) => b.budget)).toEqual([
      'payments-monthly',
      'discovery-monthly',
      'acme-monthly',
      'globex-monthly',
    ]);
    for (const b of summary.budgets) {
      const burn = await rows(
        `SELECT "value" FROM "cost_signal" WHERE "signal" = 'burn_rate' AND "budget" = '${b.budget}' AND time = ${at}ms GROUP BY "window"`,
      );
      expect(Object.fromEntries(burn.map((r) => [r.window, r.value]))).toEqual(b.burn);
      expect(Object.keys(b.burn).sort()).toEqual([...WINDOWS].sort());
      const [projected] = await rows(
        `SELECT "page", "ticket" FROM "cost_signal" WHERE "signal" = 'projected_ratio' AND "budget" = '${b.budget}' AND time = ${at}ms`,
      );
      expect({ page: projected!.page, ticket: projected!.ticket }).toEqual({
        page: b.flags.page,
        ticket: b.flags.ticket,
      });
      expect(b.status).toBe(b.flags.page ? 'page' : b.flags.ticket ? 'ticket' : 'ok');
    }
    const status = Object.fromEntries(summary.budgets.map((b) => [b.budget, b.status]));
    // The runaway's team pages; discovery's budget is too small for its traffic; globex is fine.
    expect(status).toMatchObject({
      'payments-monthly': 'page',
      'discovery-monthly': 'ticket',
      'globex-monthly': 'ok',
    });
  });

  it('the unknown share is the stored unknown_ratio, and the share of the cost InfluxDB holds', async () => {
    const at = summary.evaluatedAtMs;
    for (const [window, ms] of [
      ['1h', 60 * MIN],
      ['1d', 24 * 60 * MIN],
    ] as const) {
      const u = summary.unknown.find(
        (x) => x.window === window && x.source === 'telemetry' && x.currency === 'USD',
      );
      expect(u).toBeDefined();
      const [stored] = await rows(
        `SELECT "value", "unknown_nano", "total_nano" FROM "cost_signal" WHERE "signal" = 'unknown_ratio' AND "window" = '${window}' AND "source" = 'telemetry' AND "currency" = 'USD' AND time = ${at}ms`,
      );
      expect(stored!.value).toBe(u!.ratio);
      const sums = await rows(
        `SELECT SUM("amount_nano") AS "amount_nano" FROM "cost" WHERE time >= ${at - ms}ms AND time < ${at}ms GROUP BY "attribution"`,
      );
      const unknown = sums
        .filter((r) => r.attribution === 'unknown')
        .reduce((s, r) => s + big(r.amount_nano), 0n);
      const total = sums.reduce((s, r) => s + big(r.amount_nano), 0n);
      expect({ unknown: u!.unknownNano, total: u!.totalNano }).toEqual({
        unknown: unknown.toString(),
        total: total.toString(),
      });
      expect(u!.ratio).toBe(Number(unknown) / Number(total));
    }
    // The unowned recommender appeared 25 minutes ago: over target in the last hour.
    expect(summary.unknown.find((x) => x.window === '1h' && x.source === 'telemetry')!.ratio).toBeGreaterThan(
      0.05,
    );
  });

  it('the anomalies: checkout after its deploy, with the runaway’s trace IDs as stored in cost_event and cost_exemplar', async () => {
    const checkout = summary.anomalies.find((a) => a.dimension === 'service' && a.value === 'checkout');
    expect(checkout).toBeDefined();
    expect(checkout!.score).toBeGreaterThanOrEqual(0.9);
    expect(checkout!.sinceMs).toBeGreaterThanOrEqual(summary.story.runawayMs - 5 * MIN);
    expect(checkout!.deployVersions).toContain('1.5.0');
    for (const a of summary.anomalies) {
      expect(a.traceIds.length).toBeGreaterThan(0);
      const [event] = await rows(
        `SELECT "trace_ids", "score", "deploy_versions" FROM "cost_event" WHERE "kind" = 'anomaly' AND "${a.dimension}" = '${a.value}' AND time = ${a.sinceMs}ms`,
      );
      expect(event).toBeDefined();
      expect(String(event!.trace_ids).split(',')).toEqual(a.traceIds);
      expect(event!.score).toBe(a.score);
    }
    // checkout's costliest traces are runaway spans: serve kept them as exemplars of checkout, each costing
    // at least 30 s × 1 GB of compute (500,000 nano-USD).
    expect(checkout!.runawayTraces).toBe(checkout!.traceIds.length);
    for (const id of checkout!.traceIds) {
      const ex = await rows(
        `SELECT "amount_nano", "service", "tenant" FROM "cost_exemplar" WHERE "trace_id" = '${id}'`,
      );
      expect(ex.length).toBeGreaterThan(0);
      expect(new Set(ex.map((r) => r.service))).toEqual(new Set(['checkout']));
      expect(new Set(ex.map((r) => r.tenant))).toEqual(new Set(['acme']));
      expect(Math.max(...ex.map((r) => Number(r.amount_nano)))).toBeGreaterThanOrEqual(500_000);
    }
  });

  it('the deploy is the cost_event kind=deploy serve wrote: checkout 1.4.2 → 1.5.0', async () => {
    const stored = await rows(
      `SELECT "service", "version", "previous_version" FROM "cost_event" WHERE "kind" = 'deploy'`,
    );
    expect(stored.map((r) => [r.service, r.previous_version, r.version, Date.parse(String(r.time))])).toEqual(
      summary.deploys.map((d) => [d.service, d.previousVersion, d.version, d.timeMs]),
    );
    expect(summary.deploys.map((d) => [d.service, d.previousVersion, d.version])).toEqual([
      ['checkout', '1.4.2', '1.5.0'],
    ]);
    const t = summary.deploys[0]!.timeMs;
    expect(t).toBeGreaterThanOrEqual(summary.story.deployMs);
    expect(t).toBeLessThan(summary.story.deployMs + MIN);
  });

  it('imported the provider bill, reconciled it (one day over the threshold) and wrote the report', async () => {
    expect(summary.providerExport.rejected).toBe(0);
    const [billed] = await rows(`SELECT SUM("rows") AS "rows" FROM "provider_cost"`);
    expect(billed!.rows).toBe(summary.providerExport.rows);
    expect(summary.reconcile.exitCode).toBe(3);
    expect(summary.reconcile.daysOver).toHaveLength(1);
    const drift = await rows(
      `SELECT COUNT("value") AS "n" FROM "cost_signal" WHERE "signal" = 'drift_ratio'`,
    );
    expect(drift[0]!.n).toBeGreaterThanOrEqual(summary.reconcile.days);
  });
});

it('rejects a bad option with a usage error', async () => {
  const r = startDemo(['--duration', '5']);
  expect(await r.exited).toBe(2);
  expect(r.stderr()).toContain('--duration: expected whole seconds, at least 10, got "5"');
});

it('Ctrl-C stops serve and its own InfluxDB, removes the temp dirs and exits 130', async () => {
  const out = mkdtempSync(join(tmpdir(), 'meterline-demo-int-'));
  try {
    const r = startDemo(['--duration', '120', '--no-browser', '--out', join(out, 'o')]);
    await waitFor(() => /traffic: replay/.test(r.stderr()), 60_000);
    const influxDir = /data in (\S+)\)/.exec(r.stderr())![1]!;
    const tmp = /config and WAL in (\S+)/.exec(r.stderr())![1]!;
    const servePid = Number(/meterline serve \(pid (\d+)\)/.exec(r.stderr())![1]);
    expect(isAlive(servePid)).toBe(true);
    r.child.kill('SIGINT');
    expect(await r.exited).toBe(130);
    expect(r.stderr()).toMatch(/SIGINT: stopping/);
    expect(isAlive(servePid)).toBe(false);
    expect(existsSync(influxDir)).toBe(false);
    expect(existsSync(tmp)).toBe(false);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 90_000);

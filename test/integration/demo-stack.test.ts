/**
 * `meterline demo --otlp-url`: the demo as the traffic generator of an existing stack (docker compose's `demo`
 * service), run as the compose service runs it — the built CLI (`otel-processor/dist/cli.js`) — against a real
 * `meterline serve` child (the stack's serve) configured with deploy/meterline.yaml (the compose config:
 * InfluxDB, forwarding and listen address pointed at this test's own), writing to the InfluxDB database the
 * demo writes its history to.
 *
 * Checked with the test's own InfluxQL: the database is never dropped (a marker point survives), the history
 * is written once (a second run leaves its sums alone), serve priced every span the demo reported as sent
 * (3 usages each: requests, GB-s, egress), the deploy is serve's `cost_event kind=deploy` and a restarted
 * demo releases a version serve has not seen; `--duration 0` runs until SIGTERM (exit 0, exporter flushed)
 * or SIGINT (130). Also: the sender retries failed exports with backoff, counts them and never gives up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { runChildScript } from '../support/child-exporter';
import { startInfluxDB, type InfluxInstance } from '../support/influxdb';
import { costTotals, sleep, startServeChild, type ServeChild } from '../support/meterline-serve';

const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'otel-processor/dist/cli.js');
const DB = 'demo_stack';
const MIN = 60_000;
/** deploy/meterline.yaml prices every server span of the demo in three SKUs: requests, GB-s, egress. */
const USAGES_PER_SPAN = 3;

/** The part of `--json`'s stack summary this test reads (see otel-processor/src/demo/stack.ts). */
interface StackSummary {
  mode: string;
  history: { written: boolean; fromMs: number; toMs: number; points: number };
  traffic: {
    startMs: number;
    endMs: number;
    generated: number;
    sent: number;
    failedExports: number;
    dropped: number;
    unsent: number;
    runaway: number;
    unowned: number;
  };
  releases: { version: string; previousVersion: string; deployMs: number }[];
  stoppedBy: string;
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

function startDemo(args: string[]): Run {
  const child = spawn(process.execPath, [CLI, 'demo', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
    await sleep(100);
  }
}

let influx: InfluxInstance;
let dir: string;
let serve: ServeChild;
let configPath: string;

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

/**
 * `SUM(events)` of `cost` once it reached `expected` (NaN: anything) and stayed for a flush or two (serve
 * flushes every second); the last value after 20 s otherwise.
 */
async function settledEvents(expected: number, where = ''): Promise<number> {
  const deadline = Date.now() + 20_000;
  let last = -1;
  let since = Date.now();
  for (;;) {
    const { events } = await costTotals(influx, DB, where);
    if (events !== last) since = Date.now();
    last = events;
    const done = Number.isNaN(expected) || events === expected;
    if ((done && Date.now() - since >= 2_500) || Date.now() > deadline) return events;
    await sleep(250);
  }
}

/** The demo's stack-mode arguments, against this test's serve and InfluxDB. */
const stackArgs = (duration: number, json: string): string[] => [
  '--otlp-url',
  serve.url,
  '--influx-url',
  influx.url,
  '--database',
  DB,
  '--config',
  configPath,
  '--duration',
  String(duration),
  '--no-browser',
  '--json',
  json,
];

beforeAll(async () => {
  assertBuilt();
  influx = await startInfluxDB();
  dir = mkdtempSync(join(tmpdir(), 'meterline-demo-stack-'));
  // The compose configuration, wired to this test's InfluxDB and a loopback port, without Tempo; signals
  // off (serve's loop is not what this test checks, and it would compete for the CPU).
  const doc = parseDocument(readFileSync(join(ROOT, 'deploy/meterline.yaml'), 'utf8'));
  doc.set('influx', { url: influx.url, database: DB, batchSize: 5000, timeoutMs: 10_000 });
  doc.set('forward', []);
  doc.set('serve', {
    listen: '127.0.0.1:0',
    walDir: join(dir, 'wal'),
    latenessMs: 300_000,
    dedupeWindowMs: 600_000,
    flushIntervalMs: 1000,
    checkpointIntervalMs: 30_000,
  });
  doc.setIn(['signals', 'enabled'], false);
  configPath = join(dir, 'meterline.yaml');
  writeFileSync(configPath, doc.toString());
  mkdirSync(join(dir, 'wal'));
  // What was there before the demo: it must survive (stack mode never drops or recreates the database).
  await influx.createDatabase(DB);
  await influx.write(DB, ['stack_test_marker,who=test value=42i 1000'], 'ms');
  serve = await startServeChild(configPath, join(dir, 'wal'));
}, 60_000);

afterAll(async () => {
  await serve?.stop('SIGTERM');
  await influx?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('meterline demo --otlp-url <serve> --duration 15', () => {
  it('keeps the database, writes the history once, and serve priced every span it sent, the deploy included', async () => {
    // -------------------------------------------------------------------------------------- first run
    const run = startDemo(stackArgs(15, join(dir, 's1.json')));
    const code = await run.exited;
    if (code !== 0) throw new Error(`meterline demo exited ${code}:\n${run.stderr()}\n${run.stdout()}`);
    const s1 = JSON.parse(readFileSync(join(dir, 's1.json'), 'utf8')) as StackSummary;
    expect(s1.mode).toBe('stack');
    expect(s1.stoppedBy).toBe('duration');

    // Progress: a line per phase and event, never one per span.
    const lines = run.stderr().trim().split('\n');
    for (const line of lines) expect(line).toMatch(/^\[\s*\d+\.\d+s\] /);
    expect(lines.length).toBeLessThan(10);
    expect(run.stderr()).toMatch(/kept: stack mode never drops it/);

    // The database was not dropped: the marker is still there.
    expect(await rows('SELECT "value" FROM "stack_test_marker"')).toEqual([
      { time: '1970-01-01T00:00:01Z', value: 42 },
    ]);

    // The history: 14 days up to a 5-minute boundary before the traffic, as many points as the demo said.
    const h = s1.history;
    expect(h.written).toBe(true);
    expect(h.toMs - h.fromMs).toBe(14 * 24 * 60 * MIN);
    expect(h.toMs % (5 * MIN)).toBe(0);
    expect(h.toMs).toBeLessThanOrEqual(s1.traffic.startMs);
    expect(h.points).toBeGreaterThan(100_000);
    const historyWhere = `WHERE time >= ${h.fromMs}ms AND time < ${h.toMs}ms`;
    const [stored] = await rows(
      `SELECT COUNT("amount_nano") AS "n", SUM("amount_nano") AS "amount", SUM("events") AS "events" FROM "cost" ${historyWhere}`,
    );
    expect(stored!.n).toBe(h.points);
    const [firstBucket] = await rows(`SELECT FIRST("events") FROM "cost" ${historyWhere}`);
    const [lastBucket] = await rows(`SELECT LAST("events") FROM "cost" ${historyWhere}`);
    expect(Date.parse(String(firstBucket!.time))).toBe(h.fromMs);
    expect(Date.parse(String(lastBucket!.time))).toBe(h.toMs - 5 * MIN);

    // Everything generated was sent, at once: no failures, nothing dropped or left.
    const t = s1.traffic;
    expect(t.endMs - t.startMs).toBeGreaterThanOrEqual(15_000);
    expect(t.sent).toBe(t.generated);
    expect(t.sent).toBeGreaterThan(50);
    expect({ failed: t.failedExports, dropped: t.dropped, unsent: t.unsent }).toEqual({
      failed: 0,
      dropped: 0,
      unsent: 0,
    });
    expect(run.stderr()).toContain(`${t.sent.toLocaleString('en-US')} sent in`);
    // The release 10 s in, and its runaway, and the unowned service, in 15 s.
    expect(s1.releases.map((r) => [r.previousVersion, r.version])).toEqual([['1.4.2', '1.5.0']]);
    expect(s1.releases[0]!.deployMs - t.startMs).toBe(10_000);
    expect(t.runaway).toBeGreaterThan(0);
    expect(t.unowned).toBeGreaterThan(0);

    // serve priced exactly the spans the demo reported as sent: 3 usages each, after the history.
    const live = `WHERE time >= ${h.toMs}ms`;
    expect(await settledEvents(USAGES_PER_SPAN * t.sent, ` ${live}`)).toBe(USAGES_PER_SPAN * t.sent);
    const tenants = await rows(`SELECT SUM("amount_nano") AS "amount" FROM "cost" ${live} GROUP BY "tenant"`);
    expect(new Set(tenants.map((r) => r.tenant))).toEqual(new Set(['acme', 'globex', 'initech', 'unknown']));
    for (const r of tenants) expect(Number(r.amount)).toBeGreaterThan(0);
    const unowned = await rows(
      `SELECT SUM("events") AS "events" FROM "cost" ${live} AND "service" = 'recommender' GROUP BY "attribution", "team"`,
    );
    expect(unowned.map((r) => [r.attribution, r.team])).toEqual([['unknown', 'unknown']]);
    const checkout = await rows(
      `SELECT SUM("events") AS "events" FROM "cost" ${live} AND "service" = 'checkout' AND "tenant" = 'acme' GROUP BY "version"`,
    );
    expect(new Set(checkout.map((r) => r.version))).toEqual(new Set(['1.4.2', '1.5.0']));
    const deploys = await rows(
      `SELECT "service", "version", "previous_version" FROM "cost_event" WHERE "kind" = 'deploy'`,
    );
    expect(deploys).toHaveLength(1);
    expect(deploys[0]).toMatchObject({ service: 'checkout', version: '1.5.0', previous_version: '1.4.2' });
    const deployMs = Date.parse(String(deploys[0]!.time));
    expect(deployMs).toBeGreaterThanOrEqual(s1.releases[0]!.deployMs);
    expect(deployMs).toBeLessThan(s1.releases[0]!.deployMs + 1_000);

    // ------------------------------------------------------------------------------------- second run
    // A restarted demo container: the history is not written again, and its release is one serve never saw.
    // 12 s: past its release, 10 s in.
    const again = startDemo(stackArgs(12, join(dir, 's2.json')));
    expect(await again.exited).toBe(0);
    const s2 = JSON.parse(readFileSync(join(dir, 's2.json'), 'utf8')) as StackSummary;
    expect(again.stderr()).toMatch(/history: not written: demo_stack already has cost points before/);
    expect(s2.history).toMatchObject({ written: false, points: 0 });
    const [after] = await rows(
      `SELECT COUNT("amount_nano") AS "n", SUM("amount_nano") AS "amount", SUM("events") AS "events" FROM "cost" ${historyWhere}`,
    );
    expect(after).toEqual(stored);
    expect(s2.releases.map((r) => [r.previousVersion, r.version])).toEqual([['1.5.0', '1.5.1']]);
    const deadline = Date.now() + 10_000;
    let versions: unknown[] = [];
    while (Date.now() < deadline) {
      versions = (await rows(`SELECT "version" FROM "cost_event" WHERE "kind" = 'deploy'`)).map(
        (r) => r.version,
      );
      if (versions.length === 2) break;
      await sleep(250);
    }
    expect(versions).toEqual(['1.5.0', '1.5.1']);
    expect(await rows('SELECT "value" FROM "stack_test_marker"')).toHaveLength(1);
  }, 60_000);
});

describe('meterline demo --otlp-url <serve> --duration 0', () => {
  it('runs until SIGTERM, then flushes the exporter and exits 0: every span it reported as sent was priced', async () => {
    // What serve wrote before (the earlier runs' last spans included, once flushed).
    const before = await settledEvents(NaN);
    const run = startDemo(stackArgs(0, join(dir, 's3.json')));
    // Past the release (10 s in), so the flush has runaway spans too.
    await waitFor(() => /deploy: checkout/.test(run.stderr()), 30_000);
    await sleep(1_500);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toMatch(/SIGTERM: stopping/);
    const m =
      /stopped \(SIGTERM\): ([\d,]+) spans generated, ([\d,]+) sent in [\d,]+ OTLP requests; (\d+) failed exports, (\d+) dropped \(queue full\), (\d+) unsent/.exec(
        run.stderr(),
      );
    expect(m).not.toBeNull();
    const [generated, sent] = [Number(m![1]!.replace(/,/g, '')), Number(m![2]!.replace(/,/g, ''))];
    expect(sent).toBe(generated);
    expect([m![3], m![4], m![5]]).toEqual(['0', '0', '0']);
    const s3 = JSON.parse(readFileSync(join(dir, 's3.json'), 'utf8')) as StackSummary;
    expect(s3).toMatchObject({ stoppedBy: 'SIGTERM', traffic: { sent, generated, unsent: 0 } });
    expect(s3.traffic.runaway).toBeGreaterThan(0);
    // serve got (and priced) every one of them: nothing lost in the stop.
    expect((await settledEvents(before + USAGES_PER_SPAN * sent)) - before).toBe(USAGES_PER_SPAN * sent);
  }, 60_000);

  it('SIGINT stops it the same way, exit 130', async () => {
    const run = startDemo(stackArgs(0, join(dir, 's4.json')));
    await waitFor(() => /traffic: OTLP\/protobuf to /.test(run.stderr()), 30_000);
    await sleep(1_500);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    const s4 = JSON.parse(readFileSync(join(dir, 's4.json'), 'utf8')) as StackSummary;
    expect(s4).toMatchObject({ stoppedBy: 'SIGINT', traffic: { unsent: 0 } });
    expect(s4.traffic.sent).toBe(s4.traffic.generated);
  }, 60_000);
});

it('stack mode: --influx-url and --database are required, --duration 0 needs --otlp-url', async () => {
  const noDb = startDemo(['--otlp-url', 'http://127.0.0.1:4318', '--influx-url', 'http://127.0.0.1:8086']);
  expect(await noDb.exited).toBe(2);
  expect(noDb.stderr()).toContain('--otlp-url needs --influx-url and --database');
  const local = startDemo(['--duration', '0']);
  expect(await local.exited).toBe(2);
  expect(local.stderr()).toContain('--duration: expected whole seconds, at least 10, got "0"');
  const help = startDemo(['--help']);
  expect(await help.exited).toBe(0);
  expect(help.stdout()).toMatch(/--otlp-url URL/);
});

describe('the sender (ResilientSender)', () => {
  let server: Server;
  let url: string;
  /** Status codes to answer, in order (then 200). */
  let plan: number[];
  let received: number;

  beforeEach(async () => {
    received = 0;
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        const status = plan.shift() ?? 200;
        res.writeHead(status, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /**
   * Runs a sender over `spans` queued spans in a child (the exporter loads `http` with a dynamic import, which
   * jest refuses: see test/support/child-exporter.ts) and returns what it did.
   */
  async function send(
    spans: number,
    options: { batch?: number; minBackoffMs: number; maxBackoffMs: number },
    flushMs: number,
  ): Promise<{ unsent: number; tookMs: number; stats: Record<string, number>; events: string[] }> {
    const r = await runChildScript(`
      const { DemoServices, ResilientSender, SpanQueue } = require('./otel-processor/src/demo/traffic');
      const queue = new SpanQueue();
      const services = new DemoServices(queue);
      for (let i = 0; i < ${spans}; i++)
        services.emit({ service: 'search', version: '2.0.1', name: 'GET /api/search', method: 'GET',
          route: '/api/search', tenant: 'acme', endMs: Date.now(), durationMs: 10, bytes: 100, role: 'ordinary' });
      const events = [];
      const sender = new ResilientSender(${JSON.stringify(url)}, queue, {
        failing: (error, retryInMs) => events.push('failing ' + retryInMs),
        recovered: (failures) => events.push('recovered ' + failures),
      }, ${JSON.stringify(options)});
      const t0 = Date.now();
      sender.flush(Date.now() + ${flushMs}).then(async (unsent) => {
        const tookMs = Date.now() - t0;
        await sender.shutdown();
        console.log(JSON.stringify({ unsent, tookMs, stats: sender.stats, events }));
      });
    `);
    if (r.code !== 0) throw new Error(`the sender's child exited ${r.code}:\n${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as never;
  }

  it('retries a failed export with backoff, counts the failures, reports the streak once and the recovery', async () => {
    plan = [500, 500, 400];
    const r = await send(250, { batch: 100, minBackoffMs: 20, maxBackoffMs: 50 }, 10_000);
    expect(r.unsent).toBe(0);
    expect(r.stats).toEqual({ spans: 250, requests: 3, failures: 3 });
    expect(r.events).toEqual(['failing 20', 'recovered 3']);
    expect(received).toBe(6);
  });

  it('when the receiver stays down, a flush gives up at its deadline and says what is left', async () => {
    plan = Array.from({ length: 1000 }, () => 500);
    const r = await send(30, { minBackoffMs: 300, maxBackoffMs: 300 }, 1_000);
    expect(r.unsent).toBe(30);
    expect(r.tookMs).toBeLessThan(2_000);
    expect(r.stats.spans).toBe(0);
    expect(r.stats.failures).toBeGreaterThanOrEqual(2);
    expect(r.events).toEqual(['failing 300']);
  });
});

/**
 * `meterline demo`: the whole story on one machine, without Docker — InfluxDB, `meterline serve` with its
 * signals loop, services on the real OTel SDK sending OTLP to it (several tenants and teams, a deploy, a
 * runaway, unattributed traffic), a provider bill imported and reconciled, a billing report, the Grafana
 * panels rendered from what the data source reads, and a summary that says what happened. See
 * docs/demo.md.
 *
 * With `--otlp-url` it is the traffic generator of an existing stack instead (docker compose's `demo`
 * service): see stack.ts.
 *
 * Everything heavy (the OTel SDK and exporter, the engine) is loaded when the demo starts, not when the CLI
 * loads.
 *
 * @packageDocumentation
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Attributor, Catalog, type MeterlineConfig } from '@meterline/cost-model';
import { loadConfig } from '../config/load';
import { EXPORT_FORMATS } from '../exports/formats/registry';
import { importExports } from '../exports/import';
import { influxql } from '../influx/influxql';
import { seriesRows, toBigInt } from '../influx/query-result';
import { createInfluxStore, type InfluxStore } from '../influx/store';
import { runReconcileCommand } from '../reconcile/command';
import { runReportCommand } from '../report/command';
import { runSignals } from '../signals/evaluate';
import { REPO_ROOT, startRenderer, startServe, type Child, type ServeChild } from './children';
import { demoConfigYaml } from './demo-config';
import { calibrate, historyLines, sizeBudgets, type SizedBudget } from './history';
import { connectInflux, startKeptInflux, startPrivateInflux, type DemoInflux } from './influxd';
import { Progress } from './progress';
import { writeProviderExport } from './provider-export';
import * as scenario from './scenario';
import type { SpanSpec } from './scenario';
import { runStackDemo, type StackOptions } from './stack';
import * as summaryMod from './summary';
import type { DemoSummary } from './summary';
import { DemoServices, OtlpSender, SpanQueue } from './traffic';

/** `meterline demo --help`. */
export const DEMO_HELP = `Usage: meterline demo [--duration SECONDS] [--no-browser] [--out DIR] [--json FILE]
                      [--influx-url URL] [--database NAME] [--keep] [--config FILE]
       meterline demo --otlp-url URL --influx-url URL --database NAME [--duration SECONDS]
                      [--config FILE] [--json FILE]

Runs Meterline end to end on this machine, without Docker (npm run demo installs what it needs):

  1. InfluxDB: a private influxd (Debian's influxdb package) on a free loopback port with a temporary
     data directory, or yours with --influx-url; the demo's database is created afresh
  2. 14 days of ordinary spend, written directly (as 5-minute points), so burn rates over days and
     anomaly scores mean something in a short run
  3. meterline serve (a child process) with its signals loop, receiving OTLP/protobuf from services on
     the real OpenTelemetry SDK: checkout, search, legacy-reports and recommender for tenants acme,
     globex and initech (and requests nobody labelled). The last ~40 minutes are replayed at full speed
     — checkout 1.4.2 → 1.5.0 is deployed, an unowned service appears, then checkout 1.5.0 runs away
     (60 costly spans a minute) — then the same traffic continues live for the rest of --duration
  4. signals evaluated every 5 minutes over the replay (as the loop would have live) and once at the end
  5. a provider bill for the same days (FOCUS 1.0 CSV, tagged by team) imported: meterline import
  6. meterline reconcile over those days, and meterline report for this month (by tenant)
  7. unless --no-browser: the burn rate, unknown attribution and anomaly panels (and spend per team)
     rendered to PNG in headless Chromium from what the Grafana data source reads from InfluxDB
  8. a summary: spend per tenant, burn rate per budget (page / ticket / ok), unknown attribution,
     the deploy and the anomalies with their costliest trace IDs, reconciliation, where the files are

Options:
  --duration SECONDS  how long the traffic runs, replay included (default 120, at least 10)
  --no-browser        skip rendering the panels (no Chromium needed)
  --out DIR           where the report, the provider export, the panels and summary.json go
                      (default ./demo-output; the demo's own files there are replaced)
  --json FILE         also write the summary as JSON to FILE (money as exact nano-unit integers)
  --influx-url URL    use this InfluxDB (1.x, or the v1 API of 2.x/3.x) instead of starting one
  --database NAME     the database to use (default meterline_demo; dropped and created at the start,
                      except in stack mode, below)
  --keep              keep the private InfluxDB running after the demo, and its temporary directory
                      (config, serve's WAL); the demo prints how to query and stop them
  --config FILE       base configuration: catalog, SKU rules, attribution, reconcile
                      (default examples/meterline.yaml; the demo sets influx, serve, signals, budgets)
  -h, --help          show this help

Ctrl-C stops everything (serve, the renderer, InfluxDB unless --keep), removes the temporary
directories (unless --keep) and exits 130.

Exit status: 0 done; 2 usage error; 1 a phase failed (its error is printed); 130 interrupted.

Stack mode (--otlp-url URL): the traffic generator of an existing stack (docker compose's demo service).
No InfluxDB or serve of its own; no signals backfill, import, reconcile, report or render:

  1. the 14 days of history written to --influx-url / --database (both required), once: only when the
     database has no cost point before the history's end yet (a restart does not write it again); the
     database is created if missing and never dropped
  2. the same shop on the real OpenTelemetry SDK sending OTLP/protobuf (gzip) live to URL/v1/traces
     (a collector's or meterline serve's OTLP/HTTP port): tenants acme, globex and initech, unlabelled
     requests and the unowned recommender from the start; 10 s in, checkout 1.4.2 → 1.5.0 is deployed
     and runs away (60 costly spans a minute) for 20 minutes; then every hour a new release (1.5.1,
     1.5.2, …, continuing after the versions InfluxDB holds, so serve sees each as a deploy), each
     running away for 20 minutes
  3. export failures (receiver down, 503) are retried with backoff, counted and reported, never fatal;
     a progress line a minute (spans sent, failed exports, dropped, queued)

  --otlp-url URL      send the traffic here (http(s)://host:port, /v1/traces appended)
  --duration SECONDS  how long (at least 10), or 0: until SIGTERM or SIGINT (default 120)
  --config FILE       prices the history: give the configuration the stack's serve runs with
  --json FILE         write a summary of the run (history, counts, releases) when it ends
  --no-browser        accepted, nothing to render; --out and --keep do not apply

  SIGTERM or SIGINT stop the traffic, flush the exporter (up to 15 s) and exit 0 (SIGTERM) or 130 (SIGINT).
  Exit status: 0 done or SIGTERM; 130 SIGINT; 2 usage error; 1 InfluxDB did not answer within 60 s, or
  writing the history failed (the error is printed).
`;

const SEC = 1_000;
const MIN = 60_000;
/** The replay must not overlap one of serve's signals evaluations (minute boundary + 1 s settle). */
const REPLAY_BUDGET_MS = 5 * SEC;
const TICK_GUARD_MS = 4 * SEC;

interface DemoOptions {
  mode: 'local';
  durationS: number;
  browser: boolean;
  outDir: string;
  jsonPath?: string;
  influxUrl?: string;
  database: string;
  keep: boolean;
  configPath: string;
}

class UsageError extends Error {}
class Interrupted extends Error {}

function parseOptions(argv: string[]): DemoOptions | (StackOptions & { mode: 'stack' }) | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        duration: { type: 'string', default: '120' },
        'no-browser': { type: 'boolean', default: false },
        out: { type: 'string' },
        json: { type: 'string' },
        'influx-url': { type: 'string' },
        database: { type: 'string' },
        keep: { type: 'boolean', default: false },
        config: { type: 'string' },
        'otlp-url': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  const otlpUrl = values['otlp-url'];
  const stack = otlpUrl !== undefined;
  const durationS = Number(values.duration);
  if (
    !/^\d+$/.test(values.duration.trim()) ||
    (durationS < 10 && !(stack && durationS === 0)) ||
    durationS > 24 * 3600
  ) {
    throw new UsageError(
      `--duration: expected whole seconds, at least 10${stack ? ' (or 0: until stopped)' : ''}, got ${JSON.stringify(values.duration)}`,
    );
  }
  const database = values.database ?? 'meterline_demo';
  if (!/^[A-Za-z0-9_-]+$/.test(database)) {
    throw new UsageError(`--database: letters, digits, _ and - only, got ${JSON.stringify(database)}`);
  }
  const url = values['influx-url'];
  if (url !== undefined && !/^https?:\/\/[^\s/]+/.test(url)) {
    throw new UsageError(`--influx-url: expected http(s)://host:port, got ${JSON.stringify(url)}`);
  }
  const configPath = resolve(values.config ?? join(__dirname, '../../../examples/meterline.yaml'));
  const jsonPath = values.json === undefined ? undefined : resolve(values.json);
  if (stack) {
    if (!/^https?:\/\/[^\s/]+/.test(otlpUrl)) {
      throw new UsageError(`--otlp-url: expected http(s)://host:port, got ${JSON.stringify(otlpUrl)}`);
    }
    if (url === undefined || values.database === undefined) {
      throw new UsageError(
        '--otlp-url needs --influx-url and --database: the InfluxDB and database the stack writes to ' +
          '(where the history goes)',
      );
    }
    if (values.out !== undefined) {
      throw new UsageError('--out: stack mode (--otlp-url) writes no files (--json FILE writes its summary)');
    }
    if (values.keep)
      throw new UsageError('--keep applies to the InfluxDB the demo starts: not with --otlp-url');
    return {
      mode: 'stack',
      otlpUrl,
      influxUrl: url,
      database,
      durationS,
      configPath,
      ...(jsonPath === undefined ? {} : { jsonPath }),
    };
  }
  if (url !== undefined && values.keep) {
    throw new UsageError('--keep applies to the InfluxDB the demo starts: not with --influx-url');
  }
  return {
    mode: 'local',
    durationS,
    browser: !values['no-browser'],
    outDir: resolve(values.out ?? 'demo-output'),
    ...(jsonPath === undefined ? {} : { jsonPath }),
    ...(url === undefined ? {} : { influxUrl: url }),
    database,
    keep: values.keep,
    configPath,
  };
}

/** Cleanup steps, run last-registered first, each at most once. */
class Cleanups {
  private steps: { name: string; run: () => Promise<void> }[] = [];
  add(name: string, run: () => Promise<void>): void {
    this.steps.push({ name, run });
  }
  remove(name: string): void {
    this.steps = this.steps.filter((s) => s.name !== name);
  }
  async runAll(): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      await step
        .run()
        .catch((err: Error) => process.stderr.write(`cleanup (${step.name}): ${err.message}\n`));
    }
  }
}

/** `meterline demo`; returns the exit status. */
export async function runDemoCommand(argv: string[]): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`meterline demo: ${err.message}\n(see meterline demo --help)\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(DEMO_HELP);
    return 0;
  }
  if (options.mode === 'stack') return runStackDemo(options);
  const progress = new Progress();
  const cleanups = new Cleanups();
  const aborter = new AbortController();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) process.exit(130); // a second Ctrl-C: now (the exit hooks kill the children)
    interrupted = true;
    aborter.abort();
    progress.line(`${signal}: stopping…`);
    const guard = setTimeout(() => process.exit(130), 20_000);
    void cleanups.runAll().finally(() => {
      clearTimeout(guard);
      progress.line('stopped');
      process.exit(130);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await runDemo(options, progress, cleanups, aborter.signal);
  } catch (err) {
    // Interrupted: the signal handler cleans up and exits.
    if (interrupted) return new Promise<number>(() => undefined);
    progress.clearStatus();
    throw err;
  } finally {
    if (!interrupted) {
      await cleanups.runAll();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Interrupted());
    const timer = setTimeout(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Interrupted());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function check(signal: AbortSignal): void {
  if (signal.aborted) throw new Interrupted();
}

const hhmm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);
const count = (n: number): string => n.toLocaleString('en-US');

/** A path as the user typed it would be: relative to the working directory when inside it. */
function shown(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? p : rel;
}

async function runDemo(
  o: DemoOptions,
  progress: Progress,
  cleanups: Cleanups,
  signal: AbortSignal,
): Promise<number> {
  if (!existsSync(o.configPath)) throw new Error(`--config: ${o.configPath} does not exist`);
  if (o.browser) {
    const missing = [
      'datasource-plugin',
      'panel-plugin/burnrate',
      'panel-plugin/attribution',
      'panel-plugin/anomaly',
    ].filter((d) => !existsSync(join(REPO_ROOT, d, 'dist', 'module.js')));
    if (missing.length > 0) {
      throw new Error(
        `the Grafana plugins are not built (${missing.join(', ')}): run npm run build, or pass --no-browser`,
      );
    }
    if (!existsSync(process.env['CHROMIUM_PATH'] || '/usr/bin/chromium')) {
      throw new Error('Chromium is missing: run bash scripts/ensure-chromium.sh, or pass --no-browser');
    }
  }

  // ------------------------------------------------------------------------------------------ InfluxDB
  const tmp = mkdtempSync(join(tmpdir(), 'meterline-demo-'));
  let keptReported = false;
  if (!o.keep) cleanups.add('temp dir', async () => rmSync(tmp, { recursive: true, force: true }));
  let influx: DemoInflux;
  if (o.influxUrl !== undefined) influx = await connectInflux(o.influxUrl);
  else {
    influx = o.keep ? await startKeptInflux() : await startPrivateInflux();
    const started = influx;
    cleanups.add('InfluxDB', async () => {
      if (!o.keep) await started.stop();
      else if (!keptReported) {
        progress.line(
          `InfluxDB keeps running at ${started.url} (--keep): stop it with kill ${started.pid} && rm -rf ${started.dir} ${tmp}`,
        );
      }
    });
  }
  check(signal);
  const baseText = readFileSync(o.configPath, 'utf8');
  const configPath = join(tmp, 'meterline.yaml');
  const walDir = join(tmp, 'wal');
  const writeConfig = (budgets: readonly SizedBudget[]): MeterlineConfig => {
    writeFileSync(
      configPath,
      demoConfigYaml(baseText, {
        influxUrl: influx.url,
        database: o.database,
        walDir,
        budgets,
        basePath: o.configPath,
      }),
    );
    return loadConfig(configPath);
  };
  let config = writeConfig([]);
  const store: InfluxStore = createInfluxStore(config.influx!);
  await store.query(`DROP DATABASE "${o.database}"`, { db: '' });
  await store.ensureReady();
  progress.done(
    'influxdb',
    `InfluxDB ${influx.version} at ${influx.url}${influx.dir ? ` (private, data in ${influx.dir})` : ''}, ` +
      `database ${o.database} (created afresh)`,
  );

  // ------------------------------------------------------------------------------------------- history
  const replayFromMs = scenario.replayStart(Date.now());
  const calibration = calibrate(config, replayFromMs);
  const budgets = sizeBudgets(calibration);
  config = writeConfig(budgets);
  const historyFromMs = replayFromMs - scenario.HISTORY_DAYS * scenario.DAY;
  let batch: string[] = [];
  let historyPoints = 0;
  for (const line of historyLines(calibration, historyFromMs, replayFromMs)) {
    batch.push(line);
    if (batch.length === 20_000) {
      await store.write(batch);
      historyPoints += batch.length;
      batch = [];
      check(signal);
    }
  }
  await store.write(batch);
  historyPoints += batch.length;
  progress.done(
    'history',
    `history: ${scenario.HISTORY_DAYS} days of ordinary spend up to ${hhmm(replayFromMs)} UTC, ` +
      `${count(historyPoints)} cost points (5-minute buckets, priced by serve's engine); budgets ` +
      budgets.map((b) => `${b.name} ${b.amount} ${b.currency}`).join(', '),
  );

  // ---------------------------------------------------------------------------------------------- serve
  const serve: ServeChild = await startServe(configPath, walDir);
  cleanups.add('serve', async () => {
    await serve.stop('SIGTERM', 5_000);
  });
  progress.done(
    'serve',
    `meterline serve (pid ${serve.pid}) listening on ${serve.url}, signals every minute; ` +
      `config and WAL in ${tmp}`,
  );

  // -------------------------------------------------------------------------------------------- traffic
  const trafficStartMs = Date.now();
  const untilMs = trafficStartMs + o.durationS * SEC;
  // serve's loop evaluates at each minute boundary + 1 s: the replay (a burst of past data) must not run
  // under an evaluation, which would score half-replayed buckets.
  const now0 = Date.now();
  const lastTick = Math.floor((now0 - SEC) / MIN) * MIN + SEC;
  const nextTick = lastTick + MIN;
  if (now0 - lastTick < TICK_GUARD_MS) await sleep(lastTick + TICK_GUARD_MS - now0, signal);
  else if (nextTick - now0 < REPLAY_BUDGET_MS) await sleep(nextTick + TICK_GUARD_MS - now0, signal);
  const liveFromMs = Date.now();
  const story = scenario.storyAt(replayFromMs, liveFromMs);
  const queue = new SpanQueue();
  const services = new DemoServices(queue);
  const sender = new OtlpSender(serve.url, queue);
  cleanups.add('exporter', () => sender.shutdown());
  const runawayTraceIds = new Set<string>();
  const counts = { spans: 0, replayed: 0, live: 0, runaway: 0, unowned: 0 };
  const emit = (spec: SpanSpec): void => {
    const traceId = services.emit(spec);
    counts.spans++;
    if (spec.role === 'runaway') {
      counts.runaway++;
      runawayTraceIds.add(traceId);
    } else if (spec.role === 'unowned') counts.unowned++;
  };
  progress.line(
    `traffic: replaying ${hhmm(story.replayFromMs)}–${hhmm(liveFromMs)} UTC (deploy of ${scenario.RUNAWAY_SERVICE} ` +
      `${scenario.VERSION_BEFORE} → ${scenario.VERSION_AFTER} at ${hhmm(story.deployMs)}, ${scenario.NEW_SERVICE} ` +
      `from ${hhmm(story.newServiceMs)}, runaway from ${hhmm(story.runawayMs)}), then live until ${hhmm(untilMs)}…`,
  );
  for (let m = story.replayFromMs; m < liveFromMs; m += MIN) {
    for (const spec of scenario.minuteSpans(story, m)) if (spec.endMs < liveFromMs) emit(spec);
    if (queue.size >= 2_000) await sender.drain();
    check(signal);
  }
  await sender.drain();
  counts.replayed = counts.spans;
  progress.line(
    `traffic: replayed ${count(counts.replayed)} spans in ${count(sender.stats.requests)} OTLP requests ` +
      `(${((Date.now() - liveFromMs) / 1000).toFixed(1)} s); live now`,
  );
  let emittedUntilMs = liveFromMs;
  let cached: { minuteMs: number; specs: SpanSpec[] } | undefined;
  for (;;) {
    const tickStart = Date.now();
    const to = Math.min(tickStart, untilMs);
    for (let m = scenario.alignDown(emittedUntilMs, MIN); m < to; m += MIN) {
      if (cached === undefined || cached.minuteMs !== m)
        cached = { minuteMs: m, specs: scenario.minuteSpans(story, m) };
      for (const spec of cached.specs) if (spec.endMs >= emittedUntilMs && spec.endMs < to) emit(spec);
    }
    emittedUntilMs = to;
    await sender.drain();
    counts.live = counts.spans - counts.replayed;
    const left = Math.max(0, Math.ceil((untilMs - Date.now()) / 1000));
    progress.status(
      `traffic: live, ${count(counts.live)} spans sent, ${count(counts.runaway)} runaway so far; ${left} s left`,
    );
    if (to >= untilMs) break;
    await sleep(Math.min(SEC - (Date.now() - tickStart), untilMs - Date.now()), signal);
  }
  await sender.shutdown();
  cleanups.remove('exporter');
  const stopped = await serve.stop('SIGTERM', 60_000);
  cleanups.remove('serve');
  if (stopped.code !== 0) {
    throw new Error(
      `meterline serve exited ${stopped.code ?? stopped.signal}:\n${serve.stderr().slice(-4000)}`,
    );
  }
  const endMs = Date.now();
  progress.done(
    'traffic',
    `traffic: ${count(counts.spans)} spans (${count(counts.replayed)} replayed, ${count(counts.live)} live; ` +
      `${count(counts.runaway)} runaway, ${count(counts.unowned)} from the unowned ${scenario.NEW_SERVICE}) in ` +
      `${count(sender.stats.requests)} OTLP requests; serve stopped cleanly (final flush)`,
  );

  // -------------------------------------------------------------------------------------------- signals
  let backfilled = 0;
  for (let at = story.replayFromMs + 5 * MIN; at <= liveFromMs; at += 5 * MIN) {
    const r = await runSignals(store, config, at);
    if (r.errors.length > 0)
      throw new Error(`signals at ${new Date(at).toISOString()}: ${r.errors[0]!.error.message}`);
    backfilled++;
    check(signal);
  }
  const final = await runSignals(store, config, Date.now());
  if (final.errors.length > 0) {
    throw new Error(`signals: ${final.errors.map((e) => `${e.part}: ${e.error.message}`).join('; ')}`);
  }
  const signals = summaryMod.signalsOf(final, budgets, runawayTraceIds);
  progress.done(
    'signals',
    `signals: ${backfilled} evaluations over the replay, then at ${hhmm(final.atMs)} UTC: ` +
      signals.budgets.map((b) => `${b.budget} ${b.status}`).join(', ') +
      `; ${signals.anomalies.length} anomal${signals.anomalies.length === 1 ? 'y' : 'ies'}`,
  );

  // ------------------------------------------------------------------------------------ outputs, export
  mkdirSync(o.outDir, { recursive: true });
  for (const own of ['report', 'panels', 'provider-export', 'reconcile.json', 'summary.json']) {
    rmSync(join(o.outDir, own), { recursive: true, force: true });
  }
  const spend = await summaryMod.querySpendPerTenant(
    store,
    story.replayFromMs,
    scenario.alignDown(emittedUntilMs - 1, MIN) + MIN,
  );
  const deploys = await summaryMod.queryDeploys(store, story.replayFromMs, spend.toMs);
  const topUnknownSources = await summaryMod.topUnknown(store, final.atMs);
  const summary: DemoSummary = {
    influx: { url: influx.url, database: o.database, kept: o.keep },
    story: { ...story, endMs },
    traffic: { ...counts, otlpRequests: sender.stats.requests, historyPoints },
    spend,
    evaluatedAtMs: final.atMs,
    backfilledEvaluations: backfilled,
    ...signals,
    topUnknownSources,
    deploys,
    images: [],
    phases: progress.phases,
  };

  const catalog = new Catalog(config.catalog);
  const exportDir = join(o.outDir, 'provider-export');
  mkdirSync(exportDir, { recursive: true });
  const month = new Date(endMs).toISOString().slice(0, 7);
  const exported = await writeProviderExport(
    store,
    historyFromMs,
    endMs,
    join(exportDir, `focus-${month}.csv`),
    (sku) => catalog.unitOf(sku),
  );
  const imported = await importExports({
    paths: [exported.path],
    formats: EXPORT_FORMATS,
    format: 'focus',
    attributor: Attributor.compile(config.attribution),
    store,
  });
  const providerUnknown = await queryProviderUnknown(store, historyFromMs, endMs + MIN);
  summary.providerExport = {
    file: exported.path,
    rows: imported.rows,
    rejected: imported.rejectedCount,
    points: imported.points,
    firstDay: exported.firstDay,
    lastDay: exported.lastDay,
    billed: [...imported.totals].map(([currency, t]) => ({ currency, amount: t.billed.toFixed(2) })),
    unknownShare: providerUnknown,
  };
  if (imported.rejectedCount > 0) {
    throw new Error(
      `meterline import rejected ${imported.rejectedCount} rows of the demo's export: ` +
        imported.rejected.map((r) => `line ${r.line}: ${r.reason}`).join('; '),
    );
  }
  progress.done(
    'import',
    `provider export: ${shown(exported.path)} (FOCUS 1.0, ${exported.firstDay} … ${exported.lastDay}, ` +
      `${exported.rows} rows), imported: ${count(imported.points)} provider_cost points`,
  );

  // ------------------------------------------------------------------------------------------ reconcile
  const captured = { out: '', err: '' };
  const io = {
    stdout: { write: (s: string) => (captured.out += s) },
    stderr: { write: (s: string) => (captured.err += s) },
  };
  const reconcileArgs = ['--from', exported.firstDay, '--to', exported.lastDay, '--config', configPath];
  const reconcileCode = await runReconcileCommand([...reconcileArgs, '--json'], io);
  if (reconcileCode !== 0 && reconcileCode !== 3) {
    throw new Error(`meterline reconcile exited ${reconcileCode}: ${captured.err}`);
  }
  const drift = JSON.parse(captured.out) as ReconcileJson;
  const reconcileFile = join(o.outDir, 'reconcile.json');
  writeFileSync(reconcileFile, captured.out);
  const accountRows = drift.rows.filter((r) => r.team === undefined);
  const worst = [...accountRows]
    .filter((r) => r.driftRatio !== null)
    .sort((a, b) => Number(b.driftRatio) - Number(a.driftRatio))[0];
  summary.reconcile = {
    from: drift.from,
    to: drift.to,
    threshold: drift.threshold,
    exitCode: reconcileCode,
    days: new Set(accountRows.map((r) => r.day)).size,
    daysOver: drift.daysOver,
    ...(worst === undefined
      ? {}
      : {
          worst: {
            day: worst.day,
            driftPercent: worst.driftPercent ?? '',
            billed: worst.billed,
            modelled: worst.modelled,
            currency: worst.currency,
          },
        }),
    file: reconcileFile,
  };
  progress.done(
    'reconcile',
    `meterline reconcile ${reconcileArgs.slice(0, 4).join(' ')}: exit ${reconcileCode}, ` +
      `${drift.daysOver.length} of ${summary.reconcile.days} days over the ${Number(drift.threshold) * 100}% drift threshold`,
  );

  // --------------------------------------------------------------------------------------------- report
  captured.out = '';
  captured.err = '';
  const reportDir = join(o.outDir, 'report');
  const reportCode = await runReportCommand(
    ['--period', month, '--by', 'tenant', '--out', reportDir, '--config', configPath],
    io,
  );
  if (reportCode !== 0) throw new Error(`meterline report exited ${reportCode}: ${captured.err}`);
  summary.report = {
    dir: reportDir,
    period: month,
    files: ['summary.html', 'summary.md', 'line-items.csv', 'manifest.json'],
  };
  progress.done('report', `meterline report --period ${month} --by tenant: ${shown(reportDir)}/`);

  // --------------------------------------------------------------------------------------------- render
  let renderError: string | undefined;
  if (o.browser) {
    const panelsDir = join(o.outDir, 'panels');
    const renderer: Child = startRenderer([
      '--influx-url',
      influx.url,
      '--database',
      o.database,
      '--out',
      panelsDir,
      '--from',
      String(story.replayFromMs - 5 * MIN),
      '--to',
      String(spend.toMs + 5 * MIN),
      '--at',
      String(final.atMs),
      '--story-from',
      String(story.replayFromMs),
      '--service',
      scenario.RUNAWAY_SERVICE,
    ]);
    cleanups.add('renderer', async () => {
      await renderer.stop('SIGTERM', 15_000);
    });
    const exit = await renderer.exited;
    cleanups.remove('renderer');
    check(signal);
    for (const line of renderer.stdout().split('\n')) {
      if (!line.startsWith('{')) continue;
      const image = JSON.parse(line) as DemoSummary['images'][number];
      summary.images.push(image);
    }
    if (exit.code !== 0) {
      renderError = `the panel renderer exited ${exit.code ?? exit.signal}:\n${renderer.stderr().slice(-4000)}`;
      progress.line(`render: FAILED (${renderError.split('\n')[0]})`);
    } else {
      progress.done(
        'render',
        `panels: ${summary.images.length} PNGs in ${shown(panelsDir)}/ (Grafana plugins in headless Chromium)`,
      );
    }
  }

  // -------------------------------------------------------------------------------------------- summary
  summary.phases = progress.phases;
  const json = JSON.stringify(summary, null, 2) + '\n';
  writeFileSync(join(o.outDir, 'summary.json'), json);
  if (o.jsonPath !== undefined) {
    mkdirSync(dirname(o.jsonPath), { recursive: true });
    writeFileSync(o.jsonPath, json);
  }
  await store.close();
  progress.clearStatus();
  process.stdout.write(summaryMod.formatSummary(summary, { out: o.outDir, rel: shown }));
  if (o.keep && influx.dir !== undefined) {
    keptReported = true;
    process.stdout.write(
      `InfluxDB keeps running: ${influx.url} (pid ${influx.pid}, database ${o.database}, data in ${influx.dir}).\n` +
        `  Query it:  curl -G ${influx.url}/query --data-urlencode db=${o.database} --data-urlencode "q=SHOW MEASUREMENTS"\n` +
        `  Signals:   node ${shown(join(REPO_ROOT, 'otel-processor/dist/cli.js'))} signals --once -c ${configPath}\n` +
        `  Stop it:   kill ${influx.pid} && rm -rf ${influx.dir} ${tmp}\n`,
    );
  }
  if (renderError !== undefined) {
    process.stderr.write(`meterline demo: ${renderError}\n`);
    return 1;
  }
  return 0;
}

/** What `meterline reconcile --json` prints (the parts the demo reads). */
interface ReconcileJson {
  from: string;
  to: string;
  threshold: string;
  daysOver: string[];
  rows: {
    day: string;
    team?: string;
    currency: string;
    billed: string;
    modelled: string;
    driftRatio: string | null;
    driftPercent: string | null;
  }[];
}

/** Share of the imported usage charges no rule attributed, per currency. */
async function queryProviderUnknown(
  store: InfluxStore,
  fromMs: number,
  toMs: number,
): Promise<{ currency: string; ratio: number }[]> {
  const q = influxql`SELECT SUM("billed_nano") AS "billed_nano" FROM "provider_cost" WHERE time >= ${new Date(fromMs)} AND time < ${new Date(toMs)} GROUP BY "currency", "attribution", "charge"`;
  const acc = new Map<string, { unknown: bigint; total: bigint }>();
  for (const result of await store.query(q, { epoch: 'ms' })) {
    for (const s of result.series) {
      if ((s.tags?.charge ?? '').toLowerCase() !== 'usage') continue;
      for (const r of seriesRows(s)) {
        const currency = String(r.currency ?? '');
        const a = acc.get(currency) ?? { unknown: 0n, total: 0n };
        const nano = toBigInt(r.billed_nano ?? 0);
        a.total += nano;
        if (r.attribution === 'unknown') a.unknown += nano;
        acc.set(currency, a);
      }
    }
  }
  return [...acc]
    .filter(([, a]) => a.total > 0n)
    .map(([currency, a]) => ({ currency, ratio: Number(a.unknown) / Number(a.total) }));
}

/**
 * `meterline demo --otlp-url URL`: the demo as the traffic generator of an existing stack (docker compose's
 * `demo` service). No InfluxDB or serve of its own, no signals backfill, import, reconcile, report or render:
 *
 * 1. the history (14 days of ordinary spend, {@link historyLines}) written once to `--influx-url` /
 *    `--database` — only when the database has no `cost` point before the history's end yet, so a restarted
 *    container never writes it again over live data; the database is created if missing, never dropped;
 * 2. the shop's services on the real OTel SDK sending OTLP/protobuf to `URL` (a collector or a serve), live,
 *    with the stack-mode timeline ({@link stackTimeline}): the tenants' ordinary traffic and the unowned
 *    service from the start, a release of `checkout` 10 s in and every hour after, each running away for 20
 *    minutes;
 * 3. until `--duration` is up, or until SIGTERM (exit 0) / SIGINT (exit 130) with `--duration 0`: then the
 *    exporter is flushed (everything generated is sent, if the receiver takes it within 15 s) and shut down.
 *
 * Export failures (the collector not up yet, 503 backpressure) are retried with backoff, counted and
 * reported, never fatal ({@link ResilientSender}); while they last, at most {@link MAX_QUEUED} spans wait
 * and new ones are dropped (counted). Progress: a line per phase, per release and runaway end, per failure
 * streak, and one a minute with the counts — never one per span.
 *
 * @packageDocumentation
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { InfluxConfig, MeterlineConfig } from '@meterline/cost-model';
import { loadConfig } from '../config/load';
import { influxql } from '../influx/influxql';
import { seriesRows } from '../influx/query-result';
import { createInfluxStore, type InfluxStore } from '../influx/store';
import { calibrate, historyLines } from './history';
import { connectInflux, type DemoInflux } from './influxd';
import { Progress, type PhaseTiming } from './progress';
import * as scenario from './scenario';
import type { SpanSpec, StackRelease, StackSchedule } from './scenario';
import { DemoServices, ResilientSender, SpanQueue, tracesEndpoint } from './traffic';

/** What stack mode needs (see `meterline demo --help`). */
export interface StackOptions {
  otlpUrl: string;
  influxUrl: string;
  database: string;
  /** Seconds of traffic; 0: until SIGTERM or SIGINT. */
  durationS: number;
  /** Prices the history: the configuration the stack's serve runs with. */
  configPath: string;
  jsonPath?: string;
}

/** Spans waiting for the receiver at most; while the queue is full, new spans are dropped (and counted). */
export const MAX_QUEUED = 20_000;
/** How long a stop waits for the queued spans to go out. */
export const FLUSH_TIMEOUT_MS = 15_000;
/** How long the demo waits for InfluxDB at its start. */
const INFLUX_WAIT_MS = 60_000;
/** After a stall longer than this (a suspended host), the traffic resumes from a minute ago. */
const MAX_CATCH_UP_MS = 5 * scenario.MIN;

const SEC = 1_000;
const MIN = 60_000;

/** `--json` in stack mode. */
export interface StackSummary {
  mode: 'stack';
  otlpEndpoint: string;
  influx: { url: string; version: string; database: string };
  history: {
    written: boolean;
    /** The window it covers (when skipped: the one it would have covered). */
    fromMs: number;
    toMs: number;
    points: number;
  };
  schedule: StackSchedule & { firstReleaseMs: number; releaseEveryMs: number; runawayMs: number };
  traffic: {
    startMs: number;
    endMs: number;
    /** Spans created (and queued for the exporter). */
    generated: number;
    /** Spans the receiver acknowledged. */
    sent: number;
    requests: number;
    failedExports: number;
    lastError?: string;
    /** Spans not created because {@link MAX_QUEUED} were waiting. */
    dropped: number;
    /** Spans still queued when the flush gave up. */
    unsent: number;
    runaway: number;
    unowned: number;
  };
  releases: StackRelease[];
  stoppedBy: 'SIGTERM' | 'SIGINT' | 'duration';
  phases: PhaseTiming[];
}

const hhmm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);
const hhmmss = (ms: number): string => new Date(ms).toISOString().slice(11, 19);
const count = (n: number): string => n.toLocaleString('en-US');
const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** `meterline demo --otlp-url …`; returns the exit status (0; 130 after SIGINT; 1 on an error). */
export async function runStackDemo(o: StackOptions): Promise<number> {
  const progress = new Progress();
  const aborter = new AbortController();
  let stopSignal: 'SIGTERM' | 'SIGINT' | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopSignal !== undefined) {
      progress.line(`${signal} again: exiting without flushing`);
      process.exit(130);
    }
    stopSignal = signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM';
    progress.line(`${signal}: stopping…`);
    aborter.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await runStack(o, progress, aborter.signal, () => stopSignal);
    return stopSignal === 'SIGINT' ? 130 : 0;
  } catch (err) {
    progress.clearStatus();
    process.stderr.write(`meterline demo: ${(err as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The `--config` with `--influx-url` and `--database` as its InfluxDB (v1 API). */
function stackConfig(o: StackOptions): MeterlineConfig {
  if (!existsSync(o.configPath)) throw new Error(`--config: ${o.configPath} does not exist`);
  const base = loadConfig(o.configPath);
  const b = base.influx;
  // The v1 API only (no org/bucket/token): the demo's queries are InfluxQL on `--database`.
  const influx: InfluxConfig = {
    url: o.influxUrl.replace(/\/+$/, ''),
    database: o.database,
    batchSize: b?.batchSize ?? 5_000,
    timeoutMs: b?.timeoutMs ?? 10_000,
    ...(b?.retentionPolicy === undefined ? {} : { retentionPolicy: b.retentionPolicy }),
    ...(b?.username === undefined ? {} : { username: b.username }),
    ...(b?.password === undefined ? {} : { password: b.password }),
  };
  return { ...base, influx };
}

/** Pings InfluxDB until it answers (at most {@link INFLUX_WAIT_MS}); undefined when stopped meanwhile. */
async function waitForInflux(
  url: string,
  progress: Progress,
  signal: AbortSignal,
): Promise<DemoInflux | undefined> {
  const deadline = Date.now() + INFLUX_WAIT_MS;
  for (let said = false; ;) {
    try {
      return await connectInflux(url);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      if (!said) progress.line(`waiting for InfluxDB at ${url}…`);
      said = true;
    }
    await pause(2 * SEC, signal);
    if (signal.aborted) return undefined;
  }
}

/** Whether the database holds a `cost` point before `beforeMs`. */
async function hasCostBefore(store: InfluxStore, beforeMs: number): Promise<boolean> {
  const results = await store.query(
    influxql`SELECT "events" FROM "cost" WHERE time < ${new Date(beforeMs)} LIMIT 1`,
  );
  return results.some((r) => r.series.some((s) => s.values.length > 0));
}

/** The versions of `service` the `cost` measurement holds. */
async function versionsOf(store: InfluxStore, service: string): Promise<string[]> {
  const results = await store.query(
    influxql`SHOW TAG VALUES FROM "cost" WITH KEY = "version" WHERE "service" = ${service}`,
  );
  return results.flatMap((r) => r.series.flatMap((s) => seriesRows(s).map((row) => String(row.value))));
}

async function runStack(
  o: StackOptions,
  progress: Progress,
  signal: AbortSignal,
  stoppedBy: () => 'SIGTERM' | 'SIGINT' | undefined,
): Promise<void> {
  const config = stackConfig(o);
  const endpoint = tracesEndpoint(o.otlpUrl);

  // ------------------------------------------------------------------------------------------ InfluxDB
  const influx = await waitForInflux(config.influx!.url, progress, signal);
  if (influx === undefined) return;
  const store = createInfluxStore(config.influx!);
  // CREATE DATABASE: a no-op for an existing database (what serve does at its start too). Never a DROP.
  await store.ensureReady();
  progress.done(
    'influxdb',
    `InfluxDB ${influx.version} at ${influx.url}, database ${o.database} (kept: stack mode never drops it)`,
  );

  // ------------------------------------------------------------------------------------------- history
  // Up to the last 5-minute boundary: the live traffic starts after it, so no history point shares a
  // timestamp with a point serve writes. Written once: history is deterministic, so writing it again would
  // rewrite the buckets both windows share in place (history.test.ts checks it), but a later window's last
  // buckets could land on minutes where serve already wrote live points; hence the check.
  const historyToMs = scenario.alignDown(Date.now(), scenario.HISTORY_BUCKET_MS);
  const historyFromMs = historyToMs - scenario.HISTORY_DAYS * scenario.DAY;
  let historyPoints = 0;
  const written = !(await hasCostBefore(store, historyToMs));
  if (written) {
    // Not interrupted by a stop (it takes seconds): a restart must never find half a history, since it
    // would not write it again.
    const calibration = calibrate(config, historyToMs);
    let batch: string[] = [];
    for (const line of historyLines(calibration, historyFromMs, historyToMs)) {
      batch.push(line);
      if (batch.length === 20_000) {
        await store.write(batch);
        historyPoints += batch.length;
        batch = [];
      }
    }
    await store.write(batch);
    historyPoints += batch.length;
    progress.done(
      'history',
      `history: ${scenario.HISTORY_DAYS} days of ordinary spend up to ${hhmm(historyToMs)} UTC, ` +
        `${count(historyPoints)} cost points (5-minute buckets, priced with ${o.configPath})`,
    );
  } else {
    progress.done(
      'history',
      `history: not written: ${o.database} already has cost points before ${hhmm(historyToMs)} UTC ` +
        `(an earlier run's history and traffic, or other data); stack mode writes it once`,
    );
  }
  // serve reports a deploy only for a version it never saw: continue after the releases InfluxDB holds.
  const seen = await versionsOf(store, scenario.RUNAWAY_SERVICE);
  await store.close();
  if (signal.aborted) {
    progress.line('stopped before the traffic started');
    return;
  }

  // -------------------------------------------------------------------------------------------- traffic
  const schedule: StackSchedule = { startMs: Date.now(), ...scenario.stackVersions(seen) };
  const startMs = schedule.startMs;
  const untilMs = o.durationS === 0 ? Infinity : startMs + o.durationS * SEC;
  const timeline = scenario.stackTimeline(schedule);
  const queue = new SpanQueue();
  const services = new DemoServices(queue);
  const sender = new ResilientSender(o.otlpUrl, queue, {
    failing: (error, retryInMs) =>
      progress.line(
        `export to ${endpoint} failed (${error}): retrying in ${seconds(retryInMs)}, with backoff; ` +
          `spans wait in the queue (${count(sender.queued)} now, at most ${count(MAX_QUEUED)})`,
      ),
    recovered: (failures, forMs) =>
      progress.line(
        `export to ${endpoint} works again after ${count(failures)} failed attempt${failures === 1 ? '' : 's'} ` +
          `(${seconds(forMs)})`,
      ),
  });
  const counts = { generated: 0, dropped: 0, runaway: 0, unowned: 0 };
  const releases: StackRelease[] = [];
  let runawayAtRelease = 0;
  const first = scenario.stackRelease(schedule, 0);
  progress.line(
    `traffic: OTLP/protobuf to ${endpoint} ${o.durationS === 0 ? 'until stopped' : `for ${o.durationS} s`}: ` +
      `tenants ${scenario.TENANTS.join(', ')} and unlabelled requests, the unowned ${scenario.NEW_SERVICE}; ` +
      `${scenario.RUNAWAY_SERVICE} ${first.previousVersion} → ${first.version} at ${hhmmss(first.deployMs)} UTC, ` +
      `then a new release every ${scenario.STACK_RELEASE_EVERY_MS / MIN} minutes, each running away for ` +
      `${scenario.STACK_RUNAWAY_MS / MIN} minutes`,
  );

  const emit = (spec: SpanSpec): void => {
    if (sender.queued >= MAX_QUEUED) {
      counts.dropped++;
      return;
    }
    services.emit(spec);
    counts.generated++;
    if (spec.role === 'runaway') counts.runaway++;
    else if (spec.role === 'unowned') counts.unowned++;
  };
  const state = (atMs: number): string => {
    const last = releases[releases.length - 1];
    if (last !== undefined && atMs < last.runawayUntilMs)
      return `${scenario.RUNAWAY_SERVICE} ${last.version} running away until ${hhmm(last.runawayUntilMs)} UTC`;
    const next = scenario.stackRelease(schedule, releases.length);
    return `next release ${scenario.RUNAWAY_SERVICE} ${next.version} at ${hhmm(next.deployMs)} UTC`;
  };

  let emittedUntilMs = startMs;
  let cached: { minuteMs: number; specs: SpanSpec[] } | undefined;
  let runawayEnded = -1;
  let nextReportMs = startMs + MIN;
  let reportedSent = 0;
  for (;;) {
    const tickStart = Date.now();
    const to = Math.min(tickStart, untilMs);
    if (to - emittedUntilMs > MAX_CATCH_UP_MS) {
      progress.line(
        `traffic: ${seconds(to - emittedUntilMs)} without a tick (a suspended host?): resuming a minute ago`,
      );
      emittedUntilMs = to - MIN;
    }
    for (let m = scenario.alignDown(emittedUntilMs, MIN); m < to; m += MIN) {
      if (cached === undefined || cached.minuteMs !== m)
        cached = { minuteMs: m, specs: scenario.timelineSpans(timeline, m) };
      for (const spec of cached.specs) if (spec.endMs >= emittedUntilMs && spec.endMs < to) emit(spec);
    }
    emittedUntilMs = to;
    sender.kick();

    const released = scenario.stackReleaseIndex(schedule, to - 1);
    while (releases.length <= released) {
      const r = scenario.stackRelease(schedule, releases.length);
      releases.push(r);
      runawayAtRelease = counts.runaway;
      progress.line(
        `deploy: ${scenario.RUNAWAY_SERVICE} ${r.previousVersion} → ${r.version} at ${hhmmss(r.deployMs)} UTC ` +
          `(serve writes cost_event kind=deploy); it runs away until ${hhmm(r.runawayUntilMs)} UTC: ` +
          `${scenario.RUNAWAY_SPANS_PER_MINUTE} re-pricing spans a minute for tenant ${scenario.RUNAWAY_TENANT}`,
      );
    }
    const last = releases[releases.length - 1];
    if (last !== undefined && runawayEnded < last.index && to >= last.runawayUntilMs) {
      runawayEnded = last.index;
      const next = scenario.stackRelease(schedule, last.index + 1);
      progress.line(
        `runaway over: ${scenario.RUNAWAY_SERVICE} ${last.version} sent ${count(counts.runaway - runawayAtRelease)} ` +
          `runaway spans; next release ${next.version} at ${hhmm(next.deployMs)} UTC`,
      );
    }
    if (tickStart >= nextReportMs) {
      const s = sender.stats;
      progress.line(
        `traffic ${hhmm(tickStart)} UTC: ${count(s.spans)} spans sent (+${count(s.spans - reportedSent)}) in ` +
          `${count(s.requests)} OTLP requests; ${count(s.failures)} failed exports` +
          `${sender.failing ? ` (failing: ${sender.lastError})` : ''}, ${count(counts.dropped)} dropped, ` +
          `${count(sender.queued)} queued; ${state(tickStart)}`,
      );
      reportedSent = s.spans;
      nextReportMs = Math.max(nextReportMs + MIN, tickStart + SEC);
    }
    progress.status(
      `traffic: ${count(sender.stats.spans)} spans sent, ${count(sender.stats.failures)} failed exports; ` +
        `${state(tickStart)}${untilMs === Infinity ? '' : `; ${Math.max(0, Math.ceil((untilMs - tickStart) / SEC))} s left`}`,
    );
    if (to >= untilMs || signal.aborted) break;
    await pause(Math.min(SEC - (Date.now() - tickStart), untilMs - Date.now()), signal);
  }

  // -------------------------------------------------------------------------------------------- stop
  const why = stoppedBy() ?? 'duration';
  const unsent = await sender.flush(Date.now() + FLUSH_TIMEOUT_MS);
  await sender.shutdown();
  const endMs = Date.now();
  const s = sender.stats;
  progress.done(
    'traffic',
    `stopped (${why === 'duration' ? `--duration ${o.durationS}` : why}): ${count(counts.generated)} spans ` +
      `generated, ${count(s.spans)} sent in ${count(s.requests)} OTLP requests; ${count(s.failures)} failed ` +
      `exports, ${count(counts.dropped)} dropped (queue full), ${count(unsent)} unsent; ` +
      `${count(counts.runaway)} runaway, ${count(counts.unowned)} from the unowned ${scenario.NEW_SERVICE}; ` +
      `releases: ${releases.map((r) => r.version).join(', ') || 'none yet'}`,
  );
  if (o.jsonPath !== undefined) {
    const summary: StackSummary = {
      mode: 'stack',
      otlpEndpoint: endpoint,
      influx: { url: influx.url, version: influx.version, database: o.database },
      history: { written, fromMs: historyFromMs, toMs: historyToMs, points: historyPoints },
      schedule: {
        ...schedule,
        firstReleaseMs: scenario.STACK_FIRST_RELEASE_MS,
        releaseEveryMs: scenario.STACK_RELEASE_EVERY_MS,
        runawayMs: scenario.STACK_RUNAWAY_MS,
      },
      traffic: {
        startMs,
        endMs,
        generated: counts.generated,
        sent: s.spans,
        requests: s.requests,
        failedExports: s.failures,
        ...(sender.lastError === undefined ? {} : { lastError: sender.lastError }),
        dropped: counts.dropped,
        unsent,
        runaway: counts.runaway,
        unowned: counts.unowned,
      },
      releases,
      stoppedBy: why,
      phases: progress.phases,
    };
    mkdirSync(dirname(o.jsonPath), { recursive: true });
    writeFileSync(o.jsonPath, JSON.stringify(summary, null, 2) + '\n');
  }
}

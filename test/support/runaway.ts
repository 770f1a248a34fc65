/**
 * The runaway-autoscaler incident, end to end with real parts, for tests that need a real incident in a
 * real InfluxDB (signals, alert rules):
 *
 * 1. a private `influxd`;
 * 2. 15 days of ordinary spend of the `checkout` service (team `payments`, tenant `acme`), written directly
 *    as per-minute `cost` points with a daily and weekly rhythm and noise. History cannot go through
 *    `meterline serve`: it folds data older than its lateness window into the current bucket;
 * 3. a real `meterline serve` child process (test/support/meterline-serve.ts), receiving spans from the
 *    real OpenTelemetry SDK and OTLP/protobuf exporter in a child process (test/support/child-exporter.ts):
 *    the same ordinary traffic for the last 40 minutes, a deploy (`service.version` 1.0.0 → 1.1.0) 30
 *    minutes ago, and from 20 minutes ago a runaway autoscaler: 150 costly `autoscaler.scale_up` spans a
 *    minute (30–90 s each, priced per second), each its own trace. Span times lie in the past, inside the
 *    service's lateness window (set to an hour), so each lands in its own minute as if sent live;
 * 4. the service is stopped cleanly (final flush) and the totals it wrote are checked against what was sent.
 *
 * Opt-in, `setUpRunawayScenario({ unattributed: true })`: the same child also sends, through the same serve,
 * ordinary server spans of services no attribution rule or fallback owns (no `tenant.id`, not in the
 * fallback map), which serve prices with `cost.attribution=unknown`: `legacy-cron` (two short jobs a
 * minute over the 40 minutes, and from the deploy on five more a minute of 60–100 s each, so the unknown
 * share rises) and `reports & exports/v2` (a name a URL must escape; one 20 s export every 5 minutes).
 * Without the option nothing of it is sent: the default scenario is unchanged.
 *
 * Times are relative to `T0`, the current time aligned down to 5 minutes when the scenario starts: the
 * ordinary traffic ends and the incident's last bucket ends at `T0`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MeterlineConfig } from '@meterline/cost-model';
import { parseConfig } from '../../otel-processor/src/config/load';
import { runChildScript } from './child-exporter';
import { startInfluxDB, type InfluxInstance } from './influxdb';
import { rng, startServeChild } from './meterline-serve';

const MIN = 60_000;
const DAY = 86_400_000;

/** The service, team and tenant the incident happens to. */
export const RUNAWAY_SERVICE = 'checkout';
export const RUNAWAY_TEAM = 'payments';
export const RUNAWAY_TENANT = 'acme';
/** The budget configured for the service, sized so ordinary spend burns it at about 1 (on pace). */
export const RUNAWAY_BUDGET = 'checkout-monthly';
/** Versions before and after the deploy. */
export const VERSION_BEFORE = '1.0.0';
export const VERSION_AFTER = '1.1.0';

/** What one ordinary request costs: 0.001 USD per request plus 1 ms × 0.0002 USD/s. */
export const REQUEST_NANO = 1_000_000n;
export const REQUEST_COMPUTE_NANO = 200n;
/** Costly autoscaler spans per minute during the runaway. */
export const RUNAWAY_SPANS_PER_MINUTE = 150;

/** The unowned service of the opt-in unattributed traffic, its region and request name. */
export const UNATTRIBUTED_SERVICE = 'legacy-cron';
export const UNATTRIBUTED_REGION = 'eu-west-1';
const UNATTRIBUTED_SPAN_NAME = 'POST /jobs/run';
/** A second, smaller unowned service, whose name a URL must escape; its region and request name. */
export const UNATTRIBUTED_REPORTS_SERVICE = 'reports & exports/v2';
export const UNATTRIBUTED_REPORTS_REGION = 'us-east-1';
const UNATTRIBUTED_REPORTS_SPAN_NAME = 'GET /reports/export';

/** Options of {@link setUpRunawayScenario}. */
export interface RunawayOptions {
  /**
   * Also send the unattributed traffic (see the module notes). Off by default: the scenario is then exactly
   * the one other tests compute their expectations from.
   */
  unattributed?: boolean;
}

/** One server span of an unowned service, as the exporter child created and sent it. */
export interface UnattributedSpan {
  service: string;
  /** Its resource's `cloud.region` (the `region` tag of its cost). */
  region: string;
  name: string;
  /** End time, epoch ms (a whole millisecond): serve puts the span's cost in this minute. */
  endMs: number;
  /** Duration in whole ms: what the `compute.seconds` SKU prices (200 nano-USD a ms). */
  durationMs: number;
}

/** A set-up scenario. */
export interface RunawayScenario {
  influx: InfluxInstance;
  /** The InfluxDB (v1) database holding everything. */
  database: string;
  /** `meterline.yaml` of the scenario: catalog, attribution, the budget, influx; signals off in serve. */
  configPath: string;
  config: MeterlineConfig;
  /** Current time aligned down to 5 minutes at set-up: the end of the incident's last complete bucket. */
  t0: number;
  /** First minute of ordinary traffic sent through serve (T0 − 40 min); history ends here. */
  serveFromMs: number;
  /** First minute of version 1.1.0 (T0 − 30 min): the deploy. */
  deployMs: number;
  /** First minute of the runaway (T0 − 20 min). */
  incidentMs: number;
  /**
   * An evaluation time before the incident (T0 − 20 min: its last complete 5-minute bucket is ordinary
   * traffic after the deploy): scores and burn rates are below their thresholds.
   */
  beforeMs: number;
  /** An evaluation time after 20 minutes of runaway (T0): everything fires. */
  afterMs: number;
  /** Trace IDs of the costly runaway spans the exporter sent (hex). */
  runawayTraceIds: ReadonlySet<string>;
  /**
   * Spans the exporter sent: ordinary and runaway counts, and the unattributed spans (empty unless the
   * scenario was set up with `{ unattributed: true }`), read back from the SDK's finished spans.
   */
  sent: { ordinary: number; runaway: number; unattributed: readonly UnattributedSpan[] };
  /** Stops InfluxDB and removes the scenario's files. */
  stop(): Promise<void>;
}

/** Ordinary requests in the minute starting at `minuteMs`: a daily and weekly rhythm with ±10% noise. */
export function ordinaryRequests(minuteMs: number): number {
  const d = new Date(minuteMs);
  const hour = d.getUTCHours() + d.getUTCMinutes() / 60;
  const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6;
  const noise = 0.9 + 0.2 * rng(Math.floor(minuteMs / MIN))();
  const rhythm = 1 + 0.4 * Math.sin((2 * Math.PI * (hour - 9)) / 24);
  return Math.max(1, Math.round(20 * rhythm * (weekend ? 0.7 : 1) * noise));
}

function configYaml(influxUrl: string, database: string): string {
  return `catalog:
  baseCurrency: USD
  skus:
    - id: api.requests
      unit: request
      prices: [{ effectiveFrom: '2020-01-01T00:00:00Z', currency: USD, unitPrice: '0.001' }]
    - id: compute.seconds
      unit: s
      prices: [{ effectiveFrom: '2020-01-01T00:00:00Z', currency: USD, unitPrice: '0.0002' }]
skus:
  - { id: requests, sku: api.requests, match: { signal: span, kinds: [server] }, quantity: { type: count } }
  - { id: compute, sku: compute.seconds, match: { signal: span, kinds: [server] }, quantity: { type: duration } }
attribution:
  rules:
    - id: tenant
      match: [{ key: tenant.id, source: any, exists: true }]
      set: { tenant: { from: tenant.id, source: any } }
  fallbacks:
    - key: service.name
      source: resource
      map:
        ${RUNAWAY_SERVICE}: { team: ${RUNAWAY_TEAM}, center: cc-100 }
# Ordinary spend is about 0.02 USD a minute, 1.2 USD an hour: 900 USD is about a month of it.
budgets:
  - { name: ${RUNAWAY_BUDGET}, scope: { service: ${RUNAWAY_SERVICE} }, amount: '900', currency: USD, period: month }
influx:
  url: ${JSON.stringify(influxUrl)}
  database: ${JSON.stringify(database)}
  timeoutMs: 10000
serve:
  latenessMs: 3600000 # spans from the last hour land in their own minute
  flushIntervalMs: 500
# Only explicit evaluations write signals here (meterline signals --once, or the test's own calls).
signals:
  enabled: false
`;
}

/**
 * The unattributed traffic of the opt-in (see the module notes), minute by minute over `[fromMs, toMs)`,
 * every span ending inside its minute.
 */
function unattributedPlan(fromMs: number, deployMs: number, toMs: number): UnattributedSpan[] {
  const cron = { service: UNATTRIBUTED_SERVICE, region: UNATTRIBUTED_REGION, name: UNATTRIBUTED_SPAN_NAME };
  const spans: UnattributedSpan[] = [];
  let burst = 0;
  for (let m = fromMs, k = 0; m < toMs; m += MIN, k++) {
    for (let i = 0; i < 2; i++) {
      spans.push({ ...cron, endMs: m + 15_000 + i * 30_000, durationMs: 400 + (((2 * k + i) * 173) % 800) });
    }
    if (m >= deployMs) {
      for (let i = 0; i < 5; i++, burst++) {
        spans.push({ ...cron, endMs: m + 6_000 + i * 12_000, durationMs: (60 + ((burst * 17) % 41)) * 1000 });
      }
    }
    if (k % 5 === 0) {
      spans.push({
        service: UNATTRIBUTED_REPORTS_SERVICE,
        region: UNATTRIBUTED_REPORTS_REGION,
        name: UNATTRIBUTED_REPORTS_SPAN_NAME,
        endMs: m + 50_000,
        durationMs: 20_000,
      });
    }
  }
  return spans;
}

/** The history lines: per minute, the ordinary requests' cost in both SKUs, as serve would have written. */
function historyLines(fromMs: number, toMs: number): string[] {
  const tags = `attribution=rule,center=cc-100,currency=USD,service=${RUNAWAY_SERVICE},source=telemetry,team=${RUNAWAY_TEAM},tenant=${RUNAWAY_TENANT},version=${VERSION_BEFORE}`;
  const lines: string[] = [];
  for (let m = fromMs; m < toMs; m += MIN) {
    const n = BigInt(ordinaryRequests(m));
    lines.push(
      `cost,${tags},sku=api.requests amount_nano=${n * REQUEST_NANO}i,events=${n}i,price_version="api.requests@2020-01-01T00:00:00.000Z",quantity=${n} ${m}`,
      `cost,${tags},sku=compute.seconds amount_nano=${n * REQUEST_COMPUTE_NANO}i,events=${n}i,price_version="compute.seconds@2020-01-01T00:00:00.000Z",quantity=${Number(n) / 1000} ${m}`,
    );
  }
  return lines;
}

/**
 * The child: the real SDK creates the spans (ordinary ones at 1 ms, runaway ones of 30–90 s), version 1.0.0
 * before the deploy and 1.1.0 after, and the real OTLP/protobuf exporter sends them to serve, oldest first,
 * 500 per request. With `plan.unattributed` (the opt-in), also the spans of unowned services (no
 * `tenant.id`, a provider per service and region), sent after the others. Prints the result codes, the
 * counts, the runaway trace IDs and the unattributed spans as they were finished, as JSON.
 */
const CHILD = `
const { SpanKind, diag, DiagLogLevel } = require('@opentelemetry/api');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
diag.setLogger({ error: (...a) => console.error(...a), warn: (...a) => console.error(...a), info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);

const plan = JSON.parse(process.env.PLAN);
const hr = (ms) => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];
function provider(version) {
  const memory = new InMemorySpanExporter();
  const p = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': plan.service, 'service.version': version }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  return { tracer: p.getTracer('runaway-scenario'), memory };
}
const before = provider(plan.versionBefore);
const after = provider(plan.versionAfter);
const runawayTraceIds = [];
let ordinary = 0;
for (const [minute, n] of plan.ordinary) {
  const { tracer } = minute < plan.deployMs ? before : after;
  for (let i = 0; i < n; i++) {
    const end = minute + Math.floor(((i + 0.5) * 60000) / n);
    tracer.startSpan('GET /cart', { kind: SpanKind.SERVER, startTime: hr(end - 1), attributes: { 'tenant.id': plan.tenant } }).end(hr(end));
    ordinary++;
  }
  if (minute >= plan.incidentMs) {
    for (let i = 0; i < plan.runawayPerMinute; i++) {
      const end = minute + Math.floor(((i + 0.25) * 60000) / plan.runawayPerMinute);
      const seconds = 30 + ((i * 37) % 61);
      const span = after.tracer.startSpan('autoscaler.scale_up', {
        kind: SpanKind.SERVER,
        startTime: hr(end - seconds * 1000),
        attributes: { 'tenant.id': plan.tenant, 'autoscaler.replicas': 40 + i },
      });
      span.end(hr(end));
      runawayTraceIds.push(span.spanContext().traceId);
    }
  }
}
const spans = [...before.memory.getFinishedSpans(), ...after.memory.getFinishedSpans()];
const unowned = new Map();
for (const u of plan.unattributed ?? []) {
  const key = JSON.stringify([u.service, u.region]);
  if (!unowned.has(key)) {
    const memory = new InMemorySpanExporter();
    const p = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': u.service, 'cloud.region': u.region }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    unowned.set(key, { tracer: p.getTracer('runaway-scenario'), memory });
  }
  unowned.get(key).tracer.startSpan(u.name, { kind: SpanKind.SERVER, startTime: hr(u.endMs - u.durationMs) }).end(hr(u.endMs));
}
const ms = (t) => t[0] * 1000 + t[1] / 1e6;
const unattributed = [];
for (const { memory } of unowned.values()) {
  for (const s of memory.getFinishedSpans()) {
    spans.push(s);
    unattributed.push({
      service: s.resource.attributes['service.name'],
      region: s.resource.attributes['cloud.region'],
      name: s.name,
      endMs: ms(s.endTime),
      durationMs: ms(s.duration),
    });
  }
}
const exporter = new OTLPTraceExporter({ url: process.env.SERVE_URL + '/v1/traces', timeoutMillis: 30000 });
(async () => {
  const codes = [];
  for (let i = 0; i < spans.length; i += 500) {
    codes.push(await new Promise((resolve) => exporter.export(spans.slice(i, i + 500), (r) => resolve(r.code))));
  }
  await exporter.shutdown();
  console.log(JSON.stringify({ codes, ordinary, runawayTraceIds, unattributed }));
})().catch((err) => { console.error(err); process.exit(1); });
`;

/**
 * Sets up the scenario (see the module notes): about 20–40 s. The caller owns the result and must call
 * `stop()`. `{ unattributed: true }` adds the unattributed traffic.
 */
export async function setUpRunawayScenario(options: RunawayOptions = {}): Promise<RunawayScenario> {
  const t0 = Math.floor(Date.now() / (5 * MIN)) * 5 * MIN;
  const serveFromMs = t0 - 40 * MIN;
  const deployMs = t0 - 30 * MIN;
  const incidentMs = t0 - 20 * MIN;
  const database = 'runaway';
  const dir = mkdtempSync(join(tmpdir(), 'meterline-runaway-'));
  const influx = await startInfluxDB();
  const stop = async (): Promise<void> => {
    await influx.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await influx.createDatabase(database);
    const configPath = join(dir, 'meterline.yaml');
    const yaml = configYaml(influx.url, database);
    writeFileSync(configPath, yaml);
    const config = parseConfig(yaml, configPath);

    const history = historyLines(serveFromMs - 15 * DAY, serveFromMs);
    for (let i = 0; i < history.length; i += 10_000)
      await influx.write(database, history.slice(i, i + 10_000));

    const ordinary: [number, number][] = [];
    for (let m = serveFromMs; m < t0; m += MIN) ordinary.push([m, ordinaryRequests(m)]);
    const serve = await startServeChild(configPath, join(dir, 'wal'));
    const child = await runChildScript(CHILD, {
      SERVE_URL: serve.url,
      PLAN: JSON.stringify({
        service: RUNAWAY_SERVICE,
        tenant: RUNAWAY_TENANT,
        versionBefore: VERSION_BEFORE,
        versionAfter: VERSION_AFTER,
        deployMs,
        incidentMs,
        runawayPerMinute: RUNAWAY_SPANS_PER_MINUTE,
        ordinary,
        // Only with the opt-in: without it the plan (and so what is sent) is exactly the default scenario's.
        ...(options.unattributed === true
          ? { unattributed: unattributedPlan(serveFromMs, deployMs, t0) }
          : {}),
      }),
    }).catch(async (err: unknown) => {
      await serve.stop('SIGKILL');
      throw err;
    });
    // SIGTERM: stop accepting, final flush to InfluxDB, checkpoint (also when the child failed).
    const exit = await serve.stop('SIGTERM', 30_000);
    if (exit.code !== 0) {
      throw new Error(`meterline serve exited ${exit.code ?? exit.signal}:\n${serve.stderr()}`);
    }
    if (child.code !== 0 || child.stderr !== '') {
      throw new Error(`exporter child failed (${child.code}):\n${child.stderr}\n${child.stdout}`);
    }
    const out = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
      codes: number[];
      ordinary: number;
      runawayTraceIds: string[];
      unattributed: UnattributedSpan[];
    };
    if (out.codes.some((c) => c !== 0))
      throw new Error(`an OTLP export failed: codes ${out.codes.join(',')}`);
    const sent = {
      ordinary: out.ordinary,
      runaway: out.runawayTraceIds.length,
      unattributed: out.unattributed,
    };
    const unattributed = sent.unattributed.length;
    // Every span is priced in both SKUs: one usage ("event") each.
    const events = await influx.query(
      `SELECT SUM("events") FROM "cost" WHERE time >= ${serveFromMs}ms AND time < ${t0}ms`,
      database,
    );
    const written = events.results[0]?.series?.[0]?.values[0]?.[1];
    if (written !== 2 * (sent.ordinary + sent.runaway + unattributed)) {
      const spans = `${sent.ordinary} ordinary${unattributed > 0 ? `, ${unattributed} unattributed` : ''} and ${sent.runaway} runaway spans`;
      throw new Error(`serve wrote ${String(written)} usages for ${spans} (expected 2 each)`);
    }
    if (options.unattributed === true) {
      // The unowned services' usages, and only theirs, are unknown.
      const unknown = await influx.query(
        `SELECT SUM("events") FROM "cost" WHERE "attribution" = 'unknown' AND time >= ${serveFromMs}ms AND time < ${t0}ms`,
        database,
      );
      const writtenUnknown = unknown.results[0]?.series?.[0]?.values[0]?.[1];
      if (unattributed === 0 || writtenUnknown !== 2 * unattributed) {
        throw new Error(
          `serve wrote ${String(writtenUnknown)} unknown usages for ${unattributed} unattributed spans (expected 2 each)`,
        );
      }
    }
    return {
      influx,
      database,
      configPath,
      config,
      t0,
      serveFromMs,
      deployMs,
      incidentMs,
      beforeMs: incidentMs,
      afterMs: t0,
      runawayTraceIds: new Set(out.runawayTraceIds),
      sent,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

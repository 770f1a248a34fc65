/**
 * Test support for `meterline serve`: a config with one count-priced SKU (so every expected total is exact),
 * the real CLI as a child process (`--conditions=meterline-source --import tsx otel-processor/src/cli.ts
 * serve`), hand-made OTLP requests encoded with the project's own encoder, a plain HTTP client and the
 * test's own view of the `cost` totals in InfluxDB.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  encodeMetricsJson,
  encodeMetricsProtobuf,
  encodeTracesJson,
  encodeTracesProtobuf,
} from '../../otel-processor/src/otlp/encode';
import {
  msToNanos,
  stringKeyValue,
  type KeyValue,
  type MetricsRequest,
  type NumberDataPoint,
  type Span,
  type TracesRequest,
} from '../../otel-processor/src/otlp/model';
import type { InfluxInstance } from './influxdb';

export const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'otel-processor/src/cli.ts');

/** What one priced server span (and one priced `jobs.runs` data point) costs, in nano-USD. */
export const NANO_PER_ITEM = 400n;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** mulberry32: reproducible randomness from a seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ------------------------------------------------------------------------------------------------ config

/** `serve` keys of the config (see README, "Running Meterline behind an OpenTelemetry Collector"). */
export interface ServeKeys {
  listen?: string;
  maxBodyBytes?: number;
  bearerToken?: string;
  walDir?: string;
  walHighWaterBytes?: number;
  latenessMs?: number;
  dedupeWindowMs?: number;
  flushIntervalMs?: number;
  checkpointIntervalMs?: number;
  exemplarsPerKey?: number;
}

/**
 * A meterline.yaml: `api.requests` at 0.0000004 USD per server span, `jobs.runs` at the same price per
 * data point of the `jobs.runs` metric, tenant from `tenant.id`, InfluxDB v1 database `database`.
 */
export function serveConfigYaml(influxUrl: string, database: string, serve: ServeKeys): string {
  const serveLines = Object.entries(serve)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
    .join('\n');
  return `catalog:
  baseCurrency: USD
  skus:
    - id: api.requests
      unit: request
      prices:
        - { effectiveFrom: '2020-01-01T00:00:00Z', currency: USD, unitPrice: '0.0000004' }
    - id: jobs.runs
      unit: run
      prices:
        - { effectiveFrom: '2020-01-01T00:00:00Z', currency: USD, unitPrice: '0.0000004' }
skus:
  - id: api-requests
    sku: api.requests
    match: { signal: span, kinds: [server] }
    quantity: { type: count }
  - id: job-runs
    sku: jobs.runs
    match: { signal: metric, names: [jobs.runs] }
    quantity: { type: count }
attribution:
  rules:
    - id: tenant-from-context
      match:
        - { key: tenant.id, source: any, exists: true }
      set: { tenant: { from: tenant.id, source: any } }
influx:
  url: ${JSON.stringify(influxUrl)}
  database: ${JSON.stringify(database)}
  timeoutMs: 2000
serve:
${serveLines}
`;
}

/** Writes {@link serveConfigYaml} to `dir/meterline.yaml` and returns its path. */
export function writeServeConfig(dir: string, influxUrl: string, database: string, serve: ServeKeys): string {
  const path = join(dir, 'meterline.yaml');
  writeFileSync(path, serveConfigYaml(influxUrl, database, serve));
  return path;
}

// ------------------------------------------------------------------------------------------ child process

/** A `meterline serve` child process. */
export interface ServeChild {
  /** Base URL it listens on. */
  url: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code and signal once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` and waits for the exit (SIGKILL after `timeoutMs`). */
  stop(
    signal?: NodeJS.Signals,
    timeoutMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/**
 * Starts `meterline serve --config <configPath> --listen 127.0.0.1:0 --wal-dir <walDir>` and resolves once
 * it printed where it listens.
 */
export function startServeChild(
  configPath: string,
  walDir: string,
  startTimeoutMs = 30_000,
): Promise<ServeChild> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=meterline-source',
        '--import',
        'tsx',
        CLI,
        'serve',
        '--config',
        configPath,
        '--listen',
        '127.0.0.1:0',
        '--wal-dir',
        walDir,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } },
    );
    live.add(child);
    let stdout = '';
    let stderr = '';
    let started = false;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.once('exit', (code, signal) => {
        live.delete(child);
        done({ code, signal });
      }),
    );
    const timer = setTimeout(() => {
      if (started) return;
      child.kill('SIGKILL');
      reject(new Error(`meterline serve did not start within ${startTimeoutMs} ms:\n${stdout}\n${stderr}`));
    }, startTimeoutMs);
    const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(guard);
      }
    };
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (!started && m) {
        started = true;
        clearTimeout(timer);
        resolve({ url: m[1]!, child, stdout: () => stdout, stderr: () => stderr, exited, stop });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    void exited.then(({ code, signal }) => {
      if (started) return;
      clearTimeout(timer);
      reject(new Error(`meterline serve exited (${code ?? signal}) before listening:\n${stdout}\n${stderr}`));
    });
  });
}

// ------------------------------------------------------------------------------------------------ OTLP

let idCounter = 0;
const runTag = Math.floor(Math.random() * 0xffffffff);

/** A fresh, never-repeated (trace id, span id) pair, as hex bytes. */
export function uniqueIds(): { traceId: Uint8Array; spanId: Uint8Array } {
  const n = ++idCounter;
  const traceId = Buffer.alloc(16);
  traceId.writeUInt32BE(runTag, 0);
  traceId.writeUInt32BE(process.pid >>> 0, 4);
  traceId.writeUInt32BE(0x7e57, 8);
  traceId.writeUInt32BE(n, 12);
  const spanId = Buffer.alloc(8);
  spanId.writeUInt32BE((runTag ^ 0x5a5a5a5a) >>> 0, 0);
  spanId.writeUInt32BE(n, 4);
  return { traceId, spanId };
}

/** A server span for `tenant`, ending now (1 ms long), with fresh ids unless given. */
export function serverSpan(
  tenant: string,
  opts: { ids?: { traceId: Uint8Array; spanId: Uint8Array }; attributes?: KeyValue[]; endMs?: number } = {},
): Span {
  const ids = opts.ids ?? uniqueIds();
  const end = opts.endMs ?? Date.now();
  return {
    ...ids,
    name: 'GET /orders',
    kind: 2,
    startTimeUnixNano: msToNanos(end - 1),
    endTimeUnixNano: msToNanos(end),
    attributes: [stringKeyValue('tenant.id', tenant), ...(opts.attributes ?? [])],
  };
}

/** A traces request for one resource. */
export function tracesRequest(
  spans: Span[],
  resource: { service?: string; version?: string; extra?: KeyValue[] } = {},
): TracesRequest {
  const attributes = [stringKeyValue('service.name', resource.service ?? 'orders')];
  if (resource.version !== undefined) attributes.push(stringKeyValue('service.version', resource.version));
  attributes.push(...(resource.extra ?? []));
  return { resourceSpans: [{ resource: { attributes }, scopeSpans: [{ scope: { name: 'test' }, spans }] }] };
}

/** `n` fresh server spans for `tenant` as one request. */
export function spansRequest(tenant: string, n: number): TracesRequest {
  return tracesRequest(Array.from({ length: n }, () => serverSpan(tenant)));
}

/** A `jobs.runs` gauge (priced per data point) with the given points. */
export function jobsRequest(tenant: string, points: NumberDataPoint[]): MetricsRequest {
  return {
    resourceMetrics: [
      {
        resource: {
          attributes: [stringKeyValue('service.name', 'worker'), stringKeyValue('tenant.id', tenant)],
        },
        scopeMetrics: [
          { scope: { name: 'test' }, metrics: [{ name: 'jobs.runs', gauge: { dataPoints: points } }] },
        ],
      },
    ],
  };
}

export const protobufTraces = (r: TracesRequest): Buffer => Buffer.from(encodeTracesProtobuf(r));
export const jsonTraces = (r: TracesRequest): Buffer => Buffer.from(encodeTracesJson(r));
export const protobufMetrics = (r: MetricsRequest): Buffer => Buffer.from(encodeMetricsProtobuf(r));
export const jsonMetrics = (r: MetricsRequest): Buffer => Buffer.from(encodeMetricsJson(r));

// ------------------------------------------------------------------------------------------------ HTTP

/** An HTTP answer. */
export interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** POSTs `body` to `url + path` (default protobuf); rejects on connection errors. */
export async function post(
  url: string,
  path: string,
  body: Uint8Array | string,
  headers: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<Answer> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', ...headers },
    // Node's fetch takes any Uint8Array; the DOM typings the plugin tests also load want a plain ArrayBuffer view.
    body: body as string | Uint8Array<ArrayBuffer>,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** GETs `url + path`, with its JSON body. */
export async function getJson(
  url: string,
  path: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url + path, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

// --------------------------------------------------------------------------------------------- InfluxDB

/** `SUM(amount_nano)` and `SUM(events)` of the `cost` measurement. */
export interface Totals {
  amountNano: bigint;
  events: number;
}

/** The test's own view of the totals (zero when nothing was written yet). */
export async function costTotals(influx: InfluxInstance, db: string, where = ''): Promise<Totals> {
  let json;
  try {
    json = await influx.query(`SELECT SUM("amount_nano"), SUM("events") FROM "cost"${where}`, db);
  } catch (err) {
    if (/database not found/.test((err as Error).message)) return { amountNano: 0n, events: 0 };
    throw err;
  }
  const row = json.results[0]?.series?.[0]?.values?.[0];
  if (row === undefined) return { amountNano: 0n, events: 0 };
  return { amountNano: BigInt(row[1] as number), events: row[2] as number };
}

/** `SUM(events)` per value of tag `tag`. */
export async function eventsBy(
  influx: InfluxInstance,
  db: string,
  tag: string,
): Promise<Map<string, Totals>> {
  const json = await influx.query(
    `SELECT SUM("amount_nano"), SUM("events") FROM "cost" GROUP BY "${tag}"`,
    db,
  );
  const out = new Map<string, Totals>();
  for (const s of json.results[0]?.series ?? []) {
    const v = s.values[0]!;
    out.set(s.tags?.[tag] ?? '', { amountNano: BigInt(v[1] as number), events: v[2] as number });
  }
  return out;
}

/**
 * Polls the totals until `done(totals)` holds and they stayed the same for `stableMs`, or `timeoutMs`
 * passed; returns the last totals either way (the caller asserts on them).
 */
export async function settledTotals(
  influx: InfluxInstance,
  db: string,
  done: (t: Totals) => boolean,
  { stableMs = 600, timeoutMs = 20_000, pollMs = 100 } = {},
): Promise<Totals> {
  const deadline = Date.now() + timeoutMs;
  let last = await costTotals(influx, db);
  let since = Date.now();
  for (;;) {
    if (done(last) && Date.now() - since >= stableMs) return last;
    if (Date.now() > deadline) return last;
    await sleep(pollMs);
    const t = await costTotals(influx, db);
    if (t.amountNano !== last.amountNano || t.events !== last.events) since = Date.now();
    last = t;
  }
}

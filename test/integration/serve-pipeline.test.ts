/**
 * `meterline serve` end to end with real parts: the real OTel JS exporters (protobuf and JSON) send the
 * same spans and metrics to two services, each writing to a real InfluxDB; one forwards to a downstream
 * receiver. Totals are computed by hand below, never by the code under test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig, type MeterlineConfig } from '@meterline/cost-model';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import pino from 'pino';
import { encodeTracesProtobuf } from '../../otel-processor/src/otlp/encode';
import { stringKeyValue, toAttributes, toNanos, type Span } from '../../otel-processor/src/otlp/model';
import { decodeTracesProtobuf as decode } from '../../otel-processor/src/otlp/decode';
import { MeterlineService } from '../../otel-processor/src/serve/service';
import { runChildScript, startCaptureServer, type CaptureServer } from '../support/child-exporter';
import { startInfluxDB, type InfluxInstance } from '../support/influxdb';

const CONFIG = {
  catalog: {
    skus: [
      {
        id: 'api.requests',
        unit: 'request',
        prices: [{ effectiveFrom: '2026-01-01T00:00:00Z', currency: 'USD', unitPrice: '0.0000004' }],
      },
      {
        id: 'network.egress_gb',
        unit: 'GB',
        prices: [{ effectiveFrom: '2026-01-01T00:00:00Z', currency: 'USD', unitPrice: '0.09' }],
      },
      {
        id: 'compute.gb_s',
        unit: 'GB-s',
        prices: [{ effectiveFrom: '2026-01-01T00:00:00Z', currency: 'USD', unitPrice: '0.0000166667' }],
      },
      {
        id: 'api.calls',
        unit: 'call',
        prices: [{ effectiveFrom: '2026-01-01T00:00:00Z', currency: 'USD', unitPrice: '0.001' }],
      },
    ],
  },
  skus: [
    {
      id: 'requests',
      sku: 'api.requests',
      match: { signal: 'span', kinds: ['server'] },
      quantity: { type: 'count' },
    },
    {
      id: 'egress',
      sku: 'network.egress_gb',
      match: {
        signal: 'span',
        kinds: ['server'],
        attributes: [{ key: 'http.response.body.size', source: 'attributes', exists: true }],
      },
      quantity: { type: 'attribute', attribute: 'http.response.body.size', scale: '0.000000001' },
    },
    {
      id: 'compute',
      sku: 'compute.gb_s',
      match: { signal: 'span', kinds: ['server'] },
      quantity: { type: 'duration_memory', memoryGb: '1' },
    },
    {
      id: 'calls',
      sku: 'api.calls',
      match: { signal: 'metric', names: ['app.calls'] },
      quantity: { type: 'sum' },
    },
  ],
  attribution: {
    rules: [
      { id: 'tenant', match: [{ key: 'tenant.id', source: 'any' }], set: { tenant: { from: 'tenant.id' } } },
    ],
    fallbacks: [
      { key: 'service.name', source: 'resource', map: { checkout: { team: 'payments', center: 'cc-100' } } },
    ],
  },
};

/**
 * The child: real SDK spans (fixed times inside one minute, 250 ms each, 500 kB responses), exported with the
 * protobuf exporter to URL_A and the JSON exporter to URL_B; spans priced in-process by CostSpanProcessor
 * (same config) to URL_A; cumulative metrics collected twice, to both.
 */
const CHILD = `
const { SpanKind, diag, DiagLogLevel } = require('@opentelemetry/api');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter: ProtoTraces } = require('@opentelemetry/exporter-trace-otlp-proto');
const { OTLPTraceExporter: JsonTraces } = require('@opentelemetry/exporter-trace-otlp-http');
const { OTLPMetricExporter: ProtoMetrics } = require('@opentelemetry/exporter-metrics-otlp-proto');
const { OTLPMetricExporter: JsonMetrics } = require('@opentelemetry/exporter-metrics-otlp-http');
const { MeterProvider, PeriodicExportingMetricReader, AggregationTemporality } = require('@opentelemetry/sdk-metrics');
const { validateConfig } = require('./cost-model/src');
const { CostSpanProcessor } = require('./otel-processor/src/instrument');
diag.setLogger({ error: (...a) => console.error(...a), warn: (...a) => console.error(...a), info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);

const T = Number(process.env.T_MS);
const hr = (ms) => [Math.floor(ms / 1000), (ms % 1000) * 1e6];
function spans(provider, tenant, n, offsetMs) {
  const tracer = provider.getTracer('serve-test');
  for (let i = 0; i < n; i++) {
    const end = T + offsetMs + i;
    const attributes = { 'http.response.body.size': 500000 };
    if (tenant) attributes['tenant.id'] = tenant;
    tracer.startSpan('GET /pay', { kind: SpanKind.SERVER, startTime: hr(end - 250), attributes }).end(hr(end));
  }
}
const memory = new InMemorySpanExporter();
const resource = resourceFromAttributes({ 'service.name': 'checkout', 'service.version': '1.0.0' });
const plain = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(memory)] });
spans(plain, 'acme', 40, 0);
spans(plain, 'globex', 20, 100);
spans(plain, undefined, 10, 200);
const finished = memory.getFinishedSpans();

const pricedMemory = new InMemorySpanExporter();
const config = validateConfig(JSON.parse(process.env.CONFIG));
const priced = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.version': '1.1.0' }),
  spanProcessors: [new CostSpanProcessor(config), new SimpleSpanProcessor(pricedMemory)],
});
spans(priced, 'initech', 5, 300);
const pricedFinished = pricedMemory.getFinishedSpans();

const send = (exporter, list) =>
  new Promise((resolve) => exporter.export(list, (r) => resolve(r.code))).finally(() => exporter.shutdown());

(async () => {
  const codes = [
    await send(new ProtoTraces({ url: process.env.URL_A + '/v1/traces' }), finished),
    await send(new JsonTraces({ url: process.env.URL_B + '/v1/traces' }), finished),
    await send(new ProtoTraces({ url: process.env.URL_A + '/v1/traces' }), pricedFinished),
  ];
  const reader = (Exporter, url) => new PeriodicExportingMetricReader({
    exporter: new Exporter({ url: url + '/v1/metrics', temporalityPreference: AggregationTemporality.CUMULATIVE }),
    exportIntervalMillis: 600000,
  });
  const mp = new MeterProvider({ resource, readers: [reader(ProtoMetrics, process.env.URL_A), reader(JsonMetrics, process.env.URL_B)] });
  const calls = mp.getMeter('serve-test').createCounter('app.calls');
  calls.add(3, { route: '/pay', 'tenant.id': 'acme' });
  await mp.forceFlush();
  await new Promise((r) => setTimeout(r, 20));
  calls.add(7, { route: '/pay', 'tenant.id': 'acme' });
  await mp.forceFlush();
  await mp.shutdown();
  console.log(JSON.stringify({
    codes,
    inProcessAmounts: pricedFinished.map((s) => s.attributes['cost.amount']),
    traceIds: finished.filter((s) => s.attributes['tenant.id'] === 'acme').map((s) => s.spanContext().traceId),
  }));
})().catch((err) => { console.error(err); process.exit(1); });
`;

const logger = pino({ level: 'warn' });
let influx: InfluxInstance;
let downstream: CaptureServer;
const services: MeterlineService[] = [];
const dirs: string[] = [];

function serviceConfig(database: string, forward: boolean): MeterlineConfig {
  const dir = mkdtempSync(join(tmpdir(), 'meterline-serve-test-'));
  dirs.push(dir);
  return validateConfig({
    ...CONFIG,
    influx: { url: influx.url, database },
    forward: forward ? [{ endpoint: downstream.url }] : [],
    serve: { listen: '127.0.0.1:0', walDir: dir, flushIntervalMs: 100_000 },
  });
}

async function sums(database: string, groupBy: string): Promise<Map<string, bigint>> {
  const res = await influx.query(`SELECT SUM("amount_nano") FROM "cost" GROUP BY "${groupBy}"`, database);
  return new Map(
    (res.results[0]?.series ?? []).map((s) => [s.tags?.[groupBy] ?? '', BigInt(s.values[0]?.[1] as number)]),
  );
}

beforeAll(async () => {
  influx = await startInfluxDB();
  downstream = await startCaptureServer();
});

afterAll(async () => {
  for (const s of services) await s.stop().catch(() => undefined);
  await downstream?.close();
  await influx?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}, 60_000);

describe('meterline serve with the real OTel exporters and a real InfluxDB', () => {
  // Spans end 2 minutes before the current minute: inside the lateness window, all in one bucket.
  const T = Math.floor(Date.now() / 60_000) * 60_000 - 120_000 + 1_000;
  let child: { codes: number[]; inProcessAmounts: string[]; traceIds: string[] };

  beforeAll(async () => {
    const a = await MeterlineService.start({ config: serviceConfig('serve_a', true), logger });
    const b = await MeterlineService.start({ config: serviceConfig('serve_b', false), logger });
    services.push(a, b);
    const result = await runChildScript(CHILD, {
      URL_A: a.url,
      URL_B: b.url,
      T_MS: String(T),
      CONFIG: JSON.stringify(CONFIG),
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    child = JSON.parse(result.stdout.trim().split('\n').pop()!) as typeof child;
    await a.flush();
    await b.flush();
  }, 60_000);

  // Per span: a request (400 nano-USD), 0.0005 GB out × 0.09 (45 000 nano-USD), 0.25 s × 1 GB × 0.0000166667
  // (4 166.675 nano-USD). A (series, minute) cell sums exact amounts and rounds once, half-even.
  const expected = (n: bigint, computeNano: bigint): bigint => n * 400n + n * 45_000n + computeNano;

  it('prices every span exactly, per tenant', async () => {
    expect(child.codes).toEqual([0, 0, 0]);
    const byTenant = await sums('serve_a', 'tenant');
    expect(byTenant.get('acme')).toBe(expected(40n, 166_667n) + 7_000_000n); // + 7 calls × 0.001 (metrics)
    expect(byTenant.get('globex')).toBe(expected(20n, 83_334n)); // 83 333.5 → 83 334
    expect(byTenant.get('unknown')).toBe(expected(10n, 41_667n)); // 41 666.75 → 41 667
    // Priced in-process: rolled up from the span's own attributes, not priced again.
    expect(byTenant.get('initech')).toBe(expected(5n, 20_833n)); // 20 833.375 → 20 833
  });

  it('the same spans as protobuf and as JSON give identical rollups', async () => {
    const a = await influx.query(
      `SELECT SUM("amount_nano"), SUM("events"), SUM("quantity") FROM "cost" WHERE "tenant" <> 'initech' GROUP BY "tenant", "sku"`,
      'serve_a',
    );
    const b = await influx.query(
      `SELECT SUM("amount_nano"), SUM("events"), SUM("quantity") FROM "cost" GROUP BY "tenant", "sku"`,
      'serve_b',
    );
    const rows = (r: typeof a) => (r.results[0]?.series ?? []).map((s) => [s.tags, s.values[0]?.slice(1)]);
    expect(rows(a).length).toBe(10); // 3 tenants × 3 span SKUs + the metric SKU
    expect(rows(b)).toEqual(rows(a));
  });

  it('a span is priced identically in-process and by the service', async () => {
    // 400 + 45 000 + 4 166.675 nano-USD
    expect(child.inProcessAmounts).toEqual(Array(5).fill('0.000049566675'));
    const forwarded = downstream.requests
      .filter((r) => r.path === '/v1/traces')
      .flatMap((r) => decode(r.body).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
    const amounts = new Set(forwarded.map((s: Span) => toAttributes(s.attributes)['cost.amount']));
    expect([...amounts]).toEqual(['0.000049566675']);
  });

  it('forwards the enriched spans downstream with their cost attributes', async () => {
    const forwarded = downstream.requests
      .filter((r) => r.path === '/v1/traces')
      .flatMap((r) => decode(r.body).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
    expect(forwarded).toHaveLength(75);
    const attrs = forwarded.map((s) => toAttributes(s.attributes));
    const acme = attrs.filter((a) => a['tenant.id'] === 'acme');
    expect(acme).toHaveLength(40);
    for (const a of acme) {
      expect(a).toMatchObject({
        'cost.tenant': 'acme',
        'cost.team': 'payments',
        'cost.attribution': 'rule',
        'cost.sku': ['api.requests', 'network.egress_gb', 'compute.gb_s'],
        'cost.currency': 'USD',
      });
    }
    expect(attrs.filter((a) => a['cost.tenant'] === 'unknown')).toHaveLength(10);
    expect(downstream.requests.filter((r) => r.path === '/v1/metrics').length).toBeGreaterThanOrEqual(2);
  });

  it('writes the costliest spans as exemplars and the version change as a deploy', async () => {
    const ex = await influx.query(
      `SELECT "trace_id", "amount_nano" FROM "cost_exemplar" WHERE "tenant" = 'acme' AND "sku" = 'network.egress_gb'`,
      'serve_a',
    );
    const values = ex.results[0]?.series?.[0]?.values ?? [];
    expect(values.length).toBe(5);
    for (const v of values) {
      expect(child.traceIds).toContain(v[1]);
      expect(v[2]).toBe(45_000);
    }
    const ev = await influx.query(
      `SELECT "version", "previous_version" FROM "cost_event" WHERE "kind" = 'deploy'`,
      'serve_a',
    );
    expect(ev.results[0]?.series?.[0]?.values.map((v) => v.slice(1))).toEqual([['1.1.0', '1.0.0']]);
  });
});

describe('meterline serve self-telemetry', () => {
  it('exports accepted, rejected and deduped counts, WAL size and write latency, and writes ingest lag', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    const service = await MeterlineService.start({
      config: serviceConfig('serve_telemetry', false),
      logger,
      meter: provider.getMeter('test'),
    });
    services.push(service);
    const now = BigInt(Date.now()) * 1_000_000n;
    const mk = (id: number, traceByte = 1) => ({
      traceId: new Uint8Array(16).fill(traceByte),
      spanId: Uint8Array.from([0, 0, 0, 0, 0, 0, 0, id]),
      name: 'GET /',
      kind: 2,
      startTimeUnixNano: toNanos(now - 1_000_000n),
      endTimeUnixNano: toNanos(now),
      attributes: [stringKeyValue('tenant.id', 'acme')],
    });
    // 3 valid spans and one with an all-zero trace id (rejected); then the same request again (deduped).
    const body = encodeTracesProtobuf({
      resourceSpans: [
        { resource: { attributes: [] }, scopeSpans: [{ spans: [mk(1), mk(2), mk(3), mk(4, 0)] }] },
      ],
    });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${service.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
      });
      expect(res.status).toBe(200);
    }
    await service.flush();
    await reader.forceFlush();
    const metrics = new Map(
      exporter
        .getMetrics()
        .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
        .map((m) => [m.descriptor.name, m.dataPoints.at(-1)?.value]),
    );
    expect(metrics.get('meterline.serve.requests')).toBe(2);
    expect(metrics.get('meterline.serve.items.accepted')).toBe(6);
    expect(metrics.get('meterline.serve.items.rejected')).toBe(2);
    expect(metrics.get('meterline.serve.items.deduped')).toBe(3);
    expect(metrics.get('meterline.serve.wal.size')).toBeGreaterThan(body.length);
    expect(
      (metrics.get('meterline.serve.influx.write.duration') as { count: number }).count,
    ).toBeGreaterThanOrEqual(1);
    const lag = await influx.query(
      `SELECT "value" FROM "cost_signal" WHERE "signal" = 'ingest_lag_s'`,
      'serve_telemetry',
    );
    const values = lag.results[0]?.series?.[0]?.values ?? [];
    expect(values.length).toBeGreaterThanOrEqual(1);
    expect(values.at(-1)?.[1]).toBeGreaterThanOrEqual(0);
    await provider.shutdown();
  });
});

describe('meterline serve with a downstream that never answers', () => {
  it('keeps pricing and acknowledging: forwarding waits in its own queue', async () => {
    const hanging: ServerResponse[] = [];
    const stuck = createServer((_req, res) => void hanging.push(res)); // never answers
    await new Promise<void>((r) => stuck.listen(0, '127.0.0.1', r));
    const port = (stuck.address() as AddressInfo).port;
    const config = serviceConfig('serve_stuck', false);
    config.forward = [
      {
        endpoint: `http://127.0.0.1:${port}`,
        signals: ['traces', 'metrics'],
        headers: {},
        timeoutMs: 60_000,
      },
    ];
    const service = await MeterlineService.start({ config, logger });
    services.push(service);
    const now = BigInt(Date.now()) * 1_000_000n;
    for (let r = 0; r < 20; r++) {
      const spans = Array.from({ length: 10 }, (_, i) => ({
        traceId: new Uint8Array(16).fill(r + 1),
        spanId: Uint8Array.from([0, 0, 0, 0, 0, 0, 1, i + 1]),
        name: 'GET /',
        kind: 2,
        startTimeUnixNano: toNanos(now - 1_000_000n),
        endTimeUnixNano: toNanos(now),
        attributes: [stringKeyValue('tenant.id', 'acme')],
      }));
      const res = await fetch(`${service.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: encodeTracesProtobuf({
          resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans }] }],
        }),
      });
      expect(res.status).toBe(200);
    }
    // All 20 were acknowledged; the downstream gets the first forwarded requests and never answers them.
    for (const end = Date.now() + 10_000; hanging.length === 0 && Date.now() < end;)
      await new Promise((r) => setTimeout(r, 20));
    expect(hanging.length).toBeGreaterThanOrEqual(1);
    expect(hanging.every((res) => !res.writableEnded)).toBe(true);
    await service.flush();
    const sum = await influx.query(`SELECT SUM("amount_nano") FROM "cost"`, 'serve_stuck');
    // 200 spans: a request each (400 nano-USD) and 1 ms × 1 GB × 0.0000166667 (16.6667 nano-USD; 3 333.34 in all → 3 333)
    expect(BigInt(sum.results[0]?.series?.[0]?.values[0]?.[1] as number)).toBe(200n * 400n + 3_333n);
    // The forwarding thread reports its counters every 25 ms.
    for (const end = Date.now() + 5_000; service.forwardStats.queued === 0 && Date.now() < end;)
      await new Promise((r) => setTimeout(r, 20));
    expect(service.forwardStats.queued).toBeGreaterThan(0);
    for (const res of hanging) res.destroy();
    stuck.closeAllConnections();
    await new Promise<void>((r) => stuck.close(() => r()));
  });
});

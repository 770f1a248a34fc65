/**
 * The in-process instrumentation against the REAL OpenTelemetry JS SDK: NodeTracerProvider and NodeSDK with
 * real span processors and context propagation, and the cost metrics exported by the real OTLP/HTTP (JSON)
 * metric exporter to a local receiver. Amounts are checked against hand-computed exact decimals.
 */
import {
  type Attributes,
  type Context,
  SpanKind,
  SpanStatusCode,
  context,
  metrics,
  propagation,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CBaggagePropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemoryMetricExporter,
  AggregationTemporality,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  NodeTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { validateConfig, type MeterlineConfig } from '@meterline/cost-model';
import { runChildScript, startCaptureServer } from '../support/child-exporter';
import {
  CostSpanProcessor,
  createCostMetrics,
  meterlineSpanProcessors,
  meterlineViews,
} from '../../otel-processor/src/instrument';

const T2024 = Date.parse('2024-06-01T12:00:00Z');
const NEW_YEAR = Date.parse('2025-01-01T00:00:00Z');

/** The raw `meterline.yaml` content (also handed to the child process of the OTLP test). */
const RAW_CONFIG = {
  catalog: {
    baseCurrency: 'USD',
    skus: [
      {
        id: 'api.requests',
        unit: 'request',
        prices: [
          {
            effectiveFrom: '2024-01-01T00:00:00Z',
            currency: 'USD',
            unitPrice: '0.0000004',
            version: 'req-2024',
          },
          {
            effectiveFrom: '2025-01-01T00:00:00Z',
            currency: 'USD',
            unitPrice: '0.0000005',
            version: 'req-2025',
          },
        ],
      },
      {
        id: 'compute.gb_s',
        unit: 'GB-s',
        prices: [
          {
            effectiveFrom: '2024-01-01T00:00:00Z',
            currency: 'USD',
            unitPrice: '0.0000166667',
            version: 'gbs-2024',
          },
        ],
      },
      {
        // validateConfig refuses SKU rules naming SKUs missing from the catalog, so "unknown" in practice
        // means no price in force yet at the span's end time.
        id: 'beta.feature',
        unit: 'call',
        prices: [{ effectiveFrom: '2030-01-01T00:00:00Z', currency: 'USD', unitPrice: '0.01' }],
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
      id: 'compute',
      sku: 'compute.gb_s',
      match: { signal: 'span', names: ['handler', 'POST /upload'] },
      quantity: { type: 'duration_memory', memoryAttribute: 'faas.max_memory', memoryUnit: 'MB' },
    },
    {
      id: 'mystery',
      sku: 'beta.feature',
      match: { signal: 'span', names: ['mystery'] },
      quantity: { type: 'count' },
    },
  ],
  attribution: {
    rules: [
      {
        id: 'acme',
        match: [{ key: 'tenant.id', equals: 'acme' }],
        set: { tenant: { from: 'tenant.id' }, team: 'team-acme', center: 'cc-100' },
      },
      {
        id: 'any-tenant',
        match: [{ key: 'tenant.id', exists: true }],
        set: { tenant: { from: 'tenant.id' } },
      },
    ],
    fallbacks: [
      {
        key: 'k8s.namespace.name',
        source: 'resource',
        map: { checkout: { team: 'payments', center: 'cc-200' } },
      },
    ],
  },
};

function testConfig(): MeterlineConfig {
  return validateConfig(RAW_CONFIG);
}

const RESOURCE = resourceFromAttributes({ 'service.name': 'orders-api', 'k8s.namespace.name': 'checkout' });

/** Baggage carrying a tenant, in a context derived from `parent`. */
function withTenantBaggage(tenant: string, parent: Context = context.active()): Context {
  return propagation.setBaggage(parent, propagation.createBaggage({ 'tenant.id': { value: tenant } }));
}

function byName(spans: ReadableSpan[], name: string): Attributes {
  const span = spans.find((s) => s.name === name);
  if (span === undefined)
    throw new Error(`no finished span named ${name}; got ${spans.map((s) => s.name).join(', ')}`);
  return span.attributes;
}

function cleanupGlobals(): void {
  trace.disable();
  context.disable();
  propagation.disable();
  metrics.disable();
}

describe('CostSpanProcessor in a registered NodeTracerProvider', () => {
  const exporter = new InMemorySpanExporter();
  let provider: NodeTracerProvider;

  beforeAll(() => {
    provider = new NodeTracerProvider({
      resource: RESOURCE,
      spanProcessors: [...meterlineSpanProcessors(testConfig()), new BatchSpanProcessor(exporter)],
    });
    // AsyncLocalStorage context manager and W3C trace-context + baggage propagators.
    provider.register();
  });

  afterAll(async () => {
    await provider?.shutdown();
    cleanupGlobals();
  });

  async function finished(): Promise<ReadableSpan[]> {
    await provider.forceFlush();
    return exporter.getFinishedSpans();
  }

  it('attributes by a matching rule and prices a count SKU exactly at the price in force', async () => {
    const tracer = trace.getTracer('test');
    tracer
      .startSpan('GET /orders', {
        kind: SpanKind.SERVER,
        startTime: T2024,
        attributes: { 'tenant.id': 'acme' },
      })
      .end(T2024 + 25);
    const a = byName(await finished(), 'GET /orders');
    expect(a).toMatchObject({
      'cost.tenant': 'acme',
      'cost.team': 'team-acme',
      'cost.center': 'cc-100',
      'cost.attribution': 'rule',
      'cost.rule': 'acme',
      'cost.sku': 'api.requests',
      'cost.quantity': 1,
      'cost.unit': 'request',
      'cost.amount': '0.0000004',
      'cost.currency': 'USD',
      'cost.price_version': 'req-2024',
    });
  });

  it('takes the tenant from W3C baggage of the active context, the team from the resource fallback', async () => {
    const tracer = trace.getTracer('test');
    await context.with(withTenantBaggage('globex'), async () => {
      await Promise.resolve(); // across an await: AsyncLocalStorage keeps the context
      tracer.startSpan('GET /carts', { kind: SpanKind.SERVER, startTime: T2024 }).end(T2024 + 5);
    });
    const a = byName(await finished(), 'GET /carts');
    expect(a).toMatchObject({
      'cost.tenant': 'globex',
      'cost.team': 'payments',
      'cost.center': 'cc-200',
      'cost.attribution': 'rule',
      'cost.rule': 'any-tenant',
      'cost.amount': '0.0000004',
    });
    expect(a['tenant.id']).toBeUndefined(); // baggage is read, not copied into the span
  });

  it('falls back to the team of the k8s namespace on the resource when no rule matches', async () => {
    trace
      .getTracer('test')
      .startSpan('GET /health', { kind: SpanKind.SERVER, startTime: T2024 })
      .end(T2024 + 1);
    expect(byName(await finished(), 'GET /health')).toMatchObject({
      'cost.tenant': 'unknown',
      'cost.team': 'payments',
      'cost.center': 'cc-200',
      'cost.attribution': 'fallback',
      'cost.rule': 'fallback:k8s.namespace.name',
    });
  });

  it('prices GB-s from the span duration and memory: 1.5 s × 1 GB × 0.0000166667 = 0.00002500005', async () => {
    trace
      .getTracer('test')
      .startSpan('handler', { startTime: T2024, attributes: { 'faas.max_memory': 1024 } })
      .end(T2024 + 1500);
    expect(byName(await finished(), 'handler')).toMatchObject({
      'cost.sku': 'compute.gb_s',
      'cost.quantity': 1.5,
      'cost.unit': 'GB-s',
      'cost.amount': '0.00002500005',
      'cost.currency': 'USD',
      'cost.price_version': 'gbs-2024',
    });
  });

  it('switches price version by the span END time, not its start', async () => {
    const tracer = trace.getTracer('test');
    tracer.startSpan('GET /before', { kind: SpanKind.SERVER, startTime: NEW_YEAR - 2000 }).end(NEW_YEAR - 1);
    tracer.startSpan('GET /across', { kind: SpanKind.SERVER, startTime: NEW_YEAR - 500 }).end(NEW_YEAR + 500);
    const spans = await finished();
    expect(byName(spans, 'GET /before')).toMatchObject({
      'cost.amount': '0.0000004',
      'cost.price_version': 'req-2024',
    });
    expect(byName(spans, 'GET /across')).toMatchObject({
      'cost.amount': '0.0000005',
      'cost.price_version': 'req-2025',
    });
  });

  it('carries several SKUs as parallel arrays with the exact total', async () => {
    // 2 s × 512 MB = 1 GB-s: 0.0000004 (request) + 0.0000166667 (GB-s) = 0.0000170667.
    trace
      .getTracer('test')
      .startSpan('POST /upload', {
        kind: SpanKind.SERVER,
        startTime: T2024,
        attributes: { 'faas.max_memory': 512, 'tenant.id': 'acme' },
      })
      .end(T2024 + 2000);
    expect(byName(await finished(), 'POST /upload')).toMatchObject({
      'cost.sku': ['api.requests', 'compute.gb_s'],
      'cost.quantity': [1, 1],
      'cost.unit': ['request', 'GB-s'],
      'cost.price_version': ['req-2024', 'gbs-2024'],
      'cost.amount': '0.0000170667',
      'cost.currency': 'USD',
      'cost.tenant': 'acme',
    });
  });

  it('prices a SKU without a price in force as unknown (0, price version unknown) instead of dropping it', async () => {
    const span = trace.getTracer('test').startSpan('mystery', { startTime: T2024 });
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(T2024 + 10);
    expect(byName(await finished(), 'mystery')).toMatchObject({
      'cost.sku': 'beta.feature',
      'cost.quantity': 1,
      'cost.unit': 'call',
      'cost.amount': '0',
      'cost.currency': 'USD',
      'cost.price_version': 'unknown',
    });
  });

  it('does not price a span twice: a span carrying cost.amount keeps it', async () => {
    trace
      .getTracer('test')
      .startSpan('GET /priced', {
        kind: SpanKind.SERVER,
        startTime: T2024,
        attributes: { 'cost.amount': '1.23', 'cost.sku': 'upstream.sku' },
      })
      .end(T2024 + 3);
    const a = byName(await finished(), 'GET /priced');
    expect(a['cost.amount']).toBe('1.23');
    expect(a['cost.sku']).toBe('upstream.sku');
    expect(a['cost.price_version']).toBeUndefined();
  });

  it('leaves spans no SKU rule matches unpriced (but attributed)', async () => {
    trace
      .getTracer('test')
      .startSpan('internal-work', { startTime: T2024 })
      .end(T2024 + 3);
    const a = byName(await finished(), 'internal-work');
    expect(a['cost.amount']).toBeUndefined();
    expect(a['cost.attribution']).toBe('fallback');
  });
});

describe('without attribution inputs', () => {
  it('attributes everything to unknown', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'lonely' }),
      spanProcessors: [new CostSpanProcessor(testConfig()), new SimpleSpanProcessor(exporter)],
    });
    provider
      .getTracer('t')
      .startSpan('GET /x', { kind: SpanKind.SERVER, startTime: T2024 })
      .end(T2024 + 1);
    expect(byName(exporter.getFinishedSpans(), 'GET /x')).toMatchObject({
      'cost.tenant': 'unknown',
      'cost.team': 'unknown',
      'cost.center': 'unknown',
      'cost.attribution': 'unknown',
      'cost.rule': 'unknown',
      'cost.amount': '0.0000004',
    });
    await provider.shutdown();
  });
});

describe('CostSpanProcessor in NodeSDK', () => {
  afterEach(cleanupGlobals);

  it('prices spans and records cost metrics through the SDK-built providers', async () => {
    const config = testConfig();
    const spans = new InMemorySpanExporter();
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({
      exporter: metricExporter,
      exportIntervalMillis: 60_000,
    });
    const [cost] = meterlineSpanProcessors(config);
    const sdk = new NodeSDK({
      resource: RESOURCE,
      autoDetectResources: false,
      contextManager: new AsyncLocalStorageContextManager(),
      textMapPropagator: new W3CBaggagePropagator(),
      spanProcessors: [cost, new SimpleSpanProcessor(spans)],
      metricReaders: [reader],
      views: meterlineViews(config, { tenantFromBaggage: ['app.*'] }),
      instrumentations: [],
    });
    sdk.start();
    try {
      // NodeSDK builds the meter provider in start(): attach the cost metrics afterwards.
      cost.useMetrics(createCostMetrics(config, metrics.getMeterProvider()));
      const tracer = trace.getTracer('sdk-test');
      const appCounter = metrics.getMeter('app').createCounter('app.orders');
      context.with(withTenantBaggage('initech'), () => {
        tracer.startSpan('GET /orders', { kind: SpanKind.SERVER, startTime: T2024 }).end(T2024 + 7);
        appCounter.add(2);
      });
      expect(byName(spans.getFinishedSpans(), 'GET /orders')).toMatchObject({
        'cost.tenant': 'initech',
        'cost.amount': '0.0000004',
        'cost.price_version': 'req-2024',
      });
      await reader.forceFlush();
      const exported = metricExporter
        .getMetrics()
        .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
      const usage = exported.find((m) => m.descriptor.name === 'meterline.usage.request');
      expect(usage?.dataPoints).toEqual([
        expect.objectContaining({
          value: 1,
          attributes: expect.objectContaining({ 'cost.tenant': 'initech' }),
        }),
      ]);
      // The tenant-from-baggage View put the tenant on the application's own counter.
      const orders = exported.find((m) => m.descriptor.name === 'app.orders');
      expect(orders?.dataPoints).toEqual([
        expect.objectContaining({ value: 2, attributes: { 'cost.tenant': 'initech' } }),
      ]);
    } finally {
      await sdk.shutdown();
    }
  });
});

// ------------------------------------------------------------------ OTLP/HTTP export of the cost metrics

interface OtlpKeyValue {
  key: string;
  value: { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number };
}
interface OtlpNumberPoint {
  attributes?: OtlpKeyValue[];
  asDouble?: number;
  asInt?: string | number;
}
interface OtlpMetric {
  name: string;
  unit?: string;
  sum?: { dataPoints: OtlpNumberPoint[]; isMonotonic?: boolean; aggregationTemporality?: number };
}
interface OtlpMetricsRequest {
  resourceMetrics: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeMetrics: { metrics: OtlpMetric[] }[];
  }[];
}

function attrs(kvs: OtlpKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries(
    (kvs ?? []).map((kv) => [kv.key, kv.value.stringValue ?? kv.value.boolValue ?? kv.value.intValue]),
  );
}

function pointValue(p: OtlpNumberPoint): number {
  return p.asDouble ?? Number(p.asInt);
}

/**
 * Runs in a child Node process: the OTLP/HTTP exporter loads `http` with a dynamic `import()`, which jest's
 * module VM refuses without `--experimental-vm-modules`. The child is plain Node with the real SDK and exporter.
 */
const OTLP_CHILD = `
const { ROOT_CONTEXT, SpanKind, propagation } = require('@opentelemetry/api');
const { W3CBaggagePropagator } = require('@opentelemetry/core');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { validateConfig } = require('@meterline/cost-model');
const { registerMeterline } = require('./otel-processor/src/instrument/index.ts');
propagation.setGlobalPropagator(new W3CBaggagePropagator());
const T = Number(process.env.T2024);
const spans = new InMemorySpanExporter();
const meterline = registerMeterline({
  config: validateConfig(JSON.parse(process.env.METERLINE_CONFIG)),
  resource: resourceFromAttributes({ 'service.name': 'orders-api', 'k8s.namespace.name': 'checkout' }),
  tracerProvider: { spanProcessors: [new SimpleSpanProcessor(spans)] },
  otlpMetricsUrl: process.env.OTLP_URL,
  exportIntervalMillis: 60000,
  registerGlobal: false,
});
const tracer = meterline.tracerProvider.getTracer('otlp-test');
for (let i = 0; i < 3; i++) {
  tracer.startSpan('GET /orders', { kind: SpanKind.SERVER, startTime: T, attributes: { 'tenant.id': 'acme' } }).end(T + 10);
}
// Explicit parent context: the tenant comes from baggage only.
const bag = propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage({ 'tenant.id': { value: 'globex' } }));
for (let i = 0; i < 2; i++) tracer.startSpan('GET /carts', { kind: SpanKind.SERVER, startTime: T }, bag).end(T + 10);
tracer.startSpan('handler', { startTime: T, attributes: { 'faas.max_memory': 1024, 'tenant.id': 'acme' } }).end(T + 1500);
const finished = spans.getFinishedSpans().map((s) => s.attributes);
meterline.forceFlush()
  .then(() => meterline.shutdown())
  .then(() => console.log(JSON.stringify(finished)))
  .catch((err) => { console.error(err); process.exit(1); });
`;

describe('cost metrics over OTLP/HTTP JSON (registerMeterline, real OTLPMetricExporter)', () => {
  it('exports meterline.cost and meterline.usage.* with attribution, including the baggage-borne tenant', async () => {
    const receiver = await startCaptureServer();
    try {
      const child = await runChildScript(OTLP_CHILD, {
        OTLP_URL: `${receiver.url}/v1/metrics`,
        METERLINE_CONFIG: JSON.stringify(RAW_CONFIG),
        T2024: String(T2024),
      });
      expect({ code: child.code, stderr: child.stderr }).toEqual({ code: 0, stderr: '' });
      const spanAttributes = JSON.parse(child.stdout) as Attributes[];
      expect(spanAttributes).toHaveLength(6);
      expect(spanAttributes.filter((a) => a['cost.tenant'] === 'globex')).toHaveLength(2);

      const metricRequests = receiver.requests.filter((r) => r.path === '/v1/metrics');
      const bodies = metricRequests.map((r) => JSON.parse(r.body.toString('utf8')) as OtlpMetricsRequest);
      expect(bodies.length).toBeGreaterThan(0);
      expect(metricRequests[0]!.contentType).toContain('application/json');
      // Cumulative temporality: the last export holds the totals.
      const last = bodies[bodies.length - 1]!;
      const rm = last.resourceMetrics[0]!;
      expect(attrs(rm.resource?.attributes)['service.name']).toBe('orders-api');
      const all = rm.scopeMetrics.flatMap((sm) => sm.metrics);
      const metric = (name: string): OtlpMetric => {
        const m = all.find((x) => x.name === name);
        if (m === undefined)
          throw new Error(`metric ${name} not exported; got ${all.map((x) => x.name).join(', ')}`);
        return m;
      };
      const point = (m: OtlpMetric, tenant: string, sku?: string): OtlpNumberPoint => {
        const p = m.sum?.dataPoints.find(
          (d) =>
            attrs(d.attributes)['cost.tenant'] === tenant &&
            (sku === undefined || attrs(d.attributes)['cost.sku'] === sku),
        );
        if (p === undefined) throw new Error(`no ${m.name} point for tenant ${tenant} ${sku ?? ''}`);
        return p;
      };

      const cost = metric('meterline.cost');
      expect(cost.unit).toBe('{USD}');
      expect(cost.sum?.isMonotonic).toBe(true);
      expect(cost.sum?.dataPoints).toHaveLength(3); // acme × 2 SKUs, globex × 1
      expect(attrs(point(cost, 'acme', 'api.requests').attributes)).toEqual({
        'cost.tenant': 'acme',
        'cost.team': 'team-acme',
        'cost.center': 'cc-100',
        'cost.attribution': 'rule',
        'cost.sku': 'api.requests',
        'cost.currency': 'USD',
      });
      expect(pointValue(point(cost, 'acme', 'api.requests'))).toBeCloseTo(0.0000012, 18); // 3 × 0.0000004
      expect(pointValue(point(cost, 'acme', 'compute.gb_s'))).toBeCloseTo(0.00002500005, 18); // 1.5 GB-s
      expect(pointValue(point(cost, 'globex'))).toBeCloseTo(0.0000008, 18); // 2 × 0.0000004, tenant from baggage
      expect(attrs(point(cost, 'globex').attributes)).toMatchObject({
        'cost.team': 'payments',
        'cost.attribution': 'rule',
      });

      const requests = metric('meterline.usage.request');
      expect(requests.unit).toBe('{request}');
      expect(pointValue(point(requests, 'acme'))).toBe(3);
      expect(pointValue(point(requests, 'globex'))).toBe(2);
      expect(attrs(point(requests, 'acme').attributes)['cost.unit']).toBe('request');
      const gbs = metric('meterline.usage.gb_s');
      expect(gbs.unit).toBe('GBy.s');
      expect(pointValue(point(gbs, 'acme'))).toBe(1.5);
    } finally {
      await receiver.close();
    }
  });
});

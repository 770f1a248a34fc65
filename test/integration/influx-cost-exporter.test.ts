/**
 * The in-process path end to end with real parts: the OpenTelemetry SDK with `CostSpanProcessor` prices
 * spans, `InfluxCostExporter` rolls them up per (series, minute) and writes them to a real influxd, and
 * InfluxQL reads back sums that are exact in nano-units.
 */
import { SpanKind, propagation, context, ROOT_CONTEXT } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { validateConfig } from '@meterline/cost-model';
import {
  CostSpanProcessor,
  InfluxCostExporter,
  compileMeterline,
  createInfluxStore,
} from '@meterline/otel-processor';
import type { InfluxStore } from '@meterline/otel-processor';
import { startInfluxDB, type InfluxInstance } from '../support/influxdb';

const T0 = Date.UTC(2026, 10, 2, 10, 0, 0); // 2026-11-02T10:00:00Z, a minute boundary

const config = validateConfig({
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
        prices: [
          { effectiveFrom: '2026-01-01T00:00:00Z', currency: 'USD', unitPrice: '0.09' },
          // the price changes one minute into the test traffic
          {
            effectiveFrom: '2026-11-02T10:01:00Z',
            currency: 'USD',
            unitPrice: '0.085',
            version: 'egress-cut',
          },
        ],
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
  ],
  attribution: {
    rules: [
      { id: 'tenant', match: [{ key: 'tenant.id', source: 'any' }], set: { tenant: { from: 'tenant.id' } } },
    ],
    fallbacks: [
      { key: 'service.name', source: 'resource', map: { checkout: { team: 'payments', center: 'cc-100' } } },
    ],
  },
});

let influx: InfluxInstance;
let store: InfluxStore;

beforeAll(async () => {
  influx = await startInfluxDB();
  store = createInfluxStore({
    url: influx.url,
    database: 'exporter_test',
    batchSize: 5000,
    timeoutMs: 10_000,
  });
  await store.ensureReady();
});

afterAll(async () => {
  await store?.close();
  await influx?.stop();
});

/** Sends `n` server spans, 100 ms apart from `start`, for `tenant` (via baggage), each 1 MB out. */
function sendSpans(provider: NodeTracerProvider, n: number, start: number, tenant: string | undefined): void {
  const tracer = provider.getTracer('test');
  let ctx = ROOT_CONTEXT;
  if (tenant)
    ctx = propagation.setBaggage(ctx, propagation.createBaggage({ 'tenant.id': { value: tenant } }));
  for (let i = 0; i < n; i++) {
    const at = start + i * 100;
    const span = tracer.startSpan('GET /api', { kind: SpanKind.SERVER, startTime: at - 20 }, ctx);
    span.setAttribute('http.response.body.size', 1_000_000);
    span.end(at);
  }
}

async function sumBy(tag: string): Promise<Map<string, bigint>> {
  const res = await influx.query(
    `SELECT SUM("amount_nano") AS s FROM "cost" WHERE time >= ${T0 - 3_600_000}ms GROUP BY "${tag}"`,
    'exporter_test',
  );
  const out = new Map<string, bigint>();
  for (const series of res.results[0]?.series ?? []) {
    out.set(series.tags?.[tag] ?? '', BigInt(series.values[0]?.[1] as number));
  }
  return out;
}

describe('InfluxCostExporter with the real SDK and a real InfluxDB', () => {
  it('writes exact per-minute rollups, one point per (series, minute), with price versions by time', async () => {
    const meterline = compileMeterline(config);
    let now = T0;
    const exporter = new InfluxCostExporter({ store, catalog: meterline.catalog, now: () => now });
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.version': '1.0.0' }),
      spanProcessors: [
        new CostSpanProcessor(meterline),
        new BatchSpanProcessor(exporter, { maxExportBatchSize: 256 }),
      ],
    });
    await context.with(ROOT_CONTEXT, async () => {
      sendSpans(provider, 1200, T0 + 100, 'acme'); // 10:00:00.1 … 10:02:00.0, across three minutes
      sendSpans(provider, 300, T0 + 150, 'globex'); // 10:00:00.15 … 10:00:30.05
      sendSpans(provider, 50, T0 + 170, undefined); // nobody's
    });
    now = T0 + 3 * 60_000;
    await provider.forceFlush();
    await exporter.shutdown();
    expect(exporter.stats.failedWrites).toBe(0);
    expect(exporter.stats.late).toBe(0);

    // Hand-computed: a request is 400 nano-USD; 1 MB out is 0.001 GB × 0.09 = 90_000 nano-USD before
    // 10:01:00 and × 0.085 = 85_000 nano-USD from 10:01:00 on (span ends at T0 + 100·(i+1)).
    // acme: ends at T0+100 … T0+120000; those < T0+60000 are i = 0..598 (599 spans), the rest 601.
    const acme = 1200n * 400n + 599n * 90_000n + 601n * 85_000n;
    const globex = 300n * 400n + 300n * 90_000n;
    const nobody = 50n * 400n + 50n * 90_000n;
    const byTenant = await sumBy('tenant');
    expect(byTenant.get('acme')).toBe(acme);
    expect(byTenant.get('globex')).toBe(globex);
    expect(byTenant.get('unknown')).toBe(nobody);

    // Fallback gave every span a team; the unattributed spans still count (attribution=fallback, not dropped).
    const byTeam = await sumBy('team');
    expect(byTeam.get('payments')).toBe(acme + globex + nobody);
    const byAttribution = await sumBy('attribution');
    expect(byAttribution.get('rule')).toBe(acme + globex);
    expect(byAttribution.get('fallback')).toBe(nobody);

    // At most one point per (series, minute): 3 tenants × 2 SKUs, acme spanning 3 minutes (the 10:02
    // bucket holds acme's last span only).
    const count = await influx.query(
      `SELECT COUNT("amount_nano") FROM "cost" WHERE time >= ${T0 - 3_600_000}ms GROUP BY "tenant", "sku"`,
      'exporter_test',
    );
    const points = new Map(
      (count.results[0]?.series ?? []).map((s) => [`${s.tags?.tenant}/${s.tags?.sku}`, s.values[0]?.[1]]),
    );
    expect(points.get('acme/api.requests')).toBe(3);
    expect(points.get('acme/network.egress_gb')).toBe(3);
    expect(points.get('globex/api.requests')).toBe(1);

    // The price version is recorded per bucket.
    const versions = await influx.query(
      `SELECT "price_version" FROM "cost" WHERE "sku" = 'network.egress_gb' AND "tenant" = 'acme' AND time >= ${T0 - 3_600_000}ms`,
      'exporter_test',
    );
    const vs = (versions.results[0]?.series?.[0]?.values ?? []).map((v) => v[1]);
    expect(vs).toEqual(['network.egress_gb@2026-01-01T00:00:00.000Z', 'egress-cut', 'egress-cut']);
    await provider.shutdown();
  });

  it('a failed write loses nothing and a retried write does not double count', async () => {
    const meterline = compileMeterline(config);
    const T1 = T0 + 3_600_000;
    let failNext = true;
    const flaky: InfluxStore = {
      ...store,
      write: async (lines) => {
        if (failNext) {
          failNext = false;
          // The points land, but the caller is told the write failed (a timeout after the server wrote).
          await store.write(lines);
          throw new Error('simulated timeout after the write landed');
        }
        return store.write(lines);
      },
    };
    const exporter = new InfluxCostExporter({ store: flaky, catalog: meterline.catalog, now: () => T1 });
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout' }),
      spanProcessors: [new CostSpanProcessor(meterline), new BatchSpanProcessor(exporter)],
    });
    sendSpans(provider, 10, T1 + 100, 'initech');
    await provider.forceFlush().catch(() => undefined);
    await exporter.forceFlush(); // writes the same totals again
    sendSpans(provider, 10, T1 + 2000, 'initech');
    await provider.forceFlush();
    await exporter.shutdown();
    expect(exporter.stats.failedWrites).toBe(1);
    const res = await influx.query(
      `SELECT SUM("amount_nano") FROM "cost" WHERE "tenant" = 'initech' AND time >= ${T1 - 60_000}ms`,
      'exporter_test',
    );
    expect(BigInt(res.results[0]?.series?.[0]?.values[0]?.[1] as number)).toBe(20n * 400n + 20n * 85_000n); // after the 10:01 price cut
    await provider.shutdown();
  });
});

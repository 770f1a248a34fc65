import { validateConfig } from '@meterline/cost-model';
import { compileMeterline } from '../instrument/compile';
import {
  intKeyValue,
  stringKeyValue,
  toNanos,
  type MetricsRequest,
  type Span,
  type TracesRequest,
} from '../otlp/model';
import { CostEngine, type LineEncoder } from './cost-engine';
import { expandSpanCostRecords } from './span-cost-records';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 2, 10, 0, 0);

const config = validateConfig({
  catalog: {
    skus: [
      {
        id: 'req',
        unit: 'request',
        prices: [{ effectiveFrom: '2026-01-01T00:00:00Z', currency: 'USD', unitPrice: '0.0000004' }],
      },
      {
        id: 'store',
        unit: 'GB-h',
        prices: [{ effectiveFrom: '2026-01-01T00:00:00Z', currency: 'USD', unitPrice: '0.5' }],
      },
      {
        id: 'calls',
        unit: 'call',
        prices: [{ effectiveFrom: '2026-01-01T00:00:00Z', currency: 'USD', unitPrice: '0.001' }],
      },
      {
        id: 'lat',
        unit: 'request',
        prices: [{ effectiveFrom: '2026-01-01T00:00:00Z', currency: 'USD', unitPrice: '0.01' }],
      },
    ],
  },
  skus: [
    { id: 'r', sku: 'req', match: { signal: 'span', kinds: ['server'] }, quantity: { type: 'count' } },
    {
      id: 's',
      sku: 'store',
      match: { signal: 'metric', names: ['storage.bytes'] },
      quantity: { type: 'gauge_integral', per: 3600, scale: '0.000000001' },
    },
    { id: 'c', sku: 'calls', match: { signal: 'metric', names: ['app.calls'] }, quantity: { type: 'sum' } },
    {
      id: 'h',
      sku: 'lat',
      match: { signal: 'metric', names: ['http.duration'] },
      quantity: { type: 'histogram_count' },
    },
  ],
  attribution: {
    rules: [
      { id: 't', match: [{ key: 'tenant.id', source: 'any' }], set: { tenant: { from: 'tenant.id' } } },
    ],
  },
});

/** Captures what a flush would write, as plain data. */
const capture: LineEncoder = {
  cost: (rows) =>
    rows.map((r) => `cost ${r.tags.tenant} ${r.tags.sku} ${r.bucketMs} ${r.amountNano} ${r.events}`),
  exemplars: (ex) => ex.map((e) => `exemplar ${e.tenant} ${e.sku} ${e.spanId} ${e.amountNano}`),
  deploys: (ev) => ev.map((e) => `deploy ${e.service} ${e.previousVersion}->${e.version}`),
};

let nextId = 1;
function span(endMs: number, tenant: string, id = nextId++): Span {
  return {
    traceId: Uint8Array.from({ length: 16 }, (_, i) => (i === 15 ? id & 0xff : i === 14 ? id >> 8 : 1)),
    spanId: Uint8Array.from({ length: 8 }, (_, i) => (i === 7 ? id & 0xff : i === 6 ? id >> 8 : 2)),
    name: 'GET /',
    kind: 2,
    startTimeUnixNano: toNanos(BigInt(endMs - 10) * 1_000_000n),
    endTimeUnixNano: toNanos(BigInt(endMs) * 1_000_000n),
    attributes: [stringKeyValue('tenant.id', tenant)],
  };
}

function traces(spans: Span[], version = '1.0.0'): TracesRequest {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [stringKeyValue('service.name', 'api'), stringKeyValue('service.version', version)],
        },
        scopeSpans: [{ spans }],
      },
    ],
  };
}

function engine(): CostEngine {
  return new CostEngine({ meterline: compileMeterline(config), latenessMs: 5 * MIN });
}

/** All cost lines of a flush, sorted, after confirming it. */
function flushAll(e: CostEngine): string[] {
  const f = e.flush(capture, e.clockMs - 5 * MIN);
  e.confirm(f.token);
  return f.lines.filter((l) => l.startsWith('cost')).sort();
}

describe('CostEngine', () => {
  it('writes the collected cost.* records into a recycled buffer when one is big enough', () => {
    const e = engine();
    const first = e.applyTraces(traces([span(T0, 'acme'), span(T0 + 1, 'globex')]), T0 + 10, true).added!;
    const expanded = expandSpanCostRecords(first);
    const expected = Buffer.from(expanded.records).toString('hex');
    expect(first.spans).toBe(2);
    expect(first.ops.length).toBeGreaterThan(0);
    expect(expanded.records.byteLength).toBeGreaterThan(0);
    // Too small: ignored. Big enough: the next request's records are written into it.
    e.recycleRecords(new ArrayBuffer(1));
    const spare = new ArrayBuffer(1 << 20);
    e.recycleRecords(spare);
    const second = e.applyTraces(
      traces([span(T0, 'acme', 9001), span(T0 + 1, 'globex', 9002)]),
      T0 + 20,
      true,
    );
    expect(second.added!.ops.buffer).toBe(spare);
    const again = expandSpanCostRecords(second.added!);
    expect([...again.lengths]).toEqual([...expanded.lengths]);
    // Same tenants and prices, other ids: the same records (ids are not among them).
    expect(Buffer.from(again.records).toString('hex')).toBe(expected);
    const third = e.applyTraces(traces([span(T0, 'acme', 9003)]), T0 + 30, true);
    expect(third.added!.ops.buffer).not.toBe(spare);
  });

  it('rolls spans up per (tenant, minute) exactly and dedupes retried spans', () => {
    const e = engine();
    const spans = [
      span(T0 + 1_000, 'acme'),
      span(T0 + 2_000, 'acme'),
      span(T0 + MIN + 5, 'acme'),
      span(T0 + 3_000, 'beta'),
    ];
    const first = e.applyTraces(traces(spans), T0 + 2 * MIN);
    expect(first).toMatchObject({ items: 4, deduped: 0, usages: 4, late: 0 });
    const retry = e.applyTraces(traces(spans), T0 + 2 * MIN + 10);
    expect(retry).toMatchObject({ items: 4, deduped: 4, usages: 0 });
    expect(flushAll(e)).toEqual([
      `cost acme req ${T0} 800 2`,
      `cost acme req ${T0 + MIN} 400 1`,
      `cost beta req ${T0} 400 1`,
    ]);
  });

  it('folds items older than the lateness window into the oldest open bucket, and counts them', () => {
    const e = engine();
    const recv = T0 + 20 * MIN;
    const r = e.applyTraces(traces([span(T0, 'acme')]), recv);
    expect(r.late).toBe(1);
    expect(flushAll(e)).toEqual([`cost acme req ${recv - 5 * MIN} 400 1`]);
  });

  it('rewrites a bucket as its new total after more data arrives, and only changed cells', () => {
    const e = engine();
    e.applyTraces(traces([span(T0 + 1, 'acme'), span(T0 + 2, 'beta')]), T0 + MIN);
    expect(flushAll(e)).toHaveLength(2);
    e.applyTraces(traces([span(T0 + 3, 'acme')]), T0 + MIN);
    expect(flushAll(e)).toEqual([`cost acme req ${T0} 800 2`]);
    expect(flushAll(e)).toEqual([]);
  });

  it('continues exactly from a snapshot: same output as an engine that never stopped', () => {
    const batches = [0, 1, 2, 3].map((k) =>
      traces([span(T0 + k * 20_000, 'acme'), span(T0 + k * 20_000 + 1, 'beta')]),
    );
    const metrics = (t: number, v: number): MetricsRequest => ({
      resourceMetrics: [
        {
          resource: { attributes: [stringKeyValue('service.name', 'api')] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'app.calls',
                  sum: {
                    aggregationTemporality: 2,
                    isMonotonic: true,
                    dataPoints: [
                      {
                        attributes: [stringKeyValue('tenant.id', 'acme')],
                        startTimeUnixNano: toNanos(BigInt(T0) * 1_000_000n),
                        timeUnixNano: toNanos(BigInt(t) * 1_000_000n),
                        asDouble: v,
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    const steady = engine();
    const restarted = engine();
    const apply = (e: CostEngine, i: number) => {
      e.applyTraces(batches[i]!, T0 + MIN + i);
      e.applyMetrics(metrics(T0 + i * 10_000, 10 * (i + 1)), T0 + MIN + i);
    };
    for (let i = 0; i < 4; i++) apply(steady, i);
    apply(restarted, 0);
    apply(restarted, 1);
    const snapshot = restarted.snapshot();
    const resumed = engine();
    resumed.restore(snapshot);
    apply(resumed, 2);
    apply(resumed, 3);
    // A retry of an already-applied batch after the restart is still a duplicate.
    expect(resumed.applyTraces(batches[1]!, T0 + MIN + 5).deduped).toBe(2);
    const expected = flushAll(steady);
    expect(flushAll(resumed)).toEqual(expected);
    // Cumulative 10, 20, 30, 40: the first is a baseline, then three deltas of 10 calls × 0.001 USD.
    expect(expected).toContain(`cost acme calls ${T0} 30000000 3`);
    expect(expected).toContain(`cost acme req ${T0} 1200 3`); // the fourth batch ends at T0 + 60 s: next minute
    expect(expected).toContain(`cost acme req ${T0 + MIN} 400 1`);
  });

  it('integrates gauges over time and prices histogram counts', () => {
    const e = engine();
    const gauge = (t: number, bytes: number): MetricsRequest => ({
      resourceMetrics: [
        {
          resource: { attributes: [stringKeyValue('service.name', 'db')] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'storage.bytes',
                  gauge: {
                    dataPoints: [
                      {
                        attributes: [stringKeyValue('tenant.id', 'acme')],
                        startTimeUnixNano: toNanos(0n),
                        timeUnixNano: toNanos(BigInt(t) * 1_000_000n),
                        asInt: intKeyValue('x', bytes).value!.intValue!,
                      },
                    ],
                  },
                },
                {
                  name: 'http.duration',
                  histogram: {
                    aggregationTemporality: 1,
                    dataPoints: [
                      {
                        attributes: [stringKeyValue('tenant.id', 'acme')],
                        startTimeUnixNano: toNanos(BigInt(t - 1000) * 1_000_000n),
                        timeUnixNano: toNanos(BigInt(t) * 1_000_000n),
                        count: intKeyValue('x', 7).value!.intValue!,
                        sum: 3.5,
                        bucketCounts: [],
                        explicitBounds: [],
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    e.applyMetrics(gauge(T0, 2e9), T0);
    e.applyMetrics(gauge(T0 + 30 * MIN, 2e9), T0 + 30 * MIN);
    // 2 GB held for half an hour = 1 GB-h × 0.5 USD; 7 + 7 requests × 0.01 USD
    const lines = flushAll(e);
    expect(lines).toContain(`cost acme store ${T0 + 30 * MIN} 500000000 1`);
    expect(lines).toContain(`cost acme lat ${T0} 70000000 1`);
    expect(lines).toContain(`cost acme lat ${T0 + 30 * MIN} 70000000 1`);
  });

  it('reports a new service version once as a deploy, not the rollout back and forth', () => {
    const e = engine();
    e.applyTraces(traces([span(T0, 'acme')], '1.0.0'), T0);
    e.applyTraces(traces([span(T0 + 1, 'acme')], '1.1.0'), T0 + 1);
    e.applyTraces(traces([span(T0 + 2, 'acme')], '1.0.0'), T0 + 2);
    e.applyTraces(traces([span(T0 + 3, 'acme')], '1.1.0'), T0 + 3);
    const f = e.flush(capture, T0);
    expect(f.lines.filter((l) => l.startsWith('deploy'))).toEqual(['deploy api 1.0.0->1.1.0']);
    e.confirm(f.token);
    expect(e.flush(capture, T0).lines.filter((l) => l.startsWith('deploy'))).toEqual([]);
  });
});

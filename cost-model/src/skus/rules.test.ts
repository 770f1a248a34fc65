import type { SkuRuleConfig } from '../config/types';
import type { DataPointInput, SpanInput, Usage } from '../telemetry/inputs';
import { SkuRules } from './rules';

function span(over: Partial<SpanInput> = {}): SpanInput {
  return {
    name: 'GET /orders',
    kind: 'server',
    status: 'ok',
    durationNs: 250_000_000,
    attributes: {},
    resource: { 'service.name': 'orders' },
    ...over,
  };
}

function point(over: Partial<DataPointInput>): DataPointInput {
  return {
    metricName: 'm',
    kind: 'sum',
    temporality: 'cumulative',
    streamKey: 'stream-1',
    startTimeMs: 0,
    timeMs: 0,
    attributes: {},
    resource: {},
    ...over,
  };
}

const spanRules: SkuRuleConfig[] = [
  {
    id: 'requests',
    sku: 'api.request',
    match: { signal: 'span', kinds: ['server'] },
    quantity: { type: 'count' },
  },
  {
    id: 'lambda',
    sku: 'compute.gb_s',
    match: { signal: 'span', attributes: [{ key: 'faas.max_memory', source: 'any', exists: true }] },
    quantity: { type: 'duration_memory', memoryAttribute: 'faas.max_memory', memoryUnit: 'MB' },
  },
  {
    id: 'egress',
    sku: 'egress.gb',
    match: { signal: 'span', names: ['GET /orders'] },
    quantity: {
      type: 'attribute',
      attribute: 'http.response.body.size',
      source: 'attributes',
      scale: '1e-9',
    },
  },
  {
    id: 'cpu',
    sku: 'cpu.s',
    match: { signal: 'span', statuses: ['error'] },
    quantity: { type: 'duration', scale: '2' },
  },
  {
    id: 'premium',
    sku: 'api.premium',
    match: { signal: 'span', attributes: [{ key: 'tier', source: 'baggage', equals: 'gold' }] },
    quantity: { type: 'count', scale: '3' },
  },
];

describe('SkuRules.forSpan', () => {
  const rules = SkuRules.compile(spanRules);

  it('returns one shared frozen array for constant quantities', () => {
    const a = rules.forSpan(span({ name: 'other' }));
    const b = rules.forSpan(span({ name: 'other', durationNs: 1 }));
    expect(a).toEqual([{ ruleId: 'requests', sku: 'api.request', quantity: 1 }]);
    expect(b).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a[0])).toBe(true);
  });

  it('returns a shared empty array when nothing matches', () => {
    const a = rules.forSpan(span({ name: 'x', kind: 'client' }));
    expect(a).toEqual([]);
    expect(rules.forSpan(span({ name: 'y', kind: 'internal' }))).toBe(a);
  });

  it('computes GB-s from duration and a memory attribute (1024 MB = 1 GB)', () => {
    const usages = rules.forSpan(span({ name: 'x', kind: 'client', attributes: { 'faas.max_memory': 512 } }));
    // 0.25 s × 0.5 GB
    expect(usages).toEqual([{ ruleId: 'lambda', sku: 'compute.gb_s', quantity: 0.125 }]);
    // memory from the resource, as a numeric string
    const fromResource = rules.forSpan(
      span({ name: 'x', kind: 'client', resource: { 'faas.max_memory': '2048' } }),
    );
    expect(fromResource).toEqual([{ ruleId: 'lambda', sku: 'compute.gb_s', quantity: 0.5 }]);
  });

  it('computes bytes → GB from an attribute, skipping the rule when the attribute is missing', () => {
    const usages = rules.forSpan(span({ attributes: { 'http.response.body.size': 2_000_000 } }));
    expect(usages).toEqual([
      { ruleId: 'requests', sku: 'api.request', quantity: 1 },
      { ruleId: 'egress', sku: 'egress.gb', quantity: 0.002 },
    ]);
    expect(rules.forSpan(span({ attributes: { 'http.response.body.size': 'n/a' } }))).toEqual([
      { ruleId: 'requests', sku: 'api.request', quantity: 1 },
    ]);
  });

  it('keeps rule order when constant and dynamic usages mix', () => {
    const baggage = { getEntry: (k: string) => (k === 'tier' ? { value: 'gold' } : undefined) };
    const usages = rules.forSpan(span({ name: 'z', status: 'error', durationNs: 1_500_000_000, baggage }));
    expect(usages.map((u) => [u.ruleId, u.quantity])).toEqual([
      ['requests', 1],
      ['cpu', 3], // 1.5 s × 2
      ['premium', 3],
    ]);
  });

  it('caches combinations of constant rules separately', () => {
    const baggage = { getEntry: () => ({ value: 'gold' }) };
    const both = rules.forSpan(span({ name: 'z', baggage }));
    expect(both.map((u) => u.ruleId)).toEqual(['requests', 'premium']);
    expect(rules.forSpan(span({ name: 'z', baggage }))).toBe(both);
    expect(rules.forSpan(span({ name: 'z' })).map((u) => u.ruleId)).toEqual(['requests']);
  });

  it('forSpanInto writes the same usages as forSpan into a reused list, without allocating usages', () => {
    const out: Usage[] = [];
    const gold = { getEntry: (k: string) => (k === 'tier' ? { value: 'gold' } : undefined) };
    const spans = [
      span({ name: 'z', status: 'error', durationNs: 1_500_000_000, baggage: gold }),
      span({ attributes: { 'http.response.body.size': 2e9, 'faas.max_memory': 512 } }),
      span({ name: 'other', kind: 'client' }),
      span({ name: 'y', kind: 'internal', status: 'error', durationNs: 7 }),
      span({ kind: 'weird' as SpanInput['kind'], status: 'error', durationNs: 3 }),
    ];
    for (const s of spans) {
      const n = rules.forSpanInto(s, out);
      expect(out.slice(0, n).map((u) => ({ ...u }))).toEqual(rules.forSpan(s).map((u) => ({ ...u })));
    }
    const a = span({ name: 'y', kind: 'internal', status: 'error', durationNs: 1e9 });
    rules.forSpanInto(a, out);
    const first = out[0];
    rules.forSpanInto({ ...a, durationNs: 2e9 }, out);
    expect(out[0]).toBe(first); // the rule's scratch usage, overwritten
    expect(out[0]!.quantity).toBe(4);
  });

  it('rejects metric quantity types on span rules, naming the rule', () => {
    expect(() =>
      SkuRules.compile([{ id: 'bad', sku: 's', match: { signal: 'span' }, quantity: { type: 'sum' } }]),
    ).toThrow(/SKU rule "bad".*"sum" does not apply to spans/);
  });
});

describe('SkuRules.forDataPoint', () => {
  it('turns cumulative sums into deltas per stream with resets, once per point for several rules', () => {
    const rules = SkuRules.compile([
      {
        id: 'cpu',
        sku: 'cpu.s',
        match: { signal: 'metric', names: ['process.cpu.time'] },
        quantity: { type: 'sum' },
      },
      {
        id: 'cpu-ms',
        sku: 'cpu.ms',
        match: { signal: 'metric', names: ['process.cpu.time'] },
        quantity: { type: 'sum', scale: '1000' },
      },
    ]);
    const p = (timeMs: number, value: number, startTimeMs = 0): DataPointInput =>
      point({ metricName: 'process.cpu.time', timeMs, value, startTimeMs });
    expect(rules.forDataPoint(p(1000, 10))).toEqual([]); // baseline
    expect(rules.forDataPoint(p(2000, 12.5))).toEqual([
      { ruleId: 'cpu', sku: 'cpu.s', quantity: 2.5 },
      { ruleId: 'cpu-ms', sku: 'cpu.ms', quantity: 2500 },
    ]);
    expect(rules.forDataPoint(p(2000, 12.5))).toEqual([]); // duplicate
    expect(rules.forDataPoint(p(1500, 11))).toEqual([]); // out of order
    expect(rules.forDataPoint(p(3000, 4))).toEqual([
      { ruleId: 'cpu', sku: 'cpu.s', quantity: 4 },
      { ruleId: 'cpu-ms', sku: 'cpu.ms', quantity: 4000 },
    ]); // value drop = reset
    expect(rules.forDataPoint(p(4000, 6, 3500))[0]).toEqual({ ruleId: 'cpu', sku: 'cpu.s', quantity: 6 }); // new start
    expect(rules.forDataPoint(p(5000, 6, 3500))).toEqual([]); // zero delta emits nothing
  });

  it('passes delta sums through', () => {
    const rules = SkuRules.compile([
      { id: 'r', sku: 's', match: { signal: 'metric' }, quantity: { type: 'sum', scale: '0.5' } },
    ]);
    expect(rules.forDataPoint(point({ temporality: 'delta', value: 8 }))).toEqual([
      { ruleId: 'r', sku: 's', quantity: 4 },
    ]);
  });

  it('integrates a bytes gauge into GB-h', () => {
    const rules = SkuRules.compile([
      {
        id: 'mem',
        sku: 'memory.gb_h',
        match: { signal: 'metric', names: ['container.memory.usage'] },
        quantity: { type: 'gauge_integral', scale: '1e-9' },
      },
    ]);
    const g = (timeMs: number, value: number): DataPointInput =>
      point({ metricName: 'container.memory.usage', kind: 'gauge', temporality: 'delta', timeMs, value });
    expect(rules.forDataPoint(g(0, 4e9))).toEqual([]);
    // 4e9 B × 1800 s = 7.2e12 B·s; / 3600 → 2e9 B·h; × 1e-9 → 2 GB-h
    expect(rules.forDataPoint(g(1_800_000, 4e9))).toEqual([
      { ruleId: 'mem', sku: 'memory.gb_h', quantity: 2 },
    ]);
    // 3e9 B for 1 h = 3 GB-h
    expect(rules.forDataPoint(g(5_400_000, 3e9))[0]!.quantity).toBeCloseTo(3, 12);
  });

  it('uses histogram count and sum as quantities (cumulative → delta)', () => {
    const rules = SkuRules.compile([
      { id: 'calls', sku: 'fn.call', match: { signal: 'metric' }, quantity: { type: 'histogram_count' } },
      {
        id: 'secs',
        sku: 'fn.s',
        match: { signal: 'metric' },
        quantity: { type: 'histogram_sum', scale: '0.001' },
      },
    ]);
    const h = (timeMs: number, count: number, sum: number): DataPointInput =>
      point({ kind: 'histogram', timeMs, count, sum });
    expect(rules.forDataPoint(h(1000, 10, 2000))).toEqual([]);
    expect(rules.forDataPoint(h(2000, 15, 3500))).toEqual([
      { ruleId: 'calls', sku: 'fn.call', quantity: 5 },
      { ruleId: 'secs', sku: 'fn.s', quantity: 1.5 },
    ]);
    expect(
      rules.forDataPoint(point({ kind: 'histogram', temporality: 'delta', timeMs: 9, count: 2, sum: 40 })),
    ).toEqual([
      { ruleId: 'calls', sku: 'fn.call', quantity: 2 },
      { ruleId: 'secs', sku: 'fn.s', quantity: 0.04 },
    ]);
  });

  it('matches metric names and attributes, and ignores kinds a quantity type cannot read', () => {
    const rules = SkuRules.compile([
      {
        id: 'r',
        sku: 's',
        match: { signal: 'metric', attributes: [{ key: 'region', source: 'resource', prefix: 'eu-' }] },
        quantity: { type: 'sum' },
      },
    ]);
    expect(
      rules.forDataPoint(point({ temporality: 'delta', value: 1, resource: { region: 'eu-west-1' } })),
    ).toHaveLength(1);
    expect(
      rules.forDataPoint(point({ temporality: 'delta', value: 1, resource: { region: 'us-east-1' } })),
    ).toEqual([]);
    expect(
      rules.forDataPoint(
        point({ kind: 'gauge', temporality: 'delta', value: 1, resource: { region: 'eu-west-1' } }),
      ),
    ).toEqual([]);
  });
});

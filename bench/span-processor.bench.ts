/**
 * CostSpanProcessor overhead on the span hot path.
 *
 * Three variants, each span = `tracer.startSpan` (server kind, 10 attributes) + `end()` through a
 * BatchSpanProcessor with a no-op exporter:
 *   (a) baseline: the bare SDK;
 *   (b) floor: a trivial processor setting the same `cost.*` attributes (same count and kinds) to constants;
 *   (c) meterline: CostSpanProcessor with a realistic config (20 attribution rules + fallbacks, 30 SKUs with
 *       tiers and several price versions); every span matches two SKUs (requests + GB-s), so it carries
 *       array-valued `cost.sku`/`cost.quantity`/`cost.unit`/`cost.price_version`, and its GB-s amount depends
 *       on its measured duration (never cached: exact integer arithmetic per span).
 * Variants are interleaved over rounds after a warmup; the median ops/s per variant is reported.
 * Target (ARCHITECTURE.md): floor_gap = floor_ops / meterline_ops ≤ 1.10.
 */
import { type Attributes, type Context, SpanKind } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { validateConfig, type MeterlineConfig } from '@meterline/cost-model';
import { CostSpanProcessor } from '@meterline/otel-processor';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
/**
 * `BENCH_SPAN_COUNT_CASE=1` adds a supplementary pair: client spans priced by one count SKU (scalar attributes,
 * amount from the cache) against a scalar floor. Off by default: two more span shapes through the same code
 * make its call sites polymorphic, which slows the main comparison by a few percent.
 */
const COUNT_CASE = process.env.BENCH_SPAN_COUNT_CASE === '1';
const SPANS_PER_ROUND = Number(process.env.BENCH_SPANS ?? 100_000);
const WARMUP_SPANS = 60_000;
/** Spans between yields, so the BatchSpanProcessor exports (it drops spans past 2048 queued). */
const CHUNK = 256;
const TENANTS = 50;

class NoopExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The floor: the same attributes as CostSpanProcessor sets on these spans, as constants. */
export class FloorProcessor implements SpanProcessor {
  private readonly skus = ['api.requests', 'compute.gb_s'];
  private readonly quantities = [1, 0.0000015];
  private readonly units = ['request', 'GB-s'];
  private readonly versions = ['api.requests@2025', 'compute.gb_s@2025'];
  onStart(span: Span, _ctx: Context): void {
    span.setAttribute('cost.tenant', 'tenant-7');
    span.setAttribute('cost.team', 'team-2');
    span.setAttribute('cost.center', 'cc-2');
    span.setAttribute('cost.attribution', 'rule');
    span.setAttribute('cost.rule', 'tenants-2');
  }
  onEnding(span: Span): void {
    span.setAttribute('cost.sku', this.skus);
    span.setAttribute('cost.quantity', this.quantities);
    span.setAttribute('cost.unit', this.units);
    span.setAttribute('cost.amount', '0.00000115');
    span.setAttribute('cost.currency', 'USD');
    span.setAttribute('cost.price_version', this.versions);
  }
  onEnd(): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The floor of the supplementary single-SKU case: scalar `cost.*` constants, as CostSpanProcessor sets there. */
export class ScalarFloorProcessor implements SpanProcessor {
  onStart(span: Span, _ctx: Context): void {
    span.setAttribute('cost.tenant', 'tenant-7');
    span.setAttribute('cost.team', 'team-2');
    span.setAttribute('cost.center', 'cc-2');
    span.setAttribute('cost.attribution', 'rule');
    span.setAttribute('cost.rule', 'tenants-2');
  }
  onEnding(span: Span): void {
    span.setAttribute('cost.sku', 'svc0.calls');
    span.setAttribute('cost.quantity', 1);
    span.setAttribute('cost.unit', 'request');
    span.setAttribute('cost.amount', '0.000001');
    span.setAttribute('cost.currency', 'USD');
    span.setAttribute('cost.price_version', 'svc0.calls@2025-01-01T00:00:00.000Z');
  }
  onEnd(): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** A realistic config: 20 attribution rules and fallbacks, 30 SKUs with tiers and price versions. */
export function realisticConfig(): MeterlineConfig {
  const versions = (base: number): object[] => [
    { effectiveFrom: '2023-01-01T00:00:00Z', currency: 'USD', unitPrice: String(base * 1.25) },
    { effectiveFrom: '2024-01-01T00:00:00Z', currency: 'USD', unitPrice: String(base * 1.1) },
    {
      effectiveFrom: '2025-01-01T00:00:00Z',
      currency: 'USD',
      unitPrice: String(base),
      tiers: [
        { upTo: '1000000', unitPrice: String(base) },
        { upTo: '100000000', unitPrice: String(base * 0.8) },
        { unitPrice: String(base * 0.6) },
      ],
    },
  ];
  const skus: object[] = [
    { id: 'api.requests', unit: 'request', prices: [...versions(0.0000004)] },
    {
      id: 'compute.gb_s',
      unit: 'GB-s',
      prices: [
        { effectiveFrom: '2023-01-01T00:00:00Z', currency: 'USD', unitPrice: '0.0000166667' },
        { effectiveFrom: '2025-01-01T00:00:00Z', currency: 'USD', unitPrice: '0.0000133334' },
      ],
    },
    { id: 'egress.gb', unit: 'GB', prices: versions(0.09) },
    { id: 'storage.gb_h', unit: 'GB-h', prices: versions(0.000032) },
  ];
  const rules: object[] = [
    {
      id: 'api-requests',
      sku: 'api.requests',
      match: { signal: 'span', kinds: ['server'] },
      quantity: { type: 'count' },
    },
    {
      id: 'api-compute',
      sku: 'compute.gb_s',
      match: { signal: 'span', kinds: ['server'] },
      quantity: { type: 'duration_memory', memoryGb: '0.5' },
    },
    {
      id: 'storage-gauge',
      sku: 'storage.gb_h',
      match: { signal: 'metric', names: ['storage.used'] },
      quantity: { type: 'gauge_integral', scale: '1e-9' },
    },
  ];
  for (let i = 0; skus.length < 30; i++) {
    const id = `svc${i}.calls`;
    skus.push({
      id,
      unit: i % 3 === 0 ? 'request' : i % 3 === 1 ? 'GB' : 'cpu-s',
      prices: versions(0.000001 * (i + 1)),
    });
    const match =
      i % 3 === 0
        ? {
            signal: 'span',
            kinds: ['client'],
            attributes: [{ key: 'peer.service', source: 'attributes', equals: `svc${i}` }],
          }
        : i % 3 === 1
          ? { signal: 'span', names: [`svc${i}.publish`, `svc${i}.receive`], kinds: ['producer', 'consumer'] }
          : {
              signal: 'span',
              kinds: ['internal'],
              attributes: [{ key: 'db.system', source: 'attributes', equals: `db${i}` }],
            };
    const quantity =
      i % 3 === 0
        ? { type: 'count' }
        : i % 3 === 1
          ? {
              type: 'attribute',
              attribute: 'messaging.message.body.size',
              source: 'attributes',
              scale: '1e-9',
            }
          : { type: 'duration' };
    rules.push({ id: `svc${i}`, sku: id, match, quantity });
  }
  rules.push({
    id: 'egress',
    sku: 'egress.gb',
    match: {
      signal: 'span',
      kinds: ['client'],
      attributes: [{ key: 'http.response.body.size', source: 'attributes' }],
    },
    quantity: {
      type: 'attribute',
      attribute: 'http.response.body.size',
      source: 'attributes',
      scale: '1e-9',
    },
  });
  const attributionRules: object[] = [];
  // 16 rules over tenants (3 tenants each; later tenants fall through), 4 over routes and services.
  for (let i = 0; i < 16; i++) {
    attributionRules.push({
      id: `tenants-${i}`,
      match: [{ key: 'tenant.id', source: 'any', in: [0, 1, 2].map((k) => `tenant-${i * 3 + k}`) }],
      set: { tenant: { from: 'tenant.id' }, team: `team-${i % 5}`, center: `cc-${i % 5}` },
    });
  }
  attributionRules.push(
    {
      id: 'internal',
      match: [{ key: 'http.route', source: 'attributes', prefix: '/internal/' }],
      set: { team: 'platform' },
    },
    {
      id: 'batch',
      match: [{ key: 'service.name', source: 'resource', regex: '^batch-' }],
      set: { team: 'data' },
    },
    {
      id: 'partner',
      match: [{ key: 'tenant.id', source: 'any', prefix: 'partner-' }],
      set: { tenant: { from: 'tenant.id' }, center: 'cc-partners' },
    },
    {
      id: 'any-tenant',
      match: [{ key: 'tenant.id', source: 'any', exists: true }],
      set: { tenant: { from: 'tenant.id' } },
    },
  );
  return validateConfig({
    catalog: { baseCurrency: 'USD', skus },
    skus: rules,
    attribution: {
      rules: attributionRules,
      fallbacks: [
        {
          key: 'k8s.namespace.name',
          source: 'resource',
          map: { checkout: { team: 'payments', center: 'cc-3' } },
        },
        {
          key: 'service.name',
          source: 'resource',
          map: { 'orders-api': { team: 'orders', center: 'cc-1' } },
        },
      ],
    },
  });
}

interface Variant {
  name: string;
  provider: BasicTracerProvider;
  /** Server spans (requests + GB-s: arrays) or client spans (one count SKU: scalars). */
  shape: 'server' | 'client';
  ops: number[];
}

function makeVariant(name: string, shape: Variant['shape'], processors: SpanProcessor[]): Variant {
  const resource = resourceFromAttributes({
    'service.name': 'orders-api',
    'service.version': '1.4.2',
    'k8s.namespace.name': 'checkout',
    'deployment.environment.name': 'prod',
    'cloud.region': 'eu-west-1',
  });
  const provider = new BasicTracerProvider({
    resource,
    spanProcessors: [...processors, new BatchSpanProcessor(new NoopExporter(), { maxQueueSize: 4096 })],
  });
  return { name, provider, shape, ops: [] };
}

/** Prebuilt attribute sets (the SDK copies them), so the loop allocates the same for every variant. */
function attributeSets(shape: Variant['shape']): Attributes[] {
  const routes = ['/orders/:id', '/orders', '/carts/:id', '/internal/health'];
  const sets: Attributes[] = [];
  for (let i = 0; i < TENANTS * 4; i++) {
    const common = {
      'tenant.id': `tenant-${i % TENANTS}`,
      'server.address': 'api.example.com',
      'server.port': 443,
      'url.scheme': 'https',
      'network.protocol.version': '1.1',
      'http.request.method': i % 5 === 0 ? 'POST' : 'GET',
      'http.response.status_code': 200,
    };
    sets.push(
      shape === 'server'
        ? {
            ...common,
            'http.route': routes[i % routes.length],
            'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64)',
            'http.request.body.size': 512 + (i % 7),
          }
        : {
            ...common,
            'peer.service': 'svc0',
            'url.full': 'https://svc0.example.com/v1/score',
            'http.request.body.size': 64,
          },
    );
  }
  return sets;
}

async function runSpans(variant: Variant, n: number, sets: Attributes[]): Promise<number> {
  const tracer = variant.provider.getTracer('bench');
  const server = variant.shape === 'server';
  const name = server ? 'GET /orders/:id' : 'POST svc0';
  const options = { kind: server ? SpanKind.SERVER : SpanKind.CLIENT, attributes: sets[0] };
  const start = process.hrtime.bigint();
  let k = 0;
  for (let done = 0; done < n; done += CHUNK) {
    const end = Math.min(CHUNK, n - done);
    for (let i = 0; i < end; i++) {
      options.attributes = sets[k++ % sets.length];
      tracer.startSpan(name, options).end();
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return n / seconds;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export default {
  description:
    'CostSpanProcessor vs bare SDK and vs a constant-attribute floor (spans/s, BatchSpanProcessor + no-op exporter)',
  async run(): Promise<Record<string, unknown>> {
    const config = realisticConfig();
    const variants = [
      makeVariant('baseline', 'server', []),
      makeVariant('floor', 'server', [new FloorProcessor()]),
      makeVariant('meterline', 'server', [new CostSpanProcessor(config)]),
    ];
    if (COUNT_CASE) {
      variants.push(
        makeVariant('floor_count', 'client', [new ScalarFloorProcessor()]),
        makeVariant('meterline_count', 'client', [new CostSpanProcessor(config)]),
      );
    }
    const sets = { server: attributeSets('server'), client: attributeSets('client') };
    for (const v of variants) await runSpans(v, WARMUP_SPANS, sets[v.shape]);
    for (let r = 0; r < ROUNDS; r++) {
      // Rotate the order every round, so no variant always runs right after the same neighbour.
      for (let j = 0; j < variants.length; j++) {
        const v = variants[(r + j) % variants.length]!;
        v.ops.push(await runSpans(v, SPANS_PER_ROUND, sets[v.shape]));
      }
    }
    for (const v of variants) await v.provider.shutdown();
    const ops = variants.map((v) => median(v.ops));
    const [baseline, floor, meterline] = ops as [number, number, number];
    const result: Record<string, number> = {
      baseline_ops: Math.round(baseline),
      floor_ops: Math.round(floor),
      meterline_ops: Math.round(meterline),
      overhead_ratio: Number((baseline / meterline).toFixed(3)),
      floor_gap: Number((floor / meterline).toFixed(3)),
      rounds: ROUNDS,
      spans_per_round: SPANS_PER_ROUND,
    };
    if (COUNT_CASE) {
      const [floorCount, meterlineCount] = [ops[3]!, ops[4]!];
      result.floor_count_ops = Math.round(floorCount);
      result.meterline_count_ops = Math.round(meterlineCount);
      result.floor_gap_count = Number((floorCount / meterlineCount).toFixed(3));
    }
    const lines = [
      `  baseline   ${result.baseline_ops!.toLocaleString('en')} spans/s`,
      `  floor      ${result.floor_ops!.toLocaleString('en')} spans/s`,
      `  meterline  ${result.meterline_ops!.toLocaleString('en')} spans/s`,
      `  overhead_ratio (baseline/meterline) ${result.overhead_ratio}`,
      `  floor_gap (floor/meterline) ${result.floor_gap}  (target ≤ 1.10)`,
    ];
    if (COUNT_CASE) {
      lines.push(
        `  one count SKU: floor ${result.floor_count_ops!.toLocaleString('en')}, meterline ` +
          `${result.meterline_count_ops!.toLocaleString('en')} spans/s, floor_gap ${result.floor_gap_count}`,
      );
    }
    console.log(lines.join('\n'));
    return result;
  },
};

/**
 * Realistic OTLP trace batches for benchmarks (also used by the otlp-ingest benchmark): one resource with the
 * attributes a Kubernetes-deployed Node service sends, spans of a few shapes with a mix of attribute types.
 * Deterministic for a seed.
 */
import {
  encodeTracesJson,
  encodeTracesProtobuf,
  intKeyValue,
  stringKeyValue,
  doubleKeyValue,
  boolKeyValue,
  toNanos,
  type KeyValue,
  type Span,
  type TracesRequest,
} from '../../otel-processor/src/otlp';

/** Options of {@link traceBatch}. */
export interface TraceBatchOptions {
  /** Spans in the batch (default 512). */
  spans?: number;
  /** Attributes per span (default 10). */
  attributesPerSpan?: number;
  /** PRNG seed (default 1): ids and values vary with it. */
  seed?: number;
  /** Start time of the first span in epoch ms (default 2024-06-01T12:00:00Z). */
  startMs?: number;
  /** Tenants to spread spans over (default 50). */
  tenants?: number;
}

function prng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomId(rand: () => number, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = Math.floor(rand() * 256);
  out[0] = out[0]! | 1; // never all zero
  return out;
}

/** The resource a realistic service sends. */
export function realisticResource(service = 'checkout-api'): KeyValue[] {
  return [
    stringKeyValue('service.name', service),
    stringKeyValue('service.version', '2024.06.1-7f3a2c1'),
    stringKeyValue('service.namespace', 'shop'),
    stringKeyValue('deployment.environment.name', 'production'),
    stringKeyValue('k8s.namespace.name', 'checkout'),
    stringKeyValue('k8s.pod.name', `${service}-6d9f7c8b5-x2kqz`),
    stringKeyValue('k8s.deployment.name', service),
    stringKeyValue('k8s.node.name', 'ip-10-0-12-34.eu-west-1.compute.internal'),
    stringKeyValue('host.name', `${service}-6d9f7c8b5-x2kqz`),
    stringKeyValue('cloud.provider', 'aws'),
    stringKeyValue('cloud.region', 'eu-west-1'),
    stringKeyValue('telemetry.sdk.name', 'opentelemetry'),
    stringKeyValue('telemetry.sdk.language', 'nodejs'),
    stringKeyValue('telemetry.sdk.version', '2.12.0'),
    intKeyValue('process.pid', 4242),
    stringKeyValue('process.runtime.name', 'nodejs'),
    stringKeyValue('process.runtime.version', '20.19.0'),
  ];
}

const ROUTES = ['/api/orders', '/api/orders/:id', '/api/carts/:id/items', '/api/payments', '/healthz'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];

function spanAttributes(rand: () => number, n: number, tenants: number): KeyValue[] {
  const route = ROUTES[Math.floor(rand() * ROUTES.length)]!;
  const all: KeyValue[] = [
    stringKeyValue('http.request.method', METHODS[Math.floor(rand() * METHODS.length)]!),
    stringKeyValue('http.route', route),
    intKeyValue('http.response.status_code', rand() < 0.95 ? 200 : 503),
    stringKeyValue('tenant.id', `tenant-${Math.floor(rand() * tenants)}`),
    stringKeyValue('url.path', route.replace(':id', String(Math.floor(rand() * 1e6)))),
    stringKeyValue('server.address', 'checkout.shop.svc.cluster.local'),
    intKeyValue('server.port', 8080),
    stringKeyValue('user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/125.0'),
    doubleKeyValue('app.cart.value', Math.round(rand() * 100_000) / 100),
    boolKeyValue('app.cache.hit', rand() < 0.3),
  ];
  for (let i = all.length; i < n; i++)
    all.push(stringKeyValue(`app.extra.${i}`, `value-${Math.floor(rand() * 1000)}`));
  return all.slice(0, n);
}

/** A batch of spans in one resource and scope, as the OTel SDK's BatchSpanProcessor sends them. */
export function traceBatch(opts: TraceBatchOptions = {}): TracesRequest {
  const count = opts.spans ?? 512;
  const nAttrs = opts.attributesPerSpan ?? 10;
  const rand = prng(opts.seed ?? 1);
  const startNs = BigInt(opts.startMs ?? Date.parse('2024-06-01T12:00:00Z')) * 1_000_000n;
  const spans: Span[] = [];
  let traceId = randomId(rand, 16);
  let parent: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < count; i++) {
    // Traces of ~8 spans: a server root and client children.
    if (i % 8 === 0) {
      traceId = randomId(rand, 16);
      parent = new Uint8Array(0);
    }
    const spanId = randomId(rand, 8);
    const start = startNs + BigInt(i) * 1_000_000n + BigInt(Math.floor(rand() * 1_000_000));
    const duration = BigInt(Math.floor(rand() * 250_000_000));
    spans.push({
      traceId,
      spanId,
      parentSpanId: parent,
      flags: 0x101,
      name: i % 8 === 0 ? 'GET /api/orders' : 'SELECT orders',
      kind: i % 8 === 0 ? 2 : 3,
      startTimeUnixNano: toNanos(start),
      endTimeUnixNano: toNanos(start + duration),
      attributes: spanAttributes(rand, nAttrs, opts.tenants ?? 50),
      status: rand() < 0.05 ? { code: 2, message: 'upstream unavailable' } : { code: 0 },
    });
    if (i % 8 === 0) parent = spanId;
  }
  return {
    resourceSpans: [
      {
        resource: { attributes: realisticResource() },
        scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-http', version: '0.52.1' }, spans }],
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      },
    ],
  };
}

/** A batch and its request bodies in both encodings. */
export function traceBatchBodies(opts: TraceBatchOptions = {}): {
  request: TracesRequest;
  protobuf: Uint8Array;
  json: string;
} {
  const request = traceBatch(opts);
  return { request, protobuf: encodeTracesProtobuf(request), json: encodeTracesJson(request) };
}

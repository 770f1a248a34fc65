import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Tracer, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { W3CBaggagePropagator, W3CTraceContextPropagator, CompositePropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { CompiledMeterline } from '../instrument/compile';
import { CostSpanProcessor } from '../instrument/cost-span-processor';

/** A demo service: a real HTTP server whose requests are traced with the OTel SDK and priced in-process. */
export interface DemoService {
  name: string;
  url: string;
  provider: NodeTracerProvider;
  close(): Promise<void>;
}

/** What one demo service looks like: its resource and how heavy its requests are. */
export interface DemoServiceSpec {
  name: string;
  version: string;
  namespace: string;
  memoryMb: number;
  /** Work per request, ms (the handler waits this long, scaled by `rand`). */
  workMs: number;
  /** Response size, bytes (scaled by `rand`). */
  responseBytes: number;
}

const propagator = new CompositePropagator({
  propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
});

/**
 * Starts `spec` on a free loopback port. Each service has its own `NodeTracerProvider` (its own resource),
 * with the `CostSpanProcessor` first and a `BatchSpanProcessor` to `exporter` after it.
 */
export async function startDemoService(
  spec: DemoServiceSpec,
  meterline: CompiledMeterline,
  exporter: SpanExporter,
): Promise<DemoService> {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': spec.name,
      'service.version': spec.version,
      'service.namespace': 'shop',
      'deployment.environment.name': 'demo',
      'cloud.region': 'eu-west-1',
      'k8s.namespace.name': spec.namespace,
      'faas.max_memory': spec.memoryMb,
    }),
    spanProcessors: [
      new CostSpanProcessor(meterline),
      new BatchSpanProcessor(exporter, { scheduledDelayMillis: 500, maxExportBatchSize: 512 }),
    ],
  });
  const tracer = provider.getTracer('meterline-demo');
  const server = createServer((req, res) => handle(spec, tracer, req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    name: spec.name,
    url: `http://127.0.0.1:${port}`,
    provider,
    close: () => closeServer(server),
  };
}

function handle(spec: DemoServiceSpec, tracer: Tracer, req: IncomingMessage, res: ServerResponse): void {
  // The process-wide context manager is not ours to register (several providers share this process),
  // so the incoming context is extracted explicitly and passed as the parent.
  const parent = propagator.extract(context.active(), req.headers, {
    get: (carrier, key) => carrier[key],
    keys: (carrier) => Object.keys(carrier),
  });
  const url = new URL(req.url ?? '/', 'http://localhost');
  const scale = Number(url.searchParams.get('scale') ?? '1');
  const span = tracer.startSpan(
    `${req.method ?? 'GET'} ${url.pathname}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': req.method ?? 'GET',
        'url.path': url.pathname,
        'http.route': url.pathname,
        'server.address': '127.0.0.1',
      },
    },
    parent,
  );
  const bytes = Math.max(1, Math.round(spec.responseBytes * scale));
  setTimeout(
    () => {
      const body = Buffer.alloc(bytes, 'x');
      span.setAttribute('http.response.status_code', 200);
      span.setAttribute('http.response.body.size', bytes);
      span.setStatus({ code: SpanStatusCode.OK });
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': bytes });
      res.end(body);
      span.end();
    },
    Math.max(1, Math.round(spec.workMs * scale)),
  );
}

/** Sends one request for `tenant` (in W3C baggage, as an edge proxy would set it), with a client span. */
export async function request(
  tracer: Tracer,
  url: string,
  path: string,
  tenant: string | undefined,
  scale: number,
): Promise<void> {
  let ctx = context.active();
  if (tenant !== undefined) {
    ctx = propagation.setBaggage(ctx, propagation.createBaggage({ 'tenant.id': { value: tenant } }));
  }
  const span = tracer.startSpan(`GET ${path}`, { kind: SpanKind.CLIENT }, ctx);
  const headers: Record<string, string> = {};
  propagator.inject(trace.setSpan(ctx, span), headers, { set: (c, k, v) => (c[k] = v) });
  try {
    const res = await fetch(`${url}${path}?scale=${scale.toFixed(3)}`, { headers });
    await res.arrayBuffer();
    span.setAttribute('http.response.status_code', res.status);
  } finally {
    span.end();
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

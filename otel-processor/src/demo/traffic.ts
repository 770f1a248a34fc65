/**
 * The demo's services on the real OpenTelemetry JS SDK: one `BasicTracerProvider` per service and version
 * (its own resource, as each service process has), creating server spans from {@link SpanSpec}s with their
 * story times, and a collector-like pipeline that sends them to `meterline serve` with the real
 * OTLP/protobuf trace exporter (gzip), oldest first, one request at a time, as an OpenTelemetry Collector's
 * `otlphttp` exporter would.
 *
 * One shared queue (not a `BatchSpanProcessor` per provider) keeps the order across services: serve learns a
 * service's first version as its baseline, so `checkout` 1.4.2 must arrive before 1.5.0 for the deploy to be
 * 1.4.2 → 1.5.0.
 *
 * The exporter is a development dependency of the workspace (the demo runs from the repository, where
 * `npm ci` installs it); it is loaded when the demo starts, not when the CLI loads.
 *
 * @packageDocumentation
 */
import { SpanKind, SpanStatusCode, type Tracer, type HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { SERVICES, type SpanSpec } from './scenario';

/** `ms` (whole epoch ms) as the SDK's `[seconds, nanoseconds]`. */
export function hrTimeOf(ms: number): HrTime {
  return [Math.floor(ms / 1000), (ms % 1000) * 1_000_000];
}

/** A span processor that only queues finished spans, in the order they end (the collector's receiver). */
export class SpanQueue implements SpanProcessor {
  private spans: ReadableSpan[] = [];
  onStart(_span: Span): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }
  /** The queued spans, emptying the queue. */
  take(max = Infinity): ReadableSpan[] {
    return this.spans.splice(0, max);
  }
  get size(): number {
    return this.spans.length;
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The demo services: a tracer per (service, version), all ending their spans into one processor. */
export class DemoServices {
  private readonly tracers = new Map<string, Tracer>();
  private readonly providers: BasicTracerProvider[] = [];

  constructor(private readonly processor: SpanProcessor) {}

  private tracer(service: string, version: string): Tracer {
    const key = `${service}@${version}`;
    let tracer = this.tracers.get(key);
    if (tracer === undefined) {
      const spec = SERVICES[service];
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({
          'service.name': service,
          'service.version': version,
          'service.namespace': 'shop',
          'deployment.environment.name': 'demo',
          ...(spec === undefined
            ? {}
            : {
                'cloud.region': spec.region,
                'k8s.namespace.name': spec.namespace,
                'faas.max_memory': spec.memoryMb,
              }),
        }),
        spanProcessors: [this.processor],
      });
      this.providers.push(provider);
      tracer = provider.getTracer('meterline-demo', '1.0.0');
      this.tracers.set(key, tracer);
    }
    return tracer;
  }

  /**
   * Creates and ends the server span `spec` describes (a root span: each request its own trace), with the
   * attributes an HTTP server instrumentation sets and the tenant an edge proxy put in `tenant.id`.
   * Returns its trace id.
   */
  emit(spec: SpanSpec): string {
    const span = this.tracer(spec.service, spec.version).startSpan(spec.name, {
      kind: SpanKind.SERVER,
      startTime: hrTimeOf(spec.endMs - spec.durationMs),
      attributes: {
        'http.request.method': spec.method,
        'http.route': spec.route,
        'url.path': spec.route,
        'server.address': `${spec.service}.shop.svc`,
        'http.response.status_code': 200,
        'http.response.body.size': spec.bytes,
        ...(spec.tenant === undefined ? {} : { 'tenant.id': spec.tenant }),
      },
    });
    span.setStatus({ code: SpanStatusCode.OK });
    span.end(hrTimeOf(spec.endMs));
    return span.spanContext().traceId;
  }
}

/** What the exporter pipeline did. */
export interface ExportStats {
  spans: number;
  requests: number;
}

/** The OTLP exporter's module, loaded on first use (see the module notes). */
function otlpProtoTraceExporter(url: string): SpanExporter {
  let mod: typeof import('@opentelemetry/exporter-trace-otlp-proto');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require('@opentelemetry/exporter-trace-otlp-proto') as typeof mod;
  } catch (err) {
    throw new Error(
      `meterline demo needs @opentelemetry/exporter-trace-otlp-proto (a development dependency of the ` +
        `repository): run npm ci in the repository first (${(err as Error).message})`,
    );
  }
  return new mod.OTLPTraceExporter({
    url,
    // CompressionAlgorithm.GZIP, as the collector's otlphttp exporter sends.
    compression: 'gzip' as never,
    timeoutMillis: 30_000,
  }) as unknown as SpanExporter;
}

/** Sends queued spans to serve's `/v1/traces`, in order, `batch` spans per request, one request at a time. */
export class OtlpSender {
  readonly stats: ExportStats = { spans: 0, requests: 0 };
  private readonly exporter: SpanExporter;

  constructor(
    serveUrl: string,
    private readonly queue: SpanQueue,
    private readonly batch = 2_000,
  ) {
    this.exporter = otlpProtoTraceExporter(`${serveUrl}/v1/traces`);
  }

  /** Exports everything queued; rejects when an export fails (after the exporter's own retries). */
  async drain(): Promise<void> {
    while (this.queue.size > 0) {
      const spans = this.queue.take(this.batch);
      const result = await new Promise<{ code: number; error?: Error }>((resolve) =>
        this.exporter.export(spans, resolve),
      );
      if (result.code !== 0) {
        throw new Error(
          `exporting ${spans.length} spans to meterline serve failed: ${result.error?.message ?? `code ${result.code}`}`,
        );
      }
      this.stats.spans += spans.length;
      this.stats.requests++;
    }
  }

  async shutdown(): Promise<void> {
    await this.exporter.shutdown();
  }
}

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
function otlpProtoTraceExporter(url: string, timeoutMillis = 30_000): SpanExporter {
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
    timeoutMillis,
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

/** What {@link ResilientSender} did. */
export interface ResilientStats extends ExportStats {
  /** Export calls that failed (each after the exporter's own retries), and were retried later. */
  failures: number;
}

/** What {@link ResilientSender} reports as it goes (not per span, not per retry). */
export interface SenderEvents {
  /** The first failure after a success (or at the start): what went wrong, and when it retries. */
  failing(error: string, retryInMs: number): void;
  /** Sending works again after `failures` failed calls over `forMs`. */
  recovered(failures: number, forMs: number): void;
}

/** `url` as the OTLP/HTTP traces endpoint: `…/v1/traces` appended unless it is there. */
export function tracesEndpoint(url: string): string {
  const base = url.replace(/\/+$/, '');
  return /\/v1\/traces$/.test(base) ? base : `${base}/v1/traces`;
}

/**
 * Sends queued spans to a collector (or serve) in order, `batch` spans per request, one request at a time,
 * in the background, and never gives up: a failed export (after the exporter's own retries of 429/502/503/504
 * and connection errors within `timeoutMs`) keeps its spans at the head of the queue and is tried again after
 * a backoff (1 s, doubling, at most 30 s), as a collector's `retry_on_failure` would. Failures are counted;
 * {@link SenderEvents} hears of the first of a streak and of the recovery.
 */
export class ResilientSender {
  readonly stats: ResilientStats = { spans: 0, requests: 0, failures: 0 };
  /** The last export error, if any. */
  lastError: string | undefined;
  private readonly exporter: SpanExporter;
  private pending: ReadableSpan[] | undefined;
  private running: Promise<void> | undefined;
  private backoffMs = 0;
  private retryAtMs = 0;
  private failingSinceMs: number | undefined;
  private streak = 0;
  /** While flushing: give up waiting for a retry that would start after this. */
  private deadlineMs = Infinity;
  private wake: (() => void) | undefined;

  constructor(
    readonly url: string,
    private readonly queue: SpanQueue,
    private readonly events: SenderEvents,
    private readonly options: {
      batch?: number;
      timeoutMs?: number;
      minBackoffMs?: number;
      maxBackoffMs?: number;
    } = {},
  ) {
    this.exporter = otlpProtoTraceExporter(tracesEndpoint(url), options.timeoutMs ?? 10_000);
  }

  /** Spans not acknowledged yet: queued, and the batch being sent or waiting for its retry. */
  get queued(): number {
    return this.queue.size + (this.pending?.length ?? 0);
  }

  /** Whether the last export failed. */
  get failing(): boolean {
    return this.failingSinceMs !== undefined;
  }

  /** Starts sending what is queued in the background, unless it is already doing so. */
  kick(): void {
    if (this.running !== undefined) return;
    this.running = this.run().finally(() => (this.running = undefined));
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.pending === undefined) {
        if (this.queue.size === 0) return;
        this.pending = this.queue.take(this.options.batch ?? 2_000);
      }
      const wait = this.retryAtMs - Date.now();
      if (wait > 0) {
        if (this.retryAtMs > this.deadlineMs) return;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
        if (this.retryAtMs > this.deadlineMs) return;
      }
      const spans = this.pending;
      const result = await new Promise<{ code: number; error?: Error }>((resolve) =>
        this.exporter.export(spans, resolve),
      );
      if (result.code === 0) {
        this.stats.spans += spans.length;
        this.stats.requests++;
        this.pending = undefined;
        this.backoffMs = 0;
        this.retryAtMs = 0;
        if (this.failingSinceMs !== undefined) {
          this.events.recovered(this.streak, Date.now() - this.failingSinceMs);
          this.failingSinceMs = undefined;
          this.streak = 0;
        }
        continue;
      }
      this.stats.failures++;
      this.streak++;
      this.lastError = result.error?.message ?? `code ${result.code}`;
      this.backoffMs = Math.min(
        this.options.maxBackoffMs ?? 30_000,
        this.backoffMs === 0 ? (this.options.minBackoffMs ?? 1_000) : this.backoffMs * 2,
      );
      this.retryAtMs = Date.now() + this.backoffMs;
      if (this.failingSinceMs === undefined) {
        this.failingSinceMs = Date.now();
        this.events.failing(this.lastError, this.backoffMs);
      }
    }
  }

  /**
   * Sends everything queued, waiting until `deadlineMs` at most (a retry due later is not waited for; an
   * export under way is). Resolves with the spans left unsent.
   */
  async flush(deadlineMs: number): Promise<number> {
    this.deadlineMs = deadlineMs;
    if (this.retryAtMs > deadlineMs) this.wake?.();
    this.kick();
    while (this.running !== undefined) {
      await this.running;
      if (this.queued === 0 || this.retryAtMs > deadlineMs || Date.now() >= deadlineMs) break;
      this.kick();
    }
    return this.queued;
  }

  /** Stops retrying and shuts the exporter down (call {@link flush} first). */
  async shutdown(): Promise<void> {
    this.deadlineMs = 0;
    this.wake?.();
    await this.running;
    await this.exporter.shutdown();
  }
}

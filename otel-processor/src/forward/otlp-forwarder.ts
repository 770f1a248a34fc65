import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { ForwardConfig } from '@meterline/cost-model';
import { encodeMetricsProtobuf, encodeTracesProtobuf } from '../otlp/encode';
import type { MetricsRequest, TracesRequest } from '../otlp/model';

/** Where the forwarder reports (a pino logger fits). */
export interface ForwardLogger {
  warn(obj: object, msg: string): void;
}

/** Options of {@link OtlpForwarder}. */
export interface OtlpForwarderOptions {
  /** Bytes queued per target before the oldest requests are dropped (default 128 MiB). */
  maxQueueBytes?: number;
  /** A request still not delivered after this long is dropped (default 10 min). */
  maxAgeMs?: number;
  /** Requests in flight per target (default 2). */
  concurrency?: number;
  logger?: ForwardLogger;
}

/** What the forwarder did, per process lifetime. */
export interface ForwardStats {
  sent: number;
  retried: number;
  dropped: number;
  queued: number;
  queuedBytes: number;
}

interface Item {
  path: '/v1/traces' | '/v1/metrics';
  body: Uint8Array;
  enqueuedMs: number;
  attempts: number;
  notBefore: number;
}

/** One downstream endpoint with its own queue, so a slow target never holds back another. */
class Target {
  readonly queue: Item[] = [];
  bytes = 0;
  inFlight = 0;
  timer: NodeJS.Timeout | undefined;
  /** Keep-alive connections to the endpoint. */
  readonly agent: http.Agent;
  readonly base: URL;

  constructor(readonly config: ForwardConfig) {
    this.base = new URL(config.endpoint.replace(/\/+$/, ''));
    this.agent =
      this.base.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, ca: config.caFile === undefined ? undefined : readCa(config) })
        : new http.Agent({ keepAlive: true });
  }
}

/** The CA bundle of an endpoint; an unreadable file fails startup, naming the endpoint and the file. */
function readCa(config: ForwardConfig): Buffer {
  try {
    return readFileSync(config.caFile!);
  } catch (err) {
    throw new Error(
      `forward endpoint ${config.endpoint}: cannot read caFile ${config.caFile}: ${(err as Error).message}`,
    );
  }
}

/** The parts of a downstream answer the forwarder reads. */
interface Answer {
  status: number;
  retryAfter: string | undefined;
}

/**
 * POSTs `body` with node's http client (not `fetch`: undici copies the body and costs several times more
 * per request on this hot path). Resolves once the answer was read in full.
 */
function post(target: Target, path: string, body: Uint8Array, signal: AbortSignal): Promise<Answer> {
  const base = target.base;
  const client = base.protocol === 'https:' ? https : http;
  return new Promise<Answer>((resolve, reject) => {
    const req = client.request(
      {
        protocol: base.protocol,
        hostname: base.hostname.replace(/^\[|\]$/g, ''),
        port: base.port,
        path: base.pathname.replace(/\/+$/, '') + path + base.search,
        method: 'POST',
        agent: target.agent,
        signal,
        headers: {
          ...target.config.headers,
          'content-type': 'application/x-protobuf',
          'content-length': body.byteLength,
        },
      },
      (res) => {
        const retryAfter = res.headers['retry-after'];
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
          }),
        );
        res.resume();
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Forwards enriched telemetry (spans with `cost.*` attributes, metrics) to downstream OTLP/HTTP endpoints
 * as protobuf, each endpoint with its own bounded retry queue.
 *
 * Pricing never waits for it: {@link enqueue} encodes and queues synchronously and returns. Failures are
 * retried with exponential backoff (honouring `Retry-After`) on 429, 5xx and network errors; other 4xx
 * answers mean the downstream will never take the request, so it is dropped and counted. Forwarding is
 * best effort by design (see docs/serve-durability.md): cost never depends on it.
 */
export class OtlpForwarder {
  readonly stats: ForwardStats = { sent: 0, retried: 0, dropped: 0, queued: 0, queuedBytes: 0 };
  private readonly targets: Target[];
  private readonly maxQueueBytes: number;
  private readonly maxAgeMs: number;
  private readonly concurrency: number;
  private closed = false;
  /** Aborts requests still in flight when {@link close} gives up waiting. */
  private readonly abort = new AbortController();
  private readonly idle = new Set<() => void>();
  /** Called whenever {@link stats} changed (the forwarding thread reports counters with it). */
  onChange: (() => void) | undefined;

  constructor(
    targets: readonly ForwardConfig[],
    private readonly options: OtlpForwarderOptions = {},
  ) {
    this.targets = targets.map((t) => new Target(t));
    this.maxQueueBytes = options.maxQueueBytes ?? 128 * 1024 * 1024;
    this.maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
    this.concurrency = options.concurrency ?? 2;
  }

  /** True when there is somewhere to forward to. */
  get enabled(): boolean {
    return this.targets.length > 0;
  }

  /** Queues a traces or metrics request for every target. */
  enqueue(signal: 'traces', request: TracesRequest): void;
  enqueue(signal: 'metrics', request: MetricsRequest): void;
  enqueue(signal: 'traces' | 'metrics', request: TracesRequest | MetricsRequest): void {
    if (this.closed || this.targets.length === 0) return;
    const body =
      signal === 'traces'
        ? encodeTracesProtobuf(request as TracesRequest)
        : encodeMetricsProtobuf(request as MetricsRequest);
    this.enqueueEncoded(signal, body);
  }

  /** Queues an already encoded protobuf body (e.g. spliced by `spliceSpanAttributes`) for every target. */
  enqueueEncoded(signal: 'traces' | 'metrics', body: Uint8Array): void {
    if (this.closed || this.targets.length === 0) return;
    const now = Date.now();
    for (const target of this.targets) {
      // Older configs (and tests) built by hand may have no `signals`: both, as before.
      if (target.config.signals !== undefined && !target.config.signals.includes(signal)) continue;
      target.queue.push({
        path: signal === 'traces' ? '/v1/traces' : '/v1/metrics',
        body,
        enqueuedMs: now,
        attempts: 0,
        notBefore: 0,
      });
      target.bytes += body.byteLength;
      while (target.bytes > this.maxQueueBytes && target.queue.length > 1) {
        const dropped = target.queue.shift()!;
        target.bytes -= dropped.body.byteLength;
        this.stats.dropped++;
        this.options.logger?.warn(
          { endpoint: target.config.endpoint, queueBytes: target.bytes },
          'forward queue full: dropped the oldest request',
        );
      }
      this.pump(target);
    }
    this.updateGauges();
  }

  /** Waits until every queue is empty or `timeoutMs` passed; then stops. Returns whether all was sent. */
  async close(timeoutMs = 5_000): Promise<boolean> {
    const drained = this.targets.every((t) => t.queue.length === 0 && t.inFlight === 0)
      ? Promise.resolve(true)
      : new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => {
            this.idle.delete(done);
            resolve(false);
          }, timeoutMs);
          const done = (): void => {
            if (!this.targets.every((t) => t.queue.length === 0 && t.inFlight === 0)) return;
            clearTimeout(timer);
            this.idle.delete(done);
            resolve(true);
          };
          this.idle.add(done);
        });
    const ok = await drained;
    this.closed = true;
    this.abort.abort();
    for (const t of this.targets) {
      clearTimeout(t.timer);
      t.agent.destroy();
    }
    return ok;
  }

  private pump(target: Target): void {
    const now = Date.now();
    while (target.inFlight < this.concurrency) {
      const i = target.queue.findIndex((it) => it.notBefore <= now);
      if (i < 0) break;
      const item = target.queue.splice(i, 1)[0]!;
      target.bytes -= item.body.byteLength;
      target.inFlight++;
      void this.send(target, item).finally(() => {
        target.inFlight--;
        this.updateGauges();
        this.pump(target);
        for (const done of [...this.idle]) done();
      });
    }
    if (target.queue.length > 0 && target.timer === undefined && !this.closed) {
      const next = Math.min(...target.queue.map((it) => it.notBefore));
      target.timer = setTimeout(
        () => {
          target.timer = undefined;
          this.pump(target);
        },
        Math.max(10, next - now),
      );
      target.timer.unref();
    }
  }

  private async send(target: Target, item: Item): Promise<void> {
    item.attempts++;
    let retryAfterMs: number | undefined;
    let why: string;
    try {
      const res = await post(
        target,
        item.path,
        item.body,
        AbortSignal.any([AbortSignal.timeout(target.config.timeoutMs), this.abort.signal]),
      );
      if (res.status >= 200 && res.status < 300) {
        this.stats.sent++;
        return;
      }
      why = `HTTP ${res.status}`;
      if (res.status !== 429 && res.status < 500) {
        this.stats.dropped++;
        this.options.logger?.warn(
          { endpoint: target.config.endpoint, status: res.status },
          'downstream refused a forwarded request: dropped',
        );
        return;
      }
      const header = res.retryAfter === undefined ? NaN : Number(res.retryAfter);
      if (Number.isFinite(header) && header >= 0) retryAfterMs = header * 1000;
    } catch (err) {
      why = (err as Error).message;
    }
    if (this.closed || Date.now() - item.enqueuedMs > this.maxAgeMs) {
      this.stats.dropped++;
      this.options.logger?.warn(
        { endpoint: target.config.endpoint, attempts: item.attempts, error: why },
        'forwarding gave up on a request',
      );
      return;
    }
    this.stats.retried++;
    const backoff = Math.min(30_000, 200 * 2 ** Math.min(item.attempts, 8)) * (0.5 + Math.random() / 2);
    item.notBefore = Date.now() + Math.max(backoff, retryAfterMs ?? 0);
    target.queue.push(item);
    target.bytes += item.body.byteLength;
  }

  private updateGauges(): void {
    this.stats.queued = this.targets.reduce((n, t) => n + t.queue.length + t.inFlight, 0);
    this.stats.queuedBytes = this.targets.reduce((n, t) => n + t.bytes, 0);
    this.onChange?.();
  }
}

import type { AddressInfo } from 'node:net';
import type { MeterlineConfig } from '@meterline/cost-model';
import { metrics, type Meter } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { CostEngine, addCollectedAttributes, type ApplyResult } from '../engine/cost-engine';
import { ForwardThread } from '../forward/forward-thread';
import { decodeRequest, type DecodeRequestOptions, type DecodedRequest } from '../ingest/decode-request';
import { buildReceiver, type IngestOutcome } from '../ingest/otlp-http';
import { decodeIngestRecord, encodeIngestHeader } from '../ingest/wal-record';
import { createInfluxStore, type InfluxStore } from '../influx/store';
import { compileMeterline } from '../instrument/compile';
import { OtlpDecodeError } from '../otlp/errors';
import { SignalsLoop } from '../signals/loop';
import { signalsSettings } from '../signals/settings';
import { readCheckpoint, writeCheckpoint } from '../wal/checkpoint';
import { WriteAheadLog } from '../wal/wal';
import { SERVE_PRECISION, ingestLagLine, serveLines } from './lines';

/** Options of {@link MeterlineService.start}. */
export interface ServeOptions {
  /** Validated config; `serve` and `influx` sections are used here. */
  config: MeterlineConfig;
  /** Structured logger (default: pino at `$LOG_LEVEL` or info, to stderr). */
  logger?: Logger;
  /** Overrides `serve.listen` (`host:port`; port 0 picks a free one). */
  listen?: string;
  /** Overrides `serve.walDir`. */
  walDir?: string;
  /** Wall clock (tests). */
  now?: () => number;
  /** Meter for self-telemetry (default: the global meter provider's). */
  meter?: Meter;
  /**
   * Read protobuf trace bodies with the lean single-pass scanner (`otlp/scan-traces.ts`) instead of the full
   * protobufjs decode, when the cost model allows (default true). Same results either way; off = full path.
   */
  leanTraceScan?: boolean;
}

/** What the service has done since it started. */
export interface ServiceStats {
  requests: number;
  accepted: number;
  rejected: number;
  invalid: number;
  backpressured: number;
  replayed: number;
  flushes: number;
  failedFlushes: number;
  pointsWritten: number;
  checkpoints: number;
  /** Durable records the engine could not apply (logged and skipped). */
  failedRecords: number;
  lastFlushError?: string;
}

/**
 * `meterline serve`: the OTLP/HTTP cost processor (docs/serve-durability.md). Receive → WAL (fsync) → ack;
 * then, in WAL order, the deterministic {@link CostEngine} prices and rolls up, the flush loop writes totals
 * to InfluxDB and checkpoints, and the forwarder sends the enriched telemetry downstream.
 */
export class MeterlineService {
  readonly stats: ServiceStats = {
    requests: 0,
    accepted: 0,
    rejected: 0,
    invalid: 0,
    backpressured: 0,
    replayed: 0,
    flushes: 0,
    failedFlushes: 0,
    pointsWritten: 0,
    checkpoints: 0,
    failedRecords: 0,
  };
  private appliedSeq = 0;
  private lastRecvMs = 0;
  private oldestUnconfirmedRecvMs: number | undefined;
  private influxUp = false;
  private lastCheckpointMs: number;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private stopping = false;
  private app!: FastifyInstance;
  /** The periodic signals evaluation, when `signals.enabled` (see signals/settings.ts). */
  private signals: SignalsLoop | undefined;
  private readonly decodeOptions: DecodeRequestOptions;
  /** Base URL the receiver listens on, e.g. `http://127.0.0.1:4318`. */
  url = '';

  private constructor(
    private readonly config: MeterlineConfig,
    readonly logger: Logger,
    private readonly engine: CostEngine,
    private readonly wal: WriteAheadLog,
    readonly walDir: string,
    private readonly store: InfluxStore,
    private readonly forwarder: ForwardThread,
    private readonly now: () => number,
    leanTraceScan: boolean,
  ) {
    this.lastCheckpointMs = now();
    this.decodeOptions = leanTraceScan ? { leanSpanKeys: engine.leanSpanKeys } : {};
  }

  /** Restores the last checkpoint, replays the WAL after it, connects InfluxDB and starts listening. */
  static async start(options: ServeOptions): Promise<MeterlineService> {
    const { config } = options;
    if (config.influx === undefined) {
      throw new Error(
        'meterline serve needs an influx section in the config (url and database, or org/bucket/token)',
      );
    }
    const logger = options.logger ?? pino({ level: process.env['LOG_LEVEL'] ?? 'info' }, pino.destination(2));
    const now = options.now ?? Date.now;
    const serve = config.serve;
    const walDir = options.walDir ?? serve.walDir;
    const engine = new CostEngine({
      meterline: compileMeterline(config),
      latenessMs: serve.latenessMs,
      dedupeWindowMs: serve.dedupeWindowMs,
      exemplarsPerKey: serve.exemplarsPerKey,
    });
    const checkpoint = await readCheckpoint(walDir);
    if (checkpoint !== undefined) engine.restore(checkpoint.payload);
    const wal = await WriteAheadLog.open(walDir, {
      highWaterBytes: serve.walHighWaterBytes,
      maxRecordBytes: serve.maxBodyBytes + 64,
      minNextSeq: (checkpoint?.seq ?? 0) + 1,
      logger: { warn: (details, message) => logger.warn(details, message) },
    });
    const store = createInfluxStore(config.influx, { precision: SERVE_PRECISION });
    const forwarder = new ForwardThread(config.forward, {
      logger: { warn: (obj, msg) => logger.warn(obj, msg), error: (obj, msg) => logger.error(obj, msg) },
      onRecordBuffer: (buffer) => engine.recycleRecords(buffer),
    });
    const service = new MeterlineService(
      config,
      logger,
      engine,
      wal,
      walDir,
      store,
      forwarder,
      now,
      options.leanTraceScan ?? true,
    );
    service.appliedSeq = checkpoint?.seq ?? 0;
    await service.replay();
    await service.connectInflux();
    service.instrument(options.meter ?? metrics.getMeter('@meterline/otel-processor/serve'));
    await service.listen(options.listen ?? serve.listen);
    service.scheduleFlush();
    if (signalsSettings(config).enabled) {
      // Its own store: signals are written with ms precision, the service's store writes ns.
      service.signals = new SignalsLoop({
        config,
        store: createInfluxStore(config.influx),
        logger,
        now,
        settleMs: serve.flushIntervalMs,
      });
      service.signals.start();
    }
    logger.info(
      {
        listen: service.url,
        influx: config.influx.url,
        database: config.influx.database ?? config.influx.bucket,
        walDir,
        checkpointSeq: checkpoint?.seq ?? 0,
        replayed: service.stats.replayed,
        forward: config.forward.map((f) => f.endpoint),
        signals: service.signals === undefined ? 'off' : `every ${signalsSettings(config).intervalMs} ms`,
      },
      'meterline serve is listening',
    );
    return service;
  }

  /** Graceful stop: no new requests, in-flight ones answered, final flush and checkpoint, WAL closed. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.flushTimer);
    await this.signals?.stop();
    await this.app.close();
    await this.flushing;
    try {
      await this.flush(true);
    } catch (err) {
      this.logger.warn(
        { err: (err as Error).message },
        'final flush failed: the WAL keeps everything for the next start',
      );
    }
    await this.forwarder.close(5_000);
    await this.wal.close();
    await this.store.close();
    this.logger.info({ stats: this.stats }, 'meterline serve stopped');
  }

  /** The engine's counters (spans, points, deduped, late…). */
  get engineStats(): CostEngine['stats'] {
    return this.engine.stats;
  }

  /** The signals loop's counters (undefined when signals are off). */
  get signalsStats(): SignalsLoop['stats'] | undefined {
    return this.signals?.stats;
  }

  /** The forwarder's counters. */
  get forwardStats(): ForwardThread['stats'] {
    return this.forwarder.stats;
  }

  /** Runs one flush now (tests, shutdown); `checkpoint` also persists state and truncates the WAL. */
  async flush(checkpoint = false): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
    const run = this.flushOnce(checkpoint);
    // `flushing` only tells others to wait: it must never reject. (It used to be `run.finally(…)`, which
    // rejects with a failed write; nobody awaits it then, so an InfluxDB outage became an unhandled
    // rejection that killed the process.) The caller of this flush gets the error from `run`.
    this.flushing = run
      .catch(() => undefined)
      .finally(() => {
        this.flushing = undefined;
      });
    await run;
  }

  // ------------------------------------------------------------------------------------------ ingest

  private async ingest(
    signal: 'traces' | 'metrics',
    format: 'protobuf' | 'json',
    body: Buffer,
    requestId: string,
  ): Promise<IngestOutcome> {
    this.stats.requests++;
    if (this.wal.overHighWater()) {
      this.stats.backpressured++;
      return {
        kind: 'backpressure',
        retryAfterSeconds: Math.max(1, Math.ceil(this.config.serve.flushIntervalMs / 1000)),
        message: `write-ahead log over its high-water mark (${this.wal.bytes} bytes): InfluxDB is behind, retry later`,
      };
    }
    // The engine's clock: monotonic, so a host clock step never reorders buckets.
    const recvTimeMs = Math.max(this.now(), this.lastRecvMs);
    this.lastRecvMs = recvTimeMs;
    let decoded: DecodedRequest;
    try {
      decoded = decodeRequest(signal, format, body, recvTimeMs, this.decodeOptions);
    } catch (err) {
      if (!(err instanceof OtlpDecodeError)) throw err;
      this.stats.invalid++;
      return { kind: 'invalid', message: err.message };
    }
    this.stats.rejected += decoded.rejected;
    const message = decoded.message;
    let seq: number;
    try {
      // Header and body as two pieces of one record (the layout in wal-record.ts), without copying the body.
      seq = await this.wal.append(encodeIngestHeader({ signal, format, recvTimeMs }), body);
    } catch (err) {
      this.stats.backpressured++;
      this.logger.error({ requestId, err: (err as Error).message }, 'WAL append failed');
      return {
        kind: 'backpressure',
        retryAfterSeconds: 5,
        message: `write-ahead log append failed: ${(err as Error).message}`,
      };
    }
    // Appends resolve in sequence order, so records are applied in WAL order, as a replay would. The WAL
    // is done with the body now, so forwarding may take it over.
    this.apply(decoded, format, body, recvTimeMs, seq, true);
    this.stats.accepted++;
    return { kind: 'accepted', rejected: decoded.rejected, message };
  }

  /**
   * Applies a durable record. The engine is deterministic, so a record that makes it throw would throw
   * again on every replay: it is logged and skipped (never a crash loop), live or replayed alike.
   * `handOver`: nothing reads `body` afterwards (a live request, not a view into a WAL read buffer), so the
   * forwarder may take its buffer instead of copying it.
   */
  private apply(
    decoded: DecodedRequest,
    format: 'protobuf' | 'json',
    body: Uint8Array,
    recvTimeMs: number,
    seq: number,
    handOver: boolean,
  ): void {
    try {
      this.applyRecord(decoded, format, body, recvTimeMs, seq, handOver);
    } catch (err) {
      this.stats.failedRecords++;
      this.logger.error(
        { seq, err: (err as Error).stack ?? String(err) },
        'applying a WAL record failed: skipped',
      );
      if (seq > this.appliedSeq) this.appliedSeq = seq;
    }
  }

  private applyRecord(
    decoded: DecodedRequest,
    format: 'protobuf' | 'json',
    body: Uint8Array,
    recvTimeMs: number,
    seq: number,
    handOver: boolean,
  ): void {
    const forward = this.forwarder.enabled;
    if (decoded.signal === 'traces') {
      const r = this.engine.applyTraces(decoded.request, recvTimeMs, forward);
      // A request made only of duplicates was forwarded when it was first accepted.
      if (forward && r.added !== undefined && r.deduped < r.items)
        this.forwardTraces(decoded, format, body, recvTimeMs, r, handOver);
    } else {
      const r = this.engine.applyMetrics(decoded.request, recvTimeMs);
      if (forward && r.deduped < r.items) {
        if (format === 'protobuf' && decoded.truncated === 0)
          this.forwarder.enqueueEncoded('metrics', body, handOver);
        else this.forwarder.enqueue('metrics', decoded.request);
      }
    }
    if (seq > this.appliedSeq) this.appliedSeq = seq;
    if (this.oldestUnconfirmedRecvMs === undefined) this.oldestUnconfirmedRecvMs = recvTimeMs;
  }

  /**
   * Forwards enriched spans. Fast path: the forwarding thread splices the `cost.*` attributes into the
   * protobuf body as received (a copy, not a re-encode). JSON bodies, bodies whose attributes validation
   * truncated, and spans where the application already set a `cost.*` key are re-encoded from the model.
   */
  private forwardTraces(
    decoded: Extract<DecodedRequest, { signal: 'traces' }>,
    format: 'protobuf' | 'json',
    body: Uint8Array,
    recvTimeMs: number,
    r: ApplyResult,
    handOver: boolean,
  ): void {
    const added = r.added!;
    if (format === 'protobuf' && decoded.truncated === 0 && !r.conflict) {
      this.forwarder.enqueueSpliced(body, added, recvTimeMs, handOver);
      return;
    }
    // A lean request holds only what the engine reads: decode the body in full (same spans, same order).
    const request = decoded.lean
      ? (decodeRequest('traces', format, body, recvTimeMs) as typeof decoded).request
      : decoded.request;
    addCollectedAttributes(request, added);
    this.forwarder.enqueue('traces', request);
  }

  private async replay(): Promise<void> {
    for await (const record of this.wal.replay(this.appliedSeq)) {
      let decoded: DecodedRequest;
      let recvTimeMs: number;
      let format: 'protobuf' | 'json';
      let body: Uint8Array;
      try {
        const r = decodeIngestRecord(record.payload);
        recvTimeMs = r.recvTimeMs;
        format = r.format;
        body = r.body;
        decoded = decodeRequest(r.signal, r.format, r.body, r.recvTimeMs, this.decodeOptions);
      } catch (err) {
        // It decoded when it was accepted; a record that no longer does is reported, never fatal.
        this.logger.error(
          { seq: record.seq, err: (err as Error).message },
          'WAL record cannot be replayed: skipped',
        );
        continue;
      }
      if (recvTimeMs > this.lastRecvMs) this.lastRecvMs = recvTimeMs;
      this.apply(decoded, format, body, recvTimeMs, record.seq, false);
      this.stats.replayed++;
    }
    if (this.stats.replayed > 0)
      this.logger.info({ records: this.stats.replayed }, 'replayed the write-ahead log');
  }

  // ------------------------------------------------------------------------------------------ flush

  private scheduleFlush(): void {
    if (this.stopping) return;
    this.flushTimer = setTimeout(() => {
      const due =
        this.now() - this.lastCheckpointMs >= this.config.serve.checkpointIntervalMs ||
        this.wal.bytes > this.config.serve.walHighWaterBytes / 4;
      this.flush(due)
        .catch(() => undefined)
        .finally(() => this.scheduleFlush());
    }, this.config.serve.flushIntervalMs);
    this.flushTimer.unref();
  }

  private async flushOnce(checkpoint: boolean): Promise<void> {
    if (!this.influxUp) await this.connectInflux();
    // Everything below up to the write is synchronous, so the snapshot and the flush describe the same seq.
    const seq = this.appliedSeq;
    const snapshot = checkpoint ? this.engine.snapshot() : undefined;
    const batch = this.engine.flush(serveLines, this.engine.clockMs - this.config.serve.latenessMs);
    const oldest = this.oldestUnconfirmedRecvMs;
    this.oldestUnconfirmedRecvMs = undefined;
    const nowMs = this.now();
    const lines = [...batch.lines, ingestLagLine(lagSeconds(oldest, nowMs), nowMs)];
    const started = performance.now();
    try {
      await this.store.write(lines);
    } catch (err) {
      if (
        oldest !== undefined &&
        (this.oldestUnconfirmedRecvMs === undefined || oldest < this.oldestUnconfirmedRecvMs)
      ) {
        this.oldestUnconfirmedRecvMs = oldest;
      }
      this.influxUp = false;
      this.stats.failedFlushes++;
      this.stats.lastFlushError = (err as Error).message;
      this.logger.warn(
        { err: (err as Error).message, lines: lines.length, walBytes: this.wal.bytes },
        'InfluxDB write failed: kept in memory and in the WAL, will retry',
      );
      throw err;
    }
    this.writeLatency?.record(performance.now() - started);
    // A confirmed write proves InfluxDB is reachable, also when it came back during the write's retries
    // (before, readiness kept saying "unreachable" after the WAL had already been checkpointed away).
    this.influxUp = true;
    this.engine.confirm(batch.token);
    this.stats.flushes++;
    this.stats.pointsWritten += lines.length;
    if (snapshot !== undefined) {
      await writeCheckpoint(this.walDir, seq, snapshot);
      await this.wal.truncateThrough(seq);
      this.lastCheckpointMs = nowMs;
      this.stats.checkpoints++;
    }
  }

  private async connectInflux(): Promise<void> {
    try {
      await this.store.ensureReady();
      if (!this.influxUp) this.logger.info({ influx: this.config.influx?.url }, 'InfluxDB reachable');
      this.influxUp = true;
    } catch (err) {
      this.influxUp = false;
      this.logger.warn(
        { influx: this.config.influx?.url, err: (err as Error).message },
        'InfluxDB unreachable: requests are kept in the WAL',
      );
    }
  }

  // ------------------------------------------------------------------------------------------ HTTP

  private async listen(listen: string): Promise<void> {
    this.app = buildReceiver({
      maxBodyBytes: this.config.serve.maxBodyBytes,
      bearerToken: this.config.serve.bearerToken,
      logger: this.logger,
      handlers: {
        ingest: (signal, format, body, requestId) => this.ingest(signal, format, body, requestId),
        readiness: async () => {
          const walWritable = await this.wal.isWritable();
          const room = !this.wal.overHighWater();
          const checks = {
            wal: walWritable ? 'writable' : 'not writable',
            influx: this.influxUp ? 'reachable' : 'unreachable',
            walRoom: room ? 'ok' : 'over high-water mark',
          };
          return { ready: walWritable && (this.influxUp || room), checks };
        },
      },
    });
    const i = listen.lastIndexOf(':');
    const host = listen.slice(0, i).replace(/^\[|\]$/g, '');
    await this.app.listen({ host, port: Number(listen.slice(i + 1)) });
    const address = this.app.server.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.url = `http://${shownHost}:${address.port}`;
  }

  // ------------------------------------------------------------------------------------------ self-telemetry

  private writeLatency: { record(ms: number): void } | undefined;

  /** Accepted/rejected/deduped counts, WAL bytes, write latency and ingest lag as OTel instruments. */
  private instrument(meter: Meter): void {
    const counter = (name: string, description: string, unit: string, read: () => number): void => {
      meter.createObservableCounter(name, { description, unit }).addCallback((r) => r.observe(read()));
    };
    counter('meterline.serve.requests', 'OTLP requests received', '{request}', () => this.stats.requests);
    counter(
      'meterline.serve.items.accepted',
      'Spans and data points applied',
      '{item}',
      () => this.engine.stats.spans + this.engine.stats.points,
    );
    counter(
      'meterline.serve.items.rejected',
      'Spans and data points rejected as invalid (partial success)',
      '{item}',
      () => this.stats.rejected,
    );
    counter(
      'meterline.serve.items.deduped',
      'Spans and data points skipped as duplicates',
      '{item}',
      () => this.engine.stats.deduped,
    );
    counter(
      'meterline.serve.items.late',
      'Priced usages folded into a later bucket',
      '{item}',
      () => this.engine.stats.late,
    );
    counter(
      'meterline.serve.forward.dropped',
      'Requests the forwarder gave up on',
      '{request}',
      () => this.forwarder.stats.dropped,
    );
    meter
      .createObservableGauge('meterline.serve.wal.size', {
        description: 'Write-ahead log size on disk',
        unit: 'By',
      })
      .addCallback((r) => r.observe(this.wal.bytes));
    meter
      .createObservableGauge('meterline.serve.ingest.lag', {
        description: 'Age of the oldest data not yet confirmed by InfluxDB',
        unit: 's',
      })
      .addCallback((r) => r.observe(lagSeconds(this.oldestUnconfirmedRecvMs, this.now())));
    const histogram = meter.createHistogram('meterline.serve.influx.write.duration', {
      description: 'Duration of InfluxDB writes',
      unit: 'ms',
    });
    this.writeLatency = { record: (ms) => histogram.record(ms) };
  }
}

/** Ingest lag: seconds the oldest data not yet confirmed by InfluxDB has waited (0 when there is none). */
function lagSeconds(oldestUnconfirmedMs: number | undefined, nowMs: number): number {
  return oldestUnconfirmedMs === undefined ? 0 : Math.max(0, (nowMs - oldestUnconfirmedMs) / 1000);
}

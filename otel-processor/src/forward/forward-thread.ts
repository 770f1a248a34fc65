import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { types } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { ForwardConfig } from '@meterline/cost-model';
import { encodeMetricsProtobuf, encodeTracesProtobuf } from '../otlp/encode';
import type { MetricsRequest, TracesRequest } from '../otlp/model';
import type { SpanCostRecords } from '../engine/span-cost-records';
import type { ForwardWorkerData, FromForwardWorker, ToForwardWorker } from './forward-messages';
import type { ForwardStats, OtlpForwarderOptions } from './otlp-forwarder';

/** Where the forwarding thread reports. */
export interface ForwardThreadLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Options of {@link ForwardThread}. */
export interface ForwardThreadOptions extends Omit<OtlpForwarderOptions, 'logger'> {
  logger?: ForwardThreadLogger;
  /** Receives the buffers of spliced span records back, for reuse (see `CostEngine.recycleRecords`). */
  onRecordBuffer?: (buffer: ArrayBuffer) => void;
}

/**
 * How to start the worker: the compiled `forward-worker.js` beside this file, or, when running from the
 * TypeScript sources (tests, benchmarks), `forward-worker.ts` through tsx's require hook.
 */
function workerEntry(): { entry: string; eval: boolean } {
  const js = join(__dirname, 'forward-worker.js');
  if (existsSync(js)) return { entry: js, eval: false };
  const ts = join(__dirname, 'forward-worker.ts');
  return { entry: `require('tsx/cjs'); require(${JSON.stringify(ts)});`, eval: true };
}

/**
 * True when `bytes` is the whole of a plain ArrayBuffer, so transferring that buffer moves `bytes` and
 * nothing else (a pooled Buffer shares its ArrayBuffer with others: it must be copied).
 */
function ownsItsBuffer(bytes: Uint8Array): boolean {
  return (
    types.isArrayBuffer(bytes.buffer) &&
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength
  );
}

/**
 * Forwards enriched telemetry downstream from a worker thread: splicing `cost.*` attributes into trace
 * bodies, the HTTP client and the retry queues of {@link OtlpForwarder} all run there, so forwarding costs
 * the pricing thread one message per request: bodies it no longer needs are transferred, not copied.
 *
 * Same contract as {@link OtlpForwarder}: best effort, bounded, never blocks. Bytes handed over but not
 * yet taken by the thread count against `maxQueueBytes` too, so a thread that falls behind cannot grow the
 * channel without bound: new requests are dropped (and counted) instead. Counters in {@link stats} arrive
 * from the thread every 25 ms; {@link close} returns with the final ones.
 */
export class ForwardThread {
  /** Counters of the thread (updated as it reports) plus requests dropped before reaching it. */
  readonly stats: ForwardStats = zeroStats();
  private worker: Worker | undefined;
  /** Counters of threads that died before (a restarted thread starts from zero). */
  private readonly base: ForwardStats = zeroStats();
  /** The current thread's last report. */
  private thread: ForwardStats = zeroStats();
  private droppedHere = 0;
  private lastDropLogMs = -Infinity;
  /** Bytes posted to the thread and not yet reported taken. */
  private pendingBytes = 0;
  private readonly maxQueueBytes: number;
  private closing = false;
  private onClosed: ((ok: boolean) => void) | undefined;

  constructor(
    private readonly targets: readonly ForwardConfig[],
    private readonly options: ForwardThreadOptions = {},
  ) {
    this.maxQueueBytes = options.maxQueueBytes ?? 128 * 1024 * 1024;
    if (targets.length > 0) this.worker = this.spawn();
  }

  /** True when there is somewhere to forward to. */
  get enabled(): boolean {
    return this.targets.length > 0;
  }

  /** Queues a traces or metrics request (encoded here) for every target. */
  enqueue(signal: 'traces', request: TracesRequest): void;
  enqueue(signal: 'metrics', request: MetricsRequest): void;
  enqueue(signal: 'traces' | 'metrics', request: TracesRequest | MetricsRequest): void {
    if (!this.accepting()) return;
    const body =
      signal === 'traces'
        ? encodeTracesProtobuf(request as TracesRequest)
        : encodeMetricsProtobuf(request as MetricsRequest);
    this.enqueueEncoded(signal, body, true);
  }

  /**
   * Queues an encoded protobuf body for every target. With `handOver`, the caller is done with `body`: when
   * it is the whole of its buffer, that buffer is transferred (and detached here) instead of copied.
   */
  enqueueEncoded(signal: 'traces' | 'metrics', body: Uint8Array, handOver = false): void {
    if (!this.accepting()) return;
    const owned = handOver && ownsItsBuffer(body) ? body : new Uint8Array(body);
    this.post({ t: 'encoded', signal, body: owned }, owned.byteLength, [owned.buffer as ArrayBuffer]);
  }

  /**
   * Queues the protobuf traces body `body` with `added`, the `cost.*` attributes of its spans in document
   * order (from `CostEngine.applyTraces`), expanded and spliced in by the thread (see
   * `expandSpanCostRecords`, `spliceSpanAttributes`). `added`'s buffers are transferred (detached here);
   * `body` too with `handOver` (see {@link enqueueEncoded}), else it is copied.
   */
  enqueueSpliced(body: Uint8Array, added: SpanCostRecords, recvTimeMs: number, handOver = false): void {
    if (!this.accepting()) return;
    const owned = handOver && ownsItsBuffer(body) ? body : new Uint8Array(body);
    const { spans, ops, dict } = added;
    this.post(
      { t: 'splice', body: owned, spans, ops, dict, recvTimeMs },
      owned.byteLength + ops.byteLength + dict.byteLength,
      [owned.buffer as ArrayBuffer, ops.buffer as ArrayBuffer, dict.buffer as ArrayBuffer],
    );
  }

  /** Waits until every queue is empty or `timeoutMs` passed; then stops the thread. Returns whether all was sent. */
  async close(timeoutMs = 5_000): Promise<boolean> {
    const worker = this.worker;
    if (worker === undefined || this.closing) return true;
    this.closing = true;
    // The thread is unref'd while running; waiting for its answer must keep the process alive.
    worker.ref();
    const ok = await new Promise<boolean>((resolve) => {
      const guard = setTimeout(() => resolve(false), timeoutMs + 2_000);
      this.onClosed = (answer) => {
        clearTimeout(guard);
        resolve(answer);
      };
      worker.postMessage({ t: 'close', timeoutMs } satisfies ToForwardWorker);
    });
    this.worker = undefined;
    await worker.terminate();
    return ok;
  }

  private accepting(): boolean {
    return this.worker !== undefined && !this.closing;
  }

  private post(message: ToForwardWorker, bytes: number, transfer: ArrayBuffer[]): void {
    if (this.pendingBytes + bytes > this.maxQueueBytes) {
      this.dropped(bytes);
      return;
    }
    this.pendingBytes += bytes;
    this.refresh();
    // A buffer listed twice (ops and dict never share one, but be safe) would make postMessage throw.
    this.worker!.postMessage(message, [...new Set(transfer)]);
  }

  /** Counts a request dropped before reaching the thread; logs at most one line per 10 s about it. */
  private dropped(bytes: number): void {
    this.droppedHere++;
    this.refresh();
    const now = Date.now();
    if (now - this.lastDropLogMs < 10_000) return;
    this.lastDropLogMs = now;
    this.options.logger?.warn(
      { bytes, pendingBytes: this.pendingBytes, droppedSoFar: this.droppedHere },
      'forwarding dropped a request: the forwarding thread is behind',
    );
  }

  private spawn(): Worker {
    const { entry, eval: isEval } = workerEntry();
    const data: ForwardWorkerData = {
      targets: this.targets,
      maxQueueBytes: this.options.maxQueueBytes,
      maxAgeMs: this.options.maxAgeMs,
      concurrency: this.options.concurrency,
    };
    const worker = new Worker(entry, { eval: isEval, workerData: data, name: 'meterline-forward' });
    worker.unref();
    worker.on('message', (m: FromForwardWorker) => {
      if (m.t === 'log') {
        this.options.logger?.[m.level](m.obj, m.msg);
        return;
      }
      this.thread = m.stats;
      this.pendingBytes = m.t === 'closed' ? 0 : Math.max(0, this.pendingBytes - m.takenBytes);
      if (m.t === 'stats' && this.options.onRecordBuffer !== undefined)
        for (const buffer of m.recordBuffers) this.options.onRecordBuffer(buffer);
      this.refresh();
      if (m.t === 'closed') this.onClosed?.(m.ok);
    });
    worker.on('error', (err) => {
      // A crashed thread loses what it held (forwarding is best effort); a new one takes over.
      this.options.logger?.error(
        { err: err.stack ?? String(err) },
        'forwarding thread crashed: restarting it',
      );
      this.base.sent += this.thread.sent;
      this.base.retried += this.thread.retried;
      this.base.dropped += this.thread.dropped + this.thread.queued;
      this.thread = zeroStats();
      this.pendingBytes = 0;
      this.refresh();
      if (!this.closing) this.worker = this.spawn();
      else this.onClosed?.(false);
    });
    return worker;
  }

  /** Recomputes {@link stats}: earlier threads + the current one + what was dropped before the channel. */
  private refresh(): void {
    const t = this.thread;
    this.stats.sent = this.base.sent + t.sent;
    this.stats.retried = this.base.retried + t.retried;
    this.stats.dropped = this.base.dropped + this.droppedHere + t.dropped;
    this.stats.queued = t.queued;
    this.stats.queuedBytes = t.queuedBytes + this.pendingBytes;
  }
}

function zeroStats(): ForwardStats {
  return { sent: 0, retried: 0, dropped: 0, queued: 0, queuedBytes: 0 };
}

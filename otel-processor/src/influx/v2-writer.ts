/**
 * The InfluxDB 2.x/3.x write path (`POST /api/v2/write?org=&bucket=&precision=` with
 * `Authorization: Token …`) through the official `@influxdata/influxdb-client`, fed with lines already
 * encoded by this folder's encoders.
 *
 * The library's own buffering, timers and retry buffer are switched off: each call sends its batches
 * and resolves or rejects when InfluxDB has answered, and retries use the same bounded backoff as the v1
 * client, so both paths behave alike and nothing is retried behind the caller's back.
 *
 * @packageDocumentation
 */
import { HttpError, InfluxDB, type WriteApi } from '@influxdata/influxdb-client';
import { InfluxWriteError, isRetryableStatus, parseRetryAfter } from './errors';
import { DEFAULT_PRECISION, type Precision } from './line-protocol';
import { withRetry, type RetryOptions } from './retry';
import { DEFAULT_BATCH_SIZE, DEFAULT_TIMEOUT_MS, findNamedLine, splitBatches } from './v1-client';

/** Connection and behaviour of a {@link V2Writer}. */
export interface V2WriterOptions {
  url: string;
  org: string;
  bucket: string;
  token: string;
  /** Precision of the timestamps in the lines (default `ms`). */
  precision?: Precision;
  /** Lines per request (default 5000). */
  batchSize?: number;
  timeoutMs?: number;
  retry?: RetryOptions;
}

// Network errors the library surfaces with a `code` that are worth retrying.
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'ESOCKETTIMEDOUT',
]);

/** Writes pre-encoded line protocol to InfluxDB 2.x/3.x. */
export class V2Writer {
  private readonly api: WriteApi;
  private readonly batchSize: number;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: V2WriterOptions) {
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    splitBatches([], this.batchSize); // validates
    const influx = new InfluxDB({
      url: options.url,
      token: options.token,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    this.api = influx.getWriteApi(options.org, options.bucket, options.precision ?? DEFAULT_PRECISION, {
      // One batch is sent per flush(): never auto-flush (its errors would be swallowed), no timer, no
      // library retries (ours wrap each flush), gzip anything but tiny bodies.
      batchSize: this.batchSize + 1,
      maxBatchBytes: Number.POSITIVE_INFINITY,
      flushInterval: 0,
      maxRetries: 0,
      gzipThreshold: 1000,
      // Returning a promise hands the failure to us instead of the library's console logger.
      writeFailed: (error: Error) => Promise.reject(error),
    });
  }

  /**
   * Writes `lines` in batches; resolves when every batch was accepted.
   *
   * @throws InfluxWriteError naming the bucket, the batch, InfluxDB's message and the offending line
   *   when InfluxDB names it.
   */
  write(lines: readonly string[]): Promise<void> {
    if (this.closed)
      return Promise.reject(
        new Error(`v2 writer for bucket ${JSON.stringify(this.options.bucket)} is closed`),
      );
    // Calls share the library's buffer, so they run one after another.
    const run = this.queue.then(() => this.writeNow(lines));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async writeNow(lines: readonly string[]): Promise<void> {
    const batches = splitBatches(lines, this.batchSize);
    for (let b = 0; b < batches.length; b++) {
      const batch = batches[b] as string[];
      const firstLine = b * this.batchSize;
      await withRetry(async () => {
        this.api.writeRecords(batch);
        try {
          await this.api.flush();
        } catch (e) {
          throw this.toError(e, batch, b, batches.length, firstLine);
        }
      }, this.options.retry);
    }
  }

  private toError(
    e: unknown,
    batch: readonly string[],
    b: number,
    n: number,
    firstLine: number,
  ): InfluxWriteError {
    const what = `influx v2 write to bucket ${JSON.stringify(this.options.bucket)} of org ${JSON.stringify(this.options.org)} (batch ${b + 1}/${n}, lines ${firstLine}–${firstLine + batch.length - 1})`;
    const details: InfluxWriteError['details'] = { target: this.options.bucket, batchIndex: b, firstLine };
    if (e instanceof HttpError) {
      const json = e.json as { message?: unknown } | undefined;
      const serverMessage = typeof json?.message === 'string' ? json.message : (e.body ?? e.message);
      details.serverMessage = serverMessage;
      const dropped = /\bdropped=(\d+)/.exec(serverMessage);
      if (dropped !== null) details.dropped = Number(dropped[1]);
      const named = findNamedLine(serverMessage, batch);
      let where = '';
      if (named !== undefined) {
        details.lineIndex = firstLine + named;
        details.line = batch[named];
        where = ` at line ${details.lineIndex}`;
      }
      const retryAfter = e.headers?.['retry-after'];
      return new InfluxWriteError(
        `${what} failed with HTTP ${e.statusCode}${where}: ${serverMessage}`,
        isRetryableStatus(e.statusCode),
        details,
        e.statusCode,
        parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
        { cause: e },
      );
    }
    const err = e as Error & { code?: string };
    const retryable =
      err.name === 'RequestTimedOutError' ||
      err.name === 'AbortError' ||
      (err.code !== undefined && RETRYABLE_CODES.has(err.code));
    return new InfluxWriteError(
      `${what}: ${err.message}${err.code !== undefined ? ` (${err.code})` : ''}`,
      retryable,
      details,
      undefined,
      undefined,
      {
        cause: e,
      },
    );
  }

  /** Waits for pending writes, then releases the library's resources. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.api.close();
  }
}

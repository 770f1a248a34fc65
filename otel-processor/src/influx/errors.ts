/**
 * Errors raised by the InfluxDB clients. Each one says what was being done (write to which database,
 * which query) and whether retrying could help.
 *
 * @packageDocumentation
 */

/** Base class: an InfluxDB request failed. */
export class InfluxError extends Error {
  constructor(
    message: string,
    /** Whether the same request may succeed if retried (5xx, 429, timeouts, connection errors). */
    readonly retryable: boolean,
    /** HTTP status, when InfluxDB answered. */
    readonly status?: number,
    /** Server-requested delay (`Retry-After`), when given. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'InfluxError';
  }
}

/** A write was rejected or could not be delivered. */
export class InfluxWriteError extends InfluxError {
  constructor(
    message: string,
    retryable: boolean,
    readonly details: {
      /** Target database (v1) or bucket (v2). */
      target: string;
      /** 0-based index of the failing batch, and how many batches came before it (those were written). */
      batchIndex: number;
      /** 0-based index, in the `lines` given to `write`, of the first line of the failing batch. */
      firstLine: number;
      /** InfluxDB's own message (e.g. `partial write: field type conflict: … dropped=1`). */
      serverMessage?: string;
      /** Points InfluxDB reports as dropped (`dropped=N`) in a partial write. */
      dropped?: number;
      /** 0-based index, in the `lines` given to `write`, of the line InfluxDB named, when it named one. */
      lineIndex?: number;
      /** That line's text. */
      line?: string;
    },
    status?: number,
    retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, retryable, status, retryAfterMs, options);
    this.name = 'InfluxWriteError';
  }
}

/** A query failed: HTTP error, or a statement error InfluxDB returned inside a 200 response. */
export class InfluxQueryError extends InfluxError {
  constructor(
    message: string,
    retryable: boolean,
    /** The InfluxQL that failed. */
    readonly query: string,
    /** InfluxDB's own message. */
    readonly serverMessage?: string,
    /** The failing statement, for multi-statement queries. */
    readonly statementId?: number,
    status?: number,
    retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, retryable, status, retryAfterMs, options);
    this.name = 'InfluxQueryError';
  }
}

/** Whether an HTTP status is worth retrying: 408, 429 and 5xx except 501 (not implemented) and 505. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/** Parses `Retry-After` (seconds or an HTTP date) into ms; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null | undefined, now = Date.now()): number | undefined {
  if (header === null || header === undefined || header === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * A client for InfluxDB's v1 HTTP API (`/ping`, `/write`, `/query`), which InfluxDB 1.x serves natively
 * and 2.x/3.x serve for compatibility. Node's built-in `fetch` and `zlib` only.
 *
 * @packageDocumentation
 */
import { gzip as gzipCb } from 'node:zlib';
import { promisify } from 'node:util';
import {
  InfluxError,
  InfluxQueryError,
  InfluxWriteError,
  isRetryableStatus,
  parseRetryAfter,
} from './errors';
import { DEFAULT_PRECISION, type Precision } from './line-protocol';
import { escapeIdentifier } from './influxql';
import { parseQueryResponse, type InfluxSeries, type StatementResult } from './query-result';
import { withRetry, type RetryOptions } from './retry';

const gzip = promisify(gzipCb);

/** Lines per write request unless configured: InfluxDB recommends batches of 5,000–10,000 points. */
export const DEFAULT_BATCH_SIZE = 5000;
/** Per-request timeout unless configured. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Connection and behaviour of a {@link V1Client}. */
export interface V1ClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8086` (a path prefix is kept). */
  url: string;
  /** Default database for writes and queries. */
  database?: string;
  /** Default retention policy for writes. */
  retentionPolicy?: string;
  /** v1 credentials. */
  username?: string;
  password?: string;
  /** How to send `username`/`password`: an `Authorization: Basic` header (default) or `u`/`p` parameters. */
  authMode?: 'basic' | 'params';
  /** A token (InfluxDB 2.x/3.x v1 compatibility): sent as `Authorization: Token …`. */
  token?: string;
  /** Lines per write request (default 5000; 5,000–10,000 recommended). */
  batchSize?: number;
  /** Per-request timeout in ms (default 10000). */
  timeoutMs?: number;
  /**
   * Gzip write bodies. Default: yes, unless the server is on a loopback address (`localhost`,
   * `127.0.0.0/8`, `::1`), where compressing costs CPU the server needs and saves no network.
   */
  gzip?: boolean;
  /** Retry policy for 5xx/429/timeouts/connection errors. */
  retry?: RetryOptions;
  /** `fetch` implementation (default: the global one). */
  fetch?: typeof fetch;
}

/** Whether `url` names a loopback host. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Options of one {@link V1Client.write}. */
export interface WriteOptions {
  db?: string;
  rp?: string;
  /** Precision of the timestamps in `lines` (default `ms`, as the encoders in this folder default to). */
  precision?: Precision;
  batchSize?: number;
}

/** Options of one {@link V1Client.query}. */
export interface QueryOptions {
  db?: string;
  rp?: string;
  /** Return times as epoch numbers in this unit instead of RFC 3339 strings (`ns` times become bigint). */
  epoch?: 'ns' | 'u' | 'ms' | 's' | 'm' | 'h';
}

/** A retention policy to create or align (see {@link V1Client.ensureDatabase}). */
export interface RetentionPolicySpec {
  name: string;
  /** InfluxQL duration such as `30d`, `4w`, `INF` (default `INF`). */
  duration?: string;
  /** Default 1. */
  replication?: number;
  /** InfluxQL duration of shard groups; server default when absent. */
  shardDuration?: string;
  /** Make it the database's default (default true). */
  makeDefault?: boolean;
}

/** Splits `lines` into consecutive batches of at most `size`. */
export function splitBatches<T>(lines: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`batch size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < lines.length; i += size) out.push(lines.slice(i, i + size));
  return out;
}

const DURATION = /^(INF|(\d+(ns|u|µ|ms|s|m|h|d|w))+)$/;

function checkDuration(what: string, d: string): string {
  if (!DURATION.test(d))
    throw new RangeError(`${what}: ${JSON.stringify(d)} is not an InfluxQL duration (e.g. 30d, 4w, INF)`);
  return d;
}

/**
 * Finds the line InfluxDB complained about: 2.x/3.x name a 1-based `line N` of the request body; 1.x
 * quotes the line (`unable to parse '<line>': …`). Returns the 0-based index within `batch`.
 */
export function findNamedLine(serverMessage: string, batch: readonly string[]): number | undefined {
  const m = /\bline (\d+)\b/.exec(serverMessage);
  if (m !== null) {
    const n = Number(m[1]) - 1;
    if (n >= 0 && n < batch.length) return n;
  }
  if (serverMessage.includes('unable to parse')) {
    for (let i = 0; i < batch.length; i++) {
      if (serverMessage.includes(`unable to parse '${batch[i]}'`)) return i;
    }
  }
  return undefined;
}

function shorten(s: string, max = 300): string {
  return s.length > max ? s.slice(0, max) + '…' : s;
}

/** A client for InfluxDB's v1 HTTP API. */
export class V1Client {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;
  private readonly headers: Record<string, string> = {};
  private readonly authParams: Record<string, string> = {};
  readonly batchSize: number;
  readonly timeoutMs: number;

  constructor(private readonly options: V1ClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new TypeError(`influx url ${JSON.stringify(options.url)} is not a valid URL`);
    }
    this.base = parsed.href.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    splitBatches([], this.batchSize); // validates
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (options.token !== undefined && options.token !== '') {
      this.headers['authorization'] = `Token ${options.token}`;
    } else if (options.username !== undefined && options.username !== '') {
      if (options.authMode === 'params') {
        this.authParams['u'] = options.username;
        this.authParams['p'] = options.password ?? '';
      } else {
        const cred = Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64');
        this.headers['authorization'] = `Basic ${cred}`;
      }
    }
  }

  private endpoint(path: string, params: Record<string, string | undefined>): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...this.authParams, ...params })) if (v !== undefined) qs.set(k, v);
    const s = qs.toString();
    return `${this.base}${path}${s === '' ? '' : '?' + s}`;
  }

  /** One HTTP exchange; network failures and timeouts become retryable {@link InfluxError}s. */
  private async send(
    what: string,
    url: string,
    init: RequestInit,
  ): Promise<{ status: number; body: string; headers: Headers }> {
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        ...init,
        headers: { ...this.headers, ...(init.headers as Record<string, string> | undefined) },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const body = await res.text();
      return { status: res.status, body, headers: res.headers };
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      const reason =
        err.name === 'TimeoutError' || err.name === 'AbortError'
          ? `timed out after ${this.timeoutMs} ms`
          : `${err.message}${err.cause?.code !== undefined ? ` (${err.cause.code})` : err.cause?.message !== undefined ? ` (${err.cause.message})` : ''}`;
      throw new InfluxError(`${what}: ${reason}`, true, undefined, undefined, { cause: e });
    }
  }

  /** `GET /ping`; resolves with the server version header (e.g. `1.6.7~rc0`), throws when unreachable. */
  async ping(): Promise<{ version: string }> {
    const res = await this.send(`ping ${this.base}`, this.endpoint('/ping', {}), { method: 'GET' });
    if (res.status !== 204 && res.status !== 200) {
      throw new InfluxError(
        `ping ${this.base}: HTTP ${res.status} ${shorten(res.body)}`,
        isRetryableStatus(res.status),
        res.status,
      );
    }
    return { version: res.headers.get('x-influxdb-version') ?? 'unknown' };
  }

  /**
   * Writes line-protocol `lines` in batches of `batchSize`, gzipped, retrying each batch on 5xx, 429,
   * timeouts and connection errors (safe: a rewritten point overwrites itself).
   *
   * @throws InfluxWriteError naming the database, the batch, InfluxDB's message (partial writes
   *   included, with `dropped`) and, when InfluxDB names it, the offending line. Batches before the failing
   *   one were written.
   */
  async write(lines: readonly string[], opts: WriteOptions = {}): Promise<void> {
    const db = opts.db ?? this.options.database;
    if (db === undefined || db === '')
      throw new TypeError('influx write: no database given (opts.db or options.database)');
    const rp = opts.rp ?? this.options.retentionPolicy;
    const precision = opts.precision ?? DEFAULT_PRECISION;
    const size = opts.batchSize ?? this.batchSize;
    const url = this.endpoint('/write', { db, rp: rp === '' ? undefined : rp, precision });
    const batches = splitBatches(lines, size);
    for (let b = 0; b < batches.length; b++) {
      const batch = batches[b] as string[];
      const text = batch.join('\n') + '\n';
      const useGzip = this.options.gzip ?? !isLoopbackUrl(this.options.url);
      const body = useGzip ? await gzip(Buffer.from(text, 'utf8')) : Buffer.from(text, 'utf8');
      const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
      if (useGzip) headers['content-encoding'] = 'gzip';
      const firstLine = b * size;
      const what = `influx write to database ${JSON.stringify(db)} (batch ${b + 1}/${batches.length}, lines ${firstLine}–${firstLine + batch.length - 1})`;
      await withRetry(async () => {
        let res;
        try {
          res = await this.send(what, url, { method: 'POST', headers, body });
        } catch (e) {
          const err = e as InfluxError;
          throw new InfluxWriteError(
            err.message,
            err.retryable,
            { target: db, batchIndex: b, firstLine },
            undefined,
            undefined,
            {
              cause: e,
            },
          );
        }
        if (res.status >= 200 && res.status < 300) return;
        throw this.writeError(what, res, batch, { target: db, batchIndex: b, firstLine });
      }, this.options.retry);
    }
  }

  private writeError(
    what: string,
    res: { status: number; body: string; headers: Headers },
    batch: readonly string[],
    at: { target: string; batchIndex: number; firstLine: number },
  ): InfluxWriteError {
    const serverMessage = serverMessageOf(res.body, res.headers);
    const details: InfluxWriteError['details'] = { ...at, serverMessage };
    const dropped = /\bdropped=(\d+)/.exec(serverMessage);
    if (dropped !== null) details.dropped = Number(dropped[1]);
    const named = findNamedLine(serverMessage, batch);
    let where = '';
    if (named !== undefined) {
      details.lineIndex = at.firstLine + named;
      details.line = batch[named];
      where = ` at line ${details.lineIndex} (${JSON.stringify(shorten(details.line ?? '', 200))})`;
    }
    const partial = serverMessage.includes('partial write')
      ? ' (partial write: the other points were written)'
      : '';
    return new InfluxWriteError(
      `${what} failed with HTTP ${res.status}${where}${partial}: ${shorten(serverMessage, 1000)}`,
      isRetryableStatus(res.status),
      details,
      res.status,
      parseRetryAfter(res.headers.get('retry-after')),
    );
  }

  /**
   * Runs InfluxQL through `POST /query` and returns each statement's result. Integers beyond 2^53 come
   * back as `bigint`. Retries like writes (Meterline only issues idempotent statements).
   *
   * @throws InfluxQueryError naming the query for HTTP errors and for statement errors that InfluxDB
   *   reports inside a 200 response.
   */
  async query(q: string, opts: QueryOptions = {}): Promise<StatementResult[]> {
    const db = opts.db ?? this.options.database;
    const url = this.endpoint('/query', { db: db === '' ? undefined : db, rp: opts.rp, epoch: opts.epoch });
    const what = `influx query ${JSON.stringify(shorten(q))}`;
    return withRetry(async () => {
      let res;
      try {
        res = await this.send(what, url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({ q }).toString(),
        });
      } catch (e) {
        const err = e as InfluxError;
        throw new InfluxQueryError(
          err.message,
          err.retryable,
          q,
          undefined,
          undefined,
          undefined,
          undefined,
          { cause: e },
        );
      }
      if (res.status < 200 || res.status >= 300) {
        const msg = serverMessageOf(res.body, res.headers);
        throw new InfluxQueryError(
          `${what} failed with HTTP ${res.status}: ${shorten(msg, 1000)}`,
          isRetryableStatus(res.status),
          q,
          msg,
          undefined,
          res.status,
          parseRetryAfter(res.headers.get('retry-after')),
        );
      }
      return parseQueryResponse(res.body, q);
    }, this.options.retry);
  }

  /** {@link query}, with the series of all statements in one list. */
  async querySeries(q: string, opts: QueryOptions = {}): Promise<InfluxSeries[]> {
    const results = await this.query(q, opts);
    return results.flatMap((r) => r.series);
  }

  /**
   * Creates `db` if missing (`CREATE DATABASE` is idempotent) and, when `rp` is given, makes sure that
   * retention policy exists and is the default. A bare name creates an `INF` policy if missing and otherwise
   * leaves its duration alone; a {@link RetentionPolicySpec} with a `duration` aligns an existing policy.
   */
  async ensureDatabase(db: string, rp?: string | RetentionPolicySpec): Promise<void> {
    if (db === '') throw new TypeError('ensureDatabase: database name is empty');
    await this.query(`CREATE DATABASE ${escapeIdentifier(db)}`, { db: '' });
    if (rp === undefined || rp === '') return;
    const spec: RetentionPolicySpec = typeof rp === 'string' ? { name: rp } : rp;
    const replication = spec.replication ?? 1;
    if (!Number.isInteger(replication) || replication < 1) {
      throw new RangeError(
        `retention policy ${JSON.stringify(spec.name)}: replication must be a positive integer`,
      );
    }
    const existing = await this.querySeries(`SHOW RETENTION POLICIES ON ${escapeIdentifier(db)}`, { db: '' });
    const names = existing.flatMap((s) => s.values.map((v) => v[s.columns.indexOf('name')]));
    const exists = names.includes(spec.name);
    const target = `${escapeIdentifier(spec.name)} ON ${escapeIdentifier(db)}`;
    const shard =
      spec.shardDuration !== undefined
        ? ` SHARD DURATION ${checkDuration(`retention policy ${JSON.stringify(spec.name)} shard duration`, spec.shardDuration)}`
        : '';
    const dflt = spec.makeDefault === false ? '' : ' DEFAULT';
    if (!exists) {
      const duration = checkDuration(
        `retention policy ${JSON.stringify(spec.name)} duration`,
        spec.duration ?? 'INF',
      );
      await this.query(
        `CREATE RETENTION POLICY ${target} DURATION ${duration} REPLICATION ${replication}${shard}${dflt}`,
        { db: '' },
      );
    } else if (spec.duration !== undefined) {
      const duration = checkDuration(`retention policy ${JSON.stringify(spec.name)} duration`, spec.duration);
      await this.query(
        `ALTER RETENTION POLICY ${target} DURATION ${duration} REPLICATION ${replication}${shard}${dflt}`,
        { db: '' },
      );
    } else if (dflt !== '') {
      await this.query(`ALTER RETENTION POLICY ${target} DEFAULT`, { db: '' });
    }
  }
}

/** InfluxDB's message from an error body (`{"error": …}` on 1.x, `{"message": …}` on 2.x) or header. */
function serverMessageOf(body: string, headers: Headers): string {
  try {
    const j = JSON.parse(body) as { error?: unknown; message?: unknown };
    if (typeof j.error === 'string') return j.error;
    if (typeof j.message === 'string') return j.message;
  } catch {
    // not JSON: fall through
  }
  return body.trim() !== '' ? body.trim() : (headers.get('x-influxdb-error') ?? '(empty response)');
}

/**
 * InfluxDB's v1 `/query` API reached through Grafana's data proxy. The browser only ever talks to
 * `/api/datasources/proxy/uid/<uid>/influx-<auth>/…`; Grafana matches that to a `routes` entry of
 * plugin.json, adds the user/password or token from `secureJsonData`, and forwards to `jsonData.influxUrl`.
 * So no secret is in this file, in the page or in its requests.
 *
 * @packageDocumentation
 */
import type { FetchResponse } from '@grafana/runtime';
import { lastValueFrom, type Observable } from 'rxjs';
import type { MeterlineOptions } from '../types';
import type { StatementAnswer } from '../queries/contract';
import { parseAnswer } from '../frames/parse';

/** The part of Grafana's BackendSrv this client uses (tests and the harness provide their own). */
export interface FetchLike {
  fetch<T>(options: {
    url: string;
    method?: string;
    params?: Record<string, string>;
    data?: unknown;
    headers?: Record<string, string>;
    responseType?: 'json' | 'text';
    showErrorAlert?: boolean;
    requestId?: string;
  }): Observable<FetchResponse<T>>;
}

/** An InfluxDB failure, with the statement(s) that caused it so the user sees what ran. */
export class InfluxQueryError extends Error {
  override name = 'InfluxQueryError';
  constructor(
    message: string,
    readonly query: string,
    readonly status?: number,
  ) {
    super(query === '' ? message : `${message}\nQuery: ${query}`);
  }
}

/**
 * The route path of plugin.json for the configured authentication. Anything but `password` or `token`
 * (unset, or an empty `$__env{…}` in provisioning) is the route without credentials.
 */
export function routePath(settings: MeterlineOptions): string {
  const auth = settings.auth;
  return `influx-${auth === 'password' || auth === 'token' ? auth : 'none'}`;
}

/** The database statements run against: the v1 database, or the bucket through 2.x/3.x v1 compatibility. */
export function databaseOf(settings: MeterlineOptions): string {
  return (settings.database ?? '').trim() || (settings.bucket ?? '').trim();
}

/** Runs InfluxQL through the data proxy and parses the answers exactly (int64 money stays exact). */
export class InfluxClient {
  constructor(
    private readonly backend: FetchLike,
    private readonly proxyUrl: string,
    private readonly settings: MeterlineOptions,
  ) {}

  private get base(): string {
    return `${this.proxyUrl}/${routePath(this.settings)}`;
  }

  /**
   * Runs `statements` (joined with `;`, one request) and returns one answer per statement. Throws
   * {@link InfluxQueryError} naming the failing statement for an HTTP error or a statement error.
   * `requestId` lets Grafana cancel a superseded panel request.
   */
  async query(statements: string[], requestId?: string): Promise<StatementAnswer[]> {
    const q = statements.join(';\n');
    const params: Record<string, string> = { epoch: 'ms' };
    const db = databaseOf(this.settings);
    if (db !== '') params.db = db;
    if (this.settings.retentionPolicy) params.rp = this.settings.retentionPolicy;
    let response: FetchResponse<string>;
    try {
      // POST keeps long statements out of URLs (and proxy logs); InfluxDB reads `q` from the form body.
      response = await lastValueFrom(
        this.backend.fetch<string>({
          url: `${this.base}/query`,
          method: 'POST',
          params,
          data: new URLSearchParams({ q }).toString(),
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          responseType: 'text',
          showErrorAlert: false,
          ...(requestId ? { requestId } : {}),
        }),
      );
    } catch (err) {
      throw httpError(err, q);
    }
    const answers = parseAnswer(
      typeof response.data === 'string' ? response.data : JSON.stringify(response.data),
    );
    answers.forEach((a, i) => {
      if (a.error !== undefined) throw new InfluxQueryError(`InfluxDB: ${a.error}`, statements[i] ?? q);
    });
    return answers;
  }

  /** `GET /ping`: the server's version (from `X-Influxdb-Version`), or a thrown error saying what failed. */
  async ping(): Promise<string> {
    try {
      const r = await lastValueFrom(
        this.backend.fetch<string>({
          url: `${this.base}/ping`,
          method: 'GET',
          responseType: 'text',
          showErrorAlert: false,
        }),
      );
      return r.headers?.get?.('X-Influxdb-Version') ?? 'unknown version';
    } catch (err) {
      throw httpError(err, '');
    }
  }
}

interface FetchErrorLike {
  status?: number;
  statusText?: string;
  data?: unknown;
  message?: string;
}

/** What Grafana's data proxy answers (HTTP 400) when the upstream refused the route's credentials. */
const PROXY_AUTH_FAILED = /authentication to data source failed/i;

/**
 * A fetch failure as an {@link InfluxQueryError} with InfluxDB's own message when it sent one. Grafana's
 * proxy hides an upstream 401/403 behind a 400 "Authentication to data source failed": that is reported as
 * the 401 it was, so callers can say which credentials to fix.
 */
function httpError(err: unknown, query: string): InfluxQueryError {
  const e = (err ?? {}) as FetchErrorLike;
  let detail = '';
  if (typeof e.data === 'string') {
    try {
      const parsed = JSON.parse(e.data) as { error?: string; message?: string };
      detail = pickMessage(parsed, e.statusText) ?? e.data;
    } catch {
      detail = e.data;
    }
  } else if (e.data && typeof e.data === 'object') {
    detail = pickMessage(e.data as { error?: string; message?: string }, e.statusText) ?? '';
  }
  let status = e.status;
  if (status === 400 && PROXY_AUTH_FAILED.test(detail)) status = 401;
  const head =
    status === undefined || status === 0
      ? `InfluxDB could not be reached through Grafana's data proxy${e.message ? `: ${e.message}` : ''}`
      : `InfluxDB answered HTTP ${e.status}${e.statusText ? ` ${e.statusText}` : ''}`;
  return new InfluxQueryError(detail ? `${head}: ${detail.trim()}` : head, query, status);
}

/**
 * InfluxDB puts its message in `error`; Grafana's BackendSrv puts the proxy's message in `message` and the
 * status text ("Bad Request") in `error`. The informative one wins.
 */
function pickMessage(d: { error?: string; message?: string }, statusText?: string): string | undefined {
  const error = typeof d.error === 'string' ? d.error : undefined;
  const message = typeof d.message === 'string' ? d.message : undefined;
  if (
    error !== undefined &&
    message !== undefined &&
    (error === statusText || /^[A-Z][a-z]+( [A-Z][a-z]+)*$/.test(error))
  )
    return message;
  return error ?? message;
}

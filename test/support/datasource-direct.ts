/**
 * The Meterline data source class outside Grafana, against a real InfluxDB: its requests to
 * `<proxy>/influx-none/…` go straight to influxd (what Grafana's route without credentials does), and
 * template variables come from a plain map. For tests that check query results, not the browser (the
 * Chromium harness covers loading the built plugin).
 */
import type { DataFrame, DataQueryRequest, Field } from '@grafana/data';
import { dateTime } from '@grafana/data';
import { Observable } from 'rxjs';
import { DataSource } from '../../datasource-plugin/src/datasource';
import type { FetchLike } from '../../datasource-plugin/src/connection/influx-client';
import type { MeterlineOptions, MeterlineQuery } from '../../datasource-plugin/src/types';

export const MIN = 60_000;
const PROXY = '/api/datasources/proxy/uid/meterline';

/** Backend: `<proxy>/influx-none/<path>` → `<influxd>/<path>`, answering like Grafana's BackendSrv. */
export function directBackend(influxUrl: string): FetchLike {
  return {
    fetch<T>(options: Parameters<FetchLike['fetch']>[0]) {
      return new Observable<never>((subscriber) => {
        const prefix = `${PROXY}/influx-none`;
        if (!options.url.startsWith(prefix)) {
          subscriber.error({ status: 404, message: `unexpected URL ${options.url}` });
          return;
        }
        const url = new URL(influxUrl + options.url.slice(prefix.length));
        for (const [k, v] of Object.entries(options.params ?? {})) url.searchParams.set(k, v);
        fetch(url, {
          method: options.method ?? 'GET',
          headers: options.headers,
          body: typeof options.data === 'string' ? options.data : undefined,
        })
          .then(async (r) => {
            const text = await r.text();
            const response = {
              data: text as T,
              status: r.status,
              ok: r.ok,
              headers: r.headers,
              url: url.href,
            };
            if (!r.ok) subscriber.error({ ...response, statusText: r.statusText });
            else {
              subscriber.next(response as never);
              subscriber.complete();
            }
          })
          .catch((err: unknown) => subscriber.error({ status: 0, message: String(err) }));
      });
    },
  };
}

/** A data source whose variables are `vars` (mutable: tests change them between queries). */
export function directDataSource(
  influxUrl: string,
  jsonData: MeterlineOptions,
  vars: Record<string, string | string[]>,
): DataSource {
  /** Grafana's TemplateSrv, reduced to what the data source uses: `$name` / `${name}` from `vars`. */
  const templateSrv = {
    containsTemplate: (t?: string) => /\$\{?\w+\}?/.test(t ?? ''),
    replace(t = '', _scoped?: unknown, format?: unknown) {
      return t.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => {
        const v = vars[name];
        if (v === undefined) return whole;
        if (typeof format === 'function')
          return (format as (v: unknown, variable: unknown) => string)(v, { current: { value: v } });
        return Array.isArray(v) ? v.join(',') : v;
      });
    },
  };
  return new DataSource(
    {
      id: 1,
      uid: 'meterline',
      type: 'meterline-cost-datasource',
      name: 'Meterline',
      url: PROXY,
      access: 'proxy',
      readOnly: false,
      jsonData: { influxUrl, flavor: 'v1', auth: 'none', ...jsonData },
      meta: {} as never,
    },
    templateSrv as never,
    directBackend(influxUrl),
  );
}

/** A query request over [fromMs, toMs] as a dashboard panel would send it. */
export function request<Q extends MeterlineQuery>(
  targets: Q[],
  fromMs: number,
  toMs: number,
  intervalMs = MIN,
): DataQueryRequest<Q> {
  return {
    requestId: 'test',
    interval: `${intervalMs / 1000}s`,
    intervalMs,
    range: {
      from: dateTime(fromMs),
      to: dateTime(toMs),
      raw: { from: dateTime(fromMs), to: dateTime(toMs) },
    },
    scopedVars: {},
    targets,
    timezone: 'utc',
    app: 'dashboard',
    startTime: Date.now(),
  };
}

/** Runs one target; throws the data source's error message when the query failed. */
export async function runQuery(
  ds: DataSource,
  target: Partial<MeterlineQuery> & Record<string, unknown>,
  fromMs: number,
  toMs: number,
  intervalMs = MIN,
): Promise<DataFrame[]> {
  const response = await new Promise<{ data: DataFrame[]; errors?: Array<{ message?: string }> }>(
    (resolve, reject) =>
      ds.query(request([{ refId: 'A', ...target } as MeterlineQuery], fromMs, toMs, intervalMs)).subscribe({
        next: (r) => resolve(r as never),
        error: reject,
      }),
  );
  if (response.errors?.length) throw new Error(response.errors.map((e) => e.message).join('; '));
  return response.data;
}

export const fieldOf = (frame: DataFrame, pred: (f: Field) => boolean): Field | undefined =>
  frame.fields.find(pred);
export const timeField = (frame: DataFrame): Field => fieldOf(frame, (f) => f.type === 'time')!;
export const valueField = (frame: DataFrame): Field => fieldOf(frame, (f) => f.type === 'number')!;
export const labelsOf = (frame: DataFrame): Record<string, string> => valueField(frame)?.labels ?? {};

/** An exact nano-unit amount as the double nearest its decimal value (what a display can show). */
export function decimal(nano: bigint): number {
  const neg = nano < 0n;
  const abs = neg ? -nano : nano;
  return Number(
    `${neg ? '-' : ''}${abs / 1_000_000_000n}.${(abs % 1_000_000_000n).toString().padStart(9, '0')}`,
  );
}

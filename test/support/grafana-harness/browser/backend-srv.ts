/**
 * The page's `BackendSrv` (what `getBackendSrv()` returns inside Grafana): `fetch(options)` performs a real
 * `fetch()` against the harness server, so a data source's `${instanceSettings.url}/<route>/…` goes through
 * the data proxy emulation. Mirrors Grafana's `public/app/core/services/backend_srv.ts` and
 * `core/utils/fetch.ts` where plugins can tell: params serialised (undefined and empty values dropped),
 * `accept` and JSON `content-type` defaults, object bodies as JSON or form data, `Authorization` moved to
 * `X-DS-Authorization` for local URLs, the body parsed per `responseType` (none: JSON if it parses, else
 * text), and errors as `FetchError`s whose `data.message` is filled the way Grafana fills it.
 */
import type { BackendSrv, BackendSrvRequest, FetchError, FetchResponse } from '@grafana/runtime';
import { Observable, lastValueFrom } from 'rxjs';

function serializeParams(data: Record<string, unknown>): string {
  return Object.keys(data)
    .map((key) => {
      const value = data[key];
      if (Array.isArray(value)) {
        return value.map((v) => `${encodeURIComponent(key)}=${encodeURIComponent(String(v))}`).join('&');
      }
      return `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`;
    })
    .join('&');
}

function urlFromOptions(options: BackendSrvRequest): string {
  if (options.params === undefined) return options.url;
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options.params)) {
    if (v === undefined || (v !== null && (v as { length?: number }).length === 0)) continue;
    clean[k] = v;
  }
  const serialized = serializeParams(clean);
  return serialized.length > 0 ? `${options.url}?${serialized}` : options.url;
}

const isLocalUrl = (url: string) => !/^https?:\/\//i.test(url);

async function parseBody(
  response: Response,
  responseType: BackendSrvRequest['responseType'],
): Promise<unknown> {
  switch (responseType) {
    case 'arraybuffer':
      return response.arrayBuffer();
    case 'blob':
      return response.blob();
    case 'json':
      if (response.headers.get('Content-Length') === '0') return {};
      return response.json();
    case 'text':
      return response.text();
    default: {
      const text = await response.text();
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    }
  }
}

/** Grafana's `processRequestError`: string bodies become `{ message }`, `error` copied to `message`. */
function toFetchError(err: FetchError): FetchError {
  let data = err.data ?? { message: 'Unexpected error' };
  if (typeof data === 'string') data = { message: data, error: err.statusText, response: data };
  if (data && typeof data === 'object' && !data.message && typeof data.error === 'string') {
    data.message = data.error;
  }
  return { ...err, data };
}

/** One request to the harness server, as Grafana's BackendSrv would make it. */
async function request(options: BackendSrvRequest, signal: AbortSignal): Promise<FetchResponse> {
  const config: BackendSrvRequest = { ...options, method: options.method ?? 'GET' };
  const headers = new Headers((config.headers ?? {}) as Record<string, string>);
  if (isLocalUrl(config.url)) {
    headers.set('X-Grafana-Org-Id', '1');
    const auth = headers.get('Authorization');
    if (auth !== null) {
      headers.set('X-DS-Authorization', auth);
      headers.delete('Authorization');
    }
  }
  const method = (config.method ?? 'GET').toLowerCase();
  if (['post', 'put', 'patch'].includes(method) && !headers.has('content-type')) {
    headers.set('content-type', 'application/json');
  }
  if (!headers.has('accept')) headers.set('accept', 'application/json, text/plain, */*');
  const isJson = (headers.get('content-type') ?? '').toLowerCase() === 'application/json';
  let body: RequestInit['body'];
  if (config.data && typeof config.data !== 'string') {
    body = isJson ? JSON.stringify(config.data) : new URLSearchParams(config.data as Record<string, string>);
  } else if (typeof config.data === 'string' && config.data !== '') {
    body = config.data;
  }
  const url = urlFromOptions(config);
  let response: Response;
  try {
    response = await fetch(url, {
      method: config.method,
      headers,
      body,
      credentials: config.credentials ?? 'same-origin',
      signal: config.abortSignal ?? signal,
    });
  } catch (e) {
    const message = (e as Error).message;
    throw toFetchError({
      status: 0,
      statusText: message,
      data: { message },
      config,
      cancelled: signal.aborted,
    });
  }
  const data = await parseBody(response, config.responseType);
  const result: FetchResponse = {
    data,
    status: response.status,
    statusText: response.statusText,
    ok: response.ok,
    headers: response.headers,
    redirected: response.redirected,
    type: response.type,
    url: response.url,
    config,
  };
  if (!response.ok) {
    throw toFetchError({ status: response.status, statusText: response.statusText, data, config });
  }
  return result;
}

/** The BackendSrv the harness installs with `setBackendSrv`. */
export function createBackendSrv(): BackendSrv {
  const fetchObs = <T>(options: BackendSrvRequest): Observable<FetchResponse<T>> =>
    new Observable<FetchResponse<T>>((subscriber) => {
      const controller = new AbortController();
      request(options, controller.signal).then(
        (r) => {
          subscriber.next(r as FetchResponse<T>);
          subscriber.complete();
        },
        (e: unknown) => subscriber.error(e),
      );
      return () => controller.abort();
    });
  const data = async <T>(options: BackendSrvRequest): Promise<T> =>
    (await lastValueFrom(fetchObs<T>(options))).data;
  return {
    fetch: fetchObs,
    get: (url, params, requestId, options) => data({ ...options, url, params, requestId, method: 'GET' }),
    delete: (url, body, options) => data({ ...options, url, data: body, method: 'DELETE' }),
    post: (url, body, options) => data({ ...options, url, data: body, method: 'POST' }),
    patch: (url, body, options) => data({ ...options, url, data: body, method: 'PATCH' }),
    put: (url, body, options) => data({ ...options, url, data: body, method: 'PUT' }),
    request: (options) => data(options),
    datasourceRequest: (options) => lastValueFrom(fetchObs(options)),
    chunked: () => {
      throw new Error('grafana-harness: BackendSrv.chunked is not emulated');
    },
  } as BackendSrv;
}

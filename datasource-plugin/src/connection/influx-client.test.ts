import { Observable, of, throwError } from 'rxjs';
import { InfluxClient, InfluxQueryError, databaseOf, routePath, type FetchLike } from './influx-client';

type Options = Parameters<FetchLike['fetch']>[0];

function backend(answer: (o: Options) => Observable<unknown>): FetchLike & { calls: Options[] } {
  const calls: Options[] = [];
  return {
    calls,
    fetch(o: Options) {
      calls.push(o);
      return answer(o);
    },
  } as never;
}

const ok = (data: string) =>
  of({ data, status: 200, ok: true, headers: new Headers({ 'X-Influxdb-Version': '1.6.7' }) });

describe('routes and database', () => {
  it('picks the plugin.json route of the configured authentication', () => {
    expect(routePath({})).toBe('influx-none');
    expect(routePath({ auth: 'password' })).toBe('influx-password');
    expect(routePath({ auth: 'token' })).toBe('influx-token');
    // An unset environment variable in provisioning gives an empty string: no credentials.
    expect(routePath({ auth: '' as never })).toBe('influx-none');
  });

  it('reads the database, or the bucket through v1 compatibility', () => {
    expect(databaseOf({ database: 'meterline' })).toBe('meterline');
    expect(databaseOf({ bucket: 'costs' })).toBe('costs');
    expect(databaseOf({ database: ' ', bucket: 'costs' })).toBe('costs');
  });
});

describe('InfluxClient.query', () => {
  it('POSTs the statements as a form through the proxy route, with db, rp and ms epochs', async () => {
    const b = backend(() => ok('{"results":[{"statement_id":0},{"statement_id":1}]}'));
    const c = new InfluxClient(b, '/api/datasources/proxy/uid/x', {
      auth: 'token',
      database: 'db',
      retentionPolicy: 'rp',
    });
    await c.query(['SELECT 1', 'SELECT 2']);
    const call = b.calls[0]!;
    expect(call.url).toBe('/api/datasources/proxy/uid/x/influx-token/query');
    expect(call.method).toBe('POST');
    expect(call.params).toEqual({ epoch: 'ms', db: 'db', rp: 'rp' });
    expect(new URLSearchParams(call.data as string).get('q')).toBe('SELECT 1;\nSELECT 2');
    expect(call.responseType).toBe('text');
    // The browser side never adds credentials: the proxy route does.
    expect(call.headers).toEqual({ 'Content-Type': 'application/x-www-form-urlencoded' });
  });

  it('keeps int64 sums exact', async () => {
    const b = backend(() =>
      ok(
        '{"results":[{"statement_id":0,"series":[{"name":"cost","columns":["time","sum"],"values":[[0,9007199254740993]]}]}]}',
      ),
    );
    const [a] = await new InfluxClient(b, '/p', {}).query(['SELECT SUM("amount_nano") FROM "cost"']);
    expect(a!.series![0]!.values[0]![1]).toBe(9007199254740993n);
  });

  it('names the failing statement when InfluxDB reports a statement error', async () => {
    const b = backend(() =>
      ok('{"results":[{"statement_id":0},{"statement_id":1,"error":"field not found"}]}'),
    );
    const err = await new InfluxClient(b, '/p', {})
      .query(['SELECT 1', 'SELECT "x"'])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfluxQueryError);
    expect((err as Error).message).toBe('InfluxDB: field not found\nQuery: SELECT "x"');
  });

  it('turns an HTTP error into InfluxDB’s message with the query', async () => {
    const b = backend(() =>
      throwError(() => ({
        status: 400,
        statusText: 'Bad Request',
        data: '{"error":"error parsing query: found FROM"}',
      })),
    );
    const err = (await new InfluxClient(b, '/p', {})
      .query(['SELECT FROM'])
      .catch((e: unknown) => e)) as InfluxQueryError;
    expect(err.status).toBe(400);
    expect(err.message).toBe(
      'InfluxDB answered HTTP 400 Bad Request: error parsing query: found FROM\nQuery: SELECT FROM',
    );
  });

  it('says when Grafana could not reach InfluxDB at all', async () => {
    const b = backend(() => throwError(() => ({ status: 502, data: { message: 'Bad Gateway' } })));
    await expect(new InfluxClient(b, '/p', {}).query(['SELECT 1'])).rejects.toThrow(
      'InfluxDB answered HTTP 502: Bad Gateway',
    );
  });

  it('sees through Grafana’s proxy hiding an upstream 401 behind a 400', async () => {
    const b = backend(() =>
      throwError(() => ({
        status: 400,
        statusText: 'Bad Request',
        data: { message: 'Authentication to data source failed', error: 'Bad Request' },
      })),
    );
    const err = (await new InfluxClient(b, '/p', {})
      .query(['SHOW MEASUREMENTS'])
      .catch((e: unknown) => e)) as InfluxQueryError;
    expect(err.status).toBe(401);
    expect(err.message).toContain('Authentication to data source failed');
  });
});

describe('InfluxClient.ping', () => {
  it('returns the server version from the ping headers', async () => {
    const b = backend(() => ok(''));
    await expect(new InfluxClient(b, '/p', {}).ping()).resolves.toBe('1.6.7');
    expect(b.calls[0]!.url).toBe('/p/influx-none/ping');
  });
});

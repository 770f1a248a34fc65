import { sendJson, startStub, type StubServer } from '../../../test/support/stub-http';
import { InfluxQueryError, InfluxWriteError } from './errors';
import { V1Client, findNamedLine, isLoopbackUrl, splitBatches } from './v1-client';

const noSleep = { baseDelayMs: 1, random: () => 0, sleep: async () => undefined };

let stub: StubServer | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

function lines(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `m f=${i}i ${i}`);
}

describe('splitBatches', () => {
  it('splits into full batches and a remainder', () => {
    expect(splitBatches(lines(12_001), 5000).map((b) => b.length)).toEqual([5000, 5000, 2001]);
    expect(splitBatches(lines(10_000), 10_000).map((b) => b.length)).toEqual([10_000]);
    expect(splitBatches([], 5000)).toEqual([]);
  });

  it('rejects nonsense sizes', () => {
    expect(() => splitBatches([], 0)).toThrow(/positive integer, got 0/);
    expect(() => new V1Client({ url: 'http://x', batchSize: 1.5 })).toThrow(/1.5/);
  });
});

describe('findNamedLine', () => {
  const batch = ['a f=1i', 'b f="it\'s"', 'c f=x'];
  it('uses a 1-based "line N" when InfluxDB names one', () => {
    expect(
      findNamedLine('failed to parse line protocol: errors encountered on line(s): line 3: bad', batch),
    ).toBe(2);
  });
  it("matches the quoted line of 1.x's unable to parse message", () => {
    expect(findNamedLine("unable to parse 'c f=x': invalid boolean", batch)).toBe(2);
    expect(findNamedLine('partial write: field type conflict dropped=1', batch)).toBeUndefined();
  });
});

describe('V1Client.write', () => {
  it('sends gzipped batches of the configured size to /write with db, rp and precision', async () => {
    stub = await startStub((_req, res) => res.writeHead(204).end());
    const client = new V1Client({
      url: stub.url,
      database: 'meter line',
      retentionPolicy: 'rp1',
      batchSize: 5000,
      gzip: true,
    });
    const all = lines(12_001);
    await client.write(all);
    expect(stub.requests.map((r) => r.body.split('\n').filter(Boolean).length)).toEqual([5000, 5000, 2001]);
    const first = stub.requests[0];
    expect(first?.path).toBe('/write');
    expect(first?.query.get('db')).toBe('meter line');
    expect(first?.query.get('rp')).toBe('rp1');
    expect(first?.query.get('precision')).toBe('ms');
    expect(first?.headers['content-encoding']).toBe('gzip');
    expect(first?.rawBody.length).toBeLessThan(first?.body.length ?? 0);
    expect(stub.requests.flatMap((r) => r.body.split('\n').filter(Boolean))).toEqual(all);
  });

  it('does not compress for a loopback server unless asked to', async () => {
    stub = await startStub((_req, res) => res.writeHead(204).end());
    await new V1Client({ url: stub.url, database: 'db' }).write(lines(3));
    expect(stub.requests[0]?.headers['content-encoding']).toBeUndefined();
    expect(isLoopbackUrl('http://localhost:8086')).toBe(true);
    expect(isLoopbackUrl('http://127.0.0.53:8086')).toBe(true);
    expect(isLoopbackUrl('http://[::1]:8086')).toBe(true);
    expect(isLoopbackUrl('https://influx.example.com')).toBe(false);
    expect(isLoopbackUrl('http://10.0.0.7:8086')).toBe(false);
  });

  it('honours a per-call batch size, precision and uncompressed bodies', async () => {
    stub = await startStub((_req, res) => res.writeHead(204).end());
    const client = new V1Client({ url: stub.url, database: 'db', gzip: false });
    await client.write(lines(25), { batchSize: 10, precision: 'ns' });
    expect(stub.requests.map((r) => r.body.split('\n').filter(Boolean).length)).toEqual([10, 10, 5]);
    expect(stub.requests[0]?.headers['content-encoding']).toBeUndefined();
    expect(stub.requests[0]?.query.get('precision')).toBe('ns');
  });

  it('retries a batch on 5xx and then succeeds', async () => {
    stub = await startStub((_req, res, i) =>
      i < 2 ? sendJson(res, 503, { error: 'busy' }) : res.writeHead(204).end(),
    );
    const retries: number[] = [];
    const client = new V1Client({
      url: stub.url,
      database: 'db',
      retry: { ...noSleep, onRetry: (_e, a) => retries.push(a) },
    });
    await client.write(lines(3));
    expect(stub.requests).toHaveLength(3);
    expect(retries).toEqual([1, 2]);
    expect(new Set(stub.requests.map((r) => r.body)).size).toBe(1);
  });

  it('retries when the connection drops without an answer', async () => {
    stub = await startStub((_req, res, i) => {
      if (i === 0) res.socket?.destroy();
      else res.writeHead(204).end();
    });
    const client = new V1Client({ url: stub.url, database: 'db', retry: noSleep });
    await client.write(lines(2));
    expect(stub.requests).toHaveLength(2);
  });

  it('retries on timeouts', async () => {
    stub = await startStub((_req, res, i) => {
      if (i === 0) setTimeout(() => res.writeHead(204).end(), 500);
      else res.writeHead(204).end();
    });
    const client = new V1Client({ url: stub.url, database: 'db', timeoutMs: 100, retry: noSleep });
    await client.write(lines(2));
    expect(stub.requests).toHaveLength(2);
  });

  it('gives up after maxAttempts, saying what failed', async () => {
    stub = await startStub((_req, res) => sendJson(res, 500, { error: 'engine: disk full' }));
    const client = new V1Client({ url: stub.url, database: 'db', retry: { ...noSleep, maxAttempts: 3 } });
    const err = await client.write(lines(2)).catch((e: unknown) => e);
    expect(stub.requests).toHaveLength(3);
    expect(err).toBeInstanceOf(InfluxWriteError);
    expect((err as Error).message).toMatch(/database "db".*HTTP 500.*disk full/);
  });

  it('does not retry 4xx and names the partial write and the offending line', async () => {
    stub = await startStub((req, res) => {
      const bad = req.body.split('\n')[1];
      sendJson(res, 400, { error: `partial write: unable to parse '${bad}': invalid number dropped=1` });
    });
    const client = new V1Client({ url: stub.url, database: 'db', batchSize: 2, retry: noSleep });
    const input = ['m f=1i', 'm f=1x', 'm f=2i'];
    const err = (await client.write(input).catch((e: unknown) => e)) as InfluxWriteError;
    expect(stub.requests).toHaveLength(1);
    expect(err).toBeInstanceOf(InfluxWriteError);
    expect(err.status).toBe(400);
    expect(err.details).toMatchObject({
      target: 'db',
      batchIndex: 0,
      firstLine: 0,
      dropped: 1,
      lineIndex: 1,
      line: 'm f=1x',
    });
    expect(err.message).toMatch(/HTTP 400 at line 1 \("m f=1x"\) \(partial write.*dropped=1/);
  });

  it('reports line indexes relative to the whole input', async () => {
    stub = await startStub((req, res, i) =>
      i === 0
        ? res.writeHead(204).end()
        : sendJson(res, 400, { error: `unable to parse '${req.body.split('\n')[0]}': bad` }),
    );
    const client = new V1Client({ url: stub.url, database: 'db', batchSize: 2 });
    const err = (await client
      .write(['a f=1', 'b f=1', 'c f=', 'd f=1'])
      .catch((e: unknown) => e)) as InfluxWriteError;
    expect(err.details).toMatchObject({ batchIndex: 1, firstLine: 2, lineIndex: 2, line: 'c f=' });
  });

  it('requires a database', async () => {
    await expect(new V1Client({ url: 'http://127.0.0.1:1' }).write(['m f=1'])).rejects.toThrow(/no database/);
  });

  it('sends basic auth as a header, or as u/p parameters, or a token', async () => {
    stub = await startStub((_req, res) => res.writeHead(204).end());
    await new V1Client({ url: stub.url, database: 'db', username: 'ann', password: 'p:w' }).write(['m f=1']);
    await new V1Client({
      url: stub.url,
      database: 'db',
      username: 'ann',
      password: 'pw',
      authMode: 'params',
    }).write(['m f=1']);
    await new V1Client({ url: stub.url, database: 'db', token: 'tok' }).write(['m f=1']);
    const [basic, params, token] = stub.requests;
    expect(basic?.headers.authorization).toBe(`Basic ${Buffer.from('ann:p:w').toString('base64')}`);
    expect(params?.query.get('u')).toBe('ann');
    expect(params?.query.get('p')).toBe('pw');
    expect(params?.headers.authorization).toBeUndefined();
    expect(token?.headers.authorization).toBe('Token tok');
  });
});

describe('V1Client.query', () => {
  it('POSTs the query and parses big integers exactly', async () => {
    stub = await startStub((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        '{"results":[{"statement_id":0,"series":[{"name":"cost","columns":["time","sum"],"values":[[0,9223372036854775807]]}]}]}',
      );
    });
    const client = new V1Client({ url: stub.url, database: 'db' });
    const series = await client.querySeries('SELECT SUM("amount_nano") FROM "cost"', { epoch: 'ms' });
    expect(series[0]?.values[0]?.[1]).toBe(9223372036854775807n);
    const req = stub.requests[0];
    expect(req?.method).toBe('POST');
    expect(req?.query.get('db')).toBe('db');
    expect(req?.query.get('epoch')).toBe('ms');
    expect(new URLSearchParams(req?.body).get('q')).toBe('SELECT SUM("amount_nano") FROM "cost"');
  });

  it('throws statement errors returned with HTTP 200, naming the query', async () => {
    stub = await startStub((_req, res) =>
      sendJson(res, 200, { results: [{ statement_id: 0, error: 'database not found: x' }] }),
    );
    const err = await new V1Client({ url: stub.url, database: 'x' })
      .query('SELECT 1')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfluxQueryError);
    expect((err as Error).message).toMatch(/query "SELECT 1" failed in statement 0: database not found: x/);
  });

  it('throws HTTP errors naming the query, without retrying 4xx', async () => {
    stub = await startStub((_req, res) => sendJson(res, 400, { error: 'error parsing query: found EOF' }));
    const err = await new V1Client({ url: stub.url, retry: noSleep })
      .query('SELECT')
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /query "SELECT" failed with HTTP 400: error parsing query: found EOF/,
    );
    expect(stub.requests).toHaveLength(1);
  });

  it('reports an unreachable server as a retryable error after bounded attempts', async () => {
    stub = await startStub((_req, res) => res.end());
    const url = stub.url;
    await stub.close();
    stub = undefined;
    let attempts = 0;
    const err = await new V1Client({ url, retry: { ...noSleep, maxAttempts: 2, onRetry: () => attempts++ } })
      .ping()
      .catch((e: unknown) => e);
    expect(attempts).toBe(0); // ping does not retry: it is the health check
    expect((err as Error).message).toMatch(/ping http:\/\/127\.0\.0\.1:\d+: fetch failed \(ECONNREFUSED\)/);
  });
});

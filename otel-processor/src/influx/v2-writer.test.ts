import { sendJson, startStub, type StubServer } from '../../../test/support/stub-http';
import { InfluxWriteError } from './errors';
import { V2Writer } from './v2-writer';

const noSleep = { baseDelayMs: 1, random: () => 0, sleep: async () => undefined };

let stub: StubServer | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

describe('V2Writer', () => {
  it('writes to /api/v2/write with org, bucket, precision and the token', async () => {
    stub = await startStub((_req, res) => res.writeHead(204).end());
    const writer = new V2Writer({
      url: stub.url,
      org: 'my org',
      bucket: 'cost/b',
      token: 's3cret',
      batchSize: 2,
    });
    await writer.write(['m f=1i 1', 'm f=2i 2', 'm f=3i 3']);
    await writer.close();
    expect(stub.requests).toHaveLength(2);
    const r = stub.requests[0];
    expect(r?.method).toBe('POST');
    expect(r?.path).toBe('/api/v2/write');
    expect(r?.query.get('org')).toBe('my org');
    expect(r?.query.get('bucket')).toBe('cost/b');
    expect(r?.query.get('precision')).toBe('ms');
    expect(r?.headers.authorization).toBe('Token s3cret');
    expect(stub.requests.map((q) => q.body)).toEqual(['m f=1i 1\nm f=2i 2', 'm f=3i 3']);
  });

  it('retries 503 and surfaces 4xx with the server message and line', async () => {
    stub = await startStub((req, res, i) => {
      if (i === 0) return sendJson(res, 503, { code: 'unavailable', message: 'try later' });
      if (req.body.includes('bad')) {
        return sendJson(res, 400, {
          code: 'invalid',
          message:
            'failed to parse line protocol: errors encountered on line(s): line 2: invalid field format',
        });
      }
      res.writeHead(204).end();
    });
    const writer = new V2Writer({
      url: stub.url,
      org: 'o',
      bucket: 'b',
      token: 't',
      precision: 'ns',
      retry: noSleep,
    });
    await writer.write(['m f=1i 1']);
    expect(stub.requests).toHaveLength(2);
    expect(stub.requests[1]?.query.get('precision')).toBe('ns');
    const err = (await writer
      .write(['m f=1i 1', 'm bad', 'm f=2i 2'])
      .catch((e: unknown) => e)) as InfluxWriteError;
    expect(err).toBeInstanceOf(InfluxWriteError);
    expect(err.status).toBe(400);
    expect(err.retryable).toBe(false);
    expect(err.details).toMatchObject({ target: 'b', lineIndex: 1, line: 'm bad' });
    expect(err.message).toMatch(/bucket "b" of org "o".*HTTP 400 at line 1: failed to parse/);
    await writer.close();
  });

  it('surfaces connection errors after bounded retries', async () => {
    stub = await startStub((_req, res) => res.socket?.destroy());
    let retries = 0;
    const writer = new V2Writer({
      url: stub.url,
      org: 'o',
      bucket: 'b',
      token: 't',
      retry: { ...noSleep, maxAttempts: 3, onRetry: () => retries++ },
    });
    await expect(writer.write(['m f=1i 1'])).rejects.toThrow(InfluxWriteError);
    expect(retries).toBe(2);
    expect(stub.requests).toHaveLength(3);
    await writer.close();
    await expect(writer.write(['m f=1i 1'])).rejects.toThrow(/closed/);
  });
});

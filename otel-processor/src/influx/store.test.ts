import type { InfluxConfig } from '@meterline/cost-model';
import { startStub, type StubServer } from '../../../test/support/stub-http';
import { createInfluxStore, usesV2 } from './store';

const base: InfluxConfig = { url: 'http://127.0.0.1:1', batchSize: 5000, timeoutMs: 1000 };

let stub: StubServer | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

describe('createInfluxStore', () => {
  it('chooses v2 only when org, bucket and token are all set', () => {
    expect(usesV2({ ...base, org: 'o', bucket: 'b', token: 't' })).toBe(true);
    expect(usesV2({ ...base, org: 'o', bucket: 'b', database: 'd' })).toBe(false);
    expect(createInfluxStore({ ...base, database: 'd' }).mode).toBe('v1');
    expect(createInfluxStore({ ...base, org: 'o', bucket: 'b', token: 't' }).mode).toBe('v2');
  });

  it('names what is missing', () => {
    expect(() => createInfluxStore(base)).toThrow(/influx.database.*influx.org/);
    expect(() => createInfluxStore({ ...base, org: 'o', bucket: 'b' })).toThrow(/only org, bucket set/);
  });

  it('v2 writes through /api/v2/write and queries through /query with the token', async () => {
    stub = await startStub((req, res) => {
      if (req.path === '/query') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"results":[{"statement_id":0}]}');
      }
      res.writeHead(204).end();
    });
    const store = createInfluxStore({ ...base, url: stub.url, org: 'o', bucket: 'b', token: 't' });
    await store.ensureReady();
    await store.write(['m f=1i 1']);
    await store.query('SHOW MEASUREMENTS');
    await store.close();
    expect(stub.requests.map((r) => r.path)).toEqual(['/ping', '/api/v2/write', '/query']);
    expect(stub.requests.every((r) => r.headers.authorization === 'Token t')).toBe(true);
    expect(stub.requests[2]?.query.get('db')).toBe('b');
  });
});

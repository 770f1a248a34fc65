/**
 * The InfluxDB layer against a real influxd (Debian's InfluxDB 1.x) started by test/support: cost points
 * written and read back exactly, escaping round trips, idempotent retries, clear write errors, and
 * database/retention-policy bootstrap.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  InfluxWriteError,
  LineProtocolError,
  V1Client,
  createInfluxStore,
  encodeCostPoint,
  encodeLine,
  ident,
  influxql,
  int,
  sanitizeTagValue,
  seriesRows,
  toBigInt,
  type CostPointRow,
  type InfluxStore,
} from '../../otel-processor/src/influx';
import { startInfluxDB, type InfluxInstance } from '../support/influxdb';

let influx: InfluxInstance;

beforeAll(async () => {
  influx = await startInfluxDB();
});

afterAll(async () => {
  await influx?.stop();
});

const BUCKET = Date.UTC(2025, 0, 15, 10, 0);

const baseTags = {
  source: 'telemetry',
  tenant: 'acme',
  team: 'payments',
  center: 'cc-1',
  service: 'checkout',
  version: '1.2.3',
  sku: 'compute.gb_s',
  env: 'prod',
  region: 'eu-west-1',
  attribution: 'rule',
  currency: 'USD',
};

function row(
  over: Omit<Partial<CostPointRow>, 'tags'> & { tags?: Partial<CostPointRow['tags']> } = {},
): CostPointRow {
  return {
    bucketMs: BUCKET,
    amountNano: 1_000n,
    quantity: 1,
    events: 1,
    priceVersion: 'compute.gb_s@2025-01-01',
    ...over,
    tags: { ...baseTags, ...over.tags },
  };
}

async function newStore(
  db: string,
  extra: Partial<Parameters<typeof createInfluxStore>[0]> = {},
): Promise<InfluxStore> {
  const store = createInfluxStore(
    { url: influx.url, database: db, batchSize: 5000, timeoutMs: 5000, ...extra },
    { retry: { baseDelayMs: 10 } },
  );
  await store.ensureReady();
  return store;
}

async function count(store: InfluxStore, where = ''): Promise<number> {
  const [res] = await store.query(`SELECT COUNT("amount_nano") FROM "cost" ${where}`);
  return Number(res?.series[0]?.values[0]?.[1] ?? 0);
}

describe('cost points', () => {
  it('write priced rollups and read them back per the data contract', async () => {
    const store = await newStore('cost_roundtrip');
    const rows = [
      row({ amountNano: 1_500_000_000n, quantity: 0.1, events: 3 }),
      row({ tags: { tenant: 'globex', team: 'search' }, amountNano: 7n, quantity: 1e-7, events: 1 }),
      row({ bucketMs: BUCKET + 60_000, amountNano: 42n, quantity: 123456.789, events: 2 }),
    ];
    await store.write(rows.map((r) => encodeCostPoint(r)));

    const [res] = await store.query(
      'SELECT "amount_nano", "quantity", "events", "price_version" FROM "cost" GROUP BY * ORDER BY time',
      { epoch: 'ms' },
    );
    const got = (res?.series ?? []).flatMap((s) => seriesRows(s));
    got.sort(
      (a, b) =>
        Number(a['time']) - Number(b['time']) || String(a['tenant']).localeCompare(String(b['tenant'])),
    );
    expect(got).toEqual([
      {
        ...baseTags,
        time: BUCKET,
        amount_nano: 1_500_000_000,
        quantity: 0.1,
        events: 3,
        price_version: 'compute.gb_s@2025-01-01',
      },
      {
        ...baseTags,
        tenant: 'globex',
        team: 'search',
        time: BUCKET,
        amount_nano: 7,
        quantity: 1e-7,
        events: 1,
        price_version: 'compute.gb_s@2025-01-01',
      },
      {
        ...baseTags,
        time: BUCKET + 60_000,
        amount_nano: 42,
        quantity: 123456.789,
        events: 2,
        price_version: 'compute.gb_s@2025-01-01',
      },
    ]);

    const fieldTypes = await store.query('SHOW FIELD KEYS FROM "cost"');
    expect(fieldTypes[0]?.series[0]?.values).toEqual([
      ['amount_nano', 'integer'],
      ['events', 'integer'],
      ['price_version', 'string'],
      ['quantity', 'float'],
    ]);
  });

  it('re-writing the same rollup overwrites the same point (idempotent)', async () => {
    const store = await newStore('cost_idempotent');
    const lines = [row(), row({ tags: { tenant: 'globex' } })].map((r) => encodeCostPoint(r));
    await store.write(lines);
    await store.write(lines);
    await store.write([encodeCostPoint(row({ amountNano: 5_000n }))]); // a bucket rewritten with its new total
    expect(await count(store)).toBe(2);
    const [res] = await store.query(influxql`SELECT "amount_nano" FROM "cost" WHERE "tenant" = ${'acme'}`);
    expect(res?.series[0]?.values[0]?.[1]).toBe(5000);
  });

  it('SUM(amount_nano) is exact in nano-units, also beyond 2^53', async () => {
    const store = await newStore('cost_sum');
    // Amounts past 2^53 (a float cannot hold them) whose sum is odd and far past 2^53.
    const amounts = [2n ** 60n + 1n, 2n ** 60n + 3n, 2n ** 55n + 7n, 100_000_001n, 200_000_003n];
    const expected = amounts.reduce((a, b) => a + b, 0n);
    await store.write(
      amounts.map((a, i) => encodeCostPoint(row({ amountNano: a, tags: { service: `svc-${i}` } }))),
    );

    const [sum] = await store.query('SELECT SUM("amount_nano") FROM "cost"');
    expect(toBigInt(sum?.series[0]?.values[0]?.[1])).toBe(expected);

    // Individual values come back exact too.
    const [each] = await store.query('SELECT "amount_nano" FROM "cost" GROUP BY "service"');
    const byService = new Map(
      (each?.series ?? []).map((s) => [s.tags?.['service'], toBigInt(s.values[0]?.[1])]),
    );
    amounts.forEach((a, i) => expect(byService.get(`svc-${i}`)).toBe(a));

    // The reason for the big-int-safe parser: JSON.parse on the same response is wrong.
    const raw = await influx.query('SELECT SUM("amount_nano") FROM "cost"', 'cost_sum');
    const viaJsonParse = raw.results[0]?.series?.[0]?.values[0]?.[1] as number;
    expect(BigInt(viaJsonParse)).not.toBe(expected);
  });

  it('ns precision round-trips timestamps exactly (as bigint with epoch=ns)', async () => {
    const store = createInfluxStore(
      { url: influx.url, database: 'cost_ns', batchSize: 5000, timeoutMs: 5000 },
      { precision: 'ns' },
    );
    await store.ensureReady();
    await store.write([
      encodeLine(
        { measurement: 'cost_exemplar', fields: { amount_nano: 1n }, time: 1736935200123456789n },
        'ns',
      ),
      encodeCostPoint(row(), 'ns'),
    ]);
    const [ex] = await store.query('SELECT * FROM "cost_exemplar"', { epoch: 'ns' });
    expect(ex?.series[0]?.values[0]?.[0]).toBe(1736935200123456789n);
    const [c] = await store.query('SELECT * FROM "cost"', { epoch: 'ms' });
    expect(c?.series[0]?.values[0]?.[0]).toBe(BUCKET);
  });
});

describe('escaping round trips', () => {
  const tricky = [
    'with space',
    'comma,inside',
    'equals=sign',
    'double"quote',
    "single'quote",
    'back\\slash',
    'back\\\\two',
    'back\\"quote',
    'quote"\\back',
    "x' OR 1=1 --",
    'a"b',
    'emoji 💸🚀',
    '中文 日本語 한국어',
    'tab\there',
    ' leading and trailing ',
    '#hash',
  ];

  it('tag values, tag keys, field keys, measurements and string fields come back unchanged', async () => {
    const store = await newStore('escaping');
    // A backslash before a quote is fine in tags but not in measurements and field keys (quotes are escaped there).
    const names = tricky.filter((v) => !v.includes('\\"'));
    const lines = names.map((v, i) =>
      encodeLine({
        measurement: `m ${v}`.replace(/^#/, ''),
        tags: { [`tag ${v}`]: v, idx: String(i) },
        fields: { [`field ${v}`]: `${v}\nsecond line\\ "quoted" ${v}`, n: int(i) },
        time: BUCKET + i,
      }),
    );
    await store.write(lines);
    for (const [i, v] of names.entries()) {
      const m = `m ${v}`.replace(/^#/, '');
      const [res] = await store.query(influxql`SELECT * FROM ${ident(m)}`, { epoch: 'ms' });
      const rows = (res?.series ?? []).flatMap(seriesRows);
      expect(rows).toEqual([
        {
          time: BUCKET + i,
          [`tag ${v}`]: v,
          idx: String(i),
          [`field ${v}`]: `${v}\nsecond line\\ "quoted" ${v}`,
          n: i,
        },
      ]);
    }
  });

  it('cost tag values round-trip and InfluxQL string literals select exactly one of them', async () => {
    const store = await newStore('escaping_cost');
    await store.write(
      tricky.map((v, i) => encodeCostPoint(row({ tags: { tenant: v }, amountNano: BigInt(i + 1) }))),
    );
    const [tv] = await store.query('SHOW TAG VALUES FROM "cost" WITH KEY = "tenant"');
    expect((tv?.series[0]?.values ?? []).map((r) => r[1]).sort()).toEqual([...tricky].sort());
    for (const [i, v] of tricky.entries()) {
      const [res] = await store.query(influxql`SELECT "amount_nano" FROM "cost" WHERE "tenant" = ${v}`);
      expect(res?.series[0]?.values).toHaveLength(1);
      expect(res?.series[0]?.values[0]?.[1]).toBe(i + 1);
    }
  });

  it('string fields carry newlines; tag newlines are rejected by the encoder and mapped for cost points', async () => {
    const store = await newStore('escaping_newline');
    const tagWithNewline = 'pay\nments';
    expect(() =>
      encodeLine({ measurement: 'cost', tags: { team: tagWithNewline }, fields: { f: 1 } }),
    ).toThrow(LineProtocolError);
    expect(() =>
      encodeLine({ measurement: 'cost', tags: { team: tagWithNewline }, fields: { f: 1 } }),
    ).toThrow(/tag "team" of measurement "cost".*newline/);

    await store.write([
      encodeCostPoint(
        row({ tags: { team: tagWithNewline, tenant: 'trailing\\' }, priceVersion: 'v1\r\nv2\n' }),
      ),
    ]);
    const [res] = await store.query('SELECT * FROM "cost"');
    const [got] = (res?.series ?? []).flatMap(seriesRows);
    expect(got?.['team']).toBe(sanitizeTagValue(tagWithNewline));
    expect(got?.['team']).toBe('pay\\nments');
    expect(got?.['tenant']).toBe('trailing\uFF3C');
    expect(got?.['price_version']).toBe('v1\r\nv2\n');
  });

  it('a backslash before an escaped character is rejected, and mapped for cost points without merging lines', async () => {
    const store = await newStore('escaping_backslash');
    // InfluxDB reads `\\ ` as an escaped backslash when splitting lines but as an escaped space in tags; with
    // a quote or newline later in the line it would merge this point with the next one.
    expect(() => encodeLine({ measurement: 'cost', tags: { 'x\\ y': '"q' }, fields: { f: 1 } })).toThrow(
      /tag key "x\\\\ y".*backslash right before " "/,
    );
    const odd = row({
      tags: { tenant: 'back\\ slash', team: 'comma\\,back', service: '"q' },
      priceVersion: 'multi\nline',
    });
    const next = row({ tags: { tenant: 'next' }, amountNano: 2n });
    await store.write([encodeCostPoint(odd), encodeCostPoint(next)]);
    const [res] = await store.query(
      'SELECT "amount_nano", "price_version" FROM "cost" GROUP BY "tenant", "team"',
      { epoch: 'ms' },
    );
    const got = (res?.series ?? [])
      .flatMap(seriesRows)
      .sort((a, b) => String(a['tenant']).localeCompare(String(b['tenant'])));
    expect(got).toEqual([
      {
        tenant: 'back\uFF3C slash',
        team: 'comma\uFF3C,back',
        time: BUCKET,
        amount_nano: 1000,
        price_version: 'multi\nline',
      },
      {
        tenant: 'next',
        team: 'payments',
        time: BUCKET,
        amount_nano: 2,
        price_version: 'compute.gb_s@2025-01-01',
      },
    ]);
  });

  it('identifiers with quotes and backslashes are quoted safely', async () => {
    const store = await newStore('escaping_ident');
    await store.write([encodeLine({ measurement: 'a"b\\c', fields: { 'f"\\x': 1.5 }, time: BUCKET })]);
    const [res] = await store.query(influxql`SELECT ${ident('f"\\x')} FROM ${ident('a"b\\c')}`);
    expect(res?.series[0]?.name).toBe('a"b\\c');
    expect(res?.series[0]?.values[0]?.[1]).toBe(1.5);
  });
});

/** A proxy in front of influxd that forwards every request, but spoils the first write's answer. */
async function startFlakyProxy(
  target: string,
  spoil: 'drop' | '503',
): Promise<{ url: string; writes: number; close(): Promise<void> }> {
  const upstream = new URL(target);
  const state = { writes: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const isWrite = (req.url ?? '').startsWith('/write');
      const first = isWrite && state.writes++ === 0;
      const up = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (upRes) => {
          const body: Buffer[] = [];
          upRes.on('data', (c: Buffer) => body.push(c));
          upRes.on('end', () => {
            // The write has landed in InfluxDB at this point; the client just never learns it.
            if (first && spoil === 'drop') return req.socket.destroy();
            if (first && spoil === '503') {
              res.writeHead(503, { 'content-type': 'application/json' });
              return res.end('{"error":"proxy says try again"}');
            }
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      up.on('error', () => res.destroy());
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get writes() {
      return state.writes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('retries', () => {
  it.each(['drop', '503'] as const)(
    'a write retried after its answer was lost (%s) does not duplicate points',
    async (spoil) => {
      const db = `retry_${spoil}`;
      await influx.createDatabase(db);
      const proxy = await startFlakyProxy(influx.url, spoil);
      try {
        const retried: unknown[] = [];
        const store = createInfluxStore(
          { url: proxy.url, database: db, batchSize: 5000, timeoutMs: 5000 },
          { retry: { baseDelayMs: 10, onRetry: (e) => retried.push(e) } },
        );
        const rows = Array.from({ length: 250 }, (_, i) =>
          row({
            tags: { tenant: `t${i % 25}` },
            bucketMs: BUCKET + Math.floor(i / 25) * 60_000,
            amountNano: BigInt(i + 1),
          }),
        );
        await store.write(rows.map((r) => encodeCostPoint(r)));
        expect(proxy.writes).toBe(2);
        expect(retried).toHaveLength(1);
        expect(await count(store)).toBe(250);
        const [sum] = await store.query('SELECT SUM("amount_nano") FROM "cost"');
        expect(toBigInt(sum?.series[0]?.values[0]?.[1])).toBe(BigInt((250 * 251) / 2));
      } finally {
        await proxy.close();
      }
    },
  );
});

describe('write errors', () => {
  it('a field type conflict is a clear, non-retried partial-write error', async () => {
    const store = await newStore('errors_conflict');
    await store.write([encodeCostPoint(row())]);
    const conflicting = [
      encodeCostPoint(row({ tags: { tenant: 'ok-1' } })),
      encodeLine({
        measurement: 'cost',
        tags: { ...baseTags, tenant: 'bad' },
        fields: { amount_nano: 1.5 },
        time: BUCKET,
      }),
      encodeCostPoint(row({ tags: { tenant: 'ok-2' } })),
    ];
    const err = (await store.write(conflicting).catch((e: unknown) => e)) as InfluxWriteError;
    expect(err).toBeInstanceOf(InfluxWriteError);
    expect(err.status).toBe(400);
    expect(err.retryable).toBe(false);
    expect(err.details.dropped).toBe(1);
    expect(err.details.serverMessage).toMatch(/field type conflict.*amount_nano/);
    expect(err.message).toMatch(
      /database "errors_conflict".*HTTP 400.*partial write.*field type conflict.*dropped=1/,
    );
    // The other points of the batch were written.
    expect(await count(store)).toBe(3);
  });

  it('an unparsable line is reported with its index in the input', async () => {
    const client = new V1Client({ url: influx.url, database: 'errors_parse', batchSize: 2 });
    await client.ensureDatabase('errors_parse');
    const lines = ['m f=1i 1', 'm f=2i 2', 'm f=3i 3', 'm f=notanumber 4'];
    const err = (await client.write(lines).catch((e: unknown) => e)) as InfluxWriteError;
    expect(err).toBeInstanceOf(InfluxWriteError);
    expect(err.details).toMatchObject({
      batchIndex: 1,
      firstLine: 2,
      lineIndex: 3,
      line: 'm f=notanumber 4',
    });
    expect(err.message).toMatch(/at line 3 \("m f=notanumber 4"\).*unable to parse/);
  });

  it('a query error returned with HTTP 200 names the query', async () => {
    const client = new V1Client({ url: influx.url });
    await expect(client.query('SELECT * FROM "cost"', { db: 'no_such_db' })).rejects.toThrow(
      /query "SELECT \* FROM \\"cost\\"" failed in statement 0: database not found: no_such_db/,
    );
  });
});

describe('ensureDatabase', () => {
  it('creates the database and a default retention policy, idempotently, and aligns its duration', async () => {
    const client = new V1Client({ url: influx.url });
    await client.ensureDatabase('bootstrap', { name: 'meterline 30d', duration: '30d' });
    await client.ensureDatabase('bootstrap', { name: 'meterline 30d', duration: '30d' });
    const policies = async () => {
      const [s] = await client.querySeries('SHOW RETENTION POLICIES ON "bootstrap"');
      return (s ? seriesRows(s) : []).find((r) => r['name'] === 'meterline 30d');
    };
    expect(await policies()).toMatchObject({ duration: '720h0m0s', default: true });

    await client.ensureDatabase('bootstrap', { name: 'meterline 30d', duration: '4w' });
    expect(await policies()).toMatchObject({ duration: '672h0m0s', default: true });

    // A bare name (what meterline.yaml's influx.retentionPolicy holds) keeps an existing duration.
    await client.ensureDatabase('bootstrap', 'meterline 30d');
    expect(await policies()).toMatchObject({ duration: '672h0m0s', default: true });

    // Writes without an explicit rp land in the default policy (a recent time: 4w retention drops old points).
    const recent = Math.floor(Date.now() / 60_000) * 60_000;
    await client.write([encodeCostPoint(row({ bucketMs: recent }))], { db: 'bootstrap' });
    const [res] = await client.query('SELECT COUNT("amount_nano") FROM "bootstrap"."meterline 30d"."cost"', {
      db: 'bootstrap',
    });
    expect(res?.series[0]?.values[0]?.[1]).toBe(1);
  });

  it('the store bootstraps database and retention policy from config', async () => {
    const store = await newStore('bootstrap_store', { retentionPolicy: 'cost_rp' });
    await store.write([encodeCostPoint(row())]);
    const [res] = await store.query('SHOW RETENTION POLICIES ON "bootstrap_store"');
    const rp = (res?.series[0] ? seriesRows(res.series[0]) : []).find((r) => r['name'] === 'cost_rp');
    expect(rp).toMatchObject({ duration: '0s', default: true });
    expect(await count(store)).toBe(1);
  });
});

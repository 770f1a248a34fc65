/**
 * What a client can send `meterline serve` that is wrong — undecodable, oversized, compressed bombs, bad
 * credentials, invalid items next to valid ones, values that try to break out of InfluxDB line protocol —
 * against one running service (in-process) and a real InfluxDB. Every answer must have the right status
 * and a status message in the request's own content type, the process must stay up, valid items in a
 * partly invalid request must be priced, and InfluxDB must hold exactly the expected series and totals.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createGzip, gzipSync } from 'node:zlib';
import pino from 'pino';
import { loadConfig } from '../../otel-processor/src/config/load';
import { msToNanos, stringKeyValue } from '../../otel-processor/src/otlp/model';
import { types } from '../../otel-processor/src/otlp/schema';
import { MeterlineService } from '../../otel-processor/src/serve/service';
import { startInfluxDB, type InfluxInstance } from '../support/influxdb';
import {
  NANO_PER_ITEM,
  costTotals,
  eventsBy,
  getJson,
  jobsRequest,
  jsonMetrics,
  jsonTraces,
  post,
  protobufMetrics,
  protobufTraces,
  rng,
  serverSpan,
  settledTotals,
  spansRequest,
  tracesRequest,
  uniqueIds,
  writeServeConfig,
  type Answer,
} from '../support/meterline-serve';

jest.setTimeout(60_000);

const TOKEN = 'test-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_CT = { 'content-type': 'application/json' };
const MAX_BODY = 1024 * 1024;
/** Every measurement `meterline serve` may write (ARCHITECTURE.md, InfluxDB data contract). */
const MEASUREMENTS = ['cost', 'cost_event', 'cost_exemplar', 'cost_signal'];

type Status = { code: number; message: string };
type Partial = { rejected: number; errorMessage: string } | undefined;

/** The google.rpc.Status of a failure, decoded from the answer's own content type (which must match). */
function statusOf(a: Answer, expected: 'json' | 'protobuf'): Status {
  const ct = a.headers.get('content-type') ?? '';
  expect(ct.startsWith(expected === 'json' ? 'application/json' : 'application/x-protobuf')).toBe(true);
  if (expected === 'json') return JSON.parse(a.body.toString('utf8')) as Status;
  return types.rpcStatus.toObject(types.rpcStatus.decode(a.body), { defaults: true }) as Status;
}

/** The partial success of a 200 (undefined for full success), from JSON or protobuf. */
function partialOf(a: Answer, signal: 'traces' | 'metrics', format: 'json' | 'protobuf'): Partial {
  expect(a.status).toBe(200);
  const key = signal === 'traces' ? 'rejectedSpans' : 'rejectedDataPoints';
  let msg: { partialSuccess?: Record<string, unknown> };
  if (format === 'json') {
    expect(a.headers.get('content-type')).toMatch(/^application\/json/);
    msg = JSON.parse(a.body.toString('utf8')) as typeof msg;
  } else {
    expect(a.headers.get('content-type')).toMatch(/^application\/x-protobuf/);
    const type = signal === 'traces' ? types.tracesResponse : types.metricsResponse;
    msg = type.toObject(type.decode(a.body), { longs: String, defaults: false }) as typeof msg;
  }
  if (msg.partialSuccess === undefined) return undefined;
  return {
    rejected: Number(msg.partialSuccess[key] ?? 0),
    errorMessage: String(msg.partialSuccess['errorMessage'] ?? ''),
  };
}

/** A gzip body that inflates to `inflatedBytes` zeros, built in 1 MiB steps (never holding it inflated). */
async function gzipBomb(inflatedBytes: number): Promise<Buffer> {
  const chunk = Buffer.alloc(1024 * 1024);
  const chunks = Math.ceil(inflatedBytes / chunk.length);
  return buffer(
    Readable.from(
      (function* () {
        for (let i = 0; i < chunks; i++) yield chunk;
      })(),
    ).pipe(createGzip({ level: 9 })),
  );
}

describe('meterline serve: bad input (in-process service, real InfluxDB)', () => {
  let influx: InfluxInstance;
  let tmp: string;
  let service: MeterlineService;
  let url: string;
  const db = 'bad_input';
  /** Priced items the service accepted: the exact expected total. */
  let expectedItems = 0;

  beforeAll(async () => {
    influx = await startInfluxDB();
    tmp = mkdtempSync(join(tmpdir(), 'meterline-serve-bad-input-'));
    const config = loadConfig(
      writeServeConfig(tmp, influx.url, db, {
        maxBodyBytes: MAX_BODY,
        bearerToken: TOKEN,
        flushIntervalMs: 100,
        checkpointIntervalMs: 300,
      }),
    );
    service = await MeterlineService.start({
      config,
      listen: '127.0.0.1:0',
      walDir: join(tmp, 'wal'),
      logger: pino({ level: process.env['LOG_LEVEL'] ?? 'silent' }),
    });
    url = service.url;
  });
  afterAll(async () => {
    await service?.stop();
    await influx?.stop();
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  });

  const send = (path: string, body: Uint8Array | string, headers: Record<string, string> = PROTOBUF) =>
    post(url, path, body, { ...AUTH, ...headers });

  /** A valid request is still accepted (the process is up and healthy). */
  async function stillServing(): Promise<void> {
    expect((await send('/v1/traces', protobufTraces(spansRequest('alive', 1)))).status).toBe(200);
    expectedItems += 1;
    expect((await getJson(url, '/healthz')).status).toBe(200);
  }

  it('needs the bearer token when one is configured: 401 without or with a wrong one, 200 with it', async () => {
    const body = protobufTraces(spansRequest('auth', 2));
    const none = await post(url, '/v1/traces', body, PROTOBUF);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(statusOf(none, 'protobuf')).toMatchObject({
      code: 16,
      message: 'missing or invalid bearer token',
    });
    const wrong = await post(url, '/v1/traces', jsonTraces(spansRequest('auth', 2)), {
      ...JSON_CT,
      authorization: `Bearer ${TOKEN.slice(0, -1)}x`,
    });
    expect(wrong.status).toBe(401);
    expect(statusOf(wrong, 'json').code).toBe(16);
    const basic = await post(url, '/v1/metrics', body, { ...PROTOBUF, authorization: `Basic ${TOKEN}` });
    expect(basic.status).toBe(401);
    // Health endpoints need no token.
    expect((await getJson(url, '/healthz')).status).toBe(200);
    const ok = await send('/v1/traces', body);
    expect(partialOf(ok, 'traces', 'protobuf')).toBeUndefined();
    expectedItems += 2;
  });

  it('answers 400 with a protobuf Status to truncated and random protobuf (seeded), and stays up', async () => {
    const random = rng(0xbad1);
    const whole = protobufTraces(spansRequest('truncated', 5));
    // One top-level length-delimited field: every proper prefix is undecodable.
    for (let i = 0; i < 25; i++) {
      const cut = 1 + Math.floor(random() * (whole.length - 1));
      const a = await send('/v1/traces', whole.subarray(0, cut));
      expect({ cut, status: a.status }).toEqual({ cut, status: 400 });
      const s = statusOf(a, 'protobuf');
      expect(s.code).toBe(3);
      expect(s.message).toMatch(/^invalid protobuf ExportTraceServiceRequest/);
    }
    let invalid = 0;
    for (let i = 0; i < 40; i++) {
      const bytes = Buffer.from(
        Array.from({ length: 1 + Math.floor(random() * 600) }, () => Math.floor(random() * 256)),
      );
      const path = i % 2 === 0 ? '/v1/traces' : '/v1/metrics';
      const a = await send(path, bytes);
      // Random bytes are occasionally a valid (empty-ish) message: then 200, never anything else.
      expect([200, 400]).toContain(a.status);
      if (a.status === 400) {
        invalid++;
        expect(statusOf(a, 'protobuf').code).toBe(3);
      }
    }
    expect(invalid).toBeGreaterThan(30);
    await stillServing();
  });

  it('answers 400 with a JSON status to invalid JSON and to JSON that is not OTLP', async () => {
    const cases = [
      '{"resourceSpans": [',
      'not json at all',
      '[]',
      '{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "xyz", "spanId": "00f067aa0ba902b7"}]}]}]}',
      '{"resourceSpans": "nope"}',
    ];
    for (const body of cases) {
      const a = await send('/v1/traces', body, JSON_CT);
      expect({ body, status: a.status }).toEqual({ body, status: 400 });
      const s = statusOf(a, 'json');
      expect(s.code).toBe(3);
      expect(s.message).toMatch(/invalid (OTLP )?JSON/);
    }
    await stillServing();
  });

  it('answers 415 to other content types and content encodings', async () => {
    const body = protobufTraces(spansRequest('nope', 1));
    for (const ct of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x']) {
      const a = await send('/v1/traces', body, { 'content-type': ct });
      expect({ ct, status: a.status }).toEqual({ ct, status: 415 });
      expect(statusOf(a, 'json')).toMatchObject({
        code: 12,
        message: expect.stringMatching(/unsupported content type/),
      });
    }
    const noType = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: AUTH,
      body: new Uint8Array(body),
    });
    expect(noType.status).toBe(415);
    await noType.arrayBuffer();
    for (const encoding of ['br', 'deflate', 'zstd']) {
      const pb = await send('/v1/traces', body, { ...PROTOBUF, 'content-encoding': encoding });
      expect({ encoding, status: pb.status }).toEqual({ encoding, status: 415 });
      expect(statusOf(pb, 'protobuf')).toMatchObject({
        code: 12,
        message: expect.stringMatching(/Content-Encoding/),
      });
      const js = await send('/v1/metrics', '{}', { ...JSON_CT, 'content-encoding': encoding });
      expect(js.status).toBe(415);
      expect(statusOf(js, 'json').code).toBe(12);
    }
    await stillServing();
  });

  it('answers 413 to a body over maxBodyBytes', async () => {
    // A valid request, just too large.
    const big = tracesRequest(
      Array.from({ length: 40 }, () =>
        serverSpan('big', { attributes: [stringKeyValue('filler', 'x'.repeat(40_000))] }),
      ),
    );
    const pb = protobufTraces(big);
    expect(pb.length).toBeGreaterThan(MAX_BODY);
    const a = await send('/v1/traces', pb);
    expect(a.status).toBe(413);
    expect(statusOf(a, 'protobuf')).toMatchObject({ code: 8, message: expect.stringMatching(/exceeds/) });
    const js = await send('/v1/traces', jsonTraces(big), JSON_CT);
    expect(js.status).toBe(413);
    expect(statusOf(js, 'json').code).toBe(8);
    // Compressed below the limit but larger once inflated: 413 as well.
    const gz = await send('/v1/traces', gzipSync(pb), { ...PROTOBUF, 'content-encoding': 'gzip' });
    expect(gzipSync(pb).length).toBeLessThan(MAX_BODY);
    expect(gz.status).toBe(413);
    expect(statusOf(gz, 'protobuf').code).toBe(8);
    await stillServing();
  });

  it('answers 413 to a gzip bomb without inflating it (memory stays bounded)', async () => {
    const bomb = await gzipBomb(256 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(MAX_BODY);
    global.gc?.();
    const before = process.memoryUsage();
    for (let i = 0; i < 3; i++) {
      const a = await send('/v1/traces', bomb, { ...PROTOBUF, 'content-encoding': 'gzip' });
      expect(a.status).toBe(413);
      expect(statusOf(a, 'protobuf')).toMatchObject({
        code: 8,
        message: expect.stringMatching(/decompressed body exceeds/),
      });
    }
    const after = process.memoryUsage();
    // Inflating even one bomb would take 256 MiB.
    expect(after.rss - before.rss).toBeLessThan(64 * 1024 * 1024);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(64 * 1024 * 1024);
    await stillServing();
  });

  it('accepts huge attribute values, truncated, and prices the span', async () => {
    const huge = 'h'.repeat(200_000);
    const request = tracesRequest([
      serverSpan('huge-attr', { attributes: [stringKeyValue('http.url', huge)] }),
      serverSpan(`huge-tenant-${'t'.repeat(150_000)}`),
    ]);
    for (const format of ['protobuf', 'json'] as const) {
      // Fresh ids for the second round, so both are priced.
      for (const s of request.resourceSpans[0]!.scopeSpans[0]!.spans) Object.assign(s, uniqueIds());
      const a =
        format === 'protobuf'
          ? await send('/v1/traces', protobufTraces(request))
          : await send('/v1/traces', jsonTraces(request), JSON_CT);
      const partial = partialOf(a, 'traces', format);
      expect(partial).toEqual({
        rejected: 0,
        errorMessage: expect.stringMatching(/2 attribute value\(s\) truncated/),
      });
      expectedItems += 2;
    }
    await stillServing();
  });

  it('accepts strings with invalid UTF-8 (as U+FFFD) in protobuf and JSON', async () => {
    const marker = 'UTF8MARK';
    const request = tracesRequest([serverSpan(`bad-${marker}`)], { service: `svc-${marker}` });
    const pb = Buffer.from(protobufTraces(request));
    // Replace each marker with bytes that are not UTF-8: a lone continuation byte, an overlong form, 0xff.
    const invalid = Buffer.from([0x80, 0xc0, 0xaf, 0xff, 0xfe, 0xed, 0xa0, 0x80]);
    for (let at = pb.indexOf(marker); at >= 0; at = pb.indexOf(marker, at + 1)) invalid.copy(pb, at);
    const a = await send('/v1/traces', pb);
    expect(partialOf(a, 'traces', 'protobuf')).toBeUndefined();
    expectedItems += 1;

    const json = Buffer.from(jsonTraces(tracesRequest([serverSpan(`json-${marker}`)])));
    for (let at = json.indexOf(marker); at >= 0; at = json.indexOf(marker, at + 1)) invalid.copy(json, at);
    const b = await send('/v1/traces', json, JSON_CT);
    expect(partialOf(b, 'traces', 'json')).toBeUndefined();
    expectedItems += 1;
    await stillServing();
  });

  it('rejects invalid spans (zero or far-future times, bad ids) and prices the valid ones of the same request', async () => {
    const now = Date.now();
    const valid = [serverSpan('partial'), serverSpan('partial'), serverSpan('partial')];
    const zeroStart = { ...serverSpan('partial'), startTimeUnixNano: msToNanos(0) };
    const zeroEnd = { ...serverSpan('partial'), endTimeUnixNano: msToNanos(0) };
    const future = serverSpan('partial', { endMs: now + 3 * 3_600_000 });
    const zeroTrace = { ...serverSpan('partial'), traceId: new Uint8Array(16) };
    const shortSpanId = { ...serverSpan('partial'), spanId: new Uint8Array([1, 2, 3]) };
    const request = tracesRequest([
      valid[0]!,
      zeroStart,
      valid[1]!,
      zeroEnd,
      future,
      zeroTrace,
      shortSpanId,
      valid[2]!,
    ]);
    const a = await send('/v1/traces', protobufTraces(request));
    const partial = partialOf(a, 'traces', 'protobuf');
    expect(partial?.rejected).toBe(5);
    expect(partial?.errorMessage).toMatch(/5 spans rejected/);
    expect(partial?.errorMessage).toMatch(/too far in the future/);
    expectedItems += 3;
    // The same in JSON, with fresh ids.
    for (const s of request.resourceSpans[0]!.scopeSpans[0]!.spans)
      if (s.traceId.length === 16 && s.traceId.some((b) => b !== 0) && s.spanId.length === 8)
        Object.assign(s, uniqueIds());
    const b = await send('/v1/traces', jsonTraces(request), JSON_CT);
    expect(partialOf(b, 'traces', 'json')?.rejected).toBe(5);
    expectedItems += 3;
    await stillServing();
  });

  it('rejects NaN, infinite, zero-time and far-future data points and prices the rest (negative values are values)', async () => {
    const now = Date.now();
    const point = (value: number, timeMs = now) => ({
      attributes: [stringKeyValue('job', String(Math.random()))],
      startTimeUnixNano: msToNanos(timeMs - 1000),
      timeUnixNano: msToNanos(timeMs),
      asDouble: value,
    });
    const zeroTime = { ...point(1), startTimeUnixNano: msToNanos(0), timeUnixNano: msToNanos(0) };
    const points = [
      point(1),
      point(NaN),
      point(-5),
      point(Infinity),
      point(-Infinity),
      zeroTime,
      point(2, now + 7_200_000),
      point(0.5),
    ];
    for (const format of ['protobuf', 'json'] as const) {
      const request = jobsRequest(
        'metrics',
        points.map((p) => ({ ...p, attributes: [stringKeyValue('job', `${format}-${Math.random()}`)] })),
      );
      const a =
        format === 'protobuf'
          ? await send('/v1/metrics', protobufMetrics(request))
          : await send('/v1/metrics', jsonMetrics(request), JSON_CT);
      const partial = partialOf(a, 'metrics', format);
      expect(partial?.rejected).toBe(5);
      expect(partial?.errorMessage).toMatch(/5 data points rejected/);
      expectedItems += 3;
    }
    await stillServing();
  });

  it('has exactly the accepted items in InfluxDB, and only the expected measurements', async () => {
    const totals = await settledTotals(influx, db, (t) => t.events >= expectedItems, { stableMs: 500 });
    expect(totals).toEqual({ amountNano: BigInt(expectedItems) * NANO_PER_ITEM, events: expectedItems });
    const tenants = await eventsBy(influx, db, 'tenant');
    expect(tenants.get('partial')?.events).toBe(6);
    expect(tenants.get('metrics')?.events).toBe(6);
    expect(tenants.get('huge-attr')?.events).toBe(2);
    expect(tenants.get('truncated')).toBeUndefined();
    expect([...tenants.keys()].some((t) => t.startsWith('bad-\uFFFD'))).toBe(true);
    const hugeTenant = [...tenants.keys()].find((t) => t.startsWith('huge-tenant-'));
    // 150,000 characters would exceed InfluxDB's 64 KiB series key: cut, with a hash of the whole value.
    expect(hugeTenant).toMatch(/^huge-tenant-t+…#[0-9a-f]{16}$/);
    expect(hugeTenant!.length).toBeLessThanOrEqual(1024);
    expect(tenants.get(hugeTenant!)?.events).toBe(2);
    const measurements = (await influx.query('SHOW MEASUREMENTS', db)).results[0]?.series?.[0]?.values.map(
      (v) => v[0],
    );
    expect(measurements).toContain('cost');
    expect(measurements!.filter((m) => !MEASUREMENTS.includes(m as string))).toEqual([]);
    expect(service.stats.invalid).toBeGreaterThan(30);
    expect(await costTotals(influx, db)).toEqual(totals);
  });
});

describe('meterline serve: line-protocol injection through attribute values (in-process service, real InfluxDB)', () => {
  let influx: InfluxInstance;
  let tmp: string;
  let service: MeterlineService;
  const db = 'injection';

  beforeAll(async () => {
    influx = await startInfluxDB();
    tmp = mkdtempSync(join(tmpdir(), 'meterline-serve-injection-'));
    const config = loadConfig(writeServeConfig(tmp, influx.url, db, { flushIntervalMs: 100 }));
    service = await MeterlineService.start({
      config,
      listen: '127.0.0.1:0',
      walDir: join(tmp, 'wal'),
      logger: pino({ level: process.env['LOG_LEVEL'] ?? 'silent' }),
    });
  });
  afterAll(async () => {
    await service?.stop();
    await influx?.stop();
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  });

  // [value sent, tag value InfluxDB must hold]: newlines are written as `\n` (as the official clients do),
  // a backslash that would escape a delimiter becomes U+FF3C; everything else arrives unchanged.
  const TENANTS: [string, string][] = [
    [
      'acme\nevil,tenant=x amount_nano=999999999i,events=1000i 0',
      'acme\\nevil,tenant=x amount_nano=999999999i,events=1000i 0',
    ],
    ['hacked value=1i\nhacked value=2i', 'hacked value=1i\\nhacked value=2i'],
    ['a,b=c d', 'a,b=c d'],
    [`quote"d 'single'`, `quote"d 'single'`],
    ['"fully quoted"', '"fully quoted"'],
    ['back\\slash', 'back\\slash'],
    ['trailing\\', 'trailing\uFF3C'],
    ['slash\\ space\\,comma\\=eq', 'slash\uFF3C space\uFF3C,comma\uFF3C=eq'],
    ['cr\r\nlf', 'cr\\r\\nlf'],
    ['#not a comment', '#not a comment'],
    [' padded ', ' padded '],
    ['=', '='],
    ['ends with newline\n', 'ends with newline\\n'],
    ['tab\there', 'tab\there'],
    ['ünïcødé ✓ 租户', 'ünïcødé ✓ 租户'],
  ];
  const RESOURCES: { service: string; version: string; tagService: string; tagVersion: string }[] = [
    {
      service: 'svc\ncost,tenant=y amount_nano=1i',
      version: '1.0 "beta"\\',
      tagService: 'svc\\ncost,tenant=y amount_nano=1i',
      tagVersion: '1.0 "beta"\uFF3C',
    },
    {
      service: 'plain, "quoted" = svc',
      version: 'v=1,2 3',
      tagService: 'plain, "quoted" = svc',
      tagVersion: 'v=1,2 3',
    },
  ];

  it('writes no extra measurements, series, tags or fields, and exact totals', async () => {
    let spans = 0;
    const expectedPerTenant = new Map<string, number>();
    for (const [r, res] of RESOURCES.entries()) {
      for (const [i, [tenant, tag]] of TENANTS.entries()) {
        const n = 1 + i + r; // distinct counts, so a mix-up between tenants would show
        const request = tracesRequest(
          Array.from({ length: n }, () => serverSpan(tenant)),
          { service: res.service, version: res.version },
        );
        const body = r === 0 ? protobufTraces(request) : jsonTraces(request);
        const a = await post(service.url, '/v1/traces', body, r === 0 ? PROTOBUF : JSON_CT);
        expect(a.status).toBe(200);
        spans += n;
        expectedPerTenant.set(tag, (expectedPerTenant.get(tag) ?? 0) + n);
      }
    }
    // A deploy of the second service, with a version that tries to break out too.
    const deploy = tracesRequest([serverSpan('a,b=c d')], {
      service: RESOURCES[1]!.service,
      version: 'v2\nx y=1',
    });
    expect((await post(service.url, '/v1/traces', protobufTraces(deploy))).status).toBe(200);
    spans += 1;
    expectedPerTenant.set('a,b=c d', expectedPerTenant.get('a,b=c d')! + 1);

    const totals = await settledTotals(influx, db, (t) => t.events >= spans, { stableMs: 500 });
    expect(totals).toEqual({ amountNano: BigInt(spans) * NANO_PER_ITEM, events: spans });

    const column = async (q: string, last = true): Promise<string[]> =>
      ((await influx.query(q, db)).results[0]?.series ?? [])
        .flatMap((s) => s.values.map((v) => String(last ? v[v.length - 1] : v[0])))
        .sort();
    const measurements = await column('SHOW MEASUREMENTS');
    expect(measurements).toContain('cost');
    expect(measurements.filter((m) => !MEASUREMENTS.includes(m))).toEqual([]);
    expect(await column('SHOW TAG VALUES FROM "cost" WITH KEY = "tenant"')).toEqual(
      [...new Set(TENANTS.map(([, tag]) => tag))].sort(),
    );
    expect(await column('SHOW TAG VALUES FROM "cost" WITH KEY = "service"')).toEqual(
      RESOURCES.map((r) => r.tagService).sort(),
    );
    expect(await column('SHOW TAG VALUES FROM "cost" WITH KEY = "version"')).toEqual(
      [...RESOURCES.map((r) => r.tagVersion), 'v2\\nx y=1'].sort(),
    );
    const tagKeys = await column('SHOW TAG KEYS FROM "cost"');
    expect(
      tagKeys.filter(
        (k) =>
          ![
            'attribution',
            'center',
            'currency',
            'env',
            'region',
            'service',
            'sku',
            'source',
            'team',
            'tenant',
            'version',
          ].includes(k),
      ),
    ).toEqual([]);
    expect(await column('SHOW FIELD KEYS FROM "cost"', false)).toEqual([
      'amount_nano',
      'events',
      'price_version',
      'quantity',
    ]);
    // One series per (tenant, service, version): nothing split or merged.
    const series = await column('SHOW SERIES FROM "cost"');
    expect(series).toHaveLength(TENANTS.length * RESOURCES.length + 1);

    const perTenant = await eventsBy(influx, db, 'tenant');
    expect(new Map([...perTenant].map(([k, v]) => [k, v.events]))).toEqual(expectedPerTenant);
    for (const [, v] of perTenant) expect(v.amountNano).toBe(BigInt(v.events) * NANO_PER_ITEM);
  });
});

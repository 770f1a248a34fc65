/**
 * An InfluxDB outage under load, for real: `meterline serve` as a child process, influxd SIGKILLed and
 * started again on the same port and data directory, clients that behave like the Collector's `otlphttp`
 * exporter (gzip protobuf, retry on 503 after `Retry-After`). A small `walHighWaterBytes` makes the WAL
 * fill up during the outage, so backpressure must kick in; after recovery every acknowledged span is
 * counted exactly once.
 */
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { types } from '../../otel-processor/src/otlp/schema';
import { startInfluxDB, type InfluxInstance } from '../support/influxdb';
import {
  NANO_PER_ITEM,
  costTotals,
  eventsBy,
  getJson,
  post,
  protobufTraces,
  settledTotals,
  sleep,
  spansRequest,
  startServeChild,
  writeServeConfig,
  type ServeChild,
} from '../support/meterline-serve';

const SPANS_PER_REQUEST = 10;

// Real processes: each test stays well under a minute (see the timings in the test names' runs).
jest.setTimeout(60_000);

describe('meterline serve: InfluxDB outage under load (real child process, real InfluxDB)', () => {
  let influx: InfluxInstance;
  let tmp: string;
  let serve: ServeChild | undefined;

  beforeAll(async () => {
    influx = await startInfluxDB();
    tmp = await mkdtemp(join(tmpdir(), 'meterline-serve-outage-'));
  });
  afterAll(async () => {
    await serve?.stop('SIGKILL');
    await influx?.stop();
    if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  });

  it('answers 503 + Retry-After while the WAL is full, reports it on /readyz, and loses or doubles nothing', async () => {
    const db = 'outage';
    const dir = join(tmp, 'svc');
    mkdirSync(dir, { recursive: true });
    const config = writeServeConfig(dir, influx.url, db, {
      flushIntervalMs: 200,
      checkpointIntervalMs: 500,
      walHighWaterBytes: 256 * 1024,
    });
    serve = await startServeChild(config, join(dir, 'wal'));
    const url = serve.url;

    // ---- clients: gzip protobuf, retry after Retry-After on 503, like the Collector's otlphttp exporter.
    let stop = false;
    let ackedSpans = 0;
    const statuses = new Map<number, number>();
    const retryAfters = new Set<string>();
    const unavailableAt: number[] = [];
    const ackedAt: number[] = [];
    const unavailableBodies: Buffer[] = [];
    let resentAfterAck = 0;
    const deliver = async (body: Buffer): Promise<void> => {
      const deadline = Date.now() + 40_000;
      for (;;) {
        const a = await post(url, '/v1/traces', body, { 'content-encoding': 'gzip' }, 10_000);
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        if (a.status === 200) return;
        if (a.status !== 503) throw new Error(`unexpected ${a.status}: ${a.body.toString()}`);
        const retryAfter = a.headers.get('retry-after') ?? '';
        retryAfters.add(retryAfter);
        unavailableAt.push(Date.now());
        if (unavailableBodies.length < 3) unavailableBodies.push(a.body);
        if (Date.now() > deadline) throw new Error('still 503 after 40 s');
        await sleep(Math.min(Number(retryAfter) || 1, 5) * 1000);
      }
    };
    const client = async (c: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const body = gzipSync(protobufTraces(spansRequest(`c${c}`, SPANS_PER_REQUEST)));
        await deliver(body);
        ackedSpans += SPANS_PER_REQUEST;
        ackedAt.push(Date.now());
        // Every 7th request is sent again after its 200, as a collector does when a response is lost.
        if (i % 7 === 3) {
          await deliver(body);
          resentAfterAck++;
        }
        await sleep(20);
      }
    };
    const clients = Array.from({ length: 4 }, (_, c) => client(c));

    let outageStart = 0;
    let outageEnd = 0;
    const scenario = async (): Promise<void> => {
      await sleep(800);
      expect((await getJson(url, '/readyz')).status).toBe(200);
      expect((await settledTotals(influx, db, (t) => t.events > 0, { stableMs: 0 })).events).toBeGreaterThan(
        0,
      );

      // ---- outage: influxd killed
      await influx.kill('SIGKILL');
      outageStart = Date.now();
      // The WAL absorbs the outage until its high-water mark; then backpressure: 503 and not ready.
      const during = () => unavailableAt.filter((t) => t >= outageStart).length;
      let notReady = await getJson(url, '/readyz');
      while ((during() === 0 || notReady.status === 200) && Date.now() - outageStart < 15_000) {
        await sleep(50);
        notReady = await getJson(url, '/readyz');
      }
      expect(during()).toBeGreaterThan(0);
      expect(notReady).toEqual({
        status: 503,
        json: {
          status: 'not ready',
          checks: { wal: 'writable', influx: 'unreachable', walRoom: 'over high-water mark' },
        },
      });
      expect((await getJson(url, '/healthz')).status).toBe(200);
      await sleep(1500);

      // ---- recovery: the same influxd, same port and data directory
      await influx.start();
      outageEnd = Date.now();
      // Ready as soon as InfluxDB answers again; the WAL is back under its mark after the next checkpoint.
      const allOk = (r: { status: number; json: Record<string, unknown> }) =>
        r.status === 200 && JSON.stringify(r.json).includes('"walRoom":"ok"');
      let ready = await getJson(url, '/readyz');
      while (!allOk(ready) && Date.now() - outageEnd < 20_000) {
        if (ready.status === 200) expect(ready.json['checks']).toMatchObject({ influx: 'reachable' });
        await sleep(100);
        ready = await getJson(url, '/readyz');
      }
      expect(ready).toEqual({
        status: 200,
        json: { status: 'ready', checks: { wal: 'writable', influx: 'reachable', walRoom: 'ok' } },
      });
      // Load continues after the recovery.
      const n = ackedAt.length;
      const since = Date.now();
      while (ackedAt.length < n + 20 && Date.now() - since < 5000) await sleep(50);
      expect(ackedAt.length).toBeGreaterThanOrEqual(n + 20);
    };
    try {
      await scenario();
    } catch (err) {
      throw new Error(`${(err as Error).message}\nmeterline serve stderr:\n${serve.stderr().slice(-4000)}`);
    } finally {
      stop = true;
      await Promise.allSettled(clients);
    }
    await Promise.all(clients); // no client gave up or saw anything but 200 and 503

    // Some requests were acknowledged while InfluxDB was down (the WAL took them), some were pushed back.
    expect(ackedAt.filter((t) => t > outageStart && t < outageEnd).length).toBeGreaterThan(0);
    expect([...statuses.keys()].sort()).toEqual([200, 503]);
    // Each 503 named a retry delay in whole seconds and carried a google.rpc.Status UNAVAILABLE in protobuf.
    expect([...retryAfters].every((r) => /^[1-9]\d*$/.test(r))).toBe(true);
    for (const b of unavailableBodies) {
      const status = types.rpcStatus.decode(b) as unknown as { code: number; message: string };
      expect(status.code).toBe(14);
      expect(status.message).toMatch(/high-water/);
    }
    expect(resentAfterAck).toBeGreaterThan(0);

    // Every acknowledged span exactly once: the resends after a 200 are deduplicated, the 503s were not kept.
    const totals = await settledTotals(influx, db, (t) => t.events >= ackedSpans, { stableMs: 800 });
    expect(totals).toEqual({ amountNano: BigInt(ackedSpans) * NANO_PER_ITEM, events: ackedSpans });
    expect([...(await eventsBy(influx, db, 'tenant')).keys()].sort()).toEqual(['c0', 'c1', 'c2', 'c3']);

    // A clean stop after the outage: the final flush and checkpoint succeed.
    expect(await serve.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(await costTotals(influx, db)).toEqual(totals);
  });
});

/**
 * `meterline serve` for real — the CLI as a child process, a real influxd, real HTTP — under retries,
 * restarts and SIGKILL: every acknowledged span is counted exactly once, nothing is double counted.
 *
 * Every priced span costs exactly 400 nano-USD, so `SUM(amount_nano) = 400 × SUM(events)` must hold to the
 * nano, and the expected totals are exact counts of spans.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInfluxDB, type InfluxInstance } from '../support/influxdb';
import {
  NANO_PER_ITEM,
  costTotals,
  eventsBy,
  post,
  protobufTraces,
  rng,
  settledTotals,
  sleep,
  spansRequest,
  startServeChild,
  writeServeConfig,
  type ServeChild,
  type Totals,
} from '../support/meterline-serve';

const exact = (events: number): Totals => ({ amountNano: BigInt(events) * NANO_PER_ITEM, events });

// Real processes: each test stays well under a minute (see the timings in the test names' runs).
jest.setTimeout(60_000);

describe('meterline serve: idempotency and crashes (real child processes, real InfluxDB)', () => {
  let influx: InfluxInstance;
  let tmp: string;
  const children: ServeChild[] = [];
  let dbCounter = 0;

  beforeAll(async () => {
    influx = await startInfluxDB();
    tmp = await mkdtemp(join(tmpdir(), 'meterline-serve-crash-'));
  });
  afterEach(async () => {
    for (const c of children.splice(0)) await c.stop('SIGKILL');
  });
  afterAll(async () => {
    await influx?.stop();
    if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  });

  /** A fresh database, WAL dir and config for one test. */
  function setup(serve: Parameters<typeof writeServeConfig>[3] = {}): {
    db: string;
    walDir: string;
    config: string;
  } {
    const n = ++dbCounter;
    const db = `crash_${n}`;
    const dir = join(tmp, `t${n}`);
    const walDir = join(dir, 'wal');
    mkdirSync(dir, { recursive: true });
    const config = writeServeConfig(dir, influx.url, db, {
      flushIntervalMs: 200,
      checkpointIntervalMs: 500,
      ...serve,
    });
    return { db, walDir, config };
  }

  async function start(config: string, walDir: string): Promise<ServeChild> {
    const c = await startServeChild(config, walDir);
    children.push(c);
    return c;
  }

  it('counts a request sent 10 times once, also after a graceful restart on the same WAL (replay + checkpoint)', async () => {
    const { db, walDir, config } = setup();
    const request = protobufTraces(spansRequest('acme', 25));
    const first = await start(config, walDir);
    for (let i = 0; i < 10; i++) {
      const a = await post(first.url, '/v1/traces', request);
      expect(a.status).toBe(200);
    }
    expect(await settledTotals(influx, db, (t) => t.events >= 25)).toEqual(exact(25));

    // SIGTERM: stop accepting, final flush and checkpoint, exit 0.
    const end = await first.stop('SIGTERM');
    expect(end).toEqual({ code: 0, signal: null });
    expect(first.stdout()).toContain('stopped cleanly');

    const second = await start(config, walDir);
    expect((await post(second.url, '/v1/traces', request)).status).toBe(200);
    // A different request still counts: the new process prices and writes.
    expect((await post(second.url, '/v1/traces', protobufTraces(spansRequest('acme', 3)))).status).toBe(200);
    expect(await settledTotals(influx, db, (t) => t.events >= 28)).toEqual(exact(28));
    // And once more after it settled: the duplicates never show up later either.
    for (let i = 0; i < 3; i++) expect((await post(second.url, '/v1/traces', request)).status).toBe(200);
    await sleep(600);
    expect(await costTotals(influx, db)).toEqual(exact(28));
  });

  it('kill -9 right after acknowledged requests: after a restart exactly the acknowledged spans are counted', async () => {
    // A long flush interval: nothing reaches InfluxDB before the kill, only the WAL has it.
    const { db, walDir, config } = setup({ flushIntervalMs: 60_000, checkpointIntervalMs: 60_000 });
    const first = await start(config, walDir);
    let acked = 0;
    for (let i = 0; i < 8; i++) {
      const a = await post(first.url, '/v1/traces', protobufTraces(spansRequest(`t${i % 3}`, 7)));
      expect(a.status).toBe(200);
      acked += 7;
    }
    const end = await first.stop('SIGKILL');
    expect(end.signal).toBe('SIGKILL');
    expect(await costTotals(influx, db)).toEqual(exact(0));

    const second = await start(config, walDir);
    // The restarted service has the long flush interval too: its graceful stop writes the replayed state.
    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(await costTotals(influx, db)).toEqual(exact(acked));
    // Restarting again (from the checkpoint now) changes nothing.
    const third = await start(config, walDir);
    expect(await third.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(await costTotals(influx, db)).toEqual(exact(acked));
  });

  /**
   * Concurrent clients send requests of distinct spans (one tenant per request, so each request can be
   * found in InfluxDB); the child is SIGKILLed after a seeded random delay and restarted on the same WAL.
   */
  async function crashUnderLoad(seed: number): Promise<void> {
    const random = rng(seed);
    const { db, walDir, config } = setup();
    const first = await start(config, walDir);
    const CLIENTS = 6;
    const killAfterMs = 200 + Math.floor(random() * 800);
    type Sent = { tenant: string; spans: number; outcome: 'acked' | 'failed' | 'unknown' };
    const sent: Sent[] = [];
    let stopSending = false;
    const client = async (c: number): Promise<void> => {
      for (let i = 0; !stopSending; i++) {
        const spans = 1 + Math.floor(random() * 20);
        const r: Sent = { tenant: `s${seed}-c${c}-r${i}`, spans, outcome: 'unknown' };
        sent.push(r);
        try {
          const a = await post(
            first.url,
            '/v1/traces',
            protobufTraces(spansRequest(r.tenant, spans)),
            {},
            5_000,
          );
          r.outcome = a.status === 200 ? 'acked' : 'failed';
        } catch {
          // Connection reset by the kill: the request may or may not be in the WAL.
          r.outcome = 'unknown';
          return;
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
    // Kill only once the child has written to InfluxDB and checkpointed under this load (so the restart
    // exercises checkpoint + replay + rewrite, however slow the machine is), then after a seeded delay.
    const deadline = Date.now() + 30_000;
    const checkpointed = () => readdirSync(walDir).some((f) => /^checkpoint-\d{16}\.bin$/.test(f));
    while (!checkpointed() || (await costTotals(influx, db)).events === 0) {
      if (Date.now() > deadline) throw new Error('the child never flushed and checkpointed under load');
      await sleep(50);
    }
    await sleep(killAfterMs);
    first.child.kill('SIGKILL');
    stopSending = true;
    await first.exited;
    await Promise.all(clients);

    const ackedSpans = sent.filter((r) => r.outcome === 'acked').reduce((s, r) => s + r.spans, 0);
    const sentSpans = sent.reduce((s, r) => s + r.spans, 0);
    expect(sent.filter((r) => r.outcome === 'failed')).toEqual([]);
    expect(sent.filter((r) => r.outcome === 'acked').length).toBeGreaterThan(CLIENTS);

    // The killed process had flushed and checkpointed: the restart restores a checkpoint, replays the WAL
    // after it and rewrites totals that InfluxDB already holds.
    const before = await costTotals(influx, db);
    expect(before.events).toBeGreaterThan(0);
    expect(before.events).toBeLessThanOrEqual(sentSpans);
    expect(readdirSync(walDir).some((f) => /^checkpoint-\d{16}\.bin$/.test(f))).toBe(true);

    await start(config, walDir);
    const totals = await settledTotals(influx, db, (t) => t.events >= ackedSpans, { stableMs: 800 });
    expect(totals.events).toBeGreaterThanOrEqual(ackedSpans);
    expect(totals.events).toBeLessThanOrEqual(sentSpans);
    expect(totals.amountNano).toBe(BigInt(totals.events) * NANO_PER_ITEM);

    // Per request: an acknowledged one is complete; an unanswered one is all or nothing; no other tenants.
    const byTenant = await eventsBy(influx, db, 'tenant');
    const known = new Set(sent.map((r) => r.tenant));
    expect([...byTenant.keys()].filter((t) => !known.has(t))).toEqual([]);
    const wrong = sent.flatMap((r) => {
      const got = byTenant.get(r.tenant)?.events ?? 0;
      const ok = r.outcome === 'acked' ? got === r.spans : got === 0 || got === r.spans;
      return ok ? [] : [{ ...r, got }];
    });
    expect(wrong).toEqual([]);
  }

  it.each([[0x5eed01], [0x5eed02], [0x5eed03]])(
    'SIGKILL under concurrent load (seed %i): every acknowledged span is counted exactly once after a restart',
    async (seed) => {
      await crashUnderLoad(seed);
    },
  );
});

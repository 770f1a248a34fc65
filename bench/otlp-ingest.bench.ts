/**
 * `otlp-ingest`: the whole `meterline serve` pipeline against bare protobuf decoding of the same batches.
 *
 * (a) baseline: `decodeTracesProtobuf` of realistic trace batches (512 spans, 10 attributes each);
 * (b) pipeline: HTTP POST (keep-alive, 10 in flight, the OTel Collector's default sending-queue consumers) → WAL append + fsync → decode/validate → attribute →
 *     price → roll up, with InfluxDB writes (a real private influxd) and forwarding to a local sink on.
 * The service runs in this process; the load (a collector's place) and the downstream sink (Tempo's place)
 * are child processes, as in a deployment, so the service process holds only the service.
 *
 * Both sides are measured warm and as best of {@link PASSES}: the decode baseline after a warm-up pass, the
 * pipeline after {@link WARMUP_BATCHES} batches (JIT, WAL segment, connection pools, a dedupe window of some
 * size), each pass with spans never seen before (the same spans again would only measure the dedupe window).
 * Five passes rather than three: on the 2-core CI machines one pipeline pass in a run varies by ±10%, and
 * the first is usually the slowest. The median pass ratio is printed and stored too. Only ratios are
 * meaningful across runs.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '@meterline/cost-model';
import pino from 'pino';
import type * as LocalInfluxd from '../otel-processor/src/influx/local-influxd';
import type * as Decode from '../otel-processor/src/otlp/decode';
import type * as Service from '../otel-processor/src/serve/service';
import type { Benchmark } from './run';
import { traceBatchBodies } from './support/otlp-batches';

/**
 * The service and the decoder as `meterline serve` runs them: tsc's output in `otel-processor/dist` (built by
 * `npm run bench` first), not the sources through tsx. tsx compiles every cross-module import into a getter
 * call, which cost the pipeline about 8% that production never pays. The types come from the sources.
 */
function built<T>(module: string): T {
  const file = join(__dirname, '..', 'otel-processor', 'dist', `${module}.js`);
  if (!existsSync(file)) throw new Error(`otlp-ingest: ${file} is missing: run \`npm run build\` first`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file) as T;
}
const { startLocalInfluxd } = built<typeof LocalInfluxd>('influx/local-influxd');
const { decodeTracesProtobuf } = built<typeof Decode>('otlp/decode');
const { MeterlineService } = built<typeof Service>('serve/service');

/** Batches per measured pass. */
const BATCHES = 100;
const SPANS = 512;
const CONCURRENCY = 10;
const PASSES = 5;
const WARMUP_BATCHES = 100;

function config(influxUrl: string, walDir: string, sinkUrl: string) {
  return validateConfig({
    catalog: {
      skus: [
        {
          id: 'api.requests',
          unit: 'request',
          prices: [{ effectiveFrom: '2020-01-01T00:00:00Z', currency: 'USD', unitPrice: '0.0000004' }],
        },
        {
          id: 'compute.gb_s',
          unit: 'GB-s',
          prices: [
            {
              effectiveFrom: '2020-01-01T00:00:00Z',
              currency: 'USD',
              unitPrice: '0.0000166667',
              tiers: [{ upTo: '400000', unitPrice: '0' }, { unitPrice: '0.0000166667' }],
            },
          ],
        },
        {
          id: 'db.queries',
          unit: 'query',
          prices: [{ effectiveFrom: '2020-01-01T00:00:00Z', currency: 'USD', unitPrice: '0.000002' }],
        },
      ],
    },
    skus: [
      {
        id: 'requests',
        sku: 'api.requests',
        match: { signal: 'span', kinds: ['server'] },
        quantity: { type: 'count' },
      },
      {
        id: 'compute',
        sku: 'compute.gb_s',
        match: { signal: 'span', kinds: ['server'] },
        quantity: { type: 'duration_memory', memoryGb: '0.5' },
      },
      {
        id: 'queries',
        sku: 'db.queries',
        match: { signal: 'span', kinds: ['client'] },
        quantity: { type: 'count' },
      },
    ],
    attribution: {
      rules: [
        {
          id: 'tenant',
          match: [{ key: 'tenant.id', source: 'attributes' }],
          set: { tenant: { from: 'tenant.id' } },
        },
      ],
      fallbacks: [
        {
          key: 'k8s.namespace.name',
          source: 'resource',
          map: { checkout: { team: 'payments', center: 'cc-100' } },
        },
      ],
    },
    influx: { url: influxUrl, database: 'bench' },
    forward: [{ endpoint: sinkUrl }],
    serve: { listen: '127.0.0.1:0', walDir, flushIntervalMs: 1000 },
  });
}

/**
 * The load generator (a collector's place): reads the bodies, waits for "go" on stdin, posts them
 * CONCURRENCY at a time over keep-alive HTTP/1.1 connections, each waiting for its answer (which must be
 * 200) before the next request, and prints "done". It writes each request as one buffer on a raw socket
 * and reads only the status line and Content-Length of the answer: node's http client cost several times
 * more CPU per request, CPU the service then lacked on a 2-core machine (a real collector runs elsewhere).
 */
const LOADER = `
const net = require('node:net');
const fs = require('node:fs');
const [url, file, concurrency] = process.argv.slice(1);
const buf = fs.readFileSync(file);
const u = new URL(url);
const requests = [];
for (let at = 0; at < buf.length; ) {
  const n = buf.readUInt32LE(at);
  const head = 'POST /v1/traces HTTP/1.1\\r\\nhost: ' + u.host + '\\r\\ncontent-type: application/x-protobuf\\r\\ncontent-length: ' + n + '\\r\\n\\r\\n';
  requests.push(Buffer.concat([Buffer.from(head, 'latin1'), buf.subarray(at + 4, at + 4 + n)]));
  at += 4 + n;
}
let next = 0;
/** One connection: sends a request, reads its whole answer, sends the next; resolves when none are left. */
const worker = () => new Promise((resolve, reject) => {
  const socket = net.connect(Number(u.port), u.hostname);
  socket.setNoDelay(true);
  let pending = Buffer.alloc(0);
  const send = () => { if (next < requests.length) socket.write(requests[next++]); else { socket.end(); resolve(); } };
  socket.on('connect', send);
  socket.on('error', reject);
  socket.on('data', (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      const end = pending.indexOf('\\r\\n\\r\\n');
      if (end < 0) return;
      const head = pending.subarray(0, end).toString('latin1');
      const status = Number(head.slice(9, 12));
      const length = Number((/\\r\\ncontent-length: *(\\d+)/i.exec(head) || [])[1] || 0);
      if (pending.length < end + 4 + length) return;
      pending = pending.subarray(end + 4 + length);
      if (status !== 200) { reject(new Error('HTTP ' + status)); socket.destroy(); return; }
      send();
    }
  });
});
process.stdout.write('ready\\n');
process.stdin.once('data', async () => {
  await Promise.all(Array.from({ length: Number(concurrency) }, worker));
  process.stdout.write('done\\n');
});
`;

/**
 * The downstream sink (Tempo's place): answers every request with 200 after reading its body, on raw
 * sockets for the same reason as the load generator. Prints its URL once listening.
 */
const SINK = `
const net = require('node:net');
const ok = Buffer.from('HTTP/1.1 200 OK\\r\\ncontent-type: application/x-protobuf\\r\\ncontent-length: 0\\r\\n\\r\\n', 'latin1');
const server = net.createServer((socket) => {
  let pending = Buffer.alloc(0);
  let bodyLeft = -1;
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      if (bodyLeft < 0) {
        const end = pending.indexOf('\\r\\n\\r\\n');
        if (end < 0) return;
        const head = pending.subarray(0, end).toString('latin1');
        bodyLeft = Number((/\\r\\ncontent-length: *(\\d+)/i.exec(head) || [])[1] || 0);
        pending = pending.subarray(end + 4);
      }
      if (pending.length < bodyLeft) { bodyLeft -= pending.length; pending = Buffer.alloc(0); return; }
      pending = pending.subarray(bodyLeft);
      bodyLeft = -1;
      socket.write(ok);
    }
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write('http://127.0.0.1:' + server.address().port + '\\n'));
`;

async function startSink(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`otlp-ingest: sink exited with ${code}`)));
  });
  return { url, stop: () => child.kill() };
}

/** A load generator child process, spawned with its bodies and waiting for "go". */
interface Loader {
  /** Starts the load; resolves with the seconds from "go" to the last answer. */
  go(): Promise<number>;
}

/** Spawns a load generator for `bodies` and waits until it is ready (file written, child started). */
async function prepareLoader(url: string, bodies: Uint8Array[]): Promise<Loader> {
  const dir = mkdtempSync(join(tmpdir(), 'meterline-bench-load-'));
  const file = join(dir, 'bodies.bin');
  writeFileSync(
    file,
    Buffer.concat(
      bodies.flatMap((b) => {
        const n = Buffer.alloc(4);
        n.writeUInt32LE(b.length);
        return [n, Buffer.from(b)];
      }),
    ),
  );
  const child = spawn(process.execPath, ['-e', LOADER, url, file, String(CONCURRENCY)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const seen = (word: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => (out.includes(word) ? resolve() : undefined);
      child.stdout.on('data', check);
      child.once('exit', (code) =>
        out.includes(word) ? resolve() : reject(new Error(`load generator exited ${code}`)),
      );
      check();
    });
  const cleanup = () => {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await seen('ready');
  } catch (err) {
    cleanup();
    throw err;
  }
  return {
    async go() {
      try {
        const t0 = performance.now();
        child.stdin.write('go\n');
        await seen('done');
        return (performance.now() - t0) / 1000;
      } finally {
        cleanup();
      }
    },
  };
}

/**
 * With `BENCH_CPU=1`, prints per pass how busy the machine and this process (all its threads) were: to
 * tell a saturated machine from a saturated thread.
 */
function cpuWindow(): { report(): void } {
  if (process.env['BENCH_CPU'] !== '1') return { report: () => undefined };
  const ticks = () => readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const t0 = ticks();
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const e0 = performance.eventLoopUtilization();
  return {
    report() {
      const d = ticks().map((v, i) => v - t0[i]!);
      const total = d.reduce((a, b) => a + b, 0);
      const c = process.cpuUsage(c0);
      const wall = (performance.now() - w0) / 1000;
      console.log(
        `  pass: machine ${(1 - d[3]! / total).toFixed(2)} busy (${cpus().length} cores); service process ${((c.user + c.system) / 1e6 / wall).toFixed(2)} cores; main thread busy ${performance.eventLoopUtilization(e0).utilization.toFixed(2)}`,
      );
    },
  };
}

/**
 * With `BENCH_PROFILE=<file>`, a CPU profile of this process's main thread over the measured passes only
 * (not body generation or the baseline), for finding where the pipeline spends its time.
 */
async function startProfile(): Promise<{ stop(): Promise<void> } | undefined> {
  const file = process.env['BENCH_PROFILE'];
  if (file === undefined || file === '') return undefined;
  const session = new Session();
  session.connect();
  const call = (method: string): Promise<unknown> =>
    new Promise((resolve, reject) =>
      session.post(method, (err, result) => (err ? reject(err) : resolve(result))),
    );
  await call('Profiler.enable');
  await call('Profiler.start');
  return {
    async stop() {
      const { profile } = (await call('Profiler.stop')) as { profile: unknown };
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      console.log(`CPU profile of the measured passes -> ${file}`);
    },
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function post(url: string, body: Uint8Array): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body,
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`otlp-ingest: HTTP ${res.status}`);
}

const bench: Benchmark = {
  description:
    'meterline serve pipeline (HTTP → WAL → price → rollup → InfluxDB, forwarding on) vs bare protobuf decode',
  async run() {
    const startMs = Date.now() - 30_000;
    // Distinct seeds everywhere: no span is ever sent twice.
    const batches = (from: number, n: number) =>
      Array.from(
        { length: n },
        (_, i) => traceBatchBodies({ spans: SPANS, seed: from + i, startMs }).protobuf,
      );
    const passes = Array.from({ length: PASSES }, (_, p) => batches(1 + p * BATCHES, BATCHES));
    const warmup = batches(1 + PASSES * BATCHES, WARMUP_BATCHES);
    const passSpans = BATCHES * SPANS;

    // (a) bare decode: a warm-up pass, then best of PASSES
    for (const b of passes[0]!) decodeTracesProtobuf(b);
    const decodeRates: number[] = [];
    for (const bodies of passes) {
      const t0 = performance.now();
      for (const b of bodies) decodeTracesProtobuf(b);
      decodeRates.push(passSpans / ((performance.now() - t0) / 1000));
    }

    const decodeSpansPerS = Math.max(...decodeRates);

    // (b) the pipeline
    const influx = await startLocalInfluxd();
    const walDir = mkdtempSync(join(tmpdir(), 'meterline-bench-wal-'));
    const sink = await startSink();
    const service = await MeterlineService.start({
      config: config(influx.url, walDir, sink.url),
      logger: pino({ level: 'warn' }),
    });
    let stopped = false;
    try {
      for (const body of warmup.slice(0, 2)) await post(`${service.url}/v1/traces`, body);
      await (await prepareLoader(service.url, warmup.slice(2))).go();
      // Every pass's loader is ready before the first starts: nothing but the service runs here meanwhile.
      const loaders = await Promise.all(passes.map((bodies) => prepareLoader(service.url, bodies)));
      await service.flush();
      const pointsBefore = service.stats.pointsWritten;
      const passRates: number[] = [];
      const profile = await startProfile();
      for (const loader of loaders) {
        const usage = cpuWindow();
        const loadSeconds = await loader.go();
        usage.report();
        const t1 = performance.now();
        await service.flush();
        passRates.push(passSpans / (loadSeconds + (performance.now() - t1) / 1000));
      }
      await profile?.stop();
      const pipelineSpansPerS = Math.max(...passRates);
      const measuredSpans = PASSES * passSpans;
      const points = service.stats.pointsWritten - pointsBefore;
      const deduped = service.engineStats.deduped;
      // Each stored point is one (series, minute): writes above that are open minutes rewritten as totals.
      const res = await fetch(
        `${influx.url}/query?db=bench&q=${encodeURIComponent('SELECT COUNT("amount_nano") FROM "cost" GROUP BY *')}`,
      );
      const found = ((await res.json()) as { results: { series?: { values: [string, number][] }[] }[] })
        .results[0]?.series;
      const series = found?.length ?? 0;
      const stored = (found ?? []).reduce((n, s) => n + (s.values[0]?.[1] ?? 0), 0);
      const ratio = pipelineSpansPerS / decodeSpansPerS;
      // Also the typical pass, not only the best: on a noisy machine the two tell different stories.
      const medianRatio = median(passRates) / median(decodeRates);
      console.log(`decode:   ${Math.round(decodeSpansPerS).toLocaleString()} spans/s`);
      console.log(
        `pipeline: ${Math.round(pipelineSpansPerS).toLocaleString()} spans/s (passes: ${passRates
          .map((r) => Math.round(r).toLocaleString())
          .join(', ')}; ratio ${ratio.toFixed(3)}, median pass ${medianRatio.toFixed(3)}; target ≥ 0.5)`,
      );
      console.log(
        `points written: ${points} for ${measuredSpans} spans (${(points / measuredSpans).toFixed(4)} per span); ${stored} (series, minute) points stored in ${series} series, so ${(points / Math.max(1, stored)).toFixed(2)} writes each (target ≤ 1 point per (series, minute) stored); deduped ${deduped}`,
      );
      // Stopped here so the forwarding thread's final counters are in.
      await service.stop();
      stopped = true;
      const requests = PASSES * BATCHES + WARMUP_BATCHES;
      console.log(
        `forwarded: ${service.forwardStats.sent} of ${requests} requests (dropped ${service.forwardStats.dropped})`,
      );
      return {
        decode_spans_per_s: Math.round(decodeSpansPerS),
        pipeline_spans_per_s: Math.round(pipelineSpansPerS),
        ratio: Number(ratio.toFixed(3)),
        median_ratio: Number(medianRatio.toFixed(3)),
        decode_passes_spans_per_s: decodeRates.map(Math.round),
        points_per_span: Number((points / measuredSpans).toFixed(5)),
        series_minutes_stored: stored,
        pipeline_passes_spans_per_s: passRates.map(Math.round),
        spans_per_pass: passSpans,
        spans_per_batch: SPANS,
        warmup_batches: WARMUP_BATCHES,
        forwarded: service.forwardStats.sent,
      };
    } finally {
      if (!stopped) await service.stop();
      sink.stop();
      await influx.stop();
      rmSync(walDir, { recursive: true, force: true });
    }
  },
};

export default bench;

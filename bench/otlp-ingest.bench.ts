/**
 * `otlp-ingest`: the whole `meterline serve` pipeline against bare protobuf decoding of the same batches.
 *
 * (a) baseline: `decodeTracesProtobuf` of realistic trace batches (512 spans, 10 attributes each);
 * (b) pipeline: HTTP POST (keep-alive, 4 in flight) → WAL append + fsync → decode/validate → attribute →
 *     price → roll up, with InfluxDB writes (a real private influxd) and forwarding to a local sink on.
 * Both run in this process on the same machine, so only their ratio is meaningful. The load generator
 * shares the process with the service, which makes the pipeline figure conservative.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '@meterline/cost-model';
import pino from 'pino';
import { startLocalInfluxd } from '../otel-processor/src/influx/local-influxd';
import { decodeTracesProtobuf } from '../otel-processor/src/otlp/decode';
import { MeterlineService } from '../otel-processor/src/serve/service';
import type { Benchmark } from './run';
import { traceBatchBodies } from './support/otlp-batches';

const BATCHES = 80;
const SPANS = 512;
const CONCURRENCY = 4;

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
    const bodies = Array.from(
      { length: BATCHES },
      (_, i) => traceBatchBodies({ spans: SPANS, seed: i + 1, startMs }).protobuf,
    );
    const totalSpans = BATCHES * SPANS;

    // (a) bare decode, best of 3 passes after a warm-up pass
    for (const b of bodies.slice(0, 10)) decodeTracesProtobuf(b);
    let decodeSpansPerS = 0;
    for (let pass = 0; pass < 3; pass++) {
      const t0 = performance.now();
      for (const b of bodies) decodeTracesProtobuf(b);
      decodeSpansPerS = Math.max(decodeSpansPerS, totalSpans / ((performance.now() - t0) / 1000));
    }

    // (b) the pipeline
    const influx = await startLocalInfluxd();
    const walDir = mkdtempSync(join(tmpdir(), 'meterline-bench-wal-'));
    const sink = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
    const service = await MeterlineService.start({
      config: config(influx.url, walDir, sinkUrl),
      logger: pino({ level: 'warn' }),
    });
    try {
      // Warm-up with distinct spans, then the measured run.
      for (const seed of [1001, 1002])
        await post(`${service.url}/v1/traces`, traceBatchBodies({ spans: SPANS, seed, startMs }).protobuf);
      await service.flush();
      const pointsBefore = service.stats.pointsWritten;
      const t0 = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < bodies.length) await post(`${service.url}/v1/traces`, bodies[next++]!);
        }),
      );
      await service.flush();
      const seconds = (performance.now() - t0) / 1000;
      const pipelineSpansPerS = totalSpans / seconds;
      const points = service.stats.pointsWritten - pointsBefore;
      const deduped = service.engineStats.deduped;
      const res = await fetch(
        `${influx.url}/query?db=bench&q=${encodeURIComponent('SELECT COUNT("amount_nano") FROM "cost" GROUP BY *')}`,
      );
      const series =
        ((await res.json()) as { results: { series?: unknown[] }[] }).results[0]?.series?.length ?? 0;
      const ratio = pipelineSpansPerS / decodeSpansPerS;
      console.log(`decode:   ${Math.round(decodeSpansPerS).toLocaleString()} spans/s`);
      console.log(
        `pipeline: ${Math.round(pipelineSpansPerS).toLocaleString()} spans/s (ratio ${ratio.toFixed(3)}; target ≥ 0.5)`,
      );
      console.log(
        `points written: ${points} for ${totalSpans} spans (${(points / totalSpans).toFixed(4)} per span), ${series} series in InfluxDB; deduped ${deduped}`,
      );
      return {
        decode_spans_per_s: Math.round(decodeSpansPerS),
        pipeline_spans_per_s: Math.round(pipelineSpansPerS),
        ratio: Number(ratio.toFixed(3)),
        points_per_span: Number((points / totalSpans).toFixed(5)),
        spans: totalSpans,
        batches: BATCHES,
        spans_per_batch: SPANS,
        forwarded: service.forwardStats.sent,
      };
    } finally {
      await service.stop();
      await new Promise<void>((r) => sink.close(() => r()));
      await influx.stop();
      rmSync(walDir, { recursive: true, force: true });
    }
  },
};

export default bench;

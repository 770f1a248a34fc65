import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { MeterlineConfig } from '@meterline/cost-model';
import { type Tracer } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { loadConfig } from '../config/load';
import { createInfluxStore } from '../influx/store';
import { startLocalInfluxd, type LocalInfluxd } from '../influx/local-influxd';
import { compileMeterline } from '../instrument/compile';
import { InfluxCostExporter } from '../store/influx-cost-exporter';
import { type DemoService, type DemoServiceSpec, request, startDemoService } from './services';
import { printSpendReport, querySpend } from './spend-report';

/** The demo's services: two owned through the fallback map, one that nobody owns. */
const SERVICES: DemoServiceSpec[] = [
  {
    name: 'checkout',
    version: '1.4.2',
    namespace: 'payments',
    memoryMb: 1024,
    workMs: 30,
    responseBytes: 48_000,
  },
  {
    name: 'search',
    version: '2.0.1',
    namespace: 'discovery',
    memoryMb: 512,
    workMs: 12,
    responseBytes: 180_000,
  },
  {
    name: 'legacy-reports',
    version: '0.9.0',
    namespace: 'default',
    memoryMb: 2048,
    workMs: 45,
    responseBytes: 9_000,
  },
];

/** Who sends the traffic: three tenants of different size, and requests nobody labelled. */
const TENANTS: { tenant: string | undefined; weight: number }[] = [
  { tenant: 'acme', weight: 0.45 },
  { tenant: 'globex', weight: 0.3 },
  { tenant: 'initech', weight: 0.17 },
  { tenant: undefined, weight: 0.08 },
];

const PATHS: Record<string, string> = {
  checkout: '/api/checkout',
  search: '/api/search',
  'legacy-reports': '/reports',
};

const DEMO_DATABASE = 'meterline_demo';

/**
 * `meterline demo`: InfluxDB (a private one, or `--influx-url`), three instrumented services, a few hundred
 * requests for three tenants, priced in-process, rolled up to InfluxDB, read back and printed.
 */
export async function runDemoCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      'influx-url': { type: 'string' },
      requests: { type: 'string', default: '300' },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const requests = Number(values.requests);
  if (!Number.isInteger(requests) || requests < 1) {
    throw new RangeError(`--requests must be a positive integer, got "${values.requests}"`);
  }
  const configFile = values.config ?? resolve(__dirname, '../../../examples/meterline.yaml');
  const progress = (msg: string): void => void process.stderr.write(`• ${msg}\n`);

  const cleanups: (() => Promise<void>)[] = [];
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress('interrupted: stopping…');
    void runCleanups(cleanups).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const config = loadConfig(configFile);
    progress(`config ${configFile}: ${config.catalog.skus.length} SKUs, ${config.skus.length} SKU rules`);

    let influxUrl: string;
    if (values['influx-url'] !== undefined) {
      influxUrl = values['influx-url'];
    } else {
      progress('starting InfluxDB (Debian influxd) on a free loopback port…');
      const influxd: LocalInfluxd = await startLocalInfluxd();
      if (!values.keep) cleanups.push(() => influxd.stop());
      influxUrl = influxd.url;
      progress(`InfluxDB ${influxd.version} at ${influxd.url} (data in ${influxd.dir})`);
    }
    const demoConfig: MeterlineConfig = {
      ...config,
      influx: {
        batchSize: 5000,
        timeoutMs: 10_000,
        ...config.influx,
        url: influxUrl,
        database: DEMO_DATABASE,
        // The demo writes through the v1 API to its own database, whatever the file configures.
        org: undefined,
        bucket: undefined,
        token: undefined,
      },
    };
    const store = createInfluxStore(demoConfig.influx!);
    await store.ensureReady();
    cleanups.push(() => store.close());

    const meterline = compileMeterline(demoConfig);
    const exporter = new InfluxCostExporter({ store, catalog: meterline.catalog });
    const services: DemoService[] = [];
    for (const spec of SERVICES) {
      const service = await startDemoService(spec, meterline, exporter);
      services.push(service);
      cleanups.unshift(() => service.close());
    }
    progress(`services up: ${services.map((s) => `${s.name} ${s.url}`).join(', ')}`);

    const startedMs = Date.now();
    const client = new NodeTracerProvider();
    await sendTraffic(client.getTracer('meterline-demo-client'), services, requests, progress);
    progress('flushing priced spans to InfluxDB…');
    for (const s of services) await s.provider.forceFlush();
    await exporter.shutdown();
    progress(
      `wrote ${exporter.stats.usages} priced usages from ${exporter.stats.spans} spans in ${exporter.stats.writes} writes`,
    );

    const rows = await querySpend(store, startedMs - 60_000);
    printSpendReport(rows, process.stdout, { database: DEMO_DATABASE, influxUrl }, (sku) =>
      meterline.catalog.unitOf(sku),
    );
    if (values.keep)
      progress(`InfluxDB left running at ${influxUrl} (database ${DEMO_DATABASE}); stop it yourself`);
    for (const s of services) await s.provider.shutdown();
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await runCleanups(cleanups);
  }
}

async function runCleanups(cleanups: (() => Promise<void>)[]): Promise<void> {
  while (cleanups.length > 0) {
    const next = cleanups.shift()!;
    await next().catch((err: Error) => process.stderr.write(`cleanup: ${err.message}\n`));
  }
}

/** Sends `count` requests, 8 at a time, spread over tenants and services by a fixed seed. */
async function sendTraffic(
  tracer: Tracer,
  services: DemoService[],
  count: number,
  progress: (msg: string) => void,
): Promise<void> {
  const rand = mulberry32(20261127);
  let sent = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      const tenant = pick(TENANTS, rand()).tenant;
      const service = services[Math.floor(rand() * services.length)]!;
      await request(tracer, service.url, PATHS[service.name] ?? '/', tenant, 0.5 + rand());
      sent++;
      if (sent % 100 === 0 || sent === count) progress(`sent ${sent}/${count} requests`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

function pick<T extends { weight: number }>(items: T[], r: number): T {
  let acc = 0;
  for (const item of items) {
    acc += item.weight;
    if (r < acc) return item;
  }
  return items[items.length - 1]!;
}

/** A small seeded PRNG, so every demo run sends the same traffic. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

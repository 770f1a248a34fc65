import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { loadConfig } from '../config/load';
import { signalsSettings } from '../signals/settings';
import { MeterlineService } from './service';

/**
 * Self-telemetry goes where the standard OpenTelemetry variables say: `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`
 * or `OTEL_EXPORTER_OTLP_ENDPOINT` (OTLP/HTTP). Without either, instruments are no-ops.
 */
function selfTelemetry(env: NodeJS.ProcessEnv): MeterProvider | undefined {
  if (!env['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT'] && !env['OTEL_EXPORTER_OTLP_ENDPOINT']) return undefined;
  return new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': env['OTEL_SERVICE_NAME'] ?? 'meterline' }),
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter(),
        exportIntervalMillis: Number(env['OTEL_METRIC_EXPORT_INTERVAL'] ?? 15_000),
      }),
    ],
  });
}

/**
 * `meterline serve --config meterline.yaml [--listen host:port] [--wal-dir DIR]`: runs until SIGTERM or
 * SIGINT, then stops accepting, flushes, checkpoints, fsyncs and exits 0.
 */
export async function runServeCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      listen: { type: 'string' },
      'wal-dir': { type: 'string' },
    },
    strict: true,
  });
  if (values.config === undefined) {
    process.stderr.write('meterline serve: --config FILE is required (see examples/meterline.yaml)\n');
    return 2;
  }
  const config = loadConfig(values.config);
  // Handle SIGTERM/SIGINT from before start-up on: the "listening" line is visible to a supervisor before
  // the next statement runs, and start-up (WAL replay) can take a while; a signal then must still stop
  // the service cleanly instead of killing it with the default action.
  let signalled: string | undefined;
  let wake: (() => void) | undefined;
  const onSignal = (signal: string): void => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    signalled = signal;
    process.stdout.write(`meterline serve: ${signal}: stopping (flush, checkpoint, fsync)…\n`);
    wake?.();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const telemetry = selfTelemetry(process.env);
  let service: MeterlineService;
  try {
    service = await MeterlineService.start({
      config,
      ...(telemetry ? { meter: telemetry.getMeter('@meterline/otel-processor/serve') } : {}),
      listen: values.listen,
      walDir: values['wal-dir'] === undefined ? undefined : resolve(values['wal-dir']),
    });
  } catch (err) {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    throw err;
  }
  const influx = config.influx!;
  const signals = signalsSettings(config);
  process.stdout.write(
    `meterline serve: listening on ${service.url} (POST /v1/traces, /v1/metrics; GET /healthz, /readyz)\n` +
      `  InfluxDB: ${influx.url} ${influx.database ? `database ${influx.database}` : `bucket ${influx.bucket}`}\n` +
      `  WAL: ${resolve(service.walDir)}\n` +
      `  forwarding to: ${config.forward.length > 0 ? config.forward.map((f) => f.endpoint).join(', ') : '(nobody)'}\n` +
      `  self-telemetry: ${telemetry ? 'OTLP metrics per OTEL_EXPORTER_OTLP_* variables' : 'off (set OTEL_EXPORTER_OTLP_ENDPOINT)'}\n` +
      `  signals: ${signals.enabled ? `every ${signals.intervalMs / 1000} s (burn rate, unknown attribution, anomalies)` : 'off (see signals.enabled)'}\n`,
  );
  // A second signal during the stop gets the default action (a forced exit); the WAL keeps what was acknowledged.
  if (signalled === undefined) await new Promise<void>((done) => (wake = done));
  await service.stop();
  await telemetry?.shutdown();
  process.stdout.write('meterline serve: stopped cleanly\n');
  return 0;
}

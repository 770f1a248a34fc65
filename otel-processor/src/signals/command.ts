/**
 * `meterline signals`: evaluates burn rates, projections, unknown attribution and anomalies from InfluxDB
 * and writes them back, once (`--once`, for cron, backfills and checks) or every evaluation interval (when
 * `meterline serve` does not run the loop itself).
 *
 * @packageDocumentation
 */
import { parseArgs } from 'node:util';
import { parseIsoTime, type MeterlineConfig } from '@meterline/cost-model';
import pino from 'pino';
import { createInfluxStore, type InfluxStore } from '../influx/store';
import {
  PROCESS_IO,
  UsageError,
  loadCommandConfig,
  safeUrl,
  withUsageErrors,
  type CommandIo,
} from '../reconcile/command-io';
import { runSignals } from './evaluate';
import { SignalsLoop } from './loop';
import { formatSignalsTable } from './output';
import { signalsSettings } from './settings';

/** Exit status when everything was evaluated and written. */
export const EXIT_OK = 0;
/** Exit status when InfluxDB failed or a part of the evaluation failed (the rest was written). */
export const EXIT_FAILED = 1;
/** Exit status for usage and configuration errors. */
export const EXIT_USAGE = 2;

/** `meterline signals --help`. */
export const SIGNALS_HELP = `Usage: meterline signals --once [--at TIME] [--config FILE]
       meterline signals [--config FILE]

Evaluates Meterline's signals from InfluxDB and writes them back:
  cost_budget                          each budget's amount for its current period
  cost_signal signal=burn_rate         per budget and window (5m, 1h, 6h, 1d, 3d):
                                       spend / (budget × window / period); 1 = on pace
  cost_signal signal=projected_ratio   per budget: projected period-end spend / budget,
                                       seconds to exhaustion, warn/escalate/page/ticket flags
  cost_signal signal=unknown_ratio     unknown-attribution share per window (1h, 1d), source
                                       (telemetry, export, all) and currency
  cost_signal signal=anomaly_score     spend score per team, service and tenant for the last
                                       complete bucket (signals.anomaly.bucket, default 5m)
  cost_event kind=anomaly              when a score reaches signals.anomaly.threshold, with the
                                       costliest trace IDs and the deploys before it
The evaluation time is aligned down to signals.intervalMs (default 1 minute): evaluating the same
time again rewrites the same points, never adds to them.

Options:
  --once             evaluate once, print what was written, exit; without it, evaluate every
                     signals.intervalMs until SIGINT or SIGTERM (for setups where meterline serve
                     does not run the loop: it does when signals.enabled)
  --at TIME          with --once: evaluate as of this ISO-8601 time instead of now
                     (2026-03-01T10:35:00Z; without an offset it is UTC)
  -c, --config FILE  meterline.yaml (default: ./meterline.yaml): influx, budgets, signals
  -h, --help         show this help

Exit status:
  0  evaluated and written
  2  usage or configuration error (bad option or time, invalid config, no influx section)
  1  any other error: InfluxDB unreachable, or a part of the evaluation failed (the other parts
     are still written, and the table says which part failed)

Examples:
  meterline signals --once
  meterline signals --once --at 2026-03-01T10:35:00Z -c /etc/meterline/meterline.yaml
  meterline signals -c meterline.yaml     # a standalone loop next to serve instances without it
`;

/**
 * Runs `meterline signals` with `argv` (the arguments after the command name).
 *
 * @returns the exit status: {@link EXIT_OK}, {@link EXIT_FAILED} or {@link EXIT_USAGE}.
 * @throws what is not the user's to fix (InfluxDB errors); the CLI prints it and exits 1.
 */
export async function runSignalsCommand(argv: string[], io: CommandIo = PROCESS_IO): Promise<number> {
  return withUsageErrors('signals', io, async () => {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          once: { type: 'boolean', default: false },
          at: { type: 'string' },
          config: { type: 'string', short: 'c' },
          help: { type: 'boolean', short: 'h', default: false },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (values.help) {
      io.stdout.write(SIGNALS_HELP);
      return EXIT_OK;
    }
    let atMs = Date.now();
    if (values.at !== undefined) {
      if (!values.once) throw new UsageError('--at only applies to a single evaluation: add --once');
      const t = parseIsoTime(values.at.trim());
      if (t === undefined) {
        throw new UsageError(
          `--at: expected an ISO-8601 time such as 2026-03-01T10:35:00Z, got ${JSON.stringify(values.at)}`,
        );
      }
      atMs = t;
    }
    const { config, influx } = loadCommandConfig(values.config);
    const store = createInfluxStore(influx);
    const target = `${safeUrl(influx.url)} ${influx.database ? `database ${influx.database}` : `bucket ${influx.bucket}`}`;
    try {
      if (!values.once) return await runLoop(config, store, io, target);
      const report = await runSignals(store, config, atMs);
      io.stdout.write(formatSignalsTable(report, target));
      for (const { part, error } of report.errors) {
        io.stderr.write(`meterline signals: ${part} failed: ${error.message}\n`);
      }
      return report.errors.length > 0 ? EXIT_FAILED : EXIT_OK;
    } finally {
      await store.close();
    }
  });
}

/** Evaluates every interval until SIGINT or SIGTERM; logs as JSON lines on stderr like `serve`. */
async function runLoop(
  config: MeterlineConfig,
  store: InfluxStore,
  io: CommandIo,
  target: string,
): Promise<number> {
  const logger = pino({ level: process.env['LOG_LEVEL'] ?? 'info' }, pino.destination(2));
  // Nothing else keeps this process alive (unlike serve, which listens): the loop's timer must.
  const loop = new SignalsLoop({ config, store, logger, keepProcessAlive: true });
  io.stdout.write(
    `meterline signals: evaluating every ${signalsSettings(config).intervalMs / 1000} s → ${target} (SIGINT or SIGTERM to stop)\n`,
  );
  await new Promise<void>((done) => {
    const onSignal = (signal: string): void => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      io.stdout.write(`meterline signals: ${signal}: stopping after the evaluation in progress\n`);
      done();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    loop.start();
  });
  await loop.stop();
  return loop.stats.failures > 0 && loop.stats.failures >= loop.stats.runs ? EXIT_FAILED : EXIT_OK;
}

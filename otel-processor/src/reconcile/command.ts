/**
 * `meterline reconcile`: reconciliation drift per UTC day and provider/account between provider bills and
 * Meterline's modelled telemetry cost, printed, written as `cost_signal` points, and turned into an exit
 * status an automation (cron, CI) can act on. See `otel-processor/docs/reconcile-and-report.md`.
 *
 * @packageDocumentation
 */
import { parseArgs } from 'node:util';
import { CurrencyConversionError, DECIMAL_PATTERN } from '@meterline/cost-model';
import { createInfluxStore } from '../influx/store';
import {
  PROCESS_IO,
  UsageError,
  loadCommandConfig,
  parseUtcDate,
  safeUrl,
  withUsageErrors,
  type CommandIo,
} from './command-io';
import { driftJson, formatDriftTable } from './output';
import { reconcileRange } from './reconcile';
import { driftSignalLines } from './signals';

const DAY_MS = 86_400_000;

/** Exit status when every drift ratio is within the threshold. */
export const EXIT_OK = 0;
/** Exit status for usage and configuration errors (bad option, bad config, missing exchange rate). */
export const EXIT_USAGE = 2;
/** Exit status when some drift ratio exceeds the threshold, or a day has modelled cost but no bill. */
export const EXIT_DRIFT = 3;

/** `meterline reconcile --help`. */
export const RECONCILE_HELP = `Usage: meterline reconcile --from DATE --to DATE [--config FILE] [--threshold R] [--json]

Compares provider bills (provider_cost.billed_nano) with Meterline's modelled telemetry cost
(cost.amount_nano) per UTC day and provider/account, and per team where both sides know the team:
  drift = |billed - modelled| / billed
Only the charge categories telemetry models are compared (reconcile.charges, default: usage).
Amounts in another currency are converted into the billed currency with catalog.exchangeRates.
Each row is written to InfluxDB as cost_signal (signal=drift_ratio, window=1d); re-runs overwrite.

Options:
  --from DATE      first UTC day, YYYY-MM-DD
  --to DATE        last UTC day, YYYY-MM-DD, inclusive
  --config FILE    meterline.yaml to use (default: ./meterline.yaml): influx, catalog, reconcile
  --threshold R    largest acceptable drift ratio, e.g. 0.05 for 5% (default: reconcile.threshold or 0.05)
  --json           print the rows as JSON instead of a table
  -h, --help       show this help

Exit status:
  0  every drift ratio is at most the threshold
  3  some ratio exceeds the threshold, or a day has modelled cost but no bill ("no bill")
  2  usage or configuration error (bad option or date, invalid config, missing exchange rate)
  1  any other error (e.g. InfluxDB unreachable)

Examples:
  meterline reconcile --from 2026-03-01 --to 2026-03-31
  meterline reconcile -c /etc/meterline/meterline.yaml --from 2026-03-01 --to 2026-03-07 --threshold 0.01
  meterline reconcile --from 2026-03-01 --to 2026-03-31 --json | jq '.rows[] | select(.status != "ok")'
`;

/**
 * Runs `meterline reconcile` with `argv` (the arguments after the command name).
 *
 * @returns the exit status: {@link EXIT_OK}, {@link EXIT_DRIFT} or {@link EXIT_USAGE}.
 * @throws what is not the user's to fix (InfluxDB errors); the CLI prints it and exits 1.
 */
export async function runReconcileCommand(argv: string[], io: CommandIo = PROCESS_IO): Promise<number> {
  return withUsageErrors('reconcile', io, async () => {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          from: { type: 'string' },
          to: { type: 'string' },
          config: { type: 'string', short: 'c' },
          threshold: { type: 'string' },
          json: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (values.help) {
      io.stdout.write(RECONCILE_HELP);
      return EXIT_OK;
    }
    const fromMs = parseUtcDate('--from', values.from);
    const lastDayMs = parseUtcDate('--to', values.to);
    if (lastDayMs < fromMs) {
      throw new UsageError(`--to: ${values.to} is before --from ${values.from}`);
    }
    const threshold = values.threshold;
    if (threshold !== undefined && (!DECIMAL_PATTERN.test(threshold) || threshold.trim().startsWith('-'))) {
      throw new UsageError(
        `--threshold: expected a non-negative decimal ratio such as 0.05 (5%), got ${JSON.stringify(threshold)}`,
      );
    }
    const { config, influx } = loadCommandConfig(values.config);
    const range = { fromMs, toMs: lastDayMs + DAY_MS };
    const store = createInfluxStore(influx);
    try {
      let report;
      try {
        report = await reconcileRange(store, config, range, threshold);
      } catch (err) {
        if (err instanceof CurrencyConversionError) {
          io.stderr.write(`meterline reconcile: ${err.message}\n`);
          return EXIT_USAGE;
        }
        throw err;
      }
      // Print before writing: if InfluxDB refuses the write, the reconciliation is still on screen.
      if (values.json) io.stdout.write(JSON.stringify(driftJson(report, range), null, 2) + '\n');
      else io.stdout.write(formatDriftTable(report, range));
      const lines = driftSignalLines(report.rows);
      if (lines.length > 0) await store.write(lines);
      if (!values.json) {
        io.stdout.write(
          `Wrote ${lines.length} cost_signal point${lines.length === 1 ? '' : 's'} (signal=drift_ratio, window=1d) to ${safeUrl(influx.url)}.\n`,
        );
      }
      return report.exceeded ? EXIT_DRIFT : EXIT_OK;
    } finally {
      await store.close();
    }
  });
}

#!/usr/bin/env node
/**
 * The `meterline` command line. Each subcommand lives in its own module; this file only parses the
 * command name and reports errors the same way everywhere.
 */
import { ConfigFileError, loadConfig } from './config/load';
import { runDemoCommand } from './demo/command';
import { runImportCommand } from './exports/command';
import { runReconcileCommand } from './reconcile/command';
import { runReportCommand } from './report/command';
import { runServeCommand } from './serve/command';
import { runSignalsCommand } from './signals/command';

const HELP = `meterline — cost observability for Grafana and OpenTelemetry

Usage:
  meterline demo [--duration SECONDS] [--no-browser] [--out DIR] [--json FILE] [--influx-url URL] [--keep]
      The whole story without Docker: InfluxDB, meterline serve, services on the OTel SDK (tenants,
      a deploy, a runaway, unattributed traffic), a provider bill imported and reconciled, a billing
      report, the Grafana panels rendered to PNG, and a summary. meterline demo --help for more.
  meterline demo --otlp-url URL --influx-url URL --database NAME [--duration SECONDS|0]
      Stack mode (docker compose): the same traffic sent to an existing collector, until stopped.
  meterline serve --config FILE [--listen HOST:PORT] [--wal-dir DIR]
      The OTLP/HTTP cost processor: receive traces and metrics (behind an OpenTelemetry
      Collector), price them, write rollups to InfluxDB, forward enriched telemetry.
  meterline import [--config FILE] [--format auto|focus|aws-cur|aws-cur2|gcp|azure] [--dry-run] FILE|DIR...
      Load provider billing exports (FOCUS 1.0–1.3, AWS CUR, GCP, Azure; CSV, CSV.gz, JSON lines,
      Parquet) into InfluxDB, exactly and idempotently. meterline import --help for more.
  meterline reconcile --from YYYY-MM-DD --to YYYY-MM-DD [--config FILE] [--threshold R] [--json]
      Drift per day and provider/account (and team) between provider bills and modelled cost;
      writes cost_signal drift_ratio; exits 3 when a drift exceeds the threshold.
  meterline report --period YYYY-MM --out DIR [--by tenant|team|center] [--config FILE]
      The billing report of a month: line-items.csv (FOCUS columns), summary.md/.html, manifest.json.
  meterline signals --once [--at TIME] [--config FILE]
      Burn rate and projection per budget, unknown attribution, anomaly scores and events:
      evaluated from InfluxDB and written back (serve runs this every minute when signals are on).
  (reconcile, report and signals read ./meterline.yaml unless --config is given; every command has --help)
  meterline check-config FILE
      Validate a meterline.yaml; every error names the file, line and key.
  meterline help | --help
  meterline version | --version
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return 0;
    case 'version':
    case '--version':
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      process.stdout.write(`${(require('../package.json') as { version: string }).version}\n`);
      return 0;
    case 'check-config': {
      const file = rest[0];
      if (!file) {
        process.stderr.write(
          'meterline check-config: missing FILE (e.g. meterline check-config meterline.yaml)\n',
        );
        return 2;
      }
      const config = loadConfig(file);
      process.stdout.write(
        `${file}: ok — ${config.catalog.skus.length} catalog SKUs, ${config.skus.length} SKU rules, ` +
          `${config.attribution.rules.length} attribution rules, ${config.budgets.length} budgets\n`,
      );
      return 0;
    }
    case 'serve':
      return runServeCommand(rest);
    case 'import':
      return runImportCommand(rest);
    case 'reconcile':
      return runReconcileCommand(rest);
    case 'report':
      return runReportCommand(rest);
    case 'signals':
      return runSignalsCommand(rest);
    case 'demo': {
      return runDemoCommand(rest);
    }
    default:
      process.stderr.write(`meterline: unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigFileError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`meterline: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);

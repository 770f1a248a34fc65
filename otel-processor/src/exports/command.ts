/**
 * `meterline import [options] FILE|DIR...`: the command line around {@link importExports}.
 *
 * @packageDocumentation
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Attributor, type MeterlineConfig } from '@meterline/cost-model';
import { loadConfig } from '../config/load';
import { createInfluxStore } from '../influx/store';
import { EXPORT_FORMATS } from './formats/registry';
import type { ExportFormatId } from './formats/format';
import { UnknownFormatError, importExports, type ImportSummary } from './import';
import { ProgressBar, formatBytes } from './progress';

/** `meterline import --help`. */
export const IMPORT_HELP = `meterline import — load provider billing exports into InfluxDB (measurement provider_cost)

Usage:
  meterline import [--config FILE] [--format FORMAT] [--azure-cost-type actual|amortized]
                   [--dry-run] [--force] FILE|DIR...

  Every FILE (and every file in a DIR) is one delivery: pass all parts of a split export together.
  A newer delivery of the same provider, account and billing period replaces the older one, so
  importing a file twice, or the month-to-date export every day, never double counts.

Options:
  -c, --config FILE       meterline.yaml (attribution rules map tags to tenant/team; influx target);
                          default ./meterline.yaml when it exists
      --format FORMAT     auto (default: detected from the header), focus, aws-cur, aws-cur2, gcp, azure
      --azure-cost-type   actual (default) or amortized: which Azure cost export the files are
      --dry-run           read, check and total everything; write nothing
      --force             replace stored data even when it covers later charges than this delivery

Inputs: CSV, CSV.gz, JSON lines (.jsonl, .json, .gz) and Parquet; FOCUS 1.0–1.3, AWS CUR (legacy and 2.0),
GCP BigQuery billing export (CSV or JSON lines), Azure cost exports (EA and MCA, actual and amortized).

Exit status: 0 everything imported; 3 some rows were rejected or a billing period was skipped (the rest
is imported); 2 usage error or unknown format; 1 failure (nothing is half-written: re-run it).

Examples:
  meterline import --config meterline.yaml exports/focus-2024-06.csv.gz
  meterline import -c meterline.yaml --format aws-cur s3-sync/cur/2024-06/     # all parts of a month
  meterline import -c meterline.yaml --format azure --azure-cost-type amortized amortized-2024-06.csv
  meterline import -c meterline.yaml --dry-run gcp-billing-2024-06.jsonl
`;

const FORMAT_IDS: readonly string[] = ['auto', 'focus', 'aws-cur', 'aws-cur2', 'gcp', 'azure'];

/** Names of export files inside a directory (AWS CUR folders also hold `*-Manifest.json`: skipped). */
const EXPORT_FILE = /\.(csv|jsonl|ndjson|json|parquet)(\.gz)?$/i;

/** Files named by the arguments: files as given, directories expanded (sorted, hidden files skipped). */
export function expandInputs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    let st;
    try {
      st = statSync(a);
    } catch (err) {
      throw new UsageError(
        `cannot read ${a}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    if (!st.isDirectory()) {
      out.push(a);
      continue;
    }
    const inside = readdirSync(a)
      .filter((name) => EXPORT_FILE.test(name) && !/manifest/i.test(name) && !name.startsWith('.'))
      .filter((name) => statSync(join(a, name)).isFile())
      .sort();
    if (inside.length === 0) throw new UsageError(`${a}: no export files in this directory`);
    out.push(...inside.map((n) => join(a, n)));
  }
  return out;
}

class UsageError extends Error {}

function money(d: { toFixed(): string }): string {
  return d.toFixed();
}

/** The summary printed at the end. */
export function formatSummary(s: ImportSummary, target: string): string {
  const lines: string[] = [];
  const n = (x: number) => x.toLocaleString('en-US');
  lines.push(
    `${s.dryRun ? 'Checked' : 'Imported'} ${s.files.length} file${s.files.length === 1 ? '' : 's'} as one delivery ${s.delivery.slice(0, 12)}:`,
  );
  for (const f of s.files) {
    lines.push(
      `  ${basename(f.path)}  ${f.format}  ${f.encoding}  ${formatBytes(f.bytes)}  ${n(f.rows)} rows` +
        (f.rejected > 0 ? `  ${n(f.rejected)} rejected` : ''),
    );
  }
  lines.push(`Rows: ${n(s.rows)} imported, ${n(s.rejectedCount)} rejected`);
  if (s.rejectedCount > 0) {
    lines.push('Rejected rows (file:line: reason):');
    for (const r of s.rejected.slice(0, 50)) lines.push(`  ${basename(r.file)}:${r.line}: ${r.reason}`);
    if (s.rejectedCount > 50) lines.push(`  … and ${n(s.rejectedCount - 50)} more`);
  }
  if (s.totals.size > 0) {
    lines.push('Totals (exact, as in the files):');
    for (const [currency, t] of s.totals) {
      lines.push(
        `  ${currency}  billed ${money(t.billed)}  effective ${money(t.effective)}  list ${money(t.list)}`,
      );
    }
  }
  if (s.chargeSpan !== undefined) {
    lines.push(
      `Charge periods: ${new Date(s.chargeSpan.from).toISOString()} … ${new Date(s.chargeSpan.to).toISOString()} (starts)`,
    );
  }
  for (const p of s.periods) {
    const unit = `${p.period.provider} ${p.period.account} ${p.period.billingPeriod}`;
    if (p.action === 'skipped') {
      lines.push(
        `  ${unit}: SKIPPED — the stored delivery covers charges up to ${new Date(p.storedLastChargeMs!).toISOString()}, later than this one; use --force to replace it`,
      );
    } else if (p.action === 'replaced') {
      lines.push(
        `  ${unit}: replaced the stored delivery${p.superseded > 0 ? ` (${n(p.superseded)} of its points no longer billed, zeroed)` : ''}`,
      );
    } else if (!s.dryRun) lines.push(`  ${unit}: new`);
  }
  lines.push(
    s.dryRun
      ? `Dry run: ${n(s.points)} provider_cost points would be written; nothing was written.`
      : `Points: ${n(s.points)} written to provider_cost at ${target}`,
  );
  return lines.join('\n') + '\n';
}

/** `meterline import`: returns the exit status (see {@link IMPORT_HELP}). */
export async function runImportCommand(argv: string[]): Promise<number> {
  let values: {
    config?: string;
    format?: string;
    'azure-cost-type'?: string;
    'dry-run'?: boolean;
    force?: boolean;
    help?: boolean;
  };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        format: { type: 'string' },
        'azure-cost-type': { type: 'string' },
        'dry-run': { type: 'boolean' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`meterline import: ${(err as Error).message}\n\n${IMPORT_HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(IMPORT_HELP);
    return 0;
  }
  const format = values.format ?? 'auto';
  if (!FORMAT_IDS.includes(format)) {
    process.stderr.write(
      `meterline import: --format: expected one of ${FORMAT_IDS.join(', ')}, got "${format}"\n`,
    );
    return 2;
  }
  const costType = values['azure-cost-type'] ?? 'actual';
  if (costType !== 'actual' && costType !== 'amortized') {
    process.stderr.write(
      `meterline import: --azure-cost-type: expected actual or amortized, got "${costType}"\n`,
    );
    return 2;
  }
  if (positionals.length === 0) {
    process.stderr.write(`meterline import: no FILE given\n\n${IMPORT_HELP}`);
    return 2;
  }
  let config: MeterlineConfig | undefined;
  // As reconcile and report do: ./meterline.yaml when no --config is given (only if it exists here,
  // since a dry run needs no configuration at all).
  const configPath = values.config ?? (existsSync('meterline.yaml') ? 'meterline.yaml' : undefined);
  if (configPath !== undefined) config = loadConfig(configPath);
  const dryRun = values['dry-run'] === true;
  if (!dryRun && config?.influx === undefined) {
    process.stderr.write(
      'meterline import: nowhere to write: give --config with an influx section (or --dry-run to only check the files)\n',
    );
    return 2;
  }
  let paths: string[];
  try {
    paths = expandInputs(positionals);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`meterline import: ${err.message}\n`);
    return 2;
  }
  const store = dryRun ? undefined : createInfluxStore(config!.influx!);
  const bar = new ProgressBar(process.stderr);
  let summary: ImportSummary;
  try {
    summary = await importExports({
      paths,
      formats: EXPORT_FORMATS,
      format: format as 'auto' | ExportFormatId,
      formatOptions: { azureCostType: costType },
      attributor: Attributor.compile(config?.attribution ?? { rules: [], fallbacks: [] }),
      store,
      force: values.force === true,
      onProgress: (p) => bar.update(p),
    });
  } catch (err) {
    bar.clear();
    if (err instanceof UnknownFormatError) {
      process.stderr.write(`meterline import: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    await store?.close();
  }
  bar.clear();
  const influx = config?.influx;
  const target = influx
    ? `${influx.url} (${influx.database ? `database ${influx.database}` : `bucket ${influx.bucket}`})`
    : '';
  process.stdout.write(formatSummary(summary, target));
  const skipped = summary.periods.some((p) => p.action === 'skipped');
  return summary.rejectedCount > 0 || skipped ? 3 : 0;
}

/**
 * `meterline report`: the auditable monthly cost report of a period: FOCUS-aligned line items, a summary in
 * Markdown and HTML, and a manifest that makes it reproducible. See `otel-processor/docs/reconcile-and-report.md`.
 *
 * This module does the I/O (queries, files); everything it writes is rendered by the pure modules of this
 * folder, so the same data always gives the same bytes.
 *
 * @packageDocumentation
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Catalog, CurrencyConversionError, budgetWindows, type MeterlineConfig } from '@meterline/cost-model';
import { createInfluxStore, type InfluxStore } from '../influx/store';
import {
  PROCESS_IO,
  UsageError,
  loadCommandConfig,
  withUsageErrors,
  type CommandIo,
} from '../reconcile/command-io';
import { reconcileRange, reconcileSettings } from '../reconcile/reconcile';
import type { TimeRange } from '../reconcile/query';
import { budgetWindowStatus, scopeText, type BudgetStatus } from './budgets';
import { buildLineItems, lineItemsCsv, compareText } from './line-items';
import { manifestJson } from './manifest';
import { parsePeriod } from './period';
import { queryCostDaySums, queryProviderFiles, querySpendByWindow, queryTopExemplars } from './query';
import { summaryHtml } from './summary-html';
import { summaryMarkdown } from './summary-markdown';
import { REPORT_DIMENSIONS, reconcileSummary, summarize, type ReportDimension } from './summary';

/** The files a report consists of. */
export const REPORT_FILES = ['line-items.csv', 'summary.md', 'summary.html', 'manifest.json'] as const;

/** `meterline report --help`. */
export const REPORT_HELP = `Usage: meterline report --period YYYY-MM --out DIR [--by tenant|team|center] [--config FILE]

Writes the cost report of one calendar month (UTC) into DIR:
  line-items.csv   one line per (cost series, UTC day, price version), FOCUS column names
                   (BilledCost, EffectiveCost, BillingCurrency, PricingQuantity, PricingUnit, SkuId, ...)
                   plus x_Tenant, x_Team, x_CostCenter, x_Attribution, x_PriceVersion,
                   x_ExemplarTraceId, x_Meter (the InfluxDB series the line comes from), ...
  summary.md       totals per currency and per --by, unknown attribution, budgets,
  summary.html     reconciliation status; the HTML adds a daily spend chart (self-contained)
  manifest.json    version, period, catalog digest and price versions, provider file digests,
                   InfluxDB target (no credentials), row counts, SHA-256 of every file
Regenerating from the same data gives byte-identical files (there is no generation timestamp).

Options:
  --period YYYY-MM   the month to report
  --out DIR          directory to write into (created if missing; the four files are replaced)
  --by DIMENSION     group totals by tenant, team (default) or center
  --config FILE      meterline.yaml to use (default: ./meterline.yaml): influx, catalog, budgets, reconcile
  -h, --help         show this help

Exit status: 0 written; 2 usage or configuration error; 1 any other error (e.g. InfluxDB unreachable).

Examples:
  meterline report --period 2026-03 --out reports/2026-03
  meterline report -c /etc/meterline/meterline.yaml --period 2026-03 --by tenant --out /srv/reports/2026-03
  cd reports/2026-03 && sha256sum -c <(jq -r '.files[] | "\\(.sha256)  \\(.name)"' manifest.json)   # audit
`;

/** Meterline's version, from this package's package.json (`src/` and `dist/` are both two levels down). */
function meterlineVersion(): string {
  const pkg = JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}

/** Writes a file whole or not at all: a reader never sees half a report file. */
function writeAtomically(path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content, 'utf8');
  renameSync(tmp, path);
}

async function budgetStatuses(
  store: InfluxStore,
  config: MeterlineConfig,
  range: TimeRange,
  catalog: Catalog,
): Promise<BudgetStatus[]> {
  const out: BudgetStatus[] = [];
  for (const budget of config.budgets) {
    const windows = budgetWindows(budget, range);
    const spends = await querySpendByWindow(store, windows, budget.scope);
    out.push({
      name: budget.name,
      scope: scopeText(budget.scope),
      period: budget.period,
      timezone: budget.timezone,
      currency: budget.currency,
      amount: budget.amount,
      windows: windows.map((w, i) => budgetWindowStatus(budget, w, spends[i]!, catalog.rates)),
    });
  }
  return out;
}

/**
 * Runs `meterline report` with `argv` (the arguments after the command name).
 *
 * @returns 0 when the report was written, 2 on usage and configuration errors.
 * @throws what is not the user's to fix (InfluxDB or file system errors); the CLI prints it and exits 1.
 */
export async function runReportCommand(argv: string[], io: CommandIo = PROCESS_IO): Promise<number> {
  return withUsageErrors('report', io, async () => {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          period: { type: 'string' },
          by: { type: 'string', default: 'team' },
          out: { type: 'string', short: 'o' },
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
      io.stdout.write(REPORT_HELP);
      return 0;
    }
    const period = parsePeriod(values.period);
    const by = values.by as ReportDimension;
    if (!REPORT_DIMENSIONS.includes(by)) {
      throw new UsageError(`--by: expected tenant, team or center, got ${JSON.stringify(values.by)}`);
    }
    if (values.out === undefined || values.out === '') throw new UsageError('--out DIR is required');
    const outDir = values.out;
    const { config, influx } = loadCommandConfig(values.config);
    const range: TimeRange = { fromMs: period.fromMs, toMs: period.toMs };
    const catalog = new Catalog(config.catalog);
    const settings = reconcileSettings(config);

    const store = createInfluxStore(influx);
    let written: { name: string; content: string; rows?: number }[];
    let lineItemCount: number;
    try {
      const [sums, exemplars, providerFiles] = await Promise.all([
        queryCostDaySums(store, range),
        queryTopExemplars(store, range),
        queryProviderFiles(store, range),
      ]);
      const unitPrices = new Map<string, string>();
      for (const sku of config.catalog.skus) {
        for (const p of sku.prices) {
          const version = catalog.priceAt(sku.id, p.effectiveFrom);
          if (version !== undefined) unitPrices.set(version.version, version.unitPriceString);
        }
      }
      const items = buildLineItems(sums, {
        unitOf: (sku) => catalog.unitOf(sku),
        unitPriceOf: (version) => unitPrices.get(version),
        exemplars,
      });
      lineItemCount = items.length;
      const budgets = await budgetStatuses(store, config, range, catalog);
      let reconcile;
      try {
        reconcile = reconcileSummary(await reconcileRange(store, config, range));
      } catch (err) {
        if (!(err instanceof CurrencyConversionError)) throw err;
        reconcile = reconcileSummary({
          error: err.message,
          threshold: settings.threshold,
          charges: settings.charges,
        });
      }
      const summary = summarize(items, period, by, budgets, reconcile);
      written = [
        { name: 'line-items.csv', content: lineItemsCsv(items, period), rows: items.length },
        { name: 'summary.md', content: summaryMarkdown(summary) },
        { name: 'summary.html', content: summaryHtml(summary) },
      ];
      const manifest = manifestJson({
        meterlineVersion: meterlineVersion(),
        period,
        by,
        catalog: config.catalog,
        usedPriceVersions: [...new Set(items.map((i) => i.priceVersion).filter((v) => v !== ''))].sort(
          compareText,
        ),
        providerFiles,
        influx,
        reconcile: settings,
        budgets: budgets.map((b) => ({ name: b.name, windows: b.windows })),
        files: written,
        rowCounts: {
          lineItems: items.length,
          currencies: summary.currencies.length,
          [`${by}Values`]: new Set(items.map((i) => i.tags[by] ?? '')).size,
          providerFiles: providerFiles.length,
          budgetPeriods: budgets.reduce((n, b) => n + b.windows.length, 0),
          reconcileRows: summary.reconcile.rows,
        },
      });
      written.push({ name: 'manifest.json', content: manifest });
    } finally {
      await store.close();
    }
    mkdirSync(outDir, { recursive: true });
    for (const f of written) writeAtomically(join(outDir, f.name), f.content);
    io.stdout.write(
      `meterline report ${period.label}: wrote ${written.map((f) => f.name).join(', ')} to ${resolve(outDir)} ` +
        `(${lineItemCount} line items, by ${by}).\n`,
    );
    return 0;
  });
}

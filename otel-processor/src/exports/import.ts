/**
 * `meterline import`: stream provider billing exports into `provider_cost`.
 *
 * read (CSV, CSV.gz, JSON lines, Parquet) → detect the format from the header → map each row to a
 * {@link Charge} → attribute its tags with the same rules as telemetry → aggregate per (series, charge
 * hour) → round to nano-units exactly → replace older deliveries of the same account and billing period →
 * write. Rows that cannot be read are reported with their line number; the rest is imported.
 *
 * All files of one call are one delivery: pass every part of a split export (AWS CUR writes `-1.csv.gz`,
 * `-2.csv.gz`, …) together, or the second part would replace the first.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import type { Attribution, Attributor } from '@meterline/cost-model';
import type Decimal from 'decimal.js';
import type { InfluxStore } from '../influx/store';
import { RowError, type Charge } from './charge';
import { DecimalSum } from './decimal-sum';
import type { ExportFormat, ExportFormatId, FormatOptions, RowMapper } from './formats/format';
import { openExportTable } from './read/open';
import type { ExportTable } from './read/table';
import { ProviderCostEncoder, roundCells } from './provider-cost-points';
import { ProviderCostTable, type ProviderCostCell } from './provider-cost-table';
import { planReplacement, type PeriodOutcome } from './replace';

/**
 * The charge fields the import stores or decides by. Mappers may skip reading (and so checking) the
 * rest: descriptions, names, resource ids and period ends are most of a row's bytes, and none of them
 * reaches `provider_cost`.
 */
const IMPORTED_FIELDS: ReadonlySet<keyof Charge> = new Set<keyof Charge>([
  'provider',
  'account',
  'subAccount',
  'service',
  'category',
  'region',
  'sku',
  'currency',
  'chargeCategory',
  'chargeClass',
  'chargePeriodStart',
  'billingPeriodStart',
  'billedCost',
  'effectiveCost',
  'listCost',
  'pricingQuantity',
  'tagsKey',
]);

/** Lines per InfluxDB write of an import, and writes at once. */
const WRITE_BATCH = 1000;
const WRITES_IN_FLIGHT = 4;

/** Options of {@link importExports}. */
export interface ImportOptions {
  /** Files of one delivery. */
  paths: readonly string[];
  /** Formats to try, in order (`auto` detection) or the one to use. */
  formats: readonly ExportFormat[];
  /** `auto` (default) or a format id. */
  format?: 'auto' | ExportFormatId;
  formatOptions?: FormatOptions;
  /** Attribution rules of `meterline.yaml`: tags → tenant/team/center. */
  attributor: Attributor;
  /** Where to write; absent for a dry run (everything but the write). */
  store?: InfluxStore;
  /** Replace stored data even when it is newer than this delivery. */
  force?: boolean;
  /** Called after every batch of rows. */
  onProgress?: (p: ImportProgress) => void;
  /** Rejected rows kept with their reasons (all are counted); default 1000. */
  maxRejectedDetails?: number;
}

/** Progress of an import, for the progress bar. */
export interface ImportProgress {
  file: string;
  fileIndex: number;
  files: number;
  bytesRead: number;
  totalBytes: number;
  rows: number;
  rejected: number;
}

/** A row that was not imported. */
export interface RejectedRow {
  file: string;
  line: number;
  reason: string;
}

/** One file of the delivery. */
export interface ImportedFile {
  path: string;
  /** Format and variant, e.g. `FOCUS 1.2`. */
  format: string;
  encoding: string;
  sha256: string;
  bytes: number;
  rows: number;
  rejected: number;
}

/** Exact totals of one currency over the imported rows. */
export interface CurrencyTotals {
  billed: Decimal;
  effective: Decimal;
  list: Decimal;
}

/** What an import did. */
export interface ImportSummary {
  files: ImportedFile[];
  /** Digest of the delivery (SHA-256 over the files' digests): the `file` field of its points. */
  delivery: string;
  rows: number;
  rejectedCount: number;
  /** The first {@link ImportOptions.maxRejectedDetails} rejected rows. */
  rejected: RejectedRow[];
  /** Exact sums per currency of the imported rows (what InfluxDB now sums to, to the nano-unit). */
  totals: Map<string, CurrencyTotals>;
  /** Earliest and latest charge period start (epoch ms), when any row was imported. */
  chargeSpan?: { from: number; to: number };
  /** Points written (or that would be, on a dry run). */
  points: number;
  periods: PeriodOutcome[];
  /** Points of older deliveries neutralised. */
  superseded: number;
  dryRun: boolean;
}

/** The header matches no known format. */
export class UnknownFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownFormatError';
  }
}

/** Picks the format of `table` (or checks the forced one), with an error listing every format tried. */
export function detectFormat(
  table: Pick<ExportTable, 'path' | 'columns'>,
  formats: readonly ExportFormat[],
  wanted: 'auto' | ExportFormatId = 'auto',
): { format: ExportFormat; variant: string } {
  const candidates = wanted === 'auto' ? formats : formats.filter((f) => f.id === wanted);
  if (candidates.length === 0) {
    throw new UnknownFormatError(
      `--format ${wanted}: unknown format (known: auto, ${formats.map((f) => f.id).join(', ')})`,
    );
  }
  const tried: string[] = [];
  for (const f of candidates) {
    const d = f.detect(table.columns);
    if (d.ok) return { format: f, variant: d.variant };
    const missing =
      d.missing.slice(0, 4).join(', ') + (d.missing.length > 4 ? `, … (${d.missing.length} in all)` : '');
    tried.push(`  ${f.name} (${f.id}): missing ${missing}`);
  }
  const head = table.columns.slice(0, 6).join(', ') + (table.columns.length > 6 ? ', …' : '');
  throw new UnknownFormatError(
    `${table.path}: ${wanted === 'auto' ? 'not a known billing export' : `not a ${wanted} export`} ` +
      `(header: ${head || 'empty'}). Tried:\n${tried.join('\n')}`,
  );
}

/** Attribution of an export row: its tags are the attributes, provider facts the resource. Cached per tag set. */
class ExportAttribution {
  /** By tag set, then the few resources seen with it (compared by value: cheaper than hashing a joined key). */
  private readonly cache = new Map<string, CachedAttribution[]>();
  private size = 0;
  constructor(private readonly attributor: Attributor) {}

  of(c: Charge, tags: () => Record<string, string>): Attribution {
    let list = this.cache.get(c.tagsKey);
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const e = list[i]!;
        if (
          e.region === c.region &&
          e.subAccount === c.subAccount &&
          e.account === c.account &&
          e.provider === c.provider
        )
          return e.attribution;
      }
    } else {
      if (this.size >= 100_000) {
        this.cache.clear();
        this.size = 0;
      }
      list = [];
      this.cache.set(c.tagsKey, list);
    }
    const attribution = this.attributor.attribute({
      attributes: tags(),
      resource: {
        'cloud.provider': c.provider,
        'cloud.account.id': c.subAccount || c.account,
        'cloud.region': c.region,
        'billing.account.id': c.account,
      },
    });
    list.push({
      provider: c.provider,
      account: c.account,
      subAccount: c.subAccount,
      region: c.region,
      attribution,
    });
    this.size++;
    return attribution;
  }
}

interface CachedAttribution {
  provider: string;
  account: string;
  subAccount: string;
  region: string;
  attribution: Attribution;
}

/** Streams the files of one delivery into `provider_cost` (see the module comment). */
export async function importExports(options: ImportOptions): Promise<ImportSummary> {
  const maxDetails = options.maxRejectedDetails ?? 1000;
  const table = new ProviderCostTable();
  const attribution = new ExportAttribution(options.attributor);
  const files: ImportedFile[] = [];
  const rejected: RejectedRow[] = [];
  let rejectedCount = 0;
  let rows = 0;
  let from = Infinity;
  let to = -Infinity;

  const reject = (file: string, line: number, reason: string): void => {
    rejectedCount++;
    if (rejected.length < maxDetails) rejected.push({ file, line, reason });
  };

  for (let fi = 0; fi < options.paths.length; fi++) {
    const path = options.paths[fi]!;
    const t = await openExportTable(path);
    try {
      const { format, variant } = detectFormat(t, options.formats, options.format ?? 'auto');
      const mapper: RowMapper = format.compile(t.columns, options.formatOptions ?? {}, IMPORTED_FIELDS);
      let fileRows = 0;
      let fileRejected = 0;
      const onReadError = (e: { line: number; reason: string }): void => {
        fileRejected++;
        reject(path, e.line, e.reason);
      };
      for await (const batch of t.batches(onReadError, { columns: mapper.columns })) {
        for (let i = 0; i < batch.length; i++) {
          const row = batch[i]!;
          let charge: Charge;
          try {
            const mapped = mapper.map(row.values);
            charge = mapped.charge;
            table.add(charge, attribution.of(charge, mapped.tags));
          } catch (err) {
            if (!(err instanceof RowError)) throw err;
            fileRejected++;
            reject(path, row.line, err.message);
            continue;
          }
          fileRows++;
          if (charge.chargePeriodStart < from) from = charge.chargePeriodStart;
          if (charge.chargePeriodStart > to) to = charge.chargePeriodStart;
        }
        options.onProgress?.({
          file: path,
          fileIndex: fi,
          files: options.paths.length,
          bytesRead: t.bytesRead(),
          totalBytes: t.totalBytes,
          rows: rows + fileRows,
          rejected: rejectedCount,
        });
      }
      rows += fileRows;
      files.push({
        path,
        format: variant,
        encoding: t.encoding.kind + (t.encoding.gzip ? '.gz' : ''),
        sha256: t.digest(),
        bytes: t.totalBytes,
        rows: fileRows,
        rejected: fileRejected,
      });
    } finally {
      await t.close();
    }
  }

  const delivery = createHash('sha256')
    .update(
      files
        .map((f) => f.sha256)
        .sort()
        .join('\n'),
    )
    .digest('hex');
  const totals = totalsOf(table.cellsInOrder());
  let periods: PeriodOutcome[] = table.billingPeriods().map((period) => ({
    period,
    action: 'new' as const,
    superseded: 0,
    previousFiles: [],
  }));
  let superseded = 0;
  let written = 0;
  if (options.store === undefined) {
    written = table.size;
  } else {
    const store = options.store;
    await store.ensureReady();
    const plan = await planReplacement(
      store,
      table.billingPeriods(),
      (filter) => table.cellsInOrder(filter),
      delivery,
      options.force ?? false,
    );
    periods = plan.outcomes;
    const unit = (provider: string, account: string, period: string): string =>
      `${provider}\u0000${account}\u0000${period}`;
    const skipped = new Set(
      plan.outcomes
        .filter((o) => o.action === 'skipped')
        .map((o) => unit(o.period.provider, o.period.account, o.period.billingPeriod)),
    );
    // Rounded over what is written, so what InfluxDB sums to is exact for it; encoded and written a batch
    // at a time, so the lines of a large import are never all in memory.
    // New points first, then the zeros: a crash in between leaves stale extra points that a re-run removes,
    // never a period with its new data missing.
    // A few writes in flight while the next batch is encoded: InfluxDB parses requests in parallel, and
    // works while we do. A failure is kept (never an unhandled rejection) and thrown before anything
    // else is sent.
    let failure: { error: unknown } | undefined;
    const inFlight = new Set<Promise<void>>();
    const send = async (lines: string[]): Promise<void> => {
      while (inFlight.size >= WRITES_IN_FLIGHT) await Promise.race(inFlight);
      if (failure !== undefined) throw failure.error;
      const w: Promise<void> = store
        .write(lines)
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => inFlight.delete(w));
      inFlight.add(w);
    };
    const encoder = new ProviderCostEncoder(delivery);
    let batch: string[] = [];
    for (const p of roundCells(
      table.cellsInOrder((t) => !skipped.has(unit(t.provider, t.account, t.billing_period))),
    )) {
      batch.push(encoder.encode(p));
      written++;
      if (batch.length >= WRITE_BATCH) {
        await send(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await send(batch);
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure.error;
    await store.write(plan.supersededLines);
    superseded = plan.supersededLines.length;
  }

  return {
    files,
    delivery,
    rows,
    rejectedCount,
    rejected,
    totals,
    chargeSpan: rows > 0 ? { from, to } : undefined,
    points: written,
    periods,
    superseded,
    dryRun: options.store === undefined,
  };
}

function totalsOf(cells: Iterable<ProviderCostCell>): Map<string, CurrencyTotals> {
  // Exact (DecimalSum never rounds), unlike a Decimal fold at 40 digits.
  const sums = new Map<string, [DecimalSum, DecimalSum, DecimalSum]>();
  for (const cell of cells) {
    let s = sums.get(cell.tags.currency);
    if (s === undefined) {
      s = [new DecimalSum(), new DecimalSum(), new DecimalSum()];
      sums.set(cell.tags.currency, s);
    }
    s[0].addSum(cell.billed);
    s[1].addSum(cell.effective);
    s[2].addSum(cell.list);
  }
  const out = new Map<string, CurrencyTotals>();
  for (const [currency, [b, e, l]] of [...sums].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out.set(currency, { billed: b.toDecimal(), effective: e.toDecimal(), list: l.toDecimal() });
  }
  return out;
}

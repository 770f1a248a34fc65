import { CostRollup, bucketStart, type Catalog, type RollupRow } from '@meterline/cost-model';
import { diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { encodeCostPoints } from '../influx/cost-points';
import type { InfluxStore } from '../influx/store';
import { pricedUsagesOfSpan } from './priced-span';

/** Options of {@link InfluxCostExporter}. */
export interface InfluxCostExporterOptions {
  /** Where the `cost` points go. */
  store: InfluxStore;
  /** The catalog the spans were priced with (to split multi-SKU spans by SKU). */
  catalog: Catalog;
  /**
   * How long a minute bucket stays open for late spans, ms (default 5 min). A bucket is rewritten with its
   * new total on every export while open; once closed, its final total has been written.
   */
  latenessMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** Counters of what the exporter did. */
export interface InfluxCostExporterStats {
  spans: number;
  usages: number;
  /** Usages whose bucket had closed: folded into the oldest open bucket so their cost is not lost. */
  late: number;
  writes: number;
  failedWrites: number;
}

/**
 * A span exporter that rolls priced spans (see `CostSpanProcessor`) up per (series, 1-minute bucket) and
 * writes the totals to InfluxDB's `cost` measurement — the in-process way to get priced series without
 * running `meterline serve`. Put it behind a `BatchSpanProcessor` after the `CostSpanProcessor`.
 *
 * Open buckets are rewritten as totals on every export, so a point in InfluxDB always holds the full total
 * of its bucket and a retried write cannot double count. A failed write leaves the totals in memory and
 * reports failure; the next export (or `forceFlush`) writes them again. A span that arrives after its
 * bucket closed is added to the oldest open bucket instead (counted in `stats.late`): its cost is kept,
 * only its minute moves.
 */
export class InfluxCostExporter implements SpanExporter {
  readonly stats: InfluxCostExporterStats = { spans: 0, usages: 0, late: 0, writes: 0, failedWrites: 0 };
  private readonly rollup = new CostRollup();
  private readonly latenessMs: number;
  private readonly now: () => number;
  /** Buckets before this have been written in full and dropped. */
  private closedBefore = Number.NEGATIVE_INFINITY;
  private pending: Promise<void> = Promise.resolve();

  constructor(private readonly options: InfluxCostExporterOptions) {
    this.latenessMs = options.latenessMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    try {
      for (const span of spans) this.add(span);
    } catch (err) {
      resultCallback({ code: ExportResultCode.FAILED, error: err as Error });
      return;
    }
    this.flush().then(
      () => resultCallback({ code: ExportResultCode.SUCCESS }),
      (error: Error) => resultCallback({ code: ExportResultCode.FAILED, error }),
    );
  }

  /** Writes every open bucket's total now. */
  forceFlush(): Promise<void> {
    return this.flush();
  }

  /** Writes everything, closing every bucket. */
  async shutdown(): Promise<void> {
    await this.flush(Number.POSITIVE_INFINITY);
  }

  private add(span: ReadableSpan): void {
    const endMs = span.endTime[0] * 1e3 + span.endTime[1] / 1e6;
    const usages = pricedUsagesOfSpan(span.attributes, span.resource.attributes, endMs, this.options.catalog);
    this.stats.spans++;
    let at = endMs;
    if (bucketStart(endMs) < this.closedBefore) {
      at = this.closedBefore;
      this.stats.late += usages.length;
    }
    for (const u of usages) {
      this.rollup.add(u.tags, at, u.amount, u.quantity, u.priceVersion);
      this.stats.usages++;
    }
  }

  /** Serialises writes so totals land in order; closes buckets older than `closeBefore` once written. */
  private flush(closeBefore = bucketStart(this.now() - this.latenessMs)): Promise<void> {
    const run = async (): Promise<void> => {
      const rows: RollupRow[] = this.rollup.rows();
      if (rows.length === 0) return;
      try {
        await this.options.store.write(encodeCostPoints(rows));
        this.stats.writes++;
      } catch (err) {
        this.stats.failedWrites++;
        diag.error(`meterline: writing ${rows.length} cost rollups failed: ${(err as Error).message}`);
        throw err;
      }
      // Only what was just written in full may be dropped.
      this.rollup.drainBefore(closeBefore);
      if (closeBefore > this.closedBefore) this.closedBefore = closeBefore;
    };
    const next = this.pending.then(run, run);
    this.pending = next.catch(() => undefined);
    return next;
  }
}

import {
  COST_TAG_KEYS,
  D,
  bucketStart,
  seriesKey,
  toNano,
  type CostTags,
  type RollupRow,
} from '@meterline/cost-model';
import type Decimal from 'decimal.js';
import { ExactTotal } from './exact-total';

/** One (series, bucket) total, with a version so the flush loop knows what it has written. */
interface Cell {
  key: string;
  tags: CostTags;
  /** The exact total: integers, reading exactly as the Decimal sum of the amounts (see `exact-total.ts`). */
  amount: ExactTotal;
  quantity: number;
  events: number;
  versions: Set<string>;
  /** The price version added last (already in `versions`): a repeat skips the Set. */
  lastVersion: string | undefined;
  /** Bumped on every change. */
  version: number;
  /** The `version` InfluxDB confirmed. */
  written: number;
}

/** A cell as stored in a checkpoint. */
export interface CellSnapshot {
  bucketMs: number;
  tags: CostTags;
  amount: string;
  quantity: number;
  events: number;
  versions: string[];
}

/** What a flush wrote, to be confirmed with {@link BucketTable.confirm}. */
export interface FlushToken {
  cells: { cell: Cell; bucketMs: number; version: number }[];
}

/**
 * Exact cost totals per (series, 1-minute bucket), rewritten as totals while a bucket is open.
 *
 * Unlike cost-model's `CostRollup` it tracks which totals InfluxDB has confirmed, so only changed cells are
 * written and a bucket is dropped only once its final total is confirmed.
 */
export class BucketTable {
  private readonly buckets = new Map<number, Map<string, Cell>>();
  /** The bucket of the last `add` (items of a request mostly share a minute); cleared when buckets drop. */
  private lastBucketMs = NaN;
  private lastBucket: Map<string, Cell> | undefined;

  /**
   * Adds one priced item to the bucket starting at `bucketMs` (already assigned by the caller). `key` is
   * `seriesKey(tags)`, when the caller has it cached.
   */
  add(
    tags: CostTags,
    bucketMs: number,
    amount: Decimal,
    quantity: number,
    priceVersion: string,
    key: string = seriesKey(tags),
  ): void {
    this.cell(tags, bucketMs, quantity, priceVersion, key).amount.addDecimal(amount);
  }

  /**
   * {@link BucketTable.add} for an amount of exactly `mantissa × 10^-scale` (`mantissa` a safe integer, `scale`
   * an integer ≥ 0): the hot path, without Decimal.
   */
  addScaled(
    tags: CostTags,
    bucketMs: number,
    mantissa: number,
    scale: number,
    quantity: number,
    priceVersion: string,
    key: string = seriesKey(tags),
  ): void {
    this.cell(tags, bucketMs, quantity, priceVersion, key).amount.addScaled(mantissa, scale);
  }

  /** {@link BucketTable.add} for an amount of exactly `mantissa × 10^-scale` (`scale` an integer ≥ 0). */
  addBig(
    tags: CostTags,
    bucketMs: number,
    mantissa: bigint,
    scale: number,
    quantity: number,
    priceVersion: string,
    key: string = seriesKey(tags),
  ): void {
    this.cell(tags, bucketMs, quantity, priceVersion, key).amount.addBig(mantissa, scale);
  }

  /** The cell of (`key`, `bucketMs`), created when new, with one more item counted (the amount aside). */
  private cell(tags: CostTags, bucketMs: number, quantity: number, priceVersion: string, key: string): Cell {
    let bucket = this.lastBucketMs === bucketMs ? this.lastBucket : this.buckets.get(bucketMs);
    if (bucket === undefined) {
      bucket = new Map();
      this.buckets.set(bucketMs, bucket);
    }
    this.lastBucketMs = bucketMs;
    this.lastBucket = bucket;
    let cell = bucket.get(key);
    if (cell === undefined) {
      const own = {} as CostTags;
      for (const k of COST_TAG_KEYS) own[k] = tags[k] ?? '';
      cell = {
        key,
        tags: own,
        amount: new ExactTotal(),
        quantity: 0,
        events: 0,
        versions: new Set(),
        lastVersion: undefined,
        version: 0,
        written: 0,
      };
      bucket.set(key, cell);
    }
    cell.quantity += quantity;
    cell.events += 1;
    if (cell.lastVersion !== priceVersion) {
      cell.versions.add(priceVersion);
      cell.lastVersion = priceVersion;
    }
    cell.version++;
    return cell;
  }

  /** Cells changed since InfluxDB last confirmed them, as rows, and a token to confirm them with. */
  dirty(): { rows: RollupRow[]; token: FlushToken } {
    const rows: RollupRow[] = [];
    const token: FlushToken = { cells: [] };
    for (const [bucketMs, bucket] of this.buckets) {
      for (const cell of bucket.values()) {
        if (cell.version === cell.written) continue;
        rows.push(toRow(bucketMs, cell));
        token.cells.push({ cell, bucketMs, version: cell.version });
      }
    }
    return { rows, token };
  }

  /** Marks what `token` covered as written, then drops buckets before `closeBefore` that are fully written. */
  confirm(token: FlushToken, closeBefore: number): number {
    for (const c of token.cells) if (c.cell.written < c.version) c.cell.written = c.version;
    let dropped = 0;
    for (const [bucketMs, bucket] of this.buckets) {
      if (bucketMs >= closeBefore) continue;
      let clean = true;
      for (const cell of bucket.values()) {
        if (cell.version !== cell.written) {
          clean = false;
          break;
        }
      }
      if (clean) {
        this.buckets.delete(bucketMs);
        if (this.lastBucketMs === bucketMs) {
          this.lastBucketMs = NaN;
          this.lastBucket = undefined;
        }
        dropped++;
      }
    }
    return dropped;
  }

  /** Oldest bucket held (open, or closed but not yet confirmed). */
  oldestBucket(): number | undefined {
    let min: number | undefined;
    for (const b of this.buckets.keys()) if (min === undefined || b < min) min = b;
    return min;
  }

  get size(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.size;
    return n;
  }

  snapshot(): CellSnapshot[] {
    const out: CellSnapshot[] = [];
    for (const [bucketMs, bucket] of this.buckets) {
      for (const c of bucket.values()) {
        out.push({
          bucketMs,
          tags: c.tags,
          amount: c.amount.toDecimal().toString(),
          quantity: c.quantity,
          events: c.events,
          versions: [...c.versions],
        });
      }
    }
    return out;
  }

  /** Restores cells; every restored cell counts as unwritten (rewriting a total is idempotent). */
  restore(cells: readonly CellSnapshot[]): void {
    for (const s of cells) {
      const bucketMs = bucketStart(s.bucketMs);
      let bucket = this.buckets.get(bucketMs);
      if (bucket === undefined) {
        bucket = new Map();
        this.buckets.set(bucketMs, bucket);
      }
      const key = seriesKey(s.tags);
      const amount = new ExactTotal();
      amount.setDecimal(new D(s.amount));
      bucket.set(key, {
        key,
        tags: { ...s.tags },
        amount,
        quantity: s.quantity,
        events: s.events,
        versions: new Set(s.versions),
        lastVersion: undefined,
        version: 1,
        written: 0,
      });
    }
  }
}

function toRow(bucketMs: number, c: Cell): RollupRow {
  // Decimal only here, once per row written: the same value the Decimal sum had.
  const amount = c.amount.toDecimal();
  return {
    key: c.key,
    tags: c.tags,
    bucketMs,
    amountNano: toNano(amount),
    amount,
    quantity: c.quantity,
    events: c.events,
    priceVersion: [...c.versions].sort().join(','),
  };
}

import type Decimal from 'decimal.js';
import { ZERO, toNano } from '../money/money';
import { type CostTags, COST_TAG_KEYS, DEFAULT_BUCKET_MS, bucketStart, seriesKey } from './keys';

/** One (series, bucket) total. */
export interface RollupRow {
  /** {@link seriesKey} of `tags`. */
  key: string;
  tags: CostTags;
  /** Start of the bucket, epoch ms. */
  bucketMs: number;
  /** `amount` rounded once, half-even, to nano-units. */
  amountNano: bigint;
  /** Exact sum of the amounts added, unrounded. */
  amount: Decimal;
  quantity: number;
  events: number;
  /** Every price version seen in the bucket, sorted, comma-joined. */
  priceVersion: string;
}

interface Cell {
  key: string;
  tags: CostTags;
  amount: Decimal;
  quantity: number;
  events: number;
  versions: Set<string>;
}

/**
 * Exact per (series, bucket) cost totals. Amounts are summed as exact decimals and rounded to nano-units once,
 * when rows are read, so many small amounts never accumulate rounding error (3 × 0.1 is 0.3, exactly).
 */
export class CostRollup {
  /** bucket start → series key → cell. */
  private readonly buckets = new Map<number, Map<string, Cell>>();

  constructor(readonly bucketSizeMs: number = DEFAULT_BUCKET_MS) {
    bucketStart(0, bucketSizeMs); // validates
  }

  /** Adds one priced item (or `events` of them) to the bucket containing `timeMs`. */
  add(
    tags: CostTags,
    timeMs: number,
    amount: Decimal,
    quantity: number,
    priceVersion: string,
    events = 1,
  ): void {
    const start = bucketStart(timeMs, this.bucketSizeMs);
    let bucket = this.buckets.get(start);
    if (bucket === undefined) {
      bucket = new Map();
      this.buckets.set(start, bucket);
    }
    const key = seriesKey(tags);
    let cell = bucket.get(key);
    if (cell === undefined) {
      // Copy the tags: callers may reuse and mutate their tag object.
      const own = {} as CostTags;
      for (const k of COST_TAG_KEYS) own[k] = tags[k] ?? '';
      cell = { key, tags: own, amount: ZERO, quantity: 0, events: 0, versions: new Set() };
      bucket.set(key, cell);
    }
    if (!amount.isZero()) cell.amount = cell.amount.plus(amount);
    cell.quantity += quantity;
    cell.events += events;
    cell.versions.add(priceVersion);
  }

  /** Every open (series, bucket), sorted by bucket then key. */
  rows(): RollupRow[] {
    const out: RollupRow[] = [];
    for (const start of [...this.buckets.keys()].sort((a, b) => a - b))
      out.push(...toRows(start, this.buckets.get(start)!));
    return out;
  }

  /** Closes and removes the buckets that start before `timeMs`; returns their rows, sorted by bucket then key. */
  drainBefore(timeMs: number): RollupRow[] {
    const out: RollupRow[] = [];
    const starts = [...this.buckets.keys()].filter((s) => s < timeMs).sort((a, b) => a - b);
    for (const start of starts) {
      out.push(...toRows(start, this.buckets.get(start)!));
      this.buckets.delete(start);
    }
    return out;
  }

  /** Number of open (series, bucket) cells. */
  get size(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.size;
    return n;
  }
}

function toRows(start: number, bucket: Map<string, Cell>): RollupRow[] {
  const keys = [...bucket.keys()].sort(compareStrings);
  return keys.map((key) => {
    const cell = bucket.get(key)!;
    return {
      key,
      tags: { ...cell.tags },
      bucketMs: start,
      amountNano: toNano(cell.amount),
      amount: cell.amount,
      quantity: cell.quantity,
      events: cell.events,
      priceVersion: [...cell.versions].sort(compareStrings).join(','),
    };
  });
}

/** Code-unit order, independent of locale. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

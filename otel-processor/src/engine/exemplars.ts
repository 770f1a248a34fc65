/** One costly span kept as an exemplar (`cost_exemplar`). */
export interface Exemplar {
  service: string;
  tenant: string;
  sku: string;
  /** Span end, exact nanoseconds as a decimal string (the point's timestamp). */
  endNs: string;
  traceId: string;
  spanId: string;
  amountNano: bigint;
}

/** The key exemplars are ranked within (with the minute). */
export function exemplarKey(service: string, tenant: string, sku: string): string {
  return `${service}\u0000${tenant}\u0000${sku}`;
}

interface Kept {
  e: Exemplar;
  written: boolean;
  /** `e.amountNano` as a number when that is exact (a safe integer), else NaN: compared without BigInt. */
  n: number;
}

const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE_BIG = -MAX_SAFE_BIG;

/**
 * The top-N costly spans per (service, tenant, SKU, minute): what an on-call engineer opens from a cost
 * spike. A newly kept exemplar is written on the next flush, so traces are one click away while the spike
 * is still happening. A span pushed out of the top N after it was written stays in InfluxDB (a key can
 * hold more than N points); queries take `TOP(amount_nano, N)`.
 */
export class ExemplarTable {
  private readonly buckets = new Map<number, Map<string, Kept[]>>();
  /** The bucket looked up last (spans of a request mostly end in the same minute; minute keys are doubles). */
  private lastBucketMs = NaN;
  private lastBucket: Map<string, Kept[]> | undefined;

  constructor(readonly perKey: number = 5) {}

  /**
   * Whether a span of `amountNano` for `key` ({@link exemplarKey}) in this minute could be kept: false when it
   * would certainly be refused, so the caller can skip building the exemplar. `amountNano` may be a number
   * (a safe integer) on the hot path.
   */
  wants(bucketMs: number, key: string, amountNano: bigint | number): boolean {
    // Mixed bigint/number comparisons compare exact values.
    if (this.perKey <= 0 || amountNano <= 0) return false;
    const top = this.bucket(bucketMs, false)?.get(key);
    if (top === undefined || top.length < this.perKey) return true;
    const last = top[top.length - 1]!;
    // Both exact numbers: a number comparison is exact (and avoids the slow mixed BigInt comparison).
    if (typeof amountNano === 'number' && !Number.isNaN(last.n)) return last.n < amountNano;
    return last.e.amountNano < amountNano;
  }

  /** Offers a span; kept if it is among the `perKey` most costly of its key and minute. */
  offer(bucketMs: number, e: Exemplar, written = false, key = exemplarKey(e.service, e.tenant, e.sku)): void {
    if (this.perKey <= 0 || e.amountNano <= 0n) return;
    const bucket = this.bucket(bucketMs, true)!;
    let top = bucket.get(key);
    if (top === undefined) {
      top = [];
      bucket.set(key, top);
    }
    if (top.length >= this.perKey && top[top.length - 1]!.e.amountNano >= e.amountNano) return;
    // The same span offered again (a replay after a checkpoint): keep one.
    if (top.some((t) => t.e.traceId === e.traceId && t.e.spanId === e.spanId)) return;
    let i = top.length;
    while (i > 0 && top[i - 1]!.e.amountNano < e.amountNano) i--;
    const a = e.amountNano;
    top.splice(i, 0, { e, written, n: a <= MAX_SAFE_BIG && a >= MIN_SAFE_BIG ? Number(a) : NaN });
    if (top.length > this.perKey) top.pop();
  }

  /** The exemplars of minute `bucketMs` (created with `create`). */
  private bucket(bucketMs: number, create: boolean): Map<string, Kept[]> | undefined {
    if (bucketMs === this.lastBucketMs) return this.lastBucket;
    let bucket = this.buckets.get(bucketMs);
    if (bucket === undefined) {
      if (!create) return undefined;
      bucket = new Map();
      this.buckets.set(bucketMs, bucket);
    }
    this.lastBucketMs = bucketMs;
    this.lastBucket = bucket;
    return bucket;
  }

  /** Exemplars kept but not yet written. */
  unwritten(): Exemplar[] {
    const out: Exemplar[] = [];
    for (const bucket of this.buckets.values()) {
      for (const top of bucket.values()) for (const k of top) if (!k.written) out.push(k.e);
    }
    return out;
  }

  /** InfluxDB confirmed `written`; buckets before `closeBefore` are final and dropped. */
  confirm(written: readonly Exemplar[], closeBefore: number): void {
    const done = new Set(written);
    for (const [bucketMs, bucket] of this.buckets) {
      if (bucketMs < closeBefore) {
        // Dropped only when nothing in it still waits for a write.
        let clean = true;
        for (const top of bucket.values())
          for (const k of top) if (!k.written && !done.has(k.e)) clean = false;
        if (clean) {
          this.buckets.delete(bucketMs);
          if (bucketMs === this.lastBucketMs) this.lastBucketMs = NaN;
          continue;
        }
      }
      for (const top of bucket.values()) for (const k of top) if (done.has(k.e)) k.written = true;
    }
  }

  snapshot(): { bucketMs: number; exemplars: (Omit<Exemplar, 'amountNano'> & { amountNano: string })[] }[] {
    return [...this.buckets].map(([bucketMs, bucket]) => ({
      bucketMs,
      exemplars: [...bucket.values()].flat().map((k) => ({ ...k.e, amountNano: k.e.amountNano.toString() })),
    }));
  }

  /** Restored exemplars count as unwritten: rewriting a point is idempotent. */
  restore(snapshot: ReturnType<ExemplarTable['snapshot']>): void {
    for (const b of snapshot) {
      for (const e of b.exemplars) this.offer(b.bucketMs, { ...e, amountNano: BigInt(e.amountNano) });
    }
  }
}

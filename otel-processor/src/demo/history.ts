/**
 * Two weeks of ordinary history, so that burn rates over days and anomaly scores (the detector is ready
 * after 10 days) mean something in a run of a minute or two.
 *
 * History cannot go through `meterline serve` (it folds data older than its lateness window into the current
 * bucket), so it is written directly, as `cost` points per 5-minute bucket — but priced by serve's own
 * engine: every kind of ordinary request ({@link ORDINARY}) is calibrated by pushing one request of each
 * variant (created with the same OTel SDK code the demo services use, serialized with the OTLP/protobuf
 * serializer the exporter uses) through a private {@link CostEngine} with the demo's config. That gives
 * each kind's exact series tags (tenant, team, attribution, SKU, price version, …) and what each variant
 * costs; a history bucket is then the exact cost of the requests the replay would send in its minutes
 * ({@link requestsIn} of them, the same variants), so history and live traffic have the same level and the
 * same noise. The budgets are sized from the mean request.
 *
 * @packageDocumentation
 */
import type { CostTags, MeterlineConfig, RollupRow } from '@meterline/cost-model';
import type Decimal from 'decimal.js';
import { CostEngine, type LineEncoder } from '../engine/cost-engine';
import { encodeCostPoint } from '../influx/cost-points';
import { compileMeterline } from '../instrument/compile';
import { decodeTracesProtobuf } from '../otlp/decode';
import {
  BUDGETS,
  HISTORY_BUCKET_MS,
  MIN,
  ORDINARY,
  VARIANTS,
  calibrationSpecs,
  meanRequestsPerMinute,
  requestsIn,
  twoSignificant,
  versionAt,
} from './scenario';
import { DemoServices, SpanQueue } from './traffic';

/** One SKU a kind of request is priced in, and what each request variant costs in it. */
export interface CalibratedRow {
  tags: CostTags;
  priceVersion: string;
  /**
   * Per variant `0 … VARIANTS − 1`, as serve's engine priced one such request: the exact amount (unrounded,
   * in units of `10^-scale` of the currency), the quantity and the usages.
   */
  amountScaled: bigint[];
  quantity: number[];
  events: number[];
  /** Running sums of the above (`VARIANTS + 1` entries), for the sum over a run of variants. */
  amountPrefix: bigint[];
  quantityPrefix: number[];
  eventsPrefix: number[];
}

/**
 * Per ordinary kind id, the rows its requests roll up into; `scale`: the decimal places the exact amounts
 * are kept with (enough for every calibrated amount), so sums stay exact and are rounded to nano-units once
 * per point, half-even, as serve rounds its totals.
 */
export interface Calibration {
  kinds: Map<string, CalibratedRow[]>;
  scale: number;
}

/** Serializes SDK spans exactly as the OTLP/protobuf exporter does (loaded on first use, like the exporter). */
function serialize(spans: unknown[]): Uint8Array {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ProtobufTraceSerializer } = require('@opentelemetry/otlp-transformer') as {
    ProtobufTraceSerializer: { serializeRequest(spans: unknown[]): Uint8Array | undefined };
  };
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  if (bytes === undefined) throw new Error('calibration: the OTLP serializer returned nothing');
  return bytes;
}

/** Sums of money (exact) and of quantities and counts, for the same running-sum code. */
interface Arithmetic<T> {
  zero: T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  times(a: T, n: number): T;
}
const EXACT: Arithmetic<bigint> = {
  zero: 0n,
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  times: (a, n) => a * BigInt(n),
};
const FLOAT: Arithmetic<number> = {
  zero: 0,
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  times: (a, n) => a * n,
};

/** Running sums: `out[j]` = sum of `values[0 … j − 1]`. */
function prefix<T>(values: readonly T[], ar: Arithmetic<T>): T[] {
  const out: T[] = [ar.zero];
  for (const v of values) out.push(ar.add(out[out.length - 1]!, v));
  return out;
}

/**
 * Prices one request of every variant of every ordinary kind with serve's engine (see the module notes),
 * each in a minute of its own (before the replay, so versions are the history's) to tell them apart.
 */
export function calibrate(config: MeterlineConfig, replayFromMs: number): Calibration {
  const queue = new SpanQueue();
  const services = new DemoServices(queue);
  const base = replayFromMs - (ORDINARY.length * VARIANTS + 1) * MIN;
  ORDINARY.forEach((kind, i) => {
    calibrationSpecs(kind, historyVersion(kind.service), 0).forEach((spec, k) =>
      services.emit({ ...spec, endMs: base + (i * VARIANTS + k) * MIN + 30_000 }),
    );
  });
  const engine = new CostEngine({ meterline: compileMeterline(config), latenessMs: 24 * 60 * MIN });
  engine.applyTraces(decodeTracesProtobuf(serialize(queue.take())), replayFromMs);
  let rows: RollupRow[] = [];
  const capture: LineEncoder = {
    cost: (r) => {
      rows = r;
      return [];
    },
    exemplars: () => [],
    deploys: () => [],
  };
  engine.flush(capture, 0);
  type Variants = {
    tags: CostTags;
    priceVersion: string;
    amount: Decimal[];
    quantity: number[];
    events: number[];
  };
  const bySku = new Map<string, Map<string, Variants>>(ORDINARY.map((k) => [k.id, new Map()]));
  let scale = 9;
  for (const row of rows) {
    const index = Math.round((row.bucketMs - base) / MIN);
    const kind = ORDINARY[Math.floor(index / VARIANTS)];
    if (kind === undefined)
      throw new Error(`calibration: a cost row at an unexpected minute ${row.bucketMs}`);
    const k = index % VARIANTS;
    const skus = bySku.get(kind.id)!;
    let r = skus.get(row.key);
    if (r === undefined) {
      r = {
        tags: row.tags,
        priceVersion: row.priceVersion,
        amount: new Array<Decimal>(VARIANTS).fill(row.amount.times(0)),
        quantity: new Array<number>(VARIANTS).fill(0),
        events: new Array<number>(VARIANTS).fill(0),
      };
      skus.set(row.key, r);
    }
    r.amount[k] = row.amount;
    r.quantity[k] = row.quantity;
    r.events[k] = row.events;
    scale = Math.max(scale, row.amount.decimalPlaces());
  }
  const kinds = new Map<string, CalibratedRow[]>();
  for (const [id, skus] of bySku) {
    if (skus.size === 0)
      throw new Error(`calibration: the config prices no SKU for the demo's ${id} requests`);
    kinds.set(
      id,
      [...skus.values()].map((r) => {
        const amountScaled = r.amount.map((a) => BigInt(a.times(`1e${scale}`).toFixed(0)));
        return {
          tags: r.tags,
          priceVersion: r.priceVersion,
          amountScaled,
          quantity: r.quantity,
          events: r.events,
          amountPrefix: prefix(amountScaled, EXACT),
          quantityPrefix: prefix(r.quantity, FLOAT),
          eventsPrefix: prefix(r.events, FLOAT),
        };
      }),
    );
  }
  return { kinds, scale };
}

/** `n / d` rounded half to even (`d` > 0). */
export function divHalfEven(n: bigint, d: bigint): bigint {
  let q = n / d;
  const r = n % d;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice > d || (twice === d && q % 2n !== 0n)) q += n < 0n ? -1n : 1n;
  return q;
}

/** The history's version of a service (before the deploy). */
function historyVersion(service: string): string {
  return versionAt(service, 0, Infinity);
}

/** Sum of `values[(start + i) % VARIANTS]` for `i < n`, from their running sums `p`. */
function runSum<T>(p: readonly T[], start: number, n: number, ar: Arithmetic<T>): T {
  const full = p[VARIANTS]!;
  const r = n % VARIANTS;
  const s = start % VARIANTS;
  const part =
    s + r <= VARIANTS ? ar.sub(p[s + r]!, p[s]!) : ar.add(ar.sub(full, p[s]!), p[s + r - VARIANTS]!);
  return ar.add(ar.times(full, Math.floor(n / VARIANTS)), part);
}

/**
 * The history lines (ms precision) of `[fromMs, toMs)` (5-minute boundaries): per 5-minute bucket, kind and
 * SKU, the exact cost of the requests the replay would send in those minutes ({@link requestsIn} of them,
 * with the same variants as {@link minuteSpans}), as serve would have rolled them up — in one point per
 * bucket rather than five.
 */
export function* historyLines(calibration: Calibration, fromMs: number, toMs: number): Generator<string> {
  const toNano = 10n ** BigInt(calibration.scale - 9);
  for (let b = fromMs; b < toMs; b += HISTORY_BUCKET_MS) {
    for (const kind of ORDINARY) {
      const minutes: { start: number; n: number }[] = [];
      for (let m = b; m < b + HISTORY_BUCKET_MS; m += MIN) {
        const n = requestsIn(kind, m);
        if (n > 0) minutes.push({ start: Math.floor(m / MIN), n });
      }
      if (minutes.length === 0) continue;
      for (const row of calibration.kinds.get(kind.id)!) {
        let amountScaled = 0n;
        let quantity = 0;
        let events = 0;
        for (const { start, n } of minutes) {
          amountScaled += runSum(row.amountPrefix, start, n, EXACT);
          quantity += runSum(row.quantityPrefix, start, n, FLOAT);
          events += runSum(row.eventsPrefix, start, n, FLOAT);
        }
        yield encodeCostPoint(
          {
            tags: row.tags,
            bucketMs: b,
            amountNano: divHalfEven(amountScaled, toNano),
            quantity,
            events,
            priceVersion: row.priceVersion,
          },
          'ms',
        );
      }
    }
  }
}

/** A budget of the demo config, sized from the calibration. */
export interface SizedBudget {
  name: string;
  scope: { team?: string; tenant?: string };
  amount: string;
  currency: string;
  /** The scope's ordinary spend a month, in `currency` (what the amount is sized from). */
  ordinaryMonthly: number;
  expect: 'page' | 'ticket' | 'ok';
}

/** The currency most of the calibrated cost is in (the budgets' currency). */
export function mainCurrency(calibration: Calibration): string {
  const totals = new Map<string, bigint>();
  for (const rows of calibration.kinds.values())
    for (const r of rows)
      totals.set(r.tags.currency, (totals.get(r.tags.currency) ?? 0n) + r.amountPrefix[VARIANTS]!);
  return [...totals].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : 0))[0]?.[0] ?? 'USD';
}

/** {@link BUDGETS} with amounts: headroom × the scope's mean ordinary spend over a 30-day month. */
export function sizeBudgets(calibration: Calibration): SizedBudget[] {
  const currency = mainCurrency(calibration);
  return BUDGETS.map((b) => {
    let perMinuteNano = 0;
    for (const kind of ORDINARY) {
      for (const row of calibration.kinds.get(kind.id)!) {
        if (row.tags.currency !== currency) continue;
        if (b.scope.team !== undefined && row.tags.team !== b.scope.team) continue;
        if (b.scope.tenant !== undefined && row.tags.tenant !== b.scope.tenant) continue;
        const nano = Number(divHalfEven(row.amountPrefix[VARIANTS]!, 10n ** BigInt(calibration.scale - 9)));
        perMinuteNano += (nano / VARIANTS) * meanRequestsPerMinute(kind);
      }
    }
    const ordinaryMonthly = (perMinuteNano * 30 * 24 * 60) / 1e9;
    return {
      name: b.name,
      scope: b.scope,
      amount: twoSignificant(ordinaryMonthly * b.headroom),
      currency,
      ordinaryMonthly,
      expect: b.expect,
    };
  });
}

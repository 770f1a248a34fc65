/**
 * Aggregation of normalised charges into `provider_cost` points: one cell per (series, charge hour), where
 * the series is the tag set of the data contract plus `billing_period`. Memory grows with the number of
 * distinct cells, never with the number of rows, so an import streams in flat memory.
 *
 * @packageDocumentation
 */
import type { Attribution } from '@meterline/cost-model';
import { RowError, type Charge } from './charge';
import { type DecimalSum, DecimalSumTable } from './decimal-sum';

/** The measurement provider exports are stored in. */
export const PROVIDER_COST_MEASUREMENT = 'provider_cost';

/** Tags of a `provider_cost` point (`''` values are omitted from the line). */
export interface ProviderCostTags {
  provider: string;
  account: string;
  sub_account: string;
  service: string;
  category: string;
  region: string;
  sku: string;
  tenant: string;
  team: string;
  attribution: string;
  currency: string;
  /** FOCUS ChargeCategory in lower case: `usage`, `purchase`, `tax`, `credit`, `adjustment`. */
  charge: string;
  /**
   * `YYYY-MM` of the billing period start. Not in the first contract: a re-delivered month must replace
   * every point of that month, including corrections dated in earlier charge periods, so the delivery
   * unit (provider, account, billing period) has to be selectable.
   */
  billing_period: string;
}

/** The tag keys of `provider_cost`, in contract order. */
export const PROVIDER_COST_TAG_KEYS: readonly (keyof ProviderCostTags)[] = [
  'provider',
  'account',
  'sub_account',
  'service',
  'category',
  'region',
  'sku',
  'tenant',
  'team',
  'attribution',
  'currency',
  'charge',
  'billing_period',
];

/** One aggregated point. */
export interface ProviderCostCell {
  tags: ProviderCostTags;
  /** Start of the charge hour, epoch ms. */
  time: number;
  billed: DecimalSum;
  effective: DecimalSum;
  list: DecimalSum;
  quantity: DecimalSum;
  rows: number;
  /** The series' tag values in contract order: with `time`, the cell's identity and sort key. */
  key: string;
}

/** A delivery unit: what a newer export of the same account and billing period replaces. */
export interface BillingPeriodKey {
  provider: string;
  account: string;
  billingPeriod: string;
  /** Earliest and latest charge hour seen for it in this import (epoch ms). */
  firstChargeMs: number;
  lastChargeMs: number;
}

const HOUR_MS = 3_600_000;
const SEP = '\u0000';
/** Charge hours (since the epoch) accepted: 1970 to 2209. */
const HOURS_SPAN = 2 ** 21;

/** `YYYY-MM` (UTC) of epoch ms. */
export function billingPeriodOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

interface Series {
  id: number;
  tags: ProviderCostTags;
  /** The series' cells by charge hour: see {@link HourIndex}. */
  cells: HourIndex;
  /** The interned ids of its tag values (see {@link ProviderCostTable.add}). */
  ids: Int32Array;
  /** Tag values joined in contract order: the sort key of the series. */
  sortKey: string;
}

/** Interned ids per series: the 12 tag values (tenant, team and attribution as one) and the billing period. */
const SERIES_IDS = 11;

/**
 * Cell numbers of one series by charge hour, in a dense array over the hours seen (a month is 720
 * slots): a lookup is one array read instead of a hash-table probe, which matters because rows hit
 * cells in random order and every probe is a cache miss.
 */
class HourIndex {
  private base = 0;
  /** Cell number + 1 per hour from `base` (0: none yet). */
  private slots = new Int32Array(0);

  get(hour: number): number {
    const i = hour - this.base;
    return i >= 0 && i < this.slots.length ? this.slots[i]! - 1 : -1;
  }

  set(hour: number, cell: number): void {
    let i = hour - this.base;
    if (i < 0 || i >= this.slots.length) {
      // Grow to cover the hour, in whole days, with room for the rest of a month on either side.
      const lo = this.slots.length === 0 ? hour : Math.min(this.base, hour);
      const hi = this.slots.length === 0 ? hour : Math.max(this.base + this.slots.length - 1, hour);
      const base = Math.floor(lo / 24) * 24 - (this.slots.length === 0 ? 0 : 24 * 31);
      const length = Math.ceil((hi + 1 - base) / 24) * 24 + 24 * 31;
      const slots = new Int32Array(length);
      if (this.slots.length > 0) slots.set(this.slots, this.base - base);
      this.base = base;
      this.slots = slots;
      i = hour - base;
    }
    this.slots[i] = cell + 1;
  }
}

/** Small integer ids of the distinct values of one tag: short keys instead of long strings per row. */
class Interner {
  private readonly ids = new Map<string, number>();
  /** The last value and its id: provider, account, currency… repeat row after row, and comparing is cheaper than hashing. */
  private lastValue: string | undefined;
  private lastId = 0;

  id(value: string): number {
    if (value === this.lastValue) return this.lastId;
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(value, id);
    }
    this.lastValue = value;
    this.lastId = id;
    return id;
  }
}

/** Charges aggregated per (series, charge hour). */
export class ProviderCostTable {
  // Per row, the series is found from interned ids (a short key) and the cell from a number: building and
  // hashing a long string of every tag value per row cost more than parsing the row.
  private readonly interners = Array.from({ length: 9 }, () => new Interner());
  private readonly seriesByHash = new Map<number, Series[]>();
  private readonly ids = new Array<number>(SERIES_IDS).fill(0);
  private readonly periodIds = new Interner();
  /** Attribution results are shared objects (cached by the caller): their id by identity, else by value. */
  private readonly attributionIds = new WeakMap<Attribution, number>();
  private readonly attributionValues = new Interner();
  private seriesCount = 0;
  /** Per cell: its series and charge hour; its sums live in {@link sums} (billed, effective, list, quantity, rows). */
  private readonly cellSeries: Series[] = [];
  private readonly cellHours: number[] = [];
  private readonly sums = new DecimalSumTable(5);
  private readonly periods = new Map<string, BillingPeriodKey>();
  private readonly periodNames = new Map<number, { name: string; id: number }>();

  /** Number of cells (points) so far. */
  get size(): number {
    return this.cellSeries.length;
  }

  private attributionId(a: Attribution): number {
    let id = this.attributionIds.get(a);
    if (id === undefined) {
      // By value: equal attributions in distinct objects must be one series.
      id = this.attributionValues.id(a.tenant + SEP + a.team + SEP + a.attribution);
      this.attributionIds.set(a, id);
    }
    return id;
  }

  /** Adds one charge, attributed. */
  add(c: Charge, a: Attribution): void {
    const hour = Math.floor(c.chargePeriodStart / HOUR_MS);
    if (!(hour >= 0 && hour < HOURS_SPAN)) {
      throw new RowError(
        `ChargePeriodStart: ${new Date(c.chargePeriodStart).toISOString()} is outside 1970–2209`,
        'ChargePeriodStart',
      );
    }
    let period = this.periodNames.get(c.billingPeriodStart);
    if (period === undefined) {
      const name = billingPeriodOf(c.billingPeriodStart);
      period = { name, id: this.periodIds.id(name) };
      this.periodNames.set(c.billingPeriodStart, period);
    }
    const charge = c.chargeCategory;
    const i = this.interners;
    // The series is found by the interned ids of its 13 tag values: one hash of small integers and one
    // Map probe (verified against the ids, so a hash collision only costs a comparison).
    const ids = this.ids;
    ids[0] = i[0]!.id(c.provider);
    ids[1] = i[1]!.id(c.account);
    ids[2] = i[2]!.id(c.subAccount);
    ids[3] = i[3]!.id(c.service);
    ids[4] = i[4]!.id(c.category);
    ids[5] = i[5]!.id(c.region);
    ids[6] = i[6]!.id(c.sku);
    ids[7] = this.attributionId(a);
    ids[8] = i[7]!.id(c.currency);
    ids[9] = i[8]!.id(charge);
    ids[10] = period.id;
    let h = 0x811c9dc5;
    for (let k = 0; k < SERIES_IDS; k++) h = Math.imul(h ^ ids[k]!, 0x01000193);
    h >>>= 0;
    let bucket = this.seriesByHash.get(h);
    let series: Series | undefined;
    if (bucket !== undefined) {
      for (let b = 0; b < bucket.length && series === undefined; b++) {
        const candidate = bucket[b]!;
        const cids = candidate.ids;
        let same = true;
        for (let k = 0; k < SERIES_IDS; k++) {
          if (cids[k] !== ids[k]) {
            same = false;
            break;
          }
        }
        if (same) series = candidate;
      }
    }
    if (series === undefined) {
      const tags: ProviderCostTags = {
        provider: c.provider,
        account: c.account,
        sub_account: c.subAccount,
        service: c.service,
        category: c.category,
        region: c.region,
        sku: c.sku,
        tenant: a.tenant,
        team: a.team,
        attribution: a.attribution,
        currency: c.currency,
        charge: charge.toLowerCase(),
        billing_period: period.name,
      };
      series = {
        id: this.seriesCount++,
        tags,
        sortKey: Object.values(tags).join(SEP),
        cells: new HourIndex(),
        ids: Int32Array.from(ids),
      };
      if (bucket === undefined) {
        bucket = [];
        this.seriesByHash.set(h, bucket);
      }
      bucket.push(series);
    }
    let cell = series.cells.get(hour);
    if (cell < 0) {
      cell = this.cellSeries.length;
      series.cells.set(hour, cell);
      this.cellSeries.push(series);
      this.cellHours.push(hour);
      this.sums.ensure(cell);
      const time = hour * HOUR_MS;
      const pk = c.provider + SEP + c.account + SEP + period.name;
      const p = this.periods.get(pk);
      if (p === undefined)
        this.periods.set(pk, {
          provider: c.provider,
          account: c.account,
          billingPeriod: period.name,
          firstChargeMs: time,
          lastChargeMs: time,
        });
      else {
        if (time < p.firstChargeMs) p.firstChargeMs = time;
        if (time > p.lastChargeMs) p.lastChargeMs = time;
      }
    }
    const sums = this.sums;
    sums.add(cell, 0, c.billedCost);
    if (c.effectiveCost === c.billedCost) sums.addAgain(cell, 1);
    else sums.add(cell, 1, c.effectiveCost);
    if (c.listCost === c.effectiveCost) sums.addAgain(cell, 2);
    else sums.add(cell, 2, c.listCost);
    sums.add(cell, 3, c.pricingQuantity);
    sums.count(cell, 4);
  }

  /**
   * The cells in a deterministic order (series tag values, then time), the order points are rounded and
   * written in, one at a time: each view (with its sums as {@link DecimalSum}s) is made when reached, so
   * the end of an import holds no second copy of the whole table.
   */
  *cellsInOrder(filter?: (tags: ProviderCostTags) => boolean): Generator<ProviderCostCell> {
    const n = this.cellSeries.length;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const series = this.cellSeries;
    const hours = this.cellHours;
    order.sort((x, y) => {
      const a = series[x]!.sortKey;
      const b = series[y]!.sortKey;
      return a < b ? -1 : a > b ? 1 : hours[x]! - hours[y]!;
    });
    const sums = this.sums;
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      const s = series[i]!;
      if (filter !== undefined && !filter(s.tags)) continue;
      yield {
        tags: s.tags,
        time: hours[i]! * HOUR_MS,
        billed: sums.sum(i, 0),
        effective: sums.sum(i, 1),
        list: sums.sum(i, 2),
        quantity: sums.sum(i, 3),
        rows: sums.counted(i, 4),
        key: s.sortKey,
      };
    }
  }

  /** All of {@link cellsInOrder} as an array (tests, small tables). */
  sortedCells(): ProviderCostCell[] {
    return [...this.cellsInOrder()];
  }

  /** The (provider, account, billing period) units this import delivers. */
  billingPeriods(): BillingPeriodKey[] {
    const key = (p: BillingPeriodKey): string => p.provider + SEP + p.account + SEP + p.billingPeriod;
    return [...this.periods.values()].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
  }
}

import type Decimal from 'decimal.js';
import type { DiscountConfig } from '../config/types';
import { D, ZERO } from '../money/money';
import type { Catalog, PricedUsage } from './catalog';
import { applyDiscounts } from './discounts';
import { type BillingPeriod, periodStart } from './period';
import { tieredAmount } from './tiers';

export { type BillingPeriod, periodStart } from './period';

/**
 * Prices usage where the running total of a billing period is known (rollups over a period, the billing
 * report), applying volume tiers and discounts. Running totals are kept per (scope, SKU, period).
 *
 * The sum of what {@link PeriodPricer.add} returns over a period equals the tiered, discounted price of the
 * period total, exactly (while the price version and discounts in force stay the same). Totals of the current
 * and the previous period are kept; older ones are forgotten when a newer period starts, so usage arriving more
 * than one period late starts again from the first tier.
 */
export class PeriodPricer {
  /** periodStart → `scope\u0000sku` → quantity used so far. */
  private readonly totals = new Map<number, Map<string, Decimal>>();
  private newest = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly catalog: Catalog,
    private readonly discounts: readonly DiscountConfig[],
    private readonly period: BillingPeriod = 'month',
  ) {}

  /**
   * The marginal price of `quantity` of `skuId` at `timeMs`, given what `scopeKey` (e.g. a tenant) already used
   * of that SKU in the period. Unknown SKUs are priced as unknown (amount 0) and do not accumulate.
   */
  add(skuId: string, quantity: number | Decimal, timeMs: number, scopeKey = ''): PricedUsage {
    const base = this.catalog.price(skuId, quantity, timeMs);
    if (!base.known) return base;
    const version = this.catalog.priceAt(skuId, timeMs)!;
    const q = typeof quantity === 'number' ? new D(quantity) : quantity;

    const start = periodStart(timeMs, this.period);
    const totals = this.totalsFor(start);
    const key = `${scopeKey}\u0000${skuId}`;
    const used = totals.get(key) ?? ZERO;
    totals.set(key, used.plus(q));

    const listed = version.tiers !== undefined ? tieredAmount(version.tiers, used, q) : base.amount;
    base.amount = applyDiscounts(listed, skuId, timeMs, this.discounts).amount;
    return base;
  }

  /** Quantity of `skuId` used by `scopeKey` in the period containing `timeMs` so far. */
  used(skuId: string, timeMs: number, scopeKey = ''): Decimal {
    return this.totals.get(periodStart(timeMs, this.period))?.get(`${scopeKey}\u0000${skuId}`) ?? ZERO;
  }

  private totalsFor(start: number): Map<string, Decimal> {
    let totals = this.totals.get(start);
    if (totals === undefined) {
      totals = new Map();
      this.totals.set(start, totals);
      if (start > this.newest) {
        const previous = this.newest;
        this.newest = start;
        for (const s of this.totals.keys()) if (s < previous) this.totals.delete(s);
      }
    }
    return totals;
  }
}

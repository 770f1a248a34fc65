import type Decimal from 'decimal.js';
import { ZERO } from '../money/money';

/** One volume tier: units up to `upTo` (exclusive of the next tier) cost `unitPrice`. The last tier has no `upTo`. */
export interface Tier {
  upTo?: Decimal;
  unitPrice: Decimal;
}

/**
 * Price of `quantity` units when `alreadyUsed` units of the period have been priced before:
 * `C(alreadyUsed + quantity) − C(alreadyUsed)` where `C(x)` is the tiered price of a period total `x`.
 * So a quantity that straddles tiers is split exactly, and the sum of marginal prices over a period equals
 * the tiered price of the period total, exactly. A negative quantity (a correction) gives the negative
 * difference. Usage beyond a closed last tier is priced at that last tier's price.
 *
 * @throws when `tiers` is empty.
 */
export function tieredAmount(tiers: readonly Tier[], alreadyUsed: Decimal, quantity: Decimal): Decimal {
  if (tiers.length === 0) throw new RangeError('tieredAmount needs at least one tier');
  return cumulative(tiers, alreadyUsed.plus(quantity)).minus(cumulative(tiers, alreadyUsed));
}

/** Tiered price of a period total `total` (negative totals count as 0). */
function cumulative(tiers: readonly Tier[], total: Decimal): Decimal {
  if (total.lte(0)) return ZERO;
  let amount = ZERO;
  let lower = ZERO;
  for (let i = 0; i < tiers.length; i++) {
    const tier = tiers[i]!;
    const last = i === tiers.length - 1;
    const upper = last || tier.upTo === undefined ? undefined : tier.upTo;
    const inTier = upper === undefined || total.lt(upper) ? total.minus(lower) : upper.minus(lower);
    if (inTier.gt(0)) amount = amount.plus(inTier.times(tier.unitPrice));
    if (upper === undefined || total.lte(upper)) break;
    lower = upper;
  }
  return amount;
}

import type Decimal from 'decimal.js';
import type { DiscountConfig } from '../config/types';
import { D } from '../money/money';
import { parseDecimal } from '../money/parse';

const HUNDRED = new D(100);
// Parsed factors per config object, so repeated pricing does no string parsing.
const factors = new WeakMap<DiscountConfig, Decimal>();

function factorOf(discount: DiscountConfig): Decimal {
  let factor = factors.get(discount);
  if (factor === undefined) {
    const percent = parseDecimal(discount.percent, `discount "${discount.id}".percent`);
    if (percent.lt(0) || percent.gt(100)) {
      throw new RangeError(`discount "${discount.id}" percent ${discount.percent} is outside 0..100`);
    }
    factor = HUNDRED.minus(percent).div(HUNDRED);
    factors.set(discount, factor);
  }
  return factor;
}

/** True when `discount` covers `skuId` at `timeMs` (`effectiveFrom` inclusive, `effectiveTo` exclusive). */
export function discountApplies(discount: DiscountConfig, skuId: string, timeMs: number): boolean {
  if (discount.effectiveFrom !== undefined && timeMs < discount.effectiveFrom) return false;
  if (discount.effectiveTo !== undefined && timeMs >= discount.effectiveTo) return false;
  return discount.skus === undefined || discount.skus.includes(skuId);
}

/**
 * Applies every discount that covers `skuId` at `timeMs`, in configuration order. Discounts compound:
 * each one takes its percent off what the previous ones left (a 10 % commitment then a 5 % promotion is
 * 14.5 % off, not 15 %), which is how providers stack negotiated and promotional rates. Exact; no rounding.
 * Returns the discounted amount and the ids of the discounts applied.
 */
export function applyDiscounts(
  amount: Decimal,
  skuId: string,
  timeMs: number,
  discounts: readonly DiscountConfig[],
): { amount: Decimal; applied: string[] } {
  const applied: string[] = [];
  let result = amount;
  for (const discount of discounts) {
    if (!discountApplies(discount, skuId, timeMs)) continue;
    result = result.times(factorOf(discount));
    applied.push(discount.id);
  }
  return { amount: result, applied };
}

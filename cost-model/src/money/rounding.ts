/**
 * The rounding rules of Meterline, stated once.
 *
 * - Amounts are computed exactly: decimal arithmetic with {@link INTERNAL_PRECISION} significant digits,
 *   which is more than any price (up to 28 decimal places) times any realistic quantity needs.
 * - Nothing is rounded while computing. An amount is rounded only when it is stored or displayed.
 * - Storing rounds half-to-even ("banker's rounding", so ties do not bias sums upward) to nano-units:
 *   {@link NANO_DECIMALS} decimal places of the currency unit.
 * - A rollup sums exact amounts and rounds once per (series, bucket), never per item.
 */
import Decimal from 'decimal.js';

/** Significant digits of every intermediate result. */
export const INTERNAL_PRECISION = 40;

/** The rounding mode used wherever rounding happens at all. */
export const ROUNDING_MODE = Decimal.ROUND_HALF_EVEN;

/** Decimal places of a nano-unit (1e-9 of the currency unit), the stored resolution of money. */
export const NANO_DECIMALS = 9;

/** Rounds an exact amount to whole nano-units, half-to-even. The one place where money is rounded. */
export function roundToNano(amount: Decimal): Decimal {
  return amount.toDecimalPlaces(NANO_DECIMALS, ROUNDING_MODE);
}

import Decimal from 'decimal.js';
import { INTERNAL_PRECISION, NANO_DECIMALS, ROUNDING_MODE, roundToNano } from './rounding';

/**
 * The configured Decimal constructor used for all money: {@link INTERNAL_PRECISION} significant digits,
 * half-even rounding, and no exponent notation in `toString()` for magnitudes in [1e-30, 1e40).
 */
export const D: typeof Decimal = Decimal.clone({
  precision: INTERNAL_PRECISION,
  rounding: ROUNDING_MODE,
  toExpNeg: -31,
  toExpPos: 40,
});

/** Shared zero, so unknown prices and empty sums allocate nothing. */
export const ZERO: Decimal = new D(0);

/**
 * Converts an amount to integer nano-units, rounding half-to-even (see `money/rounding.ts`).
 * Negative amounts (credits) are allowed. Throws, naming the value, on NaN or ±Infinity.
 */
export function toNano(amount: Decimal.Value): bigint {
  let d: Decimal;
  try {
    d = Decimal.isDecimal(amount) ? amount : new D(amount);
  } catch {
    throw new RangeError(`cannot convert ${JSON.stringify(String(amount))} to nano-units: not a number`);
  }
  if (!d.isFinite())
    throw new RangeError(`cannot convert ${String(amount)} to nano-units: not a finite amount`);
  // Round once, print exactly NANO_DECIMALS places, drop the point: no arithmetic that could round again.
  return BigInt(roundToNano(d).toFixed(NANO_DECIMALS).replace('.', ''));
}

/** Converts integer nano-units back to an exact amount. */
export function fromNano(nano: bigint | number | string): Decimal {
  if (typeof nano === 'number' && !Number.isInteger(nano)) {
    throw new RangeError(`nano-units must be an integer, got ${nano}`);
  }
  const text = typeof nano === 'string' ? nano.trim() : nano.toString();
  if (!/^[+-]?\d+$/.test(text))
    throw new RangeError(`nano-units must be an integer, got ${JSON.stringify(nano)}`);
  // `<n>e-9` is parsed exactly: the constructor does not round.
  return new D(`${text}e-${NANO_DECIMALS}`);
}

/** A plain decimal string: no exponent, no trailing zeros, `0` for zero (never `-0`). Not rounded. */
export function formatAmount(amount: Decimal): string {
  if (amount.isZero()) return '0';
  return amount.toFixed();
}

/** An amount of one currency. */
export interface Money {
  readonly amount: Decimal;
  /** ISO 4217 code. */
  readonly currency: string;
}

/** Builds a {@link Money}, parsing `amount` exactly. */
export function money(amount: Decimal.Value, currency: string): Money {
  return { amount: Decimal.isDecimal(amount) ? amount : new D(amount), currency };
}

/** Adds two amounts of the same currency; throws naming both when the currencies differ. */
export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) {
    throw new RangeError(
      `cannot add ${formatAmount(a.amount)} ${a.currency} and ${formatAmount(b.amount)} ${b.currency}: currencies differ`,
    );
  }
  return { amount: a.amount.plus(b.amount), currency: a.currency };
}

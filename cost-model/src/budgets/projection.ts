/**
 * Projecting spend forward at a recent rate, exactly: amounts stay integer nano-units, a rate is kept as the
 * pair (spend in a window, window length) rather than a per-ms float, and the one division rounds
 * half-to-even to nano-units, the rounding mode of all money (`money/rounding.ts`).
 *
 * @packageDocumentation
 */

/**
 * `n / d` rounded half-to-even to an integer (`d` > 0). Exact for any size, unlike a double, and the same
 * mode as `roundToNano`, so a projected amount rounds like every other stored amount.
 */
export function divideHalfEven(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new RangeError(`divisor must be positive, got ${d}`);
  const negative = n < 0n;
  const a = negative ? -n : n;
  let q = a / d;
  const twice = 2n * (a % d);
  if (twice > d || (twice === d && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

/**
 * `spentNano + rateSpendNano × horizonMs / rateWindowMs`: what will have been spent `horizonMs` from now if
 * spending goes on at the pace of the rate window (`rateSpendNano` over `rateWindowMs`). The added amount is
 * rounded half-to-even to nano-units once; a negative pace (net credits) is taken as zero, since refunds
 * are one-offs, not a pace to extrapolate.
 */
export function projectSpend(
  spentNano: bigint,
  rateSpendNano: bigint,
  rateWindowMs: number,
  horizonMs: number,
): bigint {
  if (rateSpendNano <= 0n || horizonMs <= 0) return spentNano;
  return spentNano + divideHalfEven(rateSpendNano * BigInt(horizonMs), BigInt(rateWindowMs));
}

/**
 * The instant spend reaches `budgetNano` at the pace of the rate window, rounded down to a whole ms (the ms
 * in which the budget runs out); `nowMs` when it already has; undefined when that is not before `endMs` or
 * the pace is zero or negative (it never runs out). Rounding down keeps "defined" equivalent to the exact
 * projection at `endMs` exceeding the budget: the exact instant is before `endMs` exactly when its floor is.
 */
export function exhaustionTime(
  spentNano: bigint,
  budgetNano: bigint,
  rateSpendNano: bigint,
  rateWindowMs: number,
  nowMs: number,
  endMs: number,
): number | undefined {
  if (spentNano >= budgetNano) return nowMs;
  if (rateSpendNano <= 0n) return undefined;
  // (budget − spent) / (rateSpend / window) ms from now; bigint division rounds the positive quotient down.
  const afterMs = ((budgetNano - spentNano) * BigInt(rateWindowMs)) / rateSpendNano;
  const remaining = BigInt(endMs - nowMs);
  if (afterMs >= remaining) return undefined;
  return nowMs + Number(afterMs);
}

/**
 * Burn rate: how fast a budget is being spent, relative to the pace that uses exactly the budget by the end
 * of its period (ARCHITECTURE.md "Signals"):
 *
 *     burn(window) = spend(window) / (budget × window / period)
 *
 * 1.0 is on pace; 2.0 spends the budget in half the period; 14.4 spends a 30-day budget in 50 hours.
 *
 * @packageDocumentation
 */
import { D } from '../money/money';

/** The trailing windows burn rates are measured over, ending at the evaluation instant. */
export type BurnWindow = '5m' | '1h' | '6h' | '1d' | '3d';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * Every {@link BurnWindow} with its length in ms, shortest first. The pairs of {@link BURN_RULES} come from
 * these: 1h with 5m (page), 3d with 6h (ticket); 1d is the rate projections extrapolate (a whole diurnal
 * cycle, see `evaluate.ts`).
 */
export const BURN_WINDOWS: readonly { name: BurnWindow; ms: number }[] = Object.freeze(
  (
    [
      ['5m', 5 * MINUTE_MS],
      ['1h', HOUR_MS],
      ['6h', 6 * HOUR_MS],
      ['1d', DAY_MS],
      ['3d', 3 * DAY_MS],
    ] as const
  ).map(([name, ms]) => Object.freeze({ name, ms })),
);

/** The exact ratio `num / den` of two integers as the nearest double (via 40-digit decimal division). */
export function ratioToNumber(num: bigint, den: bigint): number {
  // Number(bigint) loses digits beyond 2^53, and nano amounts times period lengths exceed it (1,000 USD is
  // 1e12 nano; × a month in ms is 2.6e21), so divide as decimals and convert the quotient once.
  return new D(num.toString()).div(den.toString()).toNumber();
}

function positiveMs(ms: number, what: string): bigint {
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new RangeError(`${what} must be a positive whole number of ms, got ${ms}`);
  }
  return BigInt(ms);
}

/**
 * `spend(window) / (budget × window / period)`: 1.0 = on track to use exactly the budget.
 *
 * Computed exactly as `spend × period / (budget × window)` over integers and converted to a number once,
 * so money is never a float. `periodMs` should be the actual calendar period's length (see
 * `budgetPeriodAt`: 28–31 days for a month, 23 or 25 hours for a day with a DST change), since that is
 * the time the budget has to last. Negative spend (net credits) gives a negative rate.
 *
 * Example: a 1,000 USD budget over a 30-day month, 50 USD spent in the last hour:
 * `50 / (1000 × 1h / 720h) = 36`.
 *
 * @param spendNano spend in the trailing window, nano-units of the budget currency
 * @param windowMs the window length, ms
 * @param budgetNano the budget amount, nano-units (positive)
 * @param periodMs the length of the budget period, ms
 * @throws RangeError for a non-positive budget, window or period
 */
export function burnRate(spendNano: bigint, windowMs: number, budgetNano: bigint, periodMs: number): number {
  if (budgetNano <= 0n) throw new RangeError(`budget must be positive, got ${budgetNano} nano-units`);
  const window = positiveMs(windowMs, 'burn window');
  const period = positiveMs(periodMs, 'budget period');
  return ratioToNumber(spendNano * period, budgetNano * window);
}

/** A billing period. */
export type BillingPeriod = 'month' | 'week' | 'day';

const DAY_MS = 86_400_000;

/**
 * Start (epoch ms, UTC) of the billing period containing `timeMs`: the first of the month, the Monday of the
 * ISO week, or midnight. Works for times before 1970.
 */
export function periodStart(timeMs: number, period: BillingPeriod): number {
  const dayStart = Math.floor(timeMs / DAY_MS) * DAY_MS;
  switch (period) {
    case 'day':
      return dayStart;
    case 'week': {
      // getUTCDay: 0 = Sunday; ISO weeks start on Monday.
      const weekday = (new Date(dayStart).getUTCDay() + 6) % 7;
      return dayStart - weekday * DAY_MS;
    }
    case 'month': {
      const d = new Date(dayStart);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
    default:
      throw new RangeError(`unknown billing period ${JSON.stringify(period)}`);
  }
}

/**
 * Burn-rate alert rules: multi-window, multi-burn-rate alerting as in the Google SRE workbook ("Alerting on
 * SLOs"), adapted from error budgets to money budgets.
 *
 * @packageDocumentation
 */
import type { BurnWindow } from './burn';

/**
 * A burn-rate alert: fires when the burn rate over both `long` and `short` exceeds `threshold` (strictly).
 * The long window says the burn is sustained and large enough to matter; the short one says it is still
 * happening, so the alert clears minutes after the spend stops instead of when the long window forgets it.
 */
export interface BurnRule {
  /** `page`: someone acts now. `ticket`: someone looks within a working day. */
  name: 'page' | 'ticket';
  long: BurnWindow;
  short: BurnWindow;
  threshold: number;
}

/**
 * The burn-rate rules, a fast pair that pages and a slow pair that tickets:
 *
 * | rule   | long | short | burn > | of a 30-day budget in the long window | budget gone after |
 * | ------ | ---- | ----- | ------ | -------------------------------------- | ----------------- |
 * | page   | 1h   | 5m    | 14.4   | 2%                                     | 50 hours          |
 * | ticket | 3d   | 6h    | 1      | 10%                                    | 30 days (on pace) |
 *
 * Why these, for a month-long budget (the common case; the SRE workbook's numbers are for a 30-day window,
 * and a month is 28–31 days, so 2% is 1.9–2.1% of a real month):
 * - **page, 1h & 5m > 14.4**: 2% of the month's money in one hour. At that pace the budget is gone in about
 *   two days, before the next business day's review can catch it: the guide's "sustained rapid burn that
 *   threatens the budget within hours". A burst of 100× pace is detected in 1h × 14.4 / 100 ≈ 9 minutes. The
 *   5m short window (1/12 of the long one, the workbook's ratio) clears the page within 5 minutes of the
 *   spend stopping.
 * - **ticket, 3d & 6h > 1**: over pace for three days and still over pace in the last six hours, i.e.
 *   heading to overspend if nothing changes (10% of the month spent in 3 days). Three days is long enough
 *   that a daily peak or a one-off batch job cannot raise it; 6h (1/12 of 3d) confirms it is still going.
 *   Unlike error ratios, money is not normalised by traffic: a 3-day window of weekdays can run above the
 *   weekly mean, so a budget sized with no headroom over a weekly cycle can ticket mid-week. That is the
 *   point ("this budget has no room"); tune the budget, not the rule.
 *
 * How they scale to week and day budgets: burn rates are already normalised by the period, so the same
 * thresholds apply to every period and mean the same thing, "N times the pace that uses exactly the
 * budget". What changes is the share of the budget a window holds and the warning time:
 * - **week** (168 hours): the page fires at 8.6% of the week's budget in an hour (gone in 11.7 hours); the
 *   ticket at 43% of the week in 3 days.
 * - **day** (24 hours; 23 or 25 across DST): the page fires at 60% of the day's budget in an hour (gone in
 *   100 minutes). Lowering it for day budgets would page on ordinary peak hours, whose spend is commonly
 *   2–3× the daily mean and which a 1h window sees directly. The 3d ticket window spans the last three days'
 *   periods: their average spend above the daily budget. A day budget that is merely projected to run out
 *   raises `escalate` (see `evaluateBudget`) long before the page.
 */
export const BURN_RULES: readonly BurnRule[] = Object.freeze([
  Object.freeze({ name: 'page', long: '1h', short: '5m', threshold: 14.4 } as const),
  Object.freeze({ name: 'ticket', long: '3d', short: '6h', threshold: 1 } as const),
]);

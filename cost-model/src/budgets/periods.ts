/**
 * Calendar periods of budgets. A budget's period is a calendar month, ISO week (from Monday) or day in the
 * budget's IANA time zone, so its length in milliseconds varies: 28–31 days for a month, and a day or week
 * that contains a daylight-saving change is an hour shorter or longer (23 or 25 hours for a day). A
 * `Europe/Berlin` monthly budget runs from 23:00Z (winter) or 22:00Z (summer) of the previous UTC day.
 *
 * Time-zone arithmetic uses only `Intl.DateTimeFormat` (no Node built-ins, no tz database of our own), so
 * this stays browser-safe. Leap years come from `Date.UTC`, which follows the proleptic Gregorian calendar
 * (2024 and 2000 are leap years, 2100 is not).
 *
 * @packageDocumentation
 */
import type { BudgetConfig } from '../config/types';

/** A civil (wall-calendar) date: `month` 1–12, `day` 1–31. Out-of-range days and months roll over. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** What the period functions need of a budget; `name`, when given, is used in error messages. */
type PeriodOf = Pick<BudgetConfig, 'period' | 'timezone'> & { name?: string };

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * A cached formatter for `timeZone`: building one costs far more than using it, and a signal loop asks for
 * the same few zones over and over. Throws a RangeError naming `what` (e.g. the budget) and the zone when
 * the zone is not a known IANA name, instead of the runtime's anonymous "Invalid time zone specified".
 */
function formatter(timeZone: string, what?: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        // h23: midnight is hour 0, never 24 (which some runtimes print with `hour12: false`).
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      const subject = what === undefined ? '' : `${what}: `;
      throw new RangeError(
        `${subject}unknown time zone ${JSON.stringify(timeZone)}: expected an IANA name such as "Europe/Paris" or "UTC"`,
      );
    }
    formatters.set(timeZone, f);
  }
  return f;
}

function budgetLabel(budget: PeriodOf): string {
  return budget.name === undefined ? 'budget' : `budget ${JSON.stringify(budget.name)}`;
}

type WallClock = LocalDate & { hour: number; minute: number; second: number };

/** Wall-clock fields of an instant in `timeZone`. */
function wallClock(ms: number, timeZone: string, what?: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone, what).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** Offset of `timeZone` from UTC at an instant, ms (local − UTC). Offsets are whole seconds. */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** −1, 0, 1 as `a` is before, on, after `b`. */
function compareDates(a: LocalDate, b: LocalDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/** The same date with day/month overflow rolled over (`Date.UTC` knows month lengths and leap years). */
function normalise(d: LocalDate): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/**
 * The first instant of the civil date `date` in `timeZone`: where local midnight is, or, where a
 * daylight-saving gap swallows midnight (America/Santiago, America/Havana in spring), the end of the gap.
 * When midnight happens twice (a fall-back at 01:00 to 00:00), the earlier. Day and month overflow roll over
 * (`{ month: 13, day: 1 }` is January 1 of the next year).
 *
 * Consecutive dates give contiguous periods by construction: the end of a day is the start of the next.
 *
 * @throws RangeError when `timeZone` is not an IANA time zone.
 */
export function zonedMidnight(date: LocalDate, timeZone: string): number {
  const target = normalise(date);
  const guess = Date.UTC(target.year, target.month - 1, target.day);
  // The offset a day either side of midnight: at most one change lies between them in any real zone, so
  // midnight, if it exists, is local midnight read with one of the two (as Temporal resolves wall times).
  const candidates = [guess - offsetAt(guess - DAY_MS, timeZone), guess - offsetAt(guess + DAY_MS, timeZone)];
  let best: number | undefined;
  for (const t of candidates) {
    const w = wallClock(t, timeZone);
    if (compareDates(w, target) === 0 && w.hour === 0 && w.minute === 0 && w.second === 0) {
      best = best === undefined ? t : Math.min(best, t);
    }
  }
  if (best !== undefined) return best;
  return firstInstantOf(target, guess, timeZone);
}

/**
 * Midnight does not exist on `target` (skipped by a gap, or the whole day skipped, as Pacific/Apia skipped
 * 30 December 2011): the day starts where the local date first reaches it, found by bisection over whole
 * seconds (zone transitions happen on whole seconds). Offsets lie within −12h…+14h, so the local date is
 * before `target` 15 hours before UTC midnight and on or after it 13 hours after.
 */
function firstInstantOf(target: LocalDate, guess: number, timeZone: string): number {
  let lo = (guess - 15 * HOUR_MS) / 1000; // local date < target
  let hi = (guess + 13 * HOUR_MS) / 1000; // local date ≥ target
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (compareDates(wallClock(mid * 1000, timeZone), target) >= 0) hi = mid;
    else lo = mid;
  }
  return hi * 1000;
}

function localDate(ms: number, timeZone: string, what?: string): LocalDate {
  const w = wallClock(ms, timeZone, what);
  return { year: w.year, month: w.month, day: w.day };
}

function startOfPeriod(date: LocalDate, period: BudgetConfig['period']): LocalDate {
  switch (period) {
    case 'day':
      return date;
    case 'week': {
      // ISO weeks start on Monday. getUTCDay counts from Sunday = 0; the civil date's weekday does not
      // depend on the zone, so reading it in UTC is right.
      const weekday = (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7;
      return normalise({ ...date, day: date.day - weekday });
    }
    case 'month':
      return { ...date, day: 1 };
  }
}

function shiftPeriod(start: LocalDate, period: BudgetConfig['period'], by: 1 | -1): LocalDate {
  switch (period) {
    case 'day':
      return normalise({ ...start, day: start.day + by });
    case 'week':
      return normalise({ ...start, day: start.day + 7 * by });
    case 'month':
      return normalise({ ...start, month: start.month + by, day: 1 });
  }
}

function assertPeriod(budget: PeriodOf): void {
  // Config validation guarantees this; a hand-built budget gets an error that says what is wrong with it.
  if (budget.period !== 'month' && budget.period !== 'week' && budget.period !== 'day') {
    throw new RangeError(
      `${budgetLabel(budget)}: unknown period ${JSON.stringify(budget.period)}: expected month, week or day`,
    );
  }
}

/**
 * The calendar period of a budget holding `atMs`, in the budget's time zone: a month, an ISO week (Monday
 * to Monday) or a day, as the half-open range `[startMs, endMs)`. DST- and leap-year-correct: the length is
 * the actual period's (a Berlin day of 31 March 2024 is 23 hours; February 2024 is 29 days, 2100 has 28).
 * An instant exactly at a boundary belongs to the period it starts.
 *
 * @param budget its `period` and `timezone`; pass the whole {@link BudgetConfig} so errors name it.
 * @throws RangeError naming the budget (when given) for an unknown time zone or period, or a non-finite `atMs`.
 */
export function budgetPeriodAt(
  budget: Pick<BudgetConfig, 'period' | 'timezone'> & { name?: string },
  atMs: number,
): { startMs: number; endMs: number } {
  assertPeriod(budget);
  if (!Number.isFinite(atMs)) throw new RangeError(`${budgetLabel(budget)}: instant ${atMs} is not finite`);
  const zone = budget.timezone;
  let start = startOfPeriod(localDate(atMs, zone, budgetLabel(budget)), budget.period);
  let startMs = zonedMidnight(start, zone);
  let next = shiftPeriod(start, budget.period, 1);
  let endMs = zonedMidnight(next, zone);
  // Where a fall-back crosses midnight, an instant in the repeated hour reads as the previous date although
  // the next day has started: step until the range holds `atMs`, so periods never overlap or leave gaps.
  while (atMs >= endMs) {
    start = next;
    startMs = endMs;
    next = shiftPeriod(start, budget.period, 1);
    endMs = zonedMidnight(next, zone);
  }
  while (atMs < startMs) {
    next = start;
    endMs = startMs;
    start = shiftPeriod(start, budget.period, -1);
    startMs = zonedMidnight(start, zone);
  }
  return { startMs, endMs };
}

/**
 * The periods of `budget` (in its time zone) that overlap the half-open `range` `[fromMs, toMs)`, in order,
 * each as `[fromMs, toMs)`. Used by the billing report, whose month can cut a budget period in two.
 *
 * @throws RangeError naming the budget (when given) for an unknown time zone or period.
 */
export function budgetWindows(
  budget: Pick<BudgetConfig, 'period' | 'timezone'> & { name?: string },
  range: { fromMs: number; toMs: number },
): { fromMs: number; toMs: number }[] {
  const windows: { fromMs: number; toMs: number }[] = [];
  let { startMs, endMs } = budgetPeriodAt(budget, range.fromMs);
  while (startMs < range.toMs) {
    if (endMs > range.fromMs) windows.push({ fromMs: startMs, toMs: endMs });
    ({ startMs, endMs } = budgetPeriodAt(budget, endMs));
  }
  return windows;
}

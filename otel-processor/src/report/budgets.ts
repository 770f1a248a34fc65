/**
 * Budget status for a report: which periods of each configured budget overlap the report month, and how
 * much of each was spent. Budget periods are calendar periods (month, ISO week from Monday, day) in the
 * budget's IANA time zone, so a `Europe/Berlin` monthly budget runs from 23:00Z or 22:00Z of the previous
 * UTC day: its spend is read over its own period, which can reach outside the report month.
 *
 * @packageDocumentation
 */
import {
  CurrencyConversionError,
  convertNano,
  D,
  fromNano,
  toNano,
  type BudgetConfig,
  type ExchangeRates,
} from '@meterline/cost-model';
import type { TimeRange } from '../reconcile/query';

/** One period of one budget, with its spend converted into the budget's currency. */
export interface BudgetWindowStatus {
  fromMs: number;
  toMs: number;
  /** Spend in the budget currency; undefined when some spend could not be converted (see `error`). */
  spentNano: bigint | undefined;
  amountNano: bigint;
  /** Percent of the budget used, two places; undefined with `spentNano`. */
  usedPercent: string | undefined;
  status: 'over' | 'under' | 'unknown';
  /** Spend in other currencies that was converted, e.g. `EUR → USD at 1.08`. */
  conversions: string[];
  /** Why the spend is unknown (a missing exchange rate). */
  error?: string;
}

/** A budget and its periods overlapping the report. */
export interface BudgetStatus {
  name: string;
  /** `team=payments, service=checkout`, or `everything`. */
  scope: string;
  period: BudgetConfig['period'];
  timezone: string;
  currency: string;
  amount: string;
  windows: BudgetWindowStatus[];
}

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Wall-clock fields of an instant in `timeZone`. */
function wallClock(
  ms: number,
  timeZone: string,
): LocalDate & { hour: number; minute: number; second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
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

/** Offset of `timeZone` from UTC at an instant, ms (local − UTC). */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant local midnight starts `date` in `timeZone` (Date.UTC normalises day/month overflow). */
export function zonedMidnight(date: LocalDate, timeZone: string): number {
  const guess = Date.UTC(date.year, date.month - 1, date.day);
  // Two rounds settle the offset, also when midnight is on the other side of a DST change.
  const first = guess - offsetAt(guess, timeZone);
  return guess - offsetAt(first, timeZone);
}

function localDate(ms: number, timeZone: string): LocalDate {
  const w = wallClock(ms, timeZone);
  return { year: w.year, month: w.month, day: w.day };
}

function startOfPeriod(date: LocalDate, period: BudgetConfig['period']): LocalDate {
  switch (period) {
    case 'day':
      return date;
    case 'week': {
      // ISO weeks start on Monday; getUTCDay: 0 = Sunday.
      const weekday = (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7;
      return { ...date, day: date.day - weekday };
    }
    case 'month':
      return { ...date, day: 1 };
  }
}

function nextPeriod(start: LocalDate, period: BudgetConfig['period']): LocalDate {
  switch (period) {
    case 'day':
      return { ...start, day: start.day + 1 };
    case 'week':
      return { ...start, day: start.day + 7 };
    case 'month':
      return { ...start, month: start.month + 1, day: 1 };
  }
}

function normalise(d: LocalDate): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** The periods of `budget` (in its time zone) that overlap `range`, in order. */
export function budgetWindows(
  budget: Pick<BudgetConfig, 'period' | 'timezone'>,
  range: TimeRange,
): TimeRange[] {
  const windows: TimeRange[] = [];
  let start = normalise(startOfPeriod(localDate(range.fromMs, budget.timezone), budget.period));
  for (;;) {
    const next = normalise(nextPeriod(start, budget.period));
    const fromMs = zonedMidnight(start, budget.timezone);
    const toMs = zonedMidnight(next, budget.timezone);
    if (fromMs >= range.toMs) break;
    if (toMs > range.fromMs) windows.push({ fromMs, toMs });
    start = next;
  }
  return windows;
}

/** `team=payments, service=checkout` (keys sorted), or `everything` for an empty scope. */
export function scopeText(scope: BudgetConfig['scope']): string {
  const keys = (Object.keys(scope) as (keyof BudgetConfig['scope'])[])
    .filter((k) => scope[k] !== undefined)
    .sort();
  return keys.length === 0 ? 'everything' : keys.map((k) => `${k}=${scope[k]}`).join(', ');
}

/**
 * The status of one budget period from its spend per currency: converted into the budget currency at the
 * catalog rates in force at the period start, compared with the amount.
 */
export function budgetWindowStatus(
  budget: Pick<BudgetConfig, 'amount' | 'currency'>,
  window: TimeRange,
  spend: ReadonlyMap<string, bigint>,
  rates: ExchangeRates,
): BudgetWindowStatus {
  const amountNano = toNano(new D(budget.amount));
  const conversions: string[] = [];
  let spentNano = 0n;
  for (const [currency, nano] of [...spend].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    try {
      const converted = convertNano(nano, currency, budget.currency, window.fromMs, rates);
      if (currency !== budget.currency) {
        conversions.push(
          `${currency} → ${budget.currency} at ${converted.rate.toSignificantDigits(12).toString()}`,
        );
      }
      spentNano += converted.nano;
    } catch (err) {
      if (!(err instanceof CurrencyConversionError)) throw err;
      return {
        ...window,
        spentNano: undefined,
        amountNano,
        usedPercent: undefined,
        status: 'unknown',
        conversions,
        error: err.message,
      };
    }
  }
  const used = fromNano(spentNano).div(fromNano(amountNano)).times(100);
  return {
    ...window,
    spentNano,
    amountNano,
    usedPercent: used.toFixed(2), // D rounds half-even
    status: spentNano > amountNano ? 'over' : 'under',
    conversions,
  };
}

/**
 * Budget status for a report: how much of each period of each configured budget was spent. Which periods
 * overlap the report month comes from `budgetWindows` in `@meterline/cost-model`: calendar periods (month,
 * ISO week from Monday, day) in the budget's IANA time zone, so a `Europe/Berlin` monthly budget runs from
 * 23:00Z or 22:00Z of the previous UTC day, and its spend is read over its own period, which can reach
 * outside the report month.
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

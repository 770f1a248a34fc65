/**
 * Evaluating one budget at one instant: its calendar period, burn rates, projected period-end spend, time
 * to exhaustion and alert flags. Pure: the caller reads the spend (in the budget's currency) and passes it in.
 *
 * @packageDocumentation
 */
import type { BudgetConfig } from '../config/types';
import { toNano } from '../money/money';
import { BURN_WINDOWS, burnRate, ratioToNumber, type BurnWindow } from './burn';
import { budgetPeriodAt } from './periods';
import { exhaustionTime, projectSpend } from './projection';
import { BURN_RULES } from './rules';

/**
 * The window whose pace projections extrapolate. A whole day: it holds one full diurnal cycle, so the
 * projection does not swing with the hour of day (a 1h or 6h rate would project the peak hour, or the
 * night, over the rest of the period), yet it follows a change of level (a deploy, a scale-up, a runaway
 * job) within a day, where the period-to-date average on the 25th still weighs the first days as much as
 * today. Trailing windows are not cut at the period start, so the 1d rate is as good in the first minutes of
 * a period as later, where a period-to-date average would extrapolate a few minutes of spend over a month;
 * no fallback is needed, and day budgets (always less than a day into their period) need none either.
 */
const PROJECTION_WINDOW: BurnWindow = '1d';

/** A budget evaluated at an instant (see {@link evaluateBudget}). Amounts in nano-units of `currency`. */
export interface BudgetEvaluation {
  /** The budget's name. */
  budget: string;
  /** The budget's currency, which all amounts here are in. */
  currency: string;
  /** Start of the calendar period holding the instant (inclusive), epoch ms. */
  periodStartMs: number;
  /** End of the period (exclusive), epoch ms. */
  periodEndMs: number;
  /** The budget amount. */
  budgetNano: bigint;
  /** Spent from the period start to the instant. */
  spentNano: bigint;
  /** Burn rate per trailing window: 1.0 = on pace to use exactly the budget by the period end. */
  burn: Record<BurnWindow, number>;
  /**
   * Spent so far plus the last day's pace (the trailing `1d` window's spend per ms, zero if negative) times
   * the time left in the period, rounded half-to-even to nano-units.
   */
  projectedNano: bigint;
  /** `projectedNano / budgetNano`. */
  projectedRatio: number;
  /**
   * When the budget runs out at the last day's pace (rounded down to a whole ms); the instant evaluated
   * when it already has; undefined when not before the period end, or at a zero (or negative) pace.
   */
  exhaustionMs: number | undefined;
  alerts: {
    /** Some `page` rule of {@link BURN_RULES} holds: burn over both its windows above its threshold. */
    page: boolean;
    /** Some `ticket` rule of {@link BURN_RULES} holds. */
    ticket: boolean;
    /**
     * Early warning (guide: "projected to exceed 50% of budget within mid-period"): before the middle of
     * the period, spend projected to the middle (at the last day's pace) exceeds half the budget. False from
     * mid-period on: the early-warning horizon has passed and `escalate` covers the rest of the period.
     */
    warn: boolean;
    /** Guide: "projected to exceed 100% before period end": `projectedNano > budgetNano`. */
    escalate: boolean;
  };
}

function fail(budget: BudgetConfig, message: string): never {
  throw new RangeError(`budget ${JSON.stringify(budget.name)}: ${message}`);
}

function amountNano(budget: BudgetConfig): bigint {
  let nano: bigint;
  try {
    nano = toNano(budget.amount);
  } catch {
    fail(budget, `amount ${JSON.stringify(budget.amount)} is not a decimal number`);
  }
  if (nano <= 0n) fail(budget, `amount ${JSON.stringify(budget.amount)} must be positive`);
  return nano;
}

/**
 * Evaluates `budget` at `nowMs`: the calendar period holding `nowMs` (in the budget's time zone), burn rates
 * over every {@link BURN_WINDOWS} window against that period's actual length, the projected period-end
 * spend and exhaustion time at the trailing 1d pace, and the alert flags (see {@link BudgetEvaluation}).
 *
 * All money is exact: the amount is parsed from its decimal string with `toNano`, projections are integer
 * arithmetic rounded half-to-even once; only ratios (burn rates, `projectedRatio`) are numbers.
 *
 * @param input.budget the budget, as configured
 * @param input.nowMs the evaluation instant, epoch ms (a whole number)
 * @param input.spentToDateNano spend in `[periodStart, nowMs)`, nano-units of the budget currency
 * @param input.windowSpendNano spend in each trailing window `[nowMs − window, nowMs)`, in the budget
 *   currency. Not cut at the period start: a burn rate is a pace, and the previous period's spend is the best
 *   evidence of the current pace at the start of a new one.
 * @throws RangeError naming the budget: unknown time zone, non-positive or unparsable amount, a missing
 *   window, a non-integer instant.
 */
export function evaluateBudget(input: {
  budget: BudgetConfig;
  nowMs: number;
  spentToDateNano: bigint;
  windowSpendNano: Record<BurnWindow, bigint>;
}): BudgetEvaluation {
  const { budget, nowMs, spentToDateNano, windowSpendNano } = input;
  if (!Number.isSafeInteger(nowMs)) fail(budget, `instant ${nowMs} is not a whole number of ms`);
  for (const { name } of BURN_WINDOWS) {
    if (typeof windowSpendNano[name] !== 'bigint') fail(budget, `no spend given for the ${name} window`);
  }
  const budgetNano = amountNano(budget);
  const { startMs, endMs } = budgetPeriodAt(budget, nowMs);
  const periodMs = endMs - startMs;

  const burn = {} as Record<BurnWindow, number>;
  for (const { name, ms } of BURN_WINDOWS) {
    // Against this period's own length: a 23-hour day is burnt faster than a 24-hour one.
    burn[name] = burnRate(windowSpendNano[name], ms, budgetNano, periodMs);
  }

  const rateWindowMs = BURN_WINDOWS.find((w) => w.name === PROJECTION_WINDOW)!.ms;
  const rateSpend = windowSpendNano[PROJECTION_WINDOW];
  const projectedNano = projectSpend(spentToDateNano, rateSpend, rateWindowMs, endMs - nowMs);
  const exhaustionMs = exhaustionTime(spentToDateNano, budgetNano, rateSpend, rateWindowMs, nowMs, endMs);

  // Period lengths are whole seconds, so the middle is a whole ms.
  const midMs = startMs + Math.floor(periodMs / 2);
  const warn =
    nowMs < midMs && 2n * projectSpend(spentToDateNano, rateSpend, rateWindowMs, midMs - nowMs) > budgetNano;

  const fires = (rule: (typeof BURN_RULES)[number]): boolean =>
    burn[rule.long] > rule.threshold && burn[rule.short] > rule.threshold;

  return {
    budget: budget.name,
    currency: budget.currency,
    periodStartMs: startMs,
    periodEndMs: endMs,
    budgetNano,
    spentNano: spentToDateNano,
    burn,
    projectedNano,
    projectedRatio: ratioToNumber(projectedNano, budgetNano),
    exhaustionMs,
    alerts: {
      page: BURN_RULES.some((r) => r.name === 'page' && fires(r)),
      ticket: BURN_RULES.some((r) => r.name === 'ticket' && fires(r)),
      warn,
      escalate: projectedNano > budgetNano,
    },
  };
}

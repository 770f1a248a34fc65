/**
 * Budget signals: per configured budget, its amount for the current period (`cost_budget`), the burn rate
 * over every trailing window (`cost_signal signal=burn_rate`) and the projection to the period end
 * (`cost_signal signal=projected_ratio`). The arithmetic is cost-model's {@link evaluateBudget}; this file
 * reads the spend and shapes the points.
 *
 * Spend is `SUM(cost.amount_nano)` of the series matching the budget's scope, in the budget's currency
 * only (amounts in other currencies are not converted: a burn rate must not move with exchange rates),
 * read as exact integers.
 *
 * @packageDocumentation
 */
import {
  BURN_WINDOWS,
  budgetPeriodAt,
  evaluateBudget,
  type BudgetConfig,
  type BudgetEvaluation,
  type BurnWindow,
} from '@meterline/cost-model';
import { int } from '../influx/line-protocol';
import type { InfluxStore } from '../influx/store';
import { querySpendByWindow } from '../report/query';
import { BUDGET_MEASUREMENT, SIGNAL_MEASUREMENT, tagValue, type SignalPoint } from './points';
import { windowEndingAt } from './time';

/** The `signal` tag values written here. */
export const BURN_RATE_SIGNAL = 'burn_rate';
export const PROJECTED_RATIO_SIGNAL = 'projected_ratio';

/** The tags identifying a budget on its points: `budget` and its scope (`team`, `tenant`, `service`, `center`). */
export function budgetTags(budget: BudgetConfig): Record<string, string | undefined> {
  return {
    budget: tagValue(budget.name),
    tenant: tagValue(budget.scope.tenant),
    team: tagValue(budget.scope.team),
    service: tagValue(budget.scope.service),
    center: tagValue(budget.scope.center),
  };
}

/** A budget's spend as read at one evaluation time, in its currency. */
export interface BudgetSpend {
  spentToDateNano: bigint;
  windowSpendNano: Record<BurnWindow, bigint>;
}

/**
 * Reads a budget's spend at `atMs`: over each trailing burn window `[at − window, at)` and over the period
 * so far `[periodStart, at)`, in one request.
 */
export async function queryBudgetSpend(
  store: InfluxStore,
  budget: BudgetConfig,
  atMs: number,
): Promise<BudgetSpend> {
  const period = budgetPeriodAt(budget, atMs);
  const windows = [
    ...BURN_WINDOWS.map((w) => windowEndingAt(atMs, w.ms)),
    { fromMs: period.startMs, toMs: atMs },
  ];
  const sums = await querySpendByWindow(store, windows, budget.scope);
  const inCurrency = (i: number): bigint => sums[i]?.get(budget.currency) ?? 0n;
  const windowSpendNano = {} as Record<BurnWindow, bigint>;
  BURN_WINDOWS.forEach((w, i) => (windowSpendNano[w.name] = inCurrency(i)));
  return { spentToDateNano: inCurrency(BURN_WINDOWS.length), windowSpendNano };
}

/**
 * The points of one evaluated budget at `atMs` (pure):
 *
 * - `cost_budget` at the period start: tags `budget`, scope, `currency`; fields `amount_nano`, `period`;
 * - `cost_signal signal=burn_rate` at `atMs`, one per window (`window` = 5m … 3d): field `value` (the burn
 *   rate, 1.0 = on pace) and `spend_nano` (the window's spend);
 * - `cost_signal signal=projected_ratio window=period` at `atMs`: `value` (projected period-end spend /
 *   budget), `exhaustion_s` (seconds from `atMs` until the budget runs out at the last day's pace; 0 when it
 *   already has; absent when not within the period), `warn`, `escalate`, `page`, `ticket` (alert flags),
 *   `spent_nano`, `projected_nano`, `budget_nano`.
 */
export function budgetPoints(
  budget: BudgetConfig,
  evaluation: BudgetEvaluation,
  spend: BudgetSpend,
  atMs: number,
): SignalPoint[] {
  const tags = budgetTags(budget);
  const points: SignalPoint[] = [
    {
      measurement: BUDGET_MEASUREMENT,
      tags: { ...tags, currency: tagValue(budget.currency) },
      fields: { amount_nano: int(evaluation.budgetNano), period: budget.period },
      time: evaluation.periodStartMs,
    },
  ];
  for (const { name } of BURN_WINDOWS) {
    points.push({
      measurement: SIGNAL_MEASUREMENT,
      tags: { signal: BURN_RATE_SIGNAL, window: name, ...tags },
      fields: { value: evaluation.burn[name], spend_nano: int(spend.windowSpendNano[name]) },
      time: atMs,
    });
  }
  const exhaustion = evaluation.exhaustionMs;
  points.push({
    measurement: SIGNAL_MEASUREMENT,
    tags: { signal: PROJECTED_RATIO_SIGNAL, window: 'period', ...tags },
    fields: {
      value: evaluation.projectedRatio,
      exhaustion_s: exhaustion === undefined ? undefined : Math.max(0, exhaustion - atMs) / 1000,
      warn: evaluation.alerts.warn,
      escalate: evaluation.alerts.escalate,
      page: evaluation.alerts.page,
      ticket: evaluation.alerts.ticket,
      spent_nano: int(evaluation.spentNano),
      projected_nano: int(evaluation.projectedNano),
      budget_nano: int(evaluation.budgetNano),
    },
    time: atMs,
  });
  return points;
}

/** Evaluates every budget at `atMs` (one request per budget) and returns their points. */
export async function evaluateBudgetSignals(
  store: InfluxStore,
  budgets: readonly BudgetConfig[],
  atMs: number,
): Promise<SignalPoint[]> {
  const points: SignalPoint[] = [];
  for (const budget of budgets) {
    const spend = await queryBudgetSpend(store, budget, atMs);
    points.push(...budgetPoints(budget, evaluateBudget({ budget, nowMs: atMs, ...spend }), spend, atMs));
  }
  return points;
}

/**
 * The content of `summary.md` and `summary.html`, computed once from the line items (so the summary adds up
 * to exactly the CSV), the budget statuses and the reconciliation: both renderers only lay it out.
 *
 * @packageDocumentation
 */
import { D, UNKNOWN, driftPercent, fromNano, utcDay, type DriftReport } from '@meterline/cost-model';
import type { BudgetStatus } from './budgets';
import { compareText, type LineItem } from './line-items';
import type { ReportPeriod } from './period';

/** What `--by` can group totals by: a `cost` tag. */
export const REPORT_DIMENSIONS = ['tenant', 'team', 'center'] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

/** Totals of one currency (amounts in different currencies are never added up). */
export interface CurrencySummary {
  currency: string;
  totalNano: bigint;
  lineItems: number;
  /** Amount with `attribution=unknown`. */
  unknownNano: bigint;
  /** unknown / total, percent with two places (guide metric M4, target < 5%). */
  unknownPercent: string;
  /** Totals per value of the `--by` dimension, largest first (ties by value); `''` = no value. */
  byDimension: { value: string; amountNano: bigint; sharePercent: string }[];
  /** Spend of every day of the period (0 for days without cost), ascending. */
  daily: { dayMs: number; amountNano: bigint }[];
}

/** The reconciliation of the period in a few facts. */
export interface ReconcileSummary {
  state: 'ok' | 'exceeded' | 'no provider data' | 'error';
  /** Threshold as a percentage, e.g. `5.00`. */
  thresholdPercent: string;
  charges: string[];
  rows: number;
  /** e.g. `4.50% on 2026-03-01 (AWS/012345678901)` or `no bill on 2026-03-02 (*)`. */
  worst?: string;
  daysOver: string[];
  /** Why the reconciliation could not be computed. */
  error?: string;
}

/** Everything the summaries show. */
export interface ReportSummary {
  period: ReportPeriod;
  by: ReportDimension;
  currencies: CurrencySummary[];
  budgets: BudgetStatus[];
  reconcile: ReconcileSummary;
  lineItemCount: number;
}

/** `part / whole` as a percentage with two places (`0.00` for an empty whole). */
export function percentOf(part: bigint, whole: bigint): string {
  if (whole === 0n) return '0.00';
  return fromNano(part).div(fromNano(whole)).times(100).toFixed(2);
}

function accountLabel(provider: string, account: string): string {
  return provider === '*' && account === '*' ? '*' : `${provider}/${account}`;
}

/** Summarises a reconciliation, or the error that prevented it (e.g. a missing exchange rate). */
export function reconcileSummary(
  result: DriftReport | { error: string; threshold: string; charges: string[] },
): ReconcileSummary {
  if ('error' in result) {
    return {
      state: 'error',
      thresholdPercent: new D(result.threshold).times(100).toFixed(2),
      charges: result.charges,
      rows: 0,
      daysOver: [],
      error: result.error,
    };
  }
  const worst = result.worst;
  return {
    state: !result.hasProviderData ? 'no provider data' : result.exceeded ? 'exceeded' : 'ok',
    thresholdPercent: driftPercent(result.threshold),
    charges: result.charges,
    rows: result.rows.length,
    ...(worst
      ? {
          worst:
            `${worst.ratio === null ? 'no bill' : `${driftPercent(worst.ratio)}%`} on ${utcDay(worst.dayMs)} ` +
            `(${accountLabel(worst.provider, worst.account)}${worst.team ? `, team ${worst.team}` : ''})`,
        }
      : {}),
    daysOver: result.daysOver.map(utcDay),
  };
}

/** Builds the summary from the period's line items. */
export function summarize(
  items: readonly LineItem[],
  period: ReportPeriod,
  by: ReportDimension,
  budgets: BudgetStatus[],
  reconcile: ReconcileSummary,
): ReportSummary {
  const byCurrency = new Map<string, LineItem[]>();
  for (const item of items) {
    const c = item.tags.currency ?? '';
    const list = byCurrency.get(c) ?? [];
    list.push(item);
    byCurrency.set(c, list);
  }
  const currencies = [...byCurrency.keys()].sort(compareText).map((currency): CurrencySummary => {
    const list = byCurrency.get(currency)!;
    let totalNano = 0n;
    let unknownNano = 0n;
    const dims = new Map<string, bigint>();
    const days = new Map<number, bigint>(period.days.map((d) => [d, 0n]));
    for (const item of list) {
      totalNano += item.amountNano;
      if (item.tags.attribution === UNKNOWN) unknownNano += item.amountNano;
      const v = item.tags[by] ?? '';
      dims.set(v, (dims.get(v) ?? 0n) + item.amountNano);
      days.set(item.dayMs, (days.get(item.dayMs) ?? 0n) + item.amountNano);
    }
    return {
      currency,
      totalNano,
      lineItems: list.length,
      unknownNano,
      unknownPercent: percentOf(unknownNano, totalNano),
      byDimension: [...dims]
        .sort((a, b) => (a[1] > b[1] ? -1 : a[1] < b[1] ? 1 : compareText(a[0], b[0])))
        .map(([value, amountNano]) => ({
          value,
          amountNano,
          sharePercent: percentOf(amountNano, totalNano),
        })),
      daily: [...days].sort((a, b) => a[0] - b[0]).map(([dayMs, amountNano]) => ({ dayMs, amountNano })),
    };
  });
  return { period, by, currencies, budgets, reconcile, lineItemCount: items.length };
}

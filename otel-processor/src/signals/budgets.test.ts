import { evaluateBudget, type BudgetConfig } from '@meterline/cost-model';
import { budgetPoints, type BudgetSpend } from './budgets';
import { encodePoints } from './points';

const NANO = 1_000_000_000n;
// 2026-03-10T12:00Z: March has 31 days, so the period is 744 h.
const AT = Date.UTC(2026, 2, 10, 12);
const budget: BudgetConfig = {
  name: 'checkout-monthly',
  scope: { service: 'checkout', team: 'payments' },
  amount: '744',
  currency: 'USD',
  period: 'month',
  timezone: 'UTC',
};

function spend(perHourNano: bigint): BudgetSpend {
  return {
    // 9.5 days of the month at the given pace.
    spentToDateNano: perHourNano * 228n,
    windowSpendNano: {
      '5m': perHourNano / 12n,
      '1h': perHourNano,
      '6h': perHourNano * 6n,
      '1d': perHourNano * 24n,
      '3d': perHourNano * 72n,
    },
  };
}

describe('budget points', () => {
  it('writes the budget amount, one burn rate per window and the projection, exactly as documented', () => {
    // 744 USD over 744 h: 1 USD/h is on pace (burn 1); 2 USD/h burns at 2.
    const s = spend(2n * NANO);
    const evaluation = evaluateBudget({ budget, nowMs: AT, ...s });
    const lines = encodePoints(budgetPoints(budget, evaluation, s, AT));
    const tags = 'budget=checkout-monthly,service=checkout';
    const sig = (signal: string, window: string) =>
      `cost_signal,${tags},signal=${signal},team=payments,window=${window}`;
    expect(lines).toEqual([
      `cost_budget,budget=checkout-monthly,currency=USD,service=checkout,team=payments amount_nano=744000000000i,period="month" ${Date.UTC(2026, 2, 1)}`,
      // 2e9 / 12 nano-USD in 5 minutes, truncated to 166 666 666: the rate is computed from that exact sum.
      `${sig('burn_rate', '5m')} value=1.999999992,spend_nano=166666666i ${AT}`,
      `${sig('burn_rate', '1h')} value=2,spend_nano=2000000000i ${AT}`,
      `${sig('burn_rate', '6h')} value=2,spend_nano=12000000000i ${AT}`,
      `${sig('burn_rate', '1d')} value=2,spend_nano=48000000000i ${AT}`,
      `${sig('burn_rate', '3d')} value=2,spend_nano=144000000000i ${AT}`,
      // Spent 456 USD; 516 h left at 2 USD/h → 1,488 USD projected = 2× the budget; the remaining
      // 288 USD last 144 h = 518,400 s. Over pace for 3 days and 6 hours: a ticket, not a page (< 14.4).
      `${sig('projected_ratio', 'period')} value=2,exhaustion_s=518400,warn=true,escalate=true,page=false,ticket=true,spent_nano=456000000000i,projected_nano=1488000000000i,budget_nano=744000000000i ${AT}`,
    ]);
  });

  it('omits exhaustion when the budget lasts the period, and maps tag values line protocol cannot carry', () => {
    const hostile: BudgetConfig = { ...budget, name: 'a b,c\nd', scope: { tenant: 'acme' } };
    const s = spend(NANO / 2n);
    const evaluation = evaluateBudget({ budget: hostile, nowMs: AT, ...s });
    const projected = encodePoints(budgetPoints(hostile, evaluation, s, AT)).at(-1)!;
    expect(projected).toBe(
      `cost_signal,budget=a\\ b\\,c\\nd,signal=projected_ratio,tenant=acme,window=period value=0.5,warn=false,escalate=false,page=false,ticket=false,spent_nano=114000000000i,projected_nano=372000000000i,budget_nano=744000000000i ${AT}`,
    );
  });
});

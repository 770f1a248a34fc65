import type { BudgetConfig } from '../config/types';
import type { BurnWindow } from './burn';
import { evaluateBudget } from './evaluate';

const NANO = 1_000_000_000n;
/** Whole currency units (of the budget currency, USD or EUR below) as nano-units. */
const units = (n: number): bigint => BigInt(n) * NANO;
const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

// 8,640 USD over April 2026 (30 days, UTC) is 288 USD a day, 12 an hour, 1 per 5 minutes: on-pace spend
// per window is a whole number of USD, so every expected value below is plain arithmetic.
const budget: BudgetConfig = {
  name: 'payments',
  scope: { team: 'payments' },
  amount: '8640',
  currency: 'USD',
  period: 'month',
  timezone: 'UTC',
};
const ON_PACE: Record<BurnWindow, bigint> = {
  '5m': units(1),
  '1h': units(12),
  '6h': units(72),
  '1d': units(288),
  '3d': units(864),
};
const DAY10 = at('2026-04-11T00:00:00Z'); // 10 days in, 20 days left; mid-period is 2026-04-16T00:00Z

function evaluate(
  nowIso: string | number,
  spentToDateNano: bigint,
  windows: Partial<Record<BurnWindow, bigint>> = {},
  b: BudgetConfig = budget,
) {
  return evaluateBudget({
    budget: b,
    nowMs: typeof nowIso === 'number' ? nowIso : at(nowIso),
    spentToDateNano,
    windowSpendNano: { ...ON_PACE, ...windows },
  });
}

describe('evaluateBudget: on pace', () => {
  it('burns at 1.0, projects exactly the budget and raises nothing', () => {
    const e = evaluate(DAY10, units(2880));
    expect(e).toEqual({
      budget: 'payments',
      currency: 'USD',
      periodStartMs: at('2026-04-01T00:00:00Z'),
      periodEndMs: at('2026-05-01T00:00:00Z'),
      budgetNano: units(8640),
      spentNano: units(2880),
      burn: { '5m': 1, '1h': 1, '6h': 1, '1d': 1, '3d': 1 },
      projectedNano: units(8640), // 2880 + 288 × 20
      projectedRatio: 1,
      exhaustionMs: undefined, // runs out exactly at the period end: not before it
      alerts: { page: false, ticket: false, warn: false, escalate: false },
    });
  });

  it('warns and escalates one nano-unit over pace, and runs out in the last ms', () => {
    // At mid-period: 2880 + 288 × 5 = 4320 = half the budget, + 1 nano: over half.
    const e = evaluate(DAY10, units(2880) + 1n);
    expect(e.projectedNano).toBe(units(8640) + 1n);
    expect(e.alerts).toEqual({ page: false, ticket: false, warn: true, escalate: true });
    // 5760 USD − 1 nano at 288 USD/day: 20 days less 0.0003 ms, rounded down.
    expect(iso(e.exhaustionMs)).toBe('2026-04-30T23:59:59.999Z');
  });
});

describe('evaluateBudget: page and ticket', () => {
  it('pages when both 1h and 5m burn above 14.4', () => {
    // 14.4 × 12 = 172.8 USD in the hour, 14.4 × 1 = 14.4 USD in 5 minutes.
    const e = evaluate(DAY10, units(2880), { '1h': 172_800_000_000n + 1n, '5m': units(20) });
    expect(e.burn['1h']).toBeGreaterThan(14.4);
    expect(e.burn['5m']).toBe(20);
    expect(e.alerts.page).toBe(true);
    expect(e.alerts.ticket).toBe(false);
  });

  it('does not page at exactly 14.4, nor when only one window is high', () => {
    expect(evaluate(DAY10, units(2880), { '1h': 172_800_000_000n, '5m': units(20) }).burn['1h']).toBe(14.4);
    expect(evaluate(DAY10, units(2880), { '1h': 172_800_000_000n, '5m': units(20) }).alerts.page).toBe(false);
    // The burst is over: the hour is still high, the last 5 minutes are on pace.
    expect(evaluate(DAY10, units(2880), { '1h': units(300), '5m': units(1) }).alerts.page).toBe(false);
    // A burst just started: 5 minutes high, the hour not yet.
    expect(evaluate(DAY10, units(2880), { '1h': units(100), '5m': units(100) }).alerts.page).toBe(false);
  });

  it('tickets when both 3d and 6h burn above 1', () => {
    // 1.25 × 864 = 1080; 1.25 × 72 = 90
    const e = evaluate(DAY10, units(2880), { '3d': units(1080), '6h': units(90) });
    expect(e.burn['3d']).toBe(1.25);
    expect(e.burn['6h']).toBe(1.25);
    expect(e.alerts.ticket).toBe(true);
    expect(e.alerts.page).toBe(false);
  });

  it('does not ticket when either window is at or below pace', () => {
    expect(evaluate(DAY10, units(2880), { '3d': units(1080), '6h': units(72) }).alerts.ticket).toBe(false);
    expect(evaluate(DAY10, units(2880), { '3d': units(864), '6h': units(90) }).alerts.ticket).toBe(false);
  });
});

describe('evaluateBudget: projection, exhaustion, warn and escalate', () => {
  it('projects at the 1d pace and gives the instant the budget runs out', () => {
    // 6000 + 576 × 20 = 17,520 = 73/36 of 8640. 2640 left at 576/day: 4.5833 days = 4 d 14 h.
    const e = evaluate(DAY10, units(6000), { '1d': units(576) });
    expect(e.burn['1d']).toBe(2);
    expect(e.projectedNano).toBe(units(17_520));
    expect(e.projectedRatio).toBe(73 / 36);
    expect(iso(e.exhaustionMs)).toBe('2026-04-15T14:00:00.000Z');
    expect(e.alerts).toMatchObject({ warn: true, escalate: true });
  });

  it('escalates without warning when behind at mid-period but heading over by the end', () => {
    // mid: 1000 + 600 × 5 = 4000 ≤ 4320; end: 1000 + 600 × 20 = 13,000 > 8640.
    // 7640 left at 600/day: 12.7333 days = 12 d 17 h 36 min.
    const e = evaluate(DAY10, units(1000), { '1d': units(600) });
    expect(e.projectedNano).toBe(units(13_000));
    expect(e.alerts).toMatchObject({ warn: false, escalate: true });
    expect(iso(e.exhaustionMs)).toBe('2026-04-23T17:36:00.000Z');
  });

  it('warns without escalating when ahead at mid-period but not heading over by the end', () => {
    // Two days in, a one-off 4400 was spent, then 100/day. mid (13 days on): 4400 + 1300 = 5700 > 4320;
    // end (28 days on): 4400 + 2800 = 7200 ≤ 8640.
    const e = evaluate('2026-04-03T00:00:00Z', units(4400), { '1d': units(100) });
    expect(e.projectedNano).toBe(units(7200));
    expect(e.alerts).toMatchObject({ warn: true, escalate: false });
    expect(e.exhaustionMs).toBeUndefined();
  });

  it('warns only before mid-period', () => {
    // mid-period is 2026-04-16T00:00Z
    expect(evaluate('2026-04-15T23:59:59.999Z', units(8000)).alerts).toMatchObject({
      warn: true,
      escalate: true,
    });
    expect(evaluate('2026-04-16T00:00:00.000Z', units(8000)).alerts).toMatchObject({
      warn: false,
      escalate: true,
    });
  });

  it('is exhausted now once spend reaches the budget; not over until it exceeds it', () => {
    const now = at('2026-04-20T00:00:00Z');
    const used = evaluate(now, units(8640), { '1d': 0n });
    expect(used.exhaustionMs).toBe(now);
    expect(used.projectedNano).toBe(units(8640));
    expect(used.alerts.escalate).toBe(false);
    const over = evaluate(now, units(9000), { '1d': 0n });
    expect(over.exhaustionMs).toBe(now);
    expect(over.projectedRatio).toBe(9000 / 8640);
    expect(over.alerts.escalate).toBe(true);
  });

  it('never runs out at zero pace, and does not extrapolate net credits', () => {
    const idle = evaluate(DAY10, units(100), { '1d': 0n });
    expect(idle.exhaustionMs).toBeUndefined();
    expect(idle.projectedNano).toBe(units(100));
    const credited = evaluate(DAY10, units(100), { '1d': -units(288) });
    expect(credited.burn['1d']).toBe(-1);
    expect(credited.projectedNano).toBe(units(100));
    expect(credited.exhaustionMs).toBeUndefined();
  });

  it('rounds the projected amount half-to-even to nano-units', () => {
    // 12 hours left: half of the 1d spend is added. 0.5 → 0, 1.5 → 2, 2.5 → 2, 3.5 → 4.
    const halfDayLeft = '2026-04-30T12:00:00Z';
    const projected = [1n, 3n, 5n, 7n].map(
      (d) => evaluate(halfDayLeft, units(100), { '1d': d }).projectedNano,
    );
    expect(projected).toEqual([units(100), units(100) + 2n, units(100) + 2n, units(100) + 4n]);
  });

  it('projects the whole 1d pace from the first instant of a period', () => {
    // Exactly at the period start: nothing spent yet, 30 days at 288/day to go.
    const e = evaluate('2026-04-01T00:00:00Z', 0n);
    expect(e.periodStartMs).toBe(at('2026-04-01T00:00:00Z'));
    expect(e.projectedNano).toBe(units(8640));
    expect(e.alerts).toEqual({ page: false, ticket: false, warn: false, escalate: false });
  });
});

describe('evaluateBudget: calendar periods', () => {
  it('moves to the next month exactly at the boundary, and burns against its 31 days', () => {
    const e = evaluate('2026-05-01T00:00:00Z', 0n);
    expect(iso(e.periodStartMs)).toBe('2026-05-01T00:00:00.000Z');
    expect(iso(e.periodEndMs)).toBe('2026-06-01T00:00:00.000Z');
    // 12 USD an hour against 8640 over 744 hours: 12 × 744 / 8640 = 31/30
    expect(e.burn['1h']).toBe(31 / 30);
  });

  it('measures a Europe/Berlin day budget on the 23-hour 31 March 2024', () => {
    // 230 EUR over 23 hours: 10 EUR an hour. 12:00 CEST = 10:00Z, 11 hours in, 12 hours left.
    const day: BudgetConfig = { ...budget, name: 'berlin', amount: '230', currency: 'EUR', period: 'day' };
    const e = evaluate(
      '2024-03-31T10:00:00Z',
      units(110),
      { '5m': units(1), '1h': units(10), '6h': units(60), '1d': units(240), '3d': units(720) },
      { ...day, timezone: 'Europe/Berlin' },
    );
    expect(iso(e.periodStartMs)).toBe('2024-03-30T23:00:00.000Z');
    expect(iso(e.periodEndMs)).toBe('2024-03-31T22:00:00.000Z');
    // 5m: 1 × 23 × 12 / 230 = 1.2; the 1d window (24 h) at 240 over a 23-hour day: 240 × 23 / (230 × 24) = 1
    expect(e.burn).toEqual({ '5m': 1.2, '1h': 1, '6h': 1, '1d': 1, '3d': 1 });
    // 110 + 240 × 12/24 = 230; mid-period 10:30Z: 110 + 240 × 0.5/24 = 115 = half
    expect(e.projectedNano).toBe(units(230));
    expect(e.currency).toBe('EUR');
    expect(e.alerts).toEqual({ page: false, ticket: false, warn: false, escalate: false });
  });

  it('measures an America/New_York day budget on the 25-hour 3 November 2024', () => {
    // 250 USD over 25 hours. 12:00Z is 8 hours into the day (from 04:00Z): 17 hours left.
    const ny: BudgetConfig = { ...budget, amount: '250', period: 'day', timezone: 'America/New_York' };
    const e = evaluate('2024-11-03T12:00:00Z', units(80), { '1h': units(10), '1d': units(240) }, ny);
    expect(e.periodEndMs - e.periodStartMs).toBe(25 * 3_600_000);
    expect(e.burn['1h']).toBe(1);
    expect(e.burn['1d']).toBe(1); // 240 × 25 / (250 × 24)
    expect(e.projectedNano).toBe(units(250)); // 80 + 240 × 17/24
  });

  it('uses ISO weeks for week budgets', () => {
    const week: BudgetConfig = { ...budget, amount: '168', period: 'week' };
    // Thursday 1 January 2026; the week runs from Monday 29 December 2025. 1 USD an hour is on pace.
    const e = evaluate('2026-01-01T12:00:00Z', units(84), { '1h': units(1), '1d': units(24) }, week);
    expect(iso(e.periodStartMs)).toBe('2025-12-29T00:00:00.000Z');
    expect(iso(e.periodEndMs)).toBe('2026-01-05T00:00:00.000Z');
    expect(e.burn['1h']).toBe(1);
    // 84 + 24 × 3.5 days = 168
    expect(e.projectedNano).toBe(units(168));
  });
});

describe('evaluateBudget: errors name the budget', () => {
  it('for an unknown time zone', () => {
    expect(() => evaluate(DAY10, 0n, {}, { ...budget, timezone: 'Mars/Olympus' })).toThrow(
      'budget "payments": unknown time zone "Mars/Olympus": expected an IANA name such as "Europe/Paris" or "UTC"',
    );
  });

  it('for a bad amount', () => {
    expect(() => evaluate(DAY10, 0n, {}, { ...budget, amount: 'lots' })).toThrow(
      'budget "payments": amount "lots" is not a decimal number',
    );
    expect(() => evaluate(DAY10, 0n, {}, { ...budget, amount: '0' })).toThrow(
      'budget "payments": amount "0" must be positive',
    );
  });

  it('for a missing window or a fractional instant', () => {
    const windowSpendNano = { ...ON_PACE } as Partial<Record<BurnWindow, bigint>>;
    delete windowSpendNano['3d'];
    expect(() =>
      evaluateBudget({
        budget,
        nowMs: DAY10,
        spentToDateNano: 0n,
        windowSpendNano: windowSpendNano as Record<BurnWindow, bigint>,
      }),
    ).toThrow('budget "payments": no spend given for the 3d window');
    expect(() => evaluate(DAY10 + 0.5, 0n)).toThrow(
      'budget "payments": instant 1775865600000.5 is not a whole number of ms',
    );
  });

  it('parses decimal amounts exactly', () => {
    expect(evaluate(DAY10, 0n, {}, { ...budget, amount: '8640.000000001' }).budgetNano).toBe(
      units(8640) + 1n,
    );
  });
});

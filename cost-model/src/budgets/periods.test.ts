import type { BudgetConfig } from '../config/types';
import { budgetPeriodAt, budgetWindows, zonedMidnight } from './periods';

// Expected instants are written out by hand as ISO strings; lengths as hours or days.
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

function period(
  p: BudgetConfig['period'],
  timezone: string,
  atIso: string,
): { start: string; end: string; hours: number } {
  const { startMs, endMs } = budgetPeriodAt({ period: p, timezone }, at(atIso));
  return { start: iso(startMs), end: iso(endMs), hours: (endMs - startMs) / HOUR };
}

describe('budgetPeriodAt: months', () => {
  it('runs from the 1st to the 1st, and a boundary instant belongs to the period it starts', () => {
    expect(period('month', 'UTC', '2024-01-31T23:59:59.999Z')).toEqual({
      start: '2024-01-01T00:00:00.000Z',
      end: '2024-02-01T00:00:00.000Z',
      hours: 31 * 24,
    });
    expect(period('month', 'UTC', '2024-02-01T00:00:00.000Z')).toEqual({
      start: '2024-02-01T00:00:00.000Z',
      end: '2024-03-01T00:00:00.000Z',
      hours: 29 * 24, // 2024 is a leap year
    });
    expect(period('month', 'UTC', '2023-12-31T12:00:00Z')).toEqual({
      start: '2023-12-01T00:00:00.000Z',
      end: '2024-01-01T00:00:00.000Z',
      hours: 31 * 24,
    });
  });

  it('knows leap years: divisible by 4, except centuries, except every 400 years', () => {
    expect(period('month', 'UTC', '2023-02-10T00:00:00Z').hours).toBe(28 * 24);
    expect(period('month', 'UTC', '2024-02-10T00:00:00Z').hours).toBe(29 * 24);
    expect(period('month', 'UTC', '2100-02-10T00:00:00Z')).toEqual({
      start: '2100-02-01T00:00:00.000Z',
      end: '2100-03-01T00:00:00.000Z',
      hours: 28 * 24,
    });
    expect(period('month', 'UTC', '2000-02-10T00:00:00Z').hours).toBe(29 * 24);
  });

  it('starts a Europe/Berlin month at local midnight: 23:00Z in winter, 22:00Z in summer', () => {
    // Berlin is UTC+1 (CET) until 2024-03-31 01:00Z, then UTC+2 (CEST) until 2024-10-27 01:00Z.
    expect(period('month', 'Europe/Berlin', '2024-03-15T12:00:00Z')).toEqual({
      start: '2024-02-29T23:00:00.000Z',
      end: '2024-03-31T22:00:00.000Z',
      hours: 31 * 24 - 1, // loses the hour of the spring change
    });
    expect(period('month', 'Europe/Berlin', '2024-07-01T00:00:00Z')).toEqual({
      start: '2024-06-30T22:00:00.000Z',
      end: '2024-07-31T22:00:00.000Z',
      hours: 31 * 24,
    });
    expect(period('month', 'Europe/Berlin', '2024-10-31T22:59:59.999Z')).toEqual({
      start: '2024-09-30T22:00:00.000Z',
      end: '2024-10-31T23:00:00.000Z',
      hours: 31 * 24 + 1, // gains the hour of the autumn change
    });
  });

  it('puts instants either side of a Berlin month boundary in the right month', () => {
    // 2024-02-29T22:59:59.999Z is 23:59:59.999 on 29 February in Berlin; a ms later it is 1 March.
    expect(period('month', 'Europe/Berlin', '2024-02-29T22:59:59.999Z')).toEqual({
      start: '2024-01-31T23:00:00.000Z',
      end: '2024-02-29T23:00:00.000Z',
      hours: 29 * 24,
    });
    expect(period('month', 'Europe/Berlin', '2024-02-29T23:00:00.000Z').start).toBe(
      '2024-02-29T23:00:00.000Z',
    );
  });
});

describe('budgetPeriodAt: days across DST', () => {
  it('Europe/Berlin 31 March 2024 has 23 hours', () => {
    expect(period('day', 'Europe/Berlin', '2024-03-31T12:00:00Z')).toEqual({
      start: '2024-03-30T23:00:00.000Z',
      end: '2024-03-31T22:00:00.000Z',
      hours: 23,
    });
  });

  it('America/New_York 3 November 2024 has 25 hours', () => {
    // EDT (UTC−4) until 06:00Z, then EST (UTC−5).
    expect(period('day', 'America/New_York', '2024-11-03T12:00:00Z')).toEqual({
      start: '2024-11-03T04:00:00.000Z',
      end: '2024-11-04T05:00:00.000Z',
      hours: 25,
    });
    // 05:30Z is 01:30 EDT, the first of the two 01:30s: still 3 November.
    expect(period('day', 'America/New_York', '2024-11-03T05:30:00Z').start).toBe('2024-11-03T04:00:00.000Z');
  });

  it('starts the day where a DST gap swallows midnight (America/Santiago, America/Havana)', () => {
    // Santiago jumps from 00:00 to 01:00 on 8 September 2024 at 04:00Z (UTC−4 → UTC−3).
    expect(period('day', 'America/Santiago', '2024-09-08T12:00:00Z')).toEqual({
      start: '2024-09-08T04:00:00.000Z',
      end: '2024-09-09T03:00:00.000Z',
      hours: 23,
    });
    expect(period('day', 'America/Santiago', '2024-09-08T03:59:59.999Z')).toEqual({
      start: '2024-09-07T04:00:00.000Z',
      end: '2024-09-08T04:00:00.000Z',
      hours: 24,
    });
    // Havana jumps from 00:00 to 01:00 on 10 March 2024 at 05:00Z (UTC−5 → UTC−4).
    expect(period('day', 'America/Havana', '2024-03-10T12:00:00Z').start).toBe('2024-03-10T05:00:00.000Z');
  });

  it('takes the first of two midnights, and keeps the repeated hour of a fall-back in the right day', () => {
    // Havana falls back from 01:00 to 00:00 on 3 November 2024 at 05:00Z: midnight at 04:00Z and 05:00Z.
    expect(period('day', 'America/Havana', '2024-11-03T05:30:00Z')).toEqual({
      start: '2024-11-03T04:00:00.000Z',
      end: '2024-11-04T05:00:00.000Z',
      hours: 25,
    });
    // Santiago falls back from 00:00 on 7 April 2024 to 23:00 on the 6th at 03:00Z: 6 April has 25 hours,
    // and 03:30Z (the second 23:30 of the 6th) belongs to it.
    expect(period('day', 'America/Santiago', '2024-04-07T03:30:00Z')).toEqual({
      start: '2024-04-06T03:00:00.000Z',
      end: '2024-04-07T04:00:00.000Z',
      hours: 25,
    });
  });

  it('follows zones with odd offsets', () => {
    // Kathmandu is UTC+5:45: local midnight is 18:15Z of the previous day.
    expect(period('day', 'Asia/Kathmandu', '2024-05-01T18:14:59.999Z')).toEqual({
      start: '2024-04-30T18:15:00.000Z',
      end: '2024-05-01T18:15:00.000Z',
      hours: 24,
    });
  });
});

describe('budgetPeriodAt: ISO weeks', () => {
  it('starts on Monday, also across a year boundary', () => {
    // 1 January 2026 is a Thursday; its ISO week starts on Monday 29 December 2025.
    expect(period('week', 'UTC', '2026-01-01T12:00:00Z')).toEqual({
      start: '2025-12-29T00:00:00.000Z',
      end: '2026-01-05T00:00:00.000Z',
      hours: 7 * 24,
    });
    // Monday 00:00 starts a week; the ms before it (Sunday 23:59:59.999) ends the previous one.
    expect(period('week', 'UTC', '2026-01-05T00:00:00.000Z').start).toBe('2026-01-05T00:00:00.000Z');
    expect(period('week', 'UTC', '2026-01-04T23:59:59.999Z').start).toBe('2025-12-29T00:00:00.000Z');
  });

  it('loses an hour in a Berlin week with the spring change', () => {
    // Sunday 31 March 2024: the week from Monday 25 March (CET) to Monday 1 April (CEST).
    expect(period('week', 'Europe/Berlin', '2024-03-31T12:00:00Z')).toEqual({
      start: '2024-03-24T23:00:00.000Z',
      end: '2024-03-31T22:00:00.000Z',
      hours: 7 * 24 - 1,
    });
  });

  it('is six days long where a zone skipped a whole day (Pacific/Apia, 30 December 2011)', () => {
    // Apia went from 29 December 23:59:59 (UTC−10) straight to 31 December 00:00 (UTC+14) at 10:00Z.
    expect(period('week', 'Pacific/Apia', '2011-12-31T12:00:00Z')).toEqual({
      start: '2011-12-26T10:00:00.000Z',
      end: '2012-01-01T10:00:00.000Z',
      hours: 6 * 24,
    });
    expect(period('day', 'Pacific/Apia', '2011-12-30T10:00:00Z')).toEqual({
      start: '2011-12-30T10:00:00.000Z',
      end: '2011-12-31T10:00:00.000Z',
      hours: 24,
    });
  });
});

describe('zonedMidnight', () => {
  it('rolls day and month overflow over', () => {
    expect(iso(zonedMidnight({ year: 2024, month: 13, day: 1 }, 'UTC'))).toBe('2025-01-01T00:00:00.000Z');
    expect(iso(zonedMidnight({ year: 2024, month: 2, day: 30 }, 'UTC'))).toBe('2024-03-01T00:00:00.000Z');
    expect(iso(zonedMidnight({ year: 2024, month: 1, day: 1 }, 'Asia/Kolkata'))).toBe(
      '2023-12-31T18:30:00.000Z',
    );
  });

  it('gives the start of a day whose midnight a DST gap skipped (the old two-round guess gave 23:00 of the day before)', () => {
    expect(iso(zonedMidnight({ year: 2024, month: 9, day: 8 }, 'America/Santiago'))).toBe(
      '2024-09-08T04:00:00.000Z',
    );
  });
});

describe('budgetWindows', () => {
  it('lists contiguous periods overlapping a range, cut by neither end', () => {
    const march = { fromMs: at('2024-03-01T00:00:00Z'), toMs: at('2024-04-01T00:00:00Z') };
    const days = budgetWindows({ period: 'day', timezone: 'Europe/Berlin' }, march);
    // Berlin days from 1 March (starting 29 Feb 23:00Z) to 1 April (starting 31 March 22:00Z).
    expect(days).toHaveLength(32);
    expect(iso(days[0]!.fromMs)).toBe('2024-02-29T23:00:00.000Z');
    expect(iso(days[31]!.fromMs)).toBe('2024-03-31T22:00:00.000Z');
    for (let i = 1; i < days.length; i++) expect(days[i]!.fromMs).toBe(days[i - 1]!.toMs);
    const total = days[31]!.toMs - days[0]!.fromMs;
    expect(total).toBe(32 * DAY - HOUR);
  });

  it('gives one period for a range inside it', () => {
    expect(
      budgetWindows(
        { period: 'month', timezone: 'UTC' },
        { fromMs: at('2024-02-10T00:00:00Z'), toMs: at('2024-02-11T00:00:00Z') },
      ),
    ).toEqual([{ fromMs: at('2024-02-01T00:00:00Z'), toMs: at('2024-03-01T00:00:00Z') }]);
  });
});

describe('errors', () => {
  it('names the budget and the zone for an unknown time zone', () => {
    expect(() => budgetPeriodAt({ name: 'ops', period: 'month', timezone: 'Mars/Olympus' }, 0)).toThrow(
      'budget "ops": unknown time zone "Mars/Olympus": expected an IANA name such as "Europe/Paris" or "UTC"',
    );
    expect(() => budgetPeriodAt({ period: 'day', timezone: 'Mars/Olympus' }, 0)).toThrow(
      /^budget: unknown time zone "Mars\/Olympus"/,
    );
  });

  it('names the budget for an unknown period', () => {
    const budget = { name: 'ops', period: 'year', timezone: 'UTC' } as unknown as BudgetConfig;
    expect(() => budgetPeriodAt(budget, 0)).toThrow(
      'budget "ops": unknown period "year": expected month, week or day',
    );
  });
});

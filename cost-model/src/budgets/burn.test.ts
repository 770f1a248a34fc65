import { BURN_WINDOWS, burnRate } from './burn';
import { BURN_RULES } from './rules';

const NANO = 1_000_000_000n;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('BURN_WINDOWS', () => {
  it('lists 5m, 1h, 6h, 1d, 3d in that order, with their lengths', () => {
    expect(BURN_WINDOWS).toEqual([
      { name: '5m', ms: 300_000 },
      { name: '1h', ms: 3_600_000 },
      { name: '6h', ms: 21_600_000 },
      { name: '1d', ms: 86_400_000 },
      { name: '3d', ms: 259_200_000 },
    ]);
    expect(Object.isFrozen(BURN_WINDOWS)).toBe(true);
    expect(Object.isFrozen(BURN_WINDOWS[0])).toBe(true);
  });
});

describe('burnRate', () => {
  it('is 36 for 50 USD in an hour of a 1,000 USD, 30-day budget', () => {
    // pace: 1000 / 720 h = 1.3889 USD/h; 50 / 1.3889 = 36
    expect(burnRate(50n * NANO, HOUR, 1000n * NANO, 30 * DAY)).toBe(36);
  });

  it('is 1 exactly on pace, whatever the month length', () => {
    // 744 USD over 31 days is 24 USD a day.
    expect(burnRate(24n * NANO, DAY, 744n * NANO, 31 * DAY)).toBe(1);
    // 696 USD over February 2024 (29 days) is 1 USD an hour, 1/12 USD per 5 minutes.
    // 1/12 USD is not a whole number of nano-units: 0.083333333 USD × 12 / 1 USD = 0.999999996.
    expect(burnRate(NANO / 12n, 5 * MIN, 696n * NANO, 29 * DAY)).toBe(0.999999996);
    expect(burnRate(6n * NANO, 6 * HOUR, 696n * NANO, 29 * DAY)).toBe(1);
  });

  it('uses the actual period length: a 23-hour DST day is burnt faster than a 24-hour one', () => {
    // 230 over 23 hours is 10 an hour: on pace. Over 24 hours, 10 an hour is 24/23 of pace.
    expect(burnRate(10n * NANO, HOUR, 230n * NANO, 23 * HOUR)).toBe(1);
    expect(burnRate(10n * NANO, HOUR, 230n * NANO, 24 * HOUR)).toBe(24 / 23);
    // A 25-hour New York day: 250 over 25 hours is 10 an hour.
    expect(burnRate(10n * NANO, HOUR, 250n * NANO, 25 * HOUR)).toBe(1);
  });

  it('handles windows longer than the period (3d against a day budget)', () => {
    // 3 days at 2× the daily budget of 100: 600 / (100 × 3) = 2
    expect(burnRate(600n * NANO, 3 * DAY, 100n * NANO, DAY)).toBe(2);
  });

  it('stays exact with amounts far beyond 2^53 nano-units', () => {
    // 12,345,678,901.234567891 USD in 6h of a 10^12 USD 30-day budget: ×120 / 10^12, exactly
    // 1.48148146814814814692, whose nearest double is expected (written as text: the literal has more
    // digits than a double holds).
    const spend = 12_345_678_901_234_567_891n;
    expect(burnRate(spend, 6 * HOUR, 1_000_000_000_000n * NANO, 30 * DAY)).toBe(
      Number('1.48148146814814814692'),
    );
    // ...and one nano-unit of a trillion: 720 / 10^21 (30 days over 1h)
    expect(burnRate(1n, HOUR, 1_000_000_000_000n * NANO, 30 * DAY)).toBe(7.2e-19);
  });

  it('is negative for net credits and 0 for no spend', () => {
    expect(burnRate(-50n * NANO, HOUR, 1000n * NANO, 30 * DAY)).toBe(-36);
    expect(burnRate(0n, HOUR, 1000n * NANO, 30 * DAY)).toBe(0);
  });

  it('rejects a non-positive budget, window or period', () => {
    expect(() => burnRate(1n, HOUR, 0n, DAY)).toThrow('budget must be positive, got 0 nano-units');
    expect(() => burnRate(1n, 0, NANO, DAY)).toThrow(
      'burn window must be a positive whole number of ms, got 0',
    );
    expect(() => burnRate(1n, HOUR, NANO, 1.5)).toThrow(
      'budget period must be a positive whole number of ms, got 1.5',
    );
  });
});

describe('BURN_RULES', () => {
  it('pages on 1h & 5m above 14.4 and tickets on 3d & 6h above 1', () => {
    expect(BURN_RULES).toEqual([
      { name: 'page', long: '1h', short: '5m', threshold: 14.4 },
      { name: 'ticket', long: '3d', short: '6h', threshold: 1 },
    ]);
  });

  it('means 2% of a 30-day budget in an hour (page) and 10% in three days (ticket)', () => {
    // 2% of 1,000 USD is 20 USD; 10% is 100 USD.
    expect(burnRate(20n * NANO, HOUR, 1000n * NANO, 30 * DAY)).toBe(14.4);
    expect(burnRate(100n * NANO, 3 * DAY, 1000n * NANO, 30 * DAY)).toBe(1);
  });
});

import { divideHalfEven, exhaustionTime, projectSpend } from './projection';

const DAY = 86_400_000;

describe('divideHalfEven', () => {
  it('rounds ties to even and everything else to nearest, either sign', () => {
    expect([1n, 3n, 5n, 7n].map((n) => divideHalfEven(n, 2n))).toEqual([0n, 2n, 2n, 4n]);
    expect([-1n, -3n, -5n, -7n].map((n) => divideHalfEven(n, 2n))).toEqual([0n, -2n, -2n, -4n]);
    expect(divideHalfEven(10n, 3n)).toBe(3n); // 3.33
    expect(divideHalfEven(11n, 3n)).toBe(4n); // 3.67
    expect(divideHalfEven(-11n, 3n)).toBe(-4n);
    expect(divideHalfEven(0n, 7n)).toBe(0n);
  });

  it('is exact far beyond 2^53', () => {
    // (10^30 + 1) / 2 = 5·10^29 + 0.5 → the even neighbour 5·10^29
    expect(divideHalfEven(10n ** 30n + 1n, 2n)).toBe(5n * 10n ** 29n);
    expect(divideHalfEven(10n ** 30n + 3n, 2n)).toBe(5n * 10n ** 29n + 2n);
  });

  it('rejects a non-positive divisor', () => {
    expect(() => divideHalfEven(1n, 0n)).toThrow('divisor must be positive, got 0');
  });
});

describe('projectSpend', () => {
  it('adds the window pace times the horizon', () => {
    // 10 + 24 per day × 1.5 days = 46
    expect(projectSpend(10n, 24n, DAY, DAY * 1.5)).toBe(46n);
  });

  it('ignores a zero or negative pace and a zero horizon', () => {
    expect(projectSpend(10n, 0n, DAY, DAY)).toBe(10n);
    expect(projectSpend(10n, -24n, DAY, DAY)).toBe(10n);
    expect(projectSpend(10n, 24n, DAY, 0)).toBe(10n);
  });
});

describe('exhaustionTime', () => {
  it('rounds the instant down to a whole ms', () => {
    // 1 left at 7 per day: 86,400,000 / 7 = 12,342,857.14 ms
    expect(exhaustionTime(9n, 10n, 7n, DAY, 1_000, 10 * DAY)).toBe(1_000 + 12_342_857);
  });

  it('is now when the budget is used up, undefined at no pace or not before the end', () => {
    expect(exhaustionTime(10n, 10n, 0n, DAY, 5, DAY)).toBe(5);
    expect(exhaustionTime(11n, 10n, 0n, DAY, 5, DAY)).toBe(5);
    expect(exhaustionTime(9n, 10n, 0n, DAY, 5, DAY)).toBeUndefined();
    expect(exhaustionTime(9n, 10n, -1n, DAY, 5, DAY)).toBeUndefined();
    // 1 left at 1 per day runs out exactly at the end: not before it.
    expect(exhaustionTime(9n, 10n, 1n, DAY, 0, DAY)).toBeUndefined();
    expect(exhaustionTime(9n, 10n, 1n, DAY, 0, DAY + 1)).toBe(DAY);
  });
});

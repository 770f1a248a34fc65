import {
  currencyDecimals,
  currencyOf,
  currencyUnit,
  formatNano,
  moneyConfig,
  nanoColumn,
  nanoPerUnit,
  nanoToDecimalString,
  nanoToNumber,
  NanoSum,
  toNano,
} from './money';

// Expected values written as decimal text are read with Number(): the double nearest that exact decimal,
// which is what the conversion must produce.
describe('nano amounts to decimals', () => {
  it('builds the exact decimal text, sign handled', () => {
    expect(nanoToDecimalString(1_234_567_890n)).toBe('1.23456789');
    expect(nanoToDecimalString(-1n)).toBe('-0.000000001');
    expect(nanoToDecimalString(5_000_000_000n)).toBe('5');
    expect(nanoToDecimalString(0n)).toBe('0');
    // 2^63 − 1 nano-units: 9223372036.854775807
    expect(nanoToDecimalString(9_223_372_036_854_775_807n)).toBe('9223372036.854775807');
  });

  it('converts beyond 2^53 without going through an inexact division', () => {
    // 2^53 + 1 = 9007199254740993 nano is 9007199.254740993 exactly; the nearest double of that decimal.
    expect(nanoToNumber(9_007_199_254_740_993n)).toBe(9007199.254740993);
    // Dividing the rounded integer would give the nearest double of 9007199.254740992 instead.
    expect(Number(9_007_199_254_740_993n) / 1e9).toBe(Number('9007199.254740992'));
    expect(nanoToNumber(-123_456_789_012_345_678n)).toBe(Number('-123456789.012345678'));
  });

  it('gives the same double as the decimal text for safe integers (the fast path)', () => {
    const samples = [1, 7, 999_999_999, 1_000_000_001, 123_456_789_123, 2 ** 53 - 1, -(2 ** 53 - 1), -42];
    for (let i = 0; i < 2000; i++) samples.push(Math.floor(Math.random() * 2 ** 53) * (i % 2 ? -1 : 1));
    for (const n of samples) expect(nanoToNumber(n)).toBe(Number(nanoToDecimalString(BigInt(n))));
  });

  it('keeps null for missing cells and divides floats as they are', () => {
    expect(nanoToNumber(null)).toBeNull();
    expect(nanoToNumber('12' as never)).toBeNull();
    expect(nanoToNumber(1.5e9)).toBe(1.5);
    expect(
      nanoColumn(
        [
          [0, 2_500_000_000],
          [1, null],
          [2, 9_007_199_254_740_993n],
        ],
        1,
      ),
    ).toEqual([2.5, null, 9007199.254740993]);
    expect(toNano(3)).toBe(3n);
    expect(toNano(2.6)).toBe(3n);
    expect(toNano(null)).toBeUndefined();
  });
});

describe('NanoSum', () => {
  it('stays exact across 2^53, with credits', () => {
    const s = new NanoSum();
    s.add(2 ** 53 - 1);
    s.add(2);
    expect(s.nano).toBe(9_007_199_254_740_993n);
    s.add(-3n);
    expect(s.nano).toBe(9_007_199_254_740_990n);
    expect(s.toNumber()).toBe(9007199.25474099);
  });

  it('sums small amounts in doubles exactly', () => {
    const s = new NanoSum();
    for (const v of [100_000_000, 200_000_000, -50_000_000]) s.add(v);
    expect(s.nano).toBe(250_000_000n);
    expect(s.toNumber()).toBe(0.25);
  });
});

describe('nanoPerUnit', () => {
  it('divides exactly before converting', () => {
    expect(nanoPerUnit(1_000_000_000n, 3n)).toBe(0.3333333333333333);
    expect(nanoPerUnit(-2_000_000_000n, 4n)).toBe(-0.5);
    // 2^63 − 1 nano over 7 requests: 1317624576.693539401 (hand-computed: 9223372036854775807 / 7 = 1317624576693539401)
    expect(nanoPerUnit(9_223_372_036_854_775_807n, 7n)).toBe(Number('1317624576.693539401'));
    expect(nanoPerUnit(5n, 0n)).toBeNull();
  });
});

describe('formatNano', () => {
  it('rounds half away from zero to the currency’s decimals', () => {
    expect(formatNano(812_345_000_000n, 'USD')).toBe('812.35 USD');
    expect(formatNano(-812_344_999_999n, 'EUR')).toBe('-812.34 EUR');
    expect(formatNano(1_500_000_000n, 'JPY')).toBe('2 JPY');
    expect(formatNano(1_234_500_000n, 'KWD')).toBe('1.235 KWD');
    expect(formatNano(-1n, 'USD')).toBe('0.00 USD');
    expect(formatNano(10n ** 20n, '')).toBe('100000000000.00');
  });
});

describe('currency units', () => {
  it('uses Grafana’s currency units where they exist, a suffix otherwise', () => {
    expect(currencyUnit('USD', {})).toBe('currencyUSD');
    expect(currencyUnit('eur', {})).toBe('currencyEUR');
    expect(currencyUnit('GBP', {})).toBe('currencyGBP');
    expect(currencyUnit('JPY', {})).toBe('currencyJPY');
    expect(currencyUnit('AUD', {})).toBe('suffix:AUD');
    expect(currencyUnit('USD', { currencyDisplay: 'code' })).toBe('suffix:USD');
    expect(currencyUnit('', {})).toBeUndefined();
  });

  it('has the usual decimals', () => {
    expect([
      currencyDecimals('USD'),
      currencyDecimals('JPY'),
      currencyDecimals('krw'),
      currencyDecimals('BHD'),
    ]).toEqual([2, 0, 0, 3]);
    expect(moneyConfig('JPY', {})).toEqual({ unit: 'currencyJPY', decimals: 0 });
    expect(moneyConfig('USD', {}, { decimals: null, displayName: 'x' })).toEqual({
      unit: 'currencyUSD',
      displayNameFromDS: 'x',
    });
  });

  it('falls back to the default currency when a series has none', () => {
    expect(currencyOf({ currency: 'EUR' }, { defaultCurrency: 'USD' })).toBe('EUR');
    expect(currencyOf({}, { defaultCurrency: 'usd' })).toBe('USD');
    expect(currencyOf(undefined, {})).toBe('');
  });
});

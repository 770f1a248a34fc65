import Decimal from 'decimal.js';
import { D, addMoney, formatAmount, fromNano, money, toNano } from './money';
import { parseDecimal } from './parse';

describe('toNano', () => {
  it('rounds half to even at the nano', () => {
    expect(toNano('0.0000000005')).toBe(0n); // tie → even 0
    expect(toNano('0.0000000015')).toBe(2n); // tie → even 2
    expect(toNano('0.0000000025')).toBe(2n); // tie → even 2
    expect(toNano('0.00000000250000001')).toBe(3n); // not a tie
    expect(toNano('0.0000000014999')).toBe(1n);
  });

  it('keeps negative amounts (credits), rounding ties to even', () => {
    expect(toNano('-0.0000000015')).toBe(-2n);
    expect(toNano('-0.0000000005')).toBe(0n);
    expect(toNano('-12.345678901')).toBe(-12345678901n);
  });

  it('converts large amounts without float loss', () => {
    expect(toNano('123456789012345678.123456789')).toBe(123456789012345678123456789n);
    expect(toNano(new D('0.4'))).toBe(400000000n);
    expect(toNano(3)).toBe(3000000000n);
  });

  it('accepts a Decimal of another precision without re-rounding', () => {
    const Low = Decimal.clone({ precision: 5 });
    expect(toNano(new Low('1.0000000015'))).toBe(1000000002n);
  });

  it('throws naming the value on NaN and Infinity', () => {
    expect(() => toNano(NaN)).toThrow(/NaN/);
    expect(() => toNano(new D(Infinity))).toThrow(/Infinity/);
    expect(() => toNano('abc')).toThrow(/"abc"/);
  });
});

describe('fromNano', () => {
  it('is exact for bigint, integer numbers and strings', () => {
    expect(fromNano(400000000n).toString()).toBe('0.4');
    expect(fromNano(-15).toString()).toBe('-0.000000015');
    expect(fromNano('123456789012345678123456789').toFixed()).toBe('123456789012345678.123456789');
  });

  it('rejects non-integers', () => {
    expect(() => fromNano(1.5)).toThrow(/1\.5/);
    expect(() => fromNano('1.5')).toThrow(/"1\.5"/);
  });

  it('round-trips with toNano', () => {
    for (const n of [0n, 1n, -1n, 999999999n, 10n ** 20n + 7n]) expect(toNano(fromNano(n))).toBe(n);
  });
});

describe('D and formatAmount', () => {
  it('prints plain notation down to 1e-30, without trailing zeros', () => {
    expect(new D('1e-30').toString()).toBe('0.000000000000000000000000000001');
    expect(formatAmount(new D('1.50000'))).toBe('1.5');
    expect(formatAmount(new D('1e-31'))).toBe('0.0000000000000000000000000000001');
    expect(formatAmount(new D('-0'))).toBe('0');
    expect(formatAmount(new D('12e20'))).toBe('1200000000000000000000');
  });

  it('multiplies a 28-decimal price exactly', () => {
    const price = new D('0.0000000000000000000000000123');
    expect(price.times(1_000_000).toFixed()).toBe('0.0000000000000000000123');
  });
});

describe('Money', () => {
  it('adds same-currency amounts exactly', () => {
    const sum = addMoney(money('0.1', 'USD'), money('0.2', 'USD'));
    expect(sum.amount.toString()).toBe('0.3');
    expect(sum.currency).toBe('USD');
  });

  it('refuses to add different currencies, naming both', () => {
    expect(() => addMoney(money('1', 'USD'), money('2', 'EUR'))).toThrow('cannot add 1 USD and 2 EUR');
  });
});

describe('parseDecimal', () => {
  it('names the input and where it came from', () => {
    expect(() => parseDecimal('1,5', 'catalog.skus[0].prices[0].unitPrice')).toThrow(
      'invalid decimal "1,5" at catalog.skus[0].prices[0].unitPrice',
    );
    expect(parseDecimal('1.2E-9', 'x').toFixed()).toBe('0.0000000012');
  });
});

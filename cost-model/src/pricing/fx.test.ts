import { D } from '../money/money';
import { ExchangeRates } from './fx';

const T0 = Date.UTC(2024, 0, 1);
const T1 = Date.UTC(2024, 0, 2, 12); // rate change instant

describe('ExchangeRates', () => {
  const rates = new ExchangeRates('USD', [
    { currency: 'EUR', rate: '1.0876', effectiveFrom: T1 },
    { currency: 'EUR', rate: '1.0912', effectiveFrom: T0 },
    { currency: 'JPY', rate: '0.0066835', effectiveFrom: T0 },
  ]);

  it('is 1 for the base currency', () => {
    expect(rates.rateAt('USD', 0).toFixed()).toBe('1');
    expect(rates.toBase(new D('2.5'), 'USD', 0).toFixed()).toBe('2.5');
  });

  it('switches rate exactly at the effective instant', () => {
    expect(rates.rateAt('EUR', T1 - 1).toFixed()).toBe('1.0912');
    expect(rates.rateAt('EUR', T1).toFixed()).toBe('1.0876');
    expect(rates.rateAt('EUR', T1 + 1).toFixed()).toBe('1.0876');
  });

  it('converts exactly to the last decimal', () => {
    // 0.0000004 EUR × 1.0912 = 0.00000043648 USD; × 1.0876 after the change = 0.00000043504
    expect(rates.toBase(new D('0.0000004'), 'EUR', T1 - 1).toFixed()).toBe('0.00000043648');
    expect(rates.toBase(new D('0.0000004'), 'EUR', T1).toFixed()).toBe('0.00000043504');
    // 1234.5678 JPY × 0.0066835 = 1234.5678 × 0.006 + 1234.5678 × 0.0006835 = 7.4074068 + 0.8438270913
    expect(rates.toBase(new D('1234.5678'), 'JPY', T0).toFixed()).toBe('8.2512338913');
    // a 28-decimal amount keeps all its digits
    expect(rates.toBase(new D('0.0000000000000000000000000001'), 'EUR', T0).toFixed()).toBe(
      '0.00000000000000000000000000010912',
    );
  });

  it('throws naming the currency and time when no rate is in force', () => {
    expect(() => rates.rateAt('EUR', T0 - 1)).toThrow(
      'no exchange rate from EUR to USD at 2023-12-31T23:59:59.999Z: the first is from 2024-01-01T00:00:00.000Z',
    );
    expect(() => rates.rateAt('GBP', T0)).toThrow(
      'no exchange rate from GBP to USD (at 2024-01-01T00:00:00.000Z)',
    );
  });
});

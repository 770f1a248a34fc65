import type { CatalogConfig } from '../config/types';
import { D } from '../money/money';
import { Catalog } from './catalog';
import { PeriodPricer, periodStart } from './period-pricer';

const T0 = Date.UTC(2024, 0, 1);
const FEB = Date.UTC(2024, 1, 1);

const config: CatalogConfig = {
  baseCurrency: 'USD',
  exchangeRates: [],
  discounts: [],
  skus: [
    {
      id: 'egress.gb',
      unit: 'GB',
      prices: [
        {
          effectiveFrom: T0,
          currency: 'USD',
          unitPrice: '0.09',
          tiers: [
            { upTo: '10', unitPrice: '0.09' },
            { upTo: '50', unitPrice: '0.085' },
            { unitPrice: '0.07' },
          ],
          version: 'egress-2024',
        },
      ],
    },
    { id: 'req', unit: 'request', prices: [{ effectiveFrom: T0, currency: 'USD', unitPrice: '0.0000004' }] },
  ],
};

describe('periodStart', () => {
  it('finds month, ISO week (Monday) and day starts in UTC', () => {
    const t = Date.UTC(2024, 1, 29, 13, 45); // Thursday 29 Feb 2024
    expect(periodStart(t, 'month')).toBe(Date.UTC(2024, 1, 1));
    expect(periodStart(t, 'week')).toBe(Date.UTC(2024, 1, 26));
    expect(periodStart(t, 'day')).toBe(Date.UTC(2024, 1, 29));
    // Sunday belongs to the week that started the previous Monday
    expect(periodStart(Date.UTC(2024, 2, 3, 23), 'week')).toBe(Date.UTC(2024, 1, 26));
    // before 1970
    expect(periodStart(-1, 'day')).toBe(-86_400_000);
    expect(periodStart(-1, 'month')).toBe(Date.UTC(1969, 11, 1));
  });
});

describe('PeriodPricer', () => {
  it('applies tiers and discounts on the running total; marginal sums equal the total price', () => {
    const pricer = new PeriodPricer(new Catalog(config), [{ id: 'edp', percent: '10' }]);
    const parts = ['4', '8', '30.5', '20'].map((q) =>
      pricer.add('egress.gb', q === '30.5' ? new D(q) : Number(q), T0 + 1000),
    );
    // 4 × 0.09 = 0.36 → 0.324
    expect(parts[0]!.amount.toFixed()).toBe('0.324');
    // 6 × 0.09 + 2 × 0.085 = 0.54 + 0.17 = 0.71 → 0.639
    expect(parts[1]!.amount.toFixed()).toBe('0.639');
    // 30.5 × 0.085 = 2.5925 → 2.33325
    expect(parts[2]!.amount.toFixed()).toBe('2.33325');
    // from 42.5 to 62.5: 7.5 × 0.085 + 12.5 × 0.07 = 0.6375 + 0.875 = 1.5125 → 1.36125
    expect(parts[3]!.amount.toFixed()).toBe('1.36125');
    const sum = parts.reduce((s, p) => s.plus(p.amount), new D(0));
    // total 62.5: 10 × 0.09 + 40 × 0.085 + 12.5 × 0.07 = 0.9 + 3.4 + 0.875 = 5.175 → × 0.9 = 4.6575
    expect(sum.toFixed()).toBe('4.6575');
    expect(parts.every((p) => p.priceVersion === 'egress-2024' && p.known)).toBe(true);
    expect(pricer.used('egress.gb', T0).toFixed()).toBe('62.5');
  });

  it('keeps totals per scope and per period', () => {
    const pricer = new PeriodPricer(new Catalog(config), []);
    pricer.add('egress.gb', 10, T0, 'tenant-a');
    // tenant-b starts in the first tier: 1 × 0.09
    expect(pricer.add('egress.gb', 1, T0, 'tenant-b').amount.toFixed()).toBe('0.09');
    // tenant-a is in the second tier
    expect(pricer.add('egress.gb', 1, T0, 'tenant-a').amount.toFixed()).toBe('0.085');
    // a new month starts from the first tier again
    expect(pricer.add('egress.gb', 1, FEB, 'tenant-a').amount.toFixed()).toBe('0.09');
  });

  it('prices untiered SKUs at the unit price, discounted', () => {
    const pricer = new PeriodPricer(new Catalog(config), [{ id: 'd', percent: '25', skus: ['req'] }]);
    // 1,000,000 × 0.0000004 = 0.4 → × 0.75 = 0.3
    expect(pricer.add('req', 1_000_000, T0).amount.toFixed()).toBe('0.3');
  });

  it('prices unknown SKUs as unknown', () => {
    const pricer = new PeriodPricer(new Catalog(config), [{ id: 'd', percent: '25' }]);
    expect(pricer.add('nope', 5, T0)).toMatchObject({ known: false, priceVersion: 'unknown', quantity: 5 });
  });
});

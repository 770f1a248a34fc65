import type { CatalogConfig } from '../config/types';
import { D } from '../money/money';
import { Catalog, UNKNOWN_PRICE_VERSION } from './catalog';

const T0 = Date.UTC(2024, 0, 1);
const T1 = Date.UTC(2024, 6, 1); // price change instant

const config: CatalogConfig = {
  baseCurrency: 'USD',
  discounts: [],
  exchangeRates: [],
  skus: [
    {
      id: 'api.request',
      unit: 'request',
      prices: [
        // Deliberately out of order: the catalog sorts versions.
        { effectiveFrom: T1, currency: 'USD', unitPrice: '0.0000005', version: 'v2' },
        { effectiveFrom: T0, currency: 'USD', unitPrice: '0.0000004' },
      ],
    },
    {
      id: 'tiny',
      unit: 'op',
      prices: [{ effectiveFrom: T0, currency: 'USD', unitPrice: '0.0000000000000000000000000007' }],
    },
  ],
};

describe('Catalog', () => {
  const catalog = new Catalog(config);

  it('switches price versions exactly at the effective instant', () => {
    expect(catalog.priceAt('api.request', T1 - 1)?.unitPriceString).toBe('0.0000004');
    expect(catalog.priceAt('api.request', T1)?.unitPriceString).toBe('0.0000005');
    expect(catalog.priceAt('api.request', T1 + 1)?.unitPriceString).toBe('0.0000005');
    expect(catalog.price('api.request', 1, T1 - 1).priceVersion).toBe('api.request@2024-01-01T00:00:00.000Z');
    expect(catalog.price('api.request', 1, T1).priceVersion).toBe('v2');
    // Jumping back in time after a hit still finds the right version.
    expect(catalog.priceAt('api.request', T0)?.unitPriceString).toBe('0.0000004');
    expect(catalog.priceAt('api.request', T0 - 1)).toBeUndefined();
  });

  it('says until when the price in force stays in force', () => {
    expect(catalog.priceUntil('api.request', T0)).toBe(T1);
    expect(catalog.priceUntil('api.request', T1 - 1)).toBe(T1);
    expect(catalog.priceUntil('api.request', T1)).toBe(Infinity);
    expect(catalog.priceUntil('api.request', T0 - 1)).toBe(T0); // none in force yet: until the first
    expect(catalog.priceUntil('not.listed', T0)).toBe(Infinity);
  });

  it('prices unit price × quantity exactly', () => {
    const p = catalog.price('api.request', 1_000_000, T0, 'rule-1');
    expect(p.amount.toFixed()).toBe('0.4');
    expect(p).toMatchObject({ ruleId: 'rule-1', sku: 'api.request', quantity: 1_000_000, unit: 'request' });
    expect(p).toMatchObject({ currency: 'USD', known: true });
    expect(catalog.price('api.request', new D('3'), T1).amount.toFixed()).toBe('0.0000015');
    expect(catalog.price('api.request', 0.1, T0).amount.toFixed()).toBe('0.00000004');
  });

  it('keeps 28-decimal prices exact', () => {
    expect(catalog.price('tiny', 3, T0).amount.toFixed()).toBe('0.0000000000000000000000000021');
  });

  it('returns the same result for a cached (version, quantity)', () => {
    const a = catalog.price('api.request', 1, T0);
    const b = catalog.price('api.request', 1, T0 + 5);
    expect(b.amount.toFixed()).toBe('0.0000004');
    expect(b.amount).toBe(a.amount);
    // The cache is per version: after the switch the new price applies.
    expect(catalog.price('api.request', 1, T1).amount.toFixed()).toBe('0.0000005');
  });

  it('prices an unknown SKU as unknown instead of dropping it', () => {
    const p = catalog.price('nope', 7, T0, 'r');
    expect(p.amount.toFixed()).toBe('0');
    expect(p).toMatchObject({
      sku: 'nope',
      quantity: 7,
      currency: 'USD',
      priceVersion: UNKNOWN_PRICE_VERSION,
      known: false,
    });
    expect(catalog.has('nope')).toBe(false);
    expect(catalog.unitOf('nope')).toBeUndefined();
  });

  it('prices usage before the first version as unknown, keeping the unit', () => {
    const p = catalog.price('api.request', 1, T0 - 1);
    expect(p).toMatchObject({ known: false, priceVersion: 'unknown', unit: 'request' });
  });

  it('rejects non-finite quantities naming the SKU', () => {
    expect(() => catalog.price('api.request', NaN, T0)).toThrow(/"api\.request"/);
  });

  it('rejects duplicate effective instants and invalid prices', () => {
    const dup: CatalogConfig = {
      ...config,
      skus: [
        {
          id: 'x',
          unit: 'u',
          prices: [
            { effectiveFrom: T0, currency: 'USD', unitPrice: '1' },
            { effectiveFrom: T0, currency: 'USD', unitPrice: '2' },
          ],
        },
      ],
    };
    expect(() => new Catalog(dup)).toThrow(/"x" has two prices effective from 2024-01-01/);
    const bad: CatalogConfig = {
      ...config,
      skus: [{ id: 'x', unit: 'u', prices: [{ effectiveFrom: T0, currency: 'USD', unitPrice: '0,1' }] }],
    };
    expect(() => new Catalog(bad)).toThrow('invalid decimal "0,1" at catalog.skus[0].prices[0].unitPrice');
  });

  it('finds versions among many in O(log n) order, including the last hit', () => {
    const many: CatalogConfig = {
      ...config,
      skus: [
        {
          id: 'm',
          unit: 'u',
          prices: Array.from({ length: 100 }, (_, i) => ({
            effectiveFrom: T0 + i * 1000,
            currency: 'USD',
            unitPrice: String(i + 1),
          })),
        },
      ],
    };
    const c = new Catalog(many);
    expect(c.priceAt('m', T0 + 50_999)?.unitPriceString).toBe('51');
    expect(c.priceAt('m', T0 + 51_000)?.unitPriceString).toBe('52');
    expect(c.priceAt('m', T0 + 3_500)?.unitPriceString).toBe('4');
    expect(c.priceAt('m', T0 + 10_000_000)?.unitPriceString).toBe('100');
  });
});

import { Catalog, formatAmount, type Usage } from '@meterline/cost-model';
import { SpanPricer } from './span-pricer';
import { unitTestConfig } from './test-config.fixture';

const T2024 = Date.parse('2024-06-01T00:00:00Z');
const T2025 = Date.parse('2025-06-01T00:00:00Z');

describe('SpanPricer', () => {
  const config = unitTestConfig();
  const catalog = new Catalog(config.catalog);
  const u = (ruleId: string, sku: string, quantity: number): Usage => ({ ruleId, sku, quantity });

  it('prices one usage exactly as Catalog.price + formatAmount, for many quantities and both price versions', () => {
    const pricer = new SpanPricer(catalog, config.skus, 8);
    for (let i = 0; i < 3000; i++) {
      const q = i % 3 === 0 ? 1 : i % 3 === 1 ? (1 + i) * 1e-7 * 0.5 : i * 1234.5678;
      const t = i % 2 === 0 ? T2024 : T2025;
      for (const usage of [u('requests', 'api.requests', q), u('compute', 'compute.gb_s', q)]) {
        const expected = catalog.price(usage.sku, usage.quantity, t, usage.ruleId);
        const p = pricer.price([usage], t);
        expect([p.amount, p.currency, p.priceVersion, p.unit, p.sku, p.quantity]).toEqual([
          formatAmount(expected.amount),
          expected.currency,
          expected.priceVersion,
          expected.unit,
          usage.sku,
          q,
        ]);
      }
    }
  });

  it('serves repeated quantities from the cache, and the cache stays bounded', () => {
    const pricer = new SpanPricer(catalog, config.skus, 2);
    expect(pricer.price([u('requests', 'api.requests', 1)], T2024).amount).toBe('0.0000004');
    expect(pricer.price([u('requests', 'api.requests', 2)], T2024).amount).toBe('0.0000008');
    expect(pricer.price([u('requests', 'api.requests', 3)], T2024).amount).toBe('0.0000012'); // emptied, refilled
    expect(pricer.price([u('requests', 'api.requests', 1)], T2024).amount).toBe('0.0000004');
    expect(pricer.price([u('requests', 'api.requests', 1)], T2025).amount).toBe('0.0000005'); // per price version
  });

  it('sums several usages exactly into parallel arrays', () => {
    const pricer = new SpanPricer(catalog, config.skus);
    const p = pricer.price([u('requests', 'api.requests', 1), u('compute', 'compute.gb_s', 0.75)], T2024);
    expect(p).toEqual({
      sku: ['api.requests', 'compute.gb_s'],
      quantity: [1, 0.75],
      unit: ['request', 'GB-s'],
      priceVersion: ['req-2024', 'gbs'],
      amount: '0.000012900025', // 0.0000004 + 0.75 × 0.0000166667
      currency: 'USD',
    });
  });

  it('converts into the base currency at the span end time when currencies differ', () => {
    const pricer = new SpanPricer(catalog, config.skus);
    // 0.0000004 USD + 2 GB × 0.08 EUR × 1.1 = 0.1760004 USD
    const p = pricer.price([u('requests', 'api.requests', 1), u('egress', 'egress.gb', 2)], T2024);
    expect([p.amount, p.currency]).toEqual(['0.1760004', 'USD']);
    // One currency, not the base: kept as priced.
    const q = pricer.price([u('egress', 'egress.gb', 2)], T2024);
    expect([q.amount, q.currency]).toEqual(['0.16', 'EUR']);
  });

  it('prices a SKU with no price in force (or not in the catalog) as unknown, without moving the currency', () => {
    const pricer = new SpanPricer(catalog, config.skus);
    const p = pricer.price([u('later', 'later', 1)], T2024);
    expect([p.amount, p.currency, p.priceVersion, p.unit]).toEqual(['0', 'USD', 'unknown', 'call']);
    const q = pricer.price([u('x', 'not.listed', 4)], T2024);
    expect([q.amount, q.priceVersion, q.unit]).toEqual(['0', 'unknown', '']);
    const r = pricer.price([u('egress', 'egress.gb', 1), u('later', 'later', 1)], T2024);
    expect([r.amount, r.currency, r.priceVersion]).toEqual(['0.08', 'EUR', ['egress-eur', 'unknown']]);
  });

  it('hands every usage to the sink with its amount in the base currency as a float', () => {
    const pricer = new SpanPricer(catalog, config.skus);
    const seen: [string, string, number, number][] = [];
    pricer.price(
      [u('requests', 'api.requests', 1), u('egress', 'egress.gb', 2), u('later', 'later', 1)],
      T2024,
      (...a) => seen.push(a),
    );
    expect(seen[0]).toEqual(['api.requests', 'request', 1, 0.0000004]);
    expect(seen[1]![3]).toBeCloseTo(0.176, 15);
    expect(seen[2]).toEqual(['later', 'call', 1, 0]);
  });

  it('falls back to Decimal where the integer path declines (huge quantities)', () => {
    const pricer = new SpanPricer(catalog, config.skus);
    const p = pricer.price([u('egress', 'egress.gb', 1e22)], T2024);
    expect(p.amount).toBe(formatAmount(catalog.price('egress.gb', 1e22, T2024).amount));
  });
});

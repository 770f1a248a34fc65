import type { DiscountConfig } from '../config/types';
import { D } from '../money/money';
import { applyDiscounts } from './discounts';

const T = Date.UTC(2024, 2, 1);

describe('applyDiscounts', () => {
  const discounts: DiscountConfig[] = [
    { id: 'commit', percent: '10' },
    { id: 'promo', percent: '5', skus: ['api.request'], effectiveFrom: T, effectiveTo: T + 1000 },
  ];

  it('compounds applicable discounts in order, exactly', () => {
    // 0.4 × 0.9 × 0.95 = 0.342
    const r = applyDiscounts(new D('0.4'), 'api.request', T, discounts);
    expect(r.amount.toFixed()).toBe('0.342');
    expect(r.applied).toEqual(['commit', 'promo']);
  });

  it('respects the SKU list and the effective window (from inclusive, to exclusive)', () => {
    expect(applyDiscounts(new D('0.4'), 'other', T, discounts).applied).toEqual(['commit']);
    expect(applyDiscounts(new D('0.4'), 'api.request', T - 1, discounts).applied).toEqual(['commit']);
    expect(applyDiscounts(new D('0.4'), 'api.request', T + 999, discounts).applied).toEqual([
      'commit',
      'promo',
    ]);
    expect(applyDiscounts(new D('0.4'), 'api.request', T + 1000, discounts).applied).toEqual(['commit']);
  });

  it('keeps fractional percents exact to the last decimal', () => {
    // 123.456789 × (1 − 0.125) = 108.024690375
    const r = applyDiscounts(new D('123.456789'), 's', T, [{ id: 'x', percent: '12.5' }]);
    expect(r.amount.toFixed()).toBe('108.024690375');
    // 100 % off is zero; 0 % off changes nothing
    expect(applyDiscounts(new D('7'), 's', T, [{ id: 'all', percent: '100' }]).amount.toFixed()).toBe('0');
    expect(applyDiscounts(new D('7'), 's', T, [{ id: 'none', percent: '0' }]).amount.toFixed()).toBe('7');
  });

  it('rejects percents outside 0..100, naming the discount', () => {
    expect(() => applyDiscounts(new D(1), 's', T, [{ id: 'bad', percent: '101' }])).toThrow(
      /"bad" percent 101/,
    );
  });
});

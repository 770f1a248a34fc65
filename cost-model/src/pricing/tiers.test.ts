import { D } from '../money/money';
import { type Tier, tieredAmount } from './tiers';

// 0–1000 at 0.01, 1000–5000 at 0.008, 5000–20000 at 0.005, above at 0.001
const tiers: Tier[] = [
  { upTo: new D(1000), unitPrice: new D('0.01') },
  { upTo: new D(5000), unitPrice: new D('0.008') },
  { upTo: new D(20000), unitPrice: new D('0.005') },
  { unitPrice: new D('0.001') },
];

const amount = (used: number | string, q: number | string): string =>
  tieredAmount(tiers, new D(used), new D(q)).toFixed();

describe('tieredAmount', () => {
  it('prices within the first tier', () => {
    expect(amount(0, 500)).toBe('5'); // 500 × 0.01
  });

  it('splits a quantity that straddles several tiers exactly', () => {
    // 1000 × 0.01 + 4000 × 0.008 + 15000 × 0.005 + 5000 × 0.001 = 10 + 32 + 75 + 5
    expect(amount(0, 25000)).toBe('122');
  });

  it('starts mid-tier when part of the period is already used', () => {
    // used 800: 200 × 0.01 + 3000 × 0.008 = 2 + 24
    expect(amount(800, 3200)).toBe('26');
    // used 4999.5 (fractional): 0.5 × 0.008 + 0.5 × 0.005 = 0.004 + 0.0025
    expect(amount('4999.5', 1)).toBe('0.0065');
  });

  it('sums marginal prices to the tiered price of the total', () => {
    let used = new D(0);
    let sum = new D(0);
    for (const q of ['0.3', '999.7', '1', '4000', '14999', '1', '7777.77']) {
      sum = sum.plus(tieredAmount(tiers, used, new D(q)));
      used = used.plus(q);
    }
    // total 27778.77: 10 + 32 + 75 + 7778.77 × 0.001 = 117 + 7.77877
    expect(used.toFixed()).toBe('27778.77');
    expect(sum.toFixed()).toBe('124.77877');
  });

  it('handles a negative quantity (a correction) as the difference', () => {
    // from 1200 back to 900: −(200 × 0.008 + 100 × 0.01) = −(1.6 + 1)
    expect(amount(1200, -300)).toBe('-2.6');
  });

  it('prices beyond a closed last tier at its price', () => {
    const closed: Tier[] = [{ upTo: new D(10), unitPrice: new D('1') }];
    // 5 units inside the tier and 5 beyond it, all at 1
    expect(tieredAmount(closed, new D(5), new D(10)).toFixed()).toBe('10');
  });

  it('throws on no tiers', () => {
    expect(() => tieredAmount([], new D(0), new D(1))).toThrow(/at least one tier/);
  });
});

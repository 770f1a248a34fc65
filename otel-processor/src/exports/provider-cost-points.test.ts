import Decimal from 'decimal.js';
import type { Charge } from './charge';
import { encodeProviderCostPoint, roundCells, roundHalfEven } from './provider-cost-points';
import { ProviderCostTable } from './provider-cost-table';

const Wide = Decimal.clone({ precision: 100 });

function charge(over: Partial<Charge>): Charge {
  return {
    provider: 'AWS',
    account: '012345678901',
    accountName: 'Org',
    subAccount: '000111',
    subAccountName: '',
    service: 'EC2',
    category: 'Compute',
    region: 'us-east-1',
    sku: 'SKU1',
    resourceId: '',
    currency: 'USD',
    chargeCategory: 'Usage',
    chargeClass: '',
    chargeDescription: '',
    chargePeriodStart: Date.UTC(2024, 5, 1, 3, 17),
    chargePeriodEnd: Date.UTC(2024, 5, 1, 4, 17),
    billingPeriodStart: Date.UTC(2024, 5, 1),
    billingPeriodEnd: Date.UTC(2024, 6, 1),
    billedCost: '1',
    effectiveCost: '1',
    listCost: '1',
    contractedCost: '1',
    pricingQuantity: '1',
    pricingUnit: 'Hrs',
    invoiceIssuer: '',
    publisher: '',
    tagsKey: '',
    ...over,
  };
}

const who = {
  tenant: 'unknown',
  team: 'payments',
  center: 'unknown',
  attribution: 'rule' as const,
  rule: 'r',
};

describe('roundHalfEven', () => {
  it.each([
    [15n, 1, 2n],
    [25n, 1, 2n],
    [35n, 1, 4n],
    [-15n, 1, -2n],
    [-25n, 1, -2n],
    [-26n, 1, -3n],
    [14n, 1, 1n],
    [123n, 0, 123n],
  ])('%s / 10^%s → %s', (v, d, want) => expect(roundHalfEven(v, d)).toBe(want));
});

describe('provider_cost aggregation and carried rounding', () => {
  it('aggregates rows per (series, charge hour) and keeps billing periods', () => {
    const t = new ProviderCostTable();
    t.add(charge({ billedCost: '1.5' }), who);
    t.add(charge({ billedCost: '2.5', chargePeriodStart: Date.UTC(2024, 5, 1, 3, 59) }), who);
    t.add(charge({ billedCost: '4', chargePeriodStart: Date.UTC(2024, 5, 1, 4) }), who);
    t.add(charge({ billedCost: '8', currency: 'EUR' }), who);
    const cells = t.sortedCells();
    expect(
      cells.map((c) => [
        c.tags.currency,
        new Date(c.time).toISOString(),
        c.rows,
        c.billed.toDecimal().toFixed(),
      ]),
    ).toEqual([
      ['EUR', '2024-06-01T03:00:00.000Z', 1, '8'],
      ['USD', '2024-06-01T03:00:00.000Z', 2, '4'],
      ['USD', '2024-06-01T04:00:00.000Z', 1, '4'],
    ]);
    expect(t.billingPeriods()).toEqual([
      {
        provider: 'AWS',
        account: '012345678901',
        billingPeriod: '2024-06',
        firstChargeMs: Date.UTC(2024, 5, 1, 3),
        lastChargeMs: Date.UTC(2024, 5, 1, 4),
      },
    ]);
  });

  it('aggregates rows of any hours in any order (years apart, before and after the first) like a plain map', () => {
    const t = new ProviderCostTable();
    const naive = new Map<string, { sum: InstanceType<typeof Wide>; rows: number }>();
    let seed = 3;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const base = Date.UTC(2024, 5, 15);
    for (let i = 0; i < 3000; i++) {
      // Mostly near the first row, some months and years either side.
      const spread = [24, 24 * 60, 24 * 800][rnd(3)]!;
      const hour = rnd(2 * spread) - spread;
      const start = base + hour * 3_600_000 + rnd(3_600_000);
      const sku = `S${rnd(3)}`;
      const amount = `${rnd(1000)}.${String(rnd(1e6)).padStart(6, '0')}`;
      t.add(charge({ sku, billedCost: amount, chargePeriodStart: start }), who);
      const key = `${sku}@${Math.floor(start / 3_600_000) * 3_600_000}`;
      const cur = naive.get(key) ?? { sum: new Wide(0), rows: 0 };
      naive.set(key, { sum: cur.sum.plus(amount), rows: cur.rows + 1 });
    }
    const cells = t.sortedCells();
    expect(cells).toHaveLength(naive.size);
    for (const c of cells) {
      const want = naive.get(`${c.tags.sku}@${c.time}`)!;
      expect([c.rows, c.billed.toDecimal().toFixed()]).toEqual([want.rows, want.sum.toFixed()]);
    }
    // Sorted by series, then time.
    for (let i = 1; i < cells.length; i++) {
      const [a, b] = [cells[i - 1]!, cells[i]!];
      expect(a.key < b.key || (a.key === b.key && a.time < b.time)).toBe(true);
    }
  });

  it('makes the points sum to the file sum exactly when amounts have more decimals than nano-units', () => {
    const t = new ProviderCostTable();
    const amounts: string[] = [];
    for (let h = 0; h < 200; h++) {
      // 0.0000000004999…: rounds to 0 on its own, so per-point rounding would lose all of it.
      const a = `0.${'0'.repeat(9)}${String(4999 + h).padStart(6, '0')}${h % 7}`;
      amounts.push(a);
      t.add(charge({ billedCost: a, chargePeriodStart: Date.UTC(2024, 5, 1) + h * 3_600_000 }), who);
    }
    const points = [...roundCells(t.sortedCells())];
    const total = points.reduce((s, p) => s + p.billedNano, 0n);
    const exact = amounts.reduce((s, a) => s.plus(a), new Wide(0)).times(1e9);
    expect(total.toString()).toBe(exact.toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toFixed());
    expect(total > 0n).toBe(true);
    // Each point is within one nano-unit of its own amount.
    for (const p of points) {
      const own = new Wide(p.cell.billed.toDecimal().toFixed()).times(1e9);
      expect(own.minus(p.billedNano.toString()).abs().lte(1)).toBe(true);
    }
  });

  it('encodes escaped tags, integer nano fields and the delivery digest', () => {
    const t = new ProviderCostTable();
    t.add(charge({ service: 'My Service, v2', sku: 'a=b', billedCost: '1.25', region: '' }), who);
    const [p] = roundCells(t.sortedCells());
    const line = encodeProviderCostPoint(p!, 'abc');
    expect(line).toContain('service=My\\ Service\\,\\ v2');
    expect(line).toContain('sku=a\\=b');
    expect(line).not.toContain('region=');
    expect(line).toContain('billed_nano=1250000000i');
    expect(line).toContain('rows=1i');
    expect(line).toContain('file="abc"');
    expect(line.endsWith(` ${Date.UTC(2024, 5, 1, 3)}`)).toBe(true);
  });
});

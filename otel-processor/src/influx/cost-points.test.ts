import { COST_TAG_KEYS_SORTED, encodeCostPoint, type CostPointRow } from './cost-points';

const tags = {
  source: 'telemetry',
  tenant: 'acme',
  team: 'payments',
  center: 'cc-1',
  service: 'checkout',
  version: '1.2.3',
  sku: 'compute.gb_s',
  env: 'prod',
  region: 'eu-west-1',
  attribution: 'rule',
  currency: 'USD',
};

const row: CostPointRow = {
  tags,
  bucketMs: 1_700_000_040_000,
  amountNano: 123_456_789_012n,
  quantity: 0.25,
  events: 3,
  priceVersion: 'compute.gb_s@2025-01-01',
};

describe('encodeCostPoint', () => {
  it('writes the cost measurement per the data contract, tags in byte order', () => {
    expect(encodeCostPoint(row)).toBe(
      'cost,attribution=rule,center=cc-1,currency=USD,env=prod,region=eu-west-1,service=checkout,sku=compute.gb_s,source=telemetry,team=payments,tenant=acme,version=1.2.3 amount_nano=123456789012i,events=3i,price_version="compute.gb_s@2025-01-01",quantity=0.25 1700000040000',
    );
    expect([...COST_TAG_KEYS_SORTED]).toEqual([...COST_TAG_KEYS_SORTED].sort());
  });

  it('is idempotent: the same row gives the same line', () => {
    expect(encodeCostPoint({ ...row })).toBe(encodeCostPoint(row));
  });

  it('writes ns timestamps on request', () => {
    expect(encodeCostPoint(row, 'ns').endsWith(' 1700000040000000000')).toBe(true);
    expect(encodeCostPoint(row, 'ms').endsWith(' 1700000040000')).toBe(true);
  });

  it('escapes tag values and omits empty ones', () => {
    const line = encodeCostPoint({ ...row, tags: { ...tags, tenant: 'a b,c=d', env: '' } });
    expect(line).toContain(',tenant=a\\ b\\,c\\=d,');
    expect(line).not.toContain('env=');
  });

  it('maps newlines and a trailing backslash instead of dropping the rollup', () => {
    const line = encodeCostPoint({ ...row, tags: { ...tags, team: 'pay\nments', tenant: 'acme\\' } });
    expect(line).toContain(',team=pay\\nments,tenant=acme\uFF3C,');
  });

  it('names the field that cannot be encoded', () => {
    expect(() => encodeCostPoint({ ...row, quantity: NaN })).toThrow(/field "quantity"/);
    expect(() => encodeCostPoint({ ...row, events: 1.5 })).toThrow(/field "events"/);
    expect(() => encodeCostPoint({ ...row, amountNano: 2n ** 64n })).toThrow(/field "amount_nano"/);
  });
});

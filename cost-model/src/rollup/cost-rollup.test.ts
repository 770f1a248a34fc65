import { D } from '../money/money';
import { CostRollup } from './cost-rollup';
import type { CostTags } from './keys';

const base: CostTags = {
  source: 'telemetry',
  tenant: 'acme',
  team: 'payments',
  center: 'cc-1',
  service: 'checkout',
  version: '1',
  sku: 'api.request',
  env: 'prod',
  region: 'eu',
  attribution: 'rule',
  currency: 'USD',
};
const T = Date.UTC(2024, 0, 1, 12, 0);

describe('CostRollup', () => {
  it('sums exact amounts and rounds once: 3 × 0.1 = 0.3 exactly', () => {
    const r = new CostRollup();
    for (let i = 0; i < 3; i++) r.add(base, T + i * 1000, new D('0.1'), 1, 'v1');
    const [row] = r.rows();
    expect(row!.amountNano).toBe(300_000_000n);
    expect(row!.amount.toFixed()).toBe('0.3');
    expect(row!.events).toBe(3);
    expect(row!.quantity).toBe(3);
  });

  it('rounds the sum, not each item: 1000 × 0.0000000004 = 0.0000004', () => {
    const r = new CostRollup();
    for (let i = 0; i < 1000; i++) r.add(base, T, new D('0.0000000004'), 1, 'v1');
    // each item alone would round to 0 nano; the exact sum is 400 nano
    expect(r.rows()[0]!.amountNano).toBe(400n);
  });

  it('keeps series and buckets apart and sorts rows by bucket then key', () => {
    const r = new CostRollup();
    r.add({ ...base, tenant: 'zeta' }, T + 61_000, new D('1'), 1, 'v1');
    r.add({ ...base, tenant: 'beta' }, T + 61_000, new D('2'), 1, 'v1');
    r.add(base, T + 59_999, new D('3'), 1, 'v1');
    const rows = r.rows();
    expect(rows.map((x) => [x.bucketMs - T, x.tags.tenant, x.amountNano])).toEqual([
      [0, 'acme', 3_000_000_000n],
      [60_000, 'beta', 2_000_000_000n],
      [60_000, 'zeta', 1_000_000_000n],
    ]);
  });

  it('reports every price version of a bucket, sorted and comma-joined', () => {
    const r = new CostRollup();
    r.add(base, T, new D('1'), 1, 'b@2024-02');
    r.add(base, T, new D('1'), 1, 'a@2024-01');
    r.add(base, T, new D('1'), 1, 'b@2024-02');
    expect(r.rows()[0]!.priceVersion).toBe('a@2024-01,b@2024-02');
  });

  it('copies tags, so a caller mutating its object does not corrupt the series', () => {
    const r = new CostRollup();
    const tags = { ...base };
    r.add(tags, T, new D('1'), 1, 'v');
    tags.tenant = 'mutated';
    expect(r.rows()[0]!.tags.tenant).toBe('acme');
  });

  it('drains closed buckets and keeps open ones', () => {
    const r = new CostRollup();
    r.add(base, T, new D('1'), 1, 'v');
    r.add(base, T + 60_000, new D('2'), 1, 'v');
    const drained = r.drainBefore(T + 60_000);
    expect(drained.map((x) => x.bucketMs)).toEqual([T]);
    expect(r.rows().map((x) => x.bucketMs)).toEqual([T + 60_000]);
    expect(r.size).toBe(1);
  });

  it('handles credits (negative amounts), rounding half-even', () => {
    const r = new CostRollup();
    r.add(base, T, new D('-0.0000000015'), 0, 'v', 1);
    expect(r.rows()[0]!.amountNano).toBe(-2n);
  });
});

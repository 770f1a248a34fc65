import { COST_TAG_KEYS, type CostTags, bucketStart, seriesKey } from './keys';

function tags(over: Partial<CostTags> = {}): CostTags {
  return {
    source: 'telemetry',
    tenant: 'acme',
    team: 'payments',
    center: 'cc-1',
    service: 'checkout',
    version: '1.2.3',
    sku: 'api.request',
    env: 'prod',
    region: 'eu-west-1',
    attribution: 'rule',
    currency: 'USD',
    ...over,
  };
}

describe('seriesKey', () => {
  it('is deterministic regardless of property order', () => {
    const a = tags();
    const reversed = Object.fromEntries(Object.entries(a).reverse()) as CostTags;
    expect(seriesKey(reversed)).toBe(seriesKey(a));
    expect(seriesKey(a)).toBe(
      'telemetry|acme|payments|cc-1|checkout|1.2.3|api.request|prod|eu-west-1|rule|USD',
    );
  });

  it('does not collide when values contain the separator or the escape', () => {
    const k1 = seriesKey(tags({ tenant: 'a|b', team: 'c' }));
    const k2 = seriesKey(tags({ tenant: 'a', team: 'b|c' }));
    const k3 = seriesKey(tags({ tenant: 'a\\', team: '|c' }));
    const k4 = seriesKey(tags({ tenant: 'a\\|', team: 'c' }));
    expect(new Set([k1, k2, k3, k4]).size).toBe(4);
    expect(k1).toContain('a\\|b|c');
  });

  it('covers every cost tag', () => {
    expect(COST_TAG_KEYS).toHaveLength(11);
    for (const key of COST_TAG_KEYS) expect(seriesKey(tags({ [key]: 'X' }))).not.toBe(seriesKey(tags()));
  });
});

describe('bucketStart', () => {
  it('floors to the minute by default', () => {
    expect(bucketStart(Date.UTC(2024, 0, 1, 10, 30, 59, 999))).toBe(Date.UTC(2024, 0, 1, 10, 30));
    expect(bucketStart(120_000)).toBe(120_000);
  });

  it('floors negative times to the earlier bucket', () => {
    expect(bucketStart(-1)).toBe(-60_000);
    expect(bucketStart(-60_000)).toBe(-60_000);
    expect(bucketStart(-60_001)).toBe(-120_000);
  });

  it('accepts other bucket sizes and rejects invalid ones', () => {
    expect(bucketStart(7_199_999, 3_600_000)).toBe(3_600_000);
    expect(() => bucketStart(0, 0)).toThrow(/positive integer/);
  });
});

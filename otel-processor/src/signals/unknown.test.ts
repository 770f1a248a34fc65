import { encodePoints } from './points';
import {
  rankSources,
  unattributedSourcesQuery,
  unknownRatioPoints,
  unknownRatios,
  type AttributionSum,
  type UnattributedSource,
} from './unknown';

const AT = Date.UTC(2026, 2, 1, 10, 35);

describe('unknown attribution ratio', () => {
  const sums: AttributionSum[] = [
    { source: 'telemetry', currency: 'USD', unknown: false, amountNano: 900n },
    { source: 'telemetry', currency: 'USD', unknown: true, amountNano: 100n },
    { source: 'telemetry', currency: 'EUR', unknown: true, amountNano: 5n },
    { source: 'export', currency: 'USD', unknown: false, amountNano: 2_500n },
    { source: 'export', currency: 'USD', unknown: true, amountNano: 500n },
    // Net credits only: no ratio for this source and currency.
    { source: 'export', currency: 'GBP', unknown: false, amountNano: -7n },
  ];

  it('divides unknown by total per source and currency, and for both sources within a currency only', () => {
    expect(unknownRatios(sums)).toEqual([
      { source: 'telemetry', currency: 'EUR', unknownNano: 5n, totalNano: 5n, ratio: 1 },
      { source: 'all', currency: 'EUR', unknownNano: 5n, totalNano: 5n, ratio: 1 },
      { source: 'telemetry', currency: 'USD', unknownNano: 100n, totalNano: 1_000n, ratio: 0.1 },
      { source: 'export', currency: 'USD', unknownNano: 500n, totalNano: 3_000n, ratio: 1 / 6 },
      { source: 'all', currency: 'USD', unknownNano: 600n, totalNano: 4_000n, ratio: 0.15 },
    ]);
  });

  it('stays exact for totals beyond 2^53 nano-units', () => {
    const big = 10n ** 20n;
    const [r] = unknownRatios([
      { source: 'telemetry', currency: 'USD', unknown: true, amountNano: big },
      { source: 'telemetry', currency: 'USD', unknown: false, amountNano: 3n * big },
    ]);
    expect(r!.ratio).toBe(0.25);
  });

  it('writes one point per window, source and currency', () => {
    const lines = encodePoints(unknownRatioPoints('1h', unknownRatios(sums).slice(2, 3), AT));
    expect(lines).toEqual([
      `cost_signal,currency=USD,signal=unknown_ratio,source=telemetry,window=1h value=0.1,unknown_nano=100i,total_nano=1000i ${AT}`,
    ]);
  });
});

describe('top unattributed sources', () => {
  it('builds the InfluxQL the data source mirrors, with escaped time bounds', () => {
    const range = { fromMs: AT - 3_600_000, toMs: AT };
    expect(unattributedSourcesQuery('telemetry', range)).toBe(
      `SELECT SUM("amount_nano") AS "amount_nano" FROM "cost" WHERE "attribution" = 'unknown' AND time >= '2026-03-01T09:35:00.000Z' AND time < '2026-03-01T10:35:00.000Z' GROUP BY "service", "sku", "region", "currency"`,
    );
    expect(unattributedSourcesQuery('export', range)).toBe(
      `SELECT SUM("billed_nano") AS "amount_nano" FROM "provider_cost" WHERE "attribution" = 'unknown' AND time >= '2026-03-01T09:35:00.000Z' AND time < '2026-03-01T10:35:00.000Z' GROUP BY "provider", "account", "service", "sku", "region", "currency"`,
    );
  });

  it('ranks costliest first with a stable order for ties, and cuts at the limit', () => {
    const s = (service: string, amountNano: bigint): UnattributedSource => ({
      source: 'telemetry',
      tags: { service, sku: 'api.requests', region: '' },
      currency: 'USD',
      amountNano,
    });
    const ranked = rankSources([s('b', 5n), s('a', 5n), s('c', 9n), s('d', 1n)], 3);
    expect(ranked.map((r) => r.tags.service)).toEqual(['c', 'a', 'b']);
    expect(rankSources([s('a', 1n)], 0)).toEqual([]);
  });
});

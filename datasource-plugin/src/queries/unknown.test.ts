import { DEFAULT_QUERY, type MeterlineQuery } from '../types';
import { answer, buildCtx, fieldOf, FROM, series, shapeCtx } from './testing';
import { share, unknownQuery } from './unknown';

const q = (over: Partial<MeterlineQuery> = {}): MeterlineQuery => ({
  ...DEFAULT_QUERY,
  refId: 'A',
  queryType: 'unknown',
  ...over,
});

describe('unknown attribution: InfluxQL', () => {
  it('ratio: the signal for the window and source, per currency', () => {
    expect(unknownQuery.build(q({ unknownWindow: '1d', unknownSource: 'telemetry' }), buildCtx())).toEqual([
      {
        role: 'ratio',
        text: `SELECT LAST("value") AS "value", LAST("unknown_nano") AS "unknown_nano", LAST("total_nano") AS "total_nano" FROM "cost_signal" WHERE time >= 1772323200000ms AND time <= 1772344800000ms AND "signal" = 'unknown_ratio' AND "window" = '1d' AND "source" = 'telemetry' GROUP BY time(1m), "currency" fill(none)`,
      },
    ]);
  });

  it('sources: telemetry and export, unknown only, over the range, with filters', () => {
    const statements = unknownQuery.build(
      q({ unknownView: 'sources', filters: [{ key: 'region', operator: '=', value: 'eu' }] }),
      buildCtx(),
    );
    expect(statements.map((s) => s.role)).toEqual(['sources:telemetry', 'sources:export']);
    expect(statements[0]!.text).toBe(
      `SELECT SUM("amount_nano") AS "amount_nano" FROM "cost" WHERE time >= 1772323200000ms AND time <= 1772344800000ms AND "attribution" = 'unknown' AND "region" = 'eu' GROUP BY "service", "sku", "region", "currency"`,
    );
    expect(statements[1]!.text).toContain('SUM("billed_nano") AS "amount_nano" FROM "provider_cost"');
    expect(statements[1]!.text).toContain(
      'GROUP BY "provider", "account", "service", "sku", "region", "currency"',
    );
    expect(
      unknownQuery.build(q({ unknownView: 'sources', unknownSource: 'export' }), buildCtx()),
    ).toHaveLength(1);
  });

  it('refuses unknown windows and sources', () => {
    expect(() => unknownQuery.build(q({ unknownWindow: '6h' as never }), buildCtx())).toThrow(
      "unknown window '6h'",
    );
    expect(() => unknownQuery.build(q({ unknownSource: 'bills' as never }), buildCtx())).toThrow(
      "unknown source 'bills'",
    );
  });
});

describe('unknown attribution: frames', () => {
  it('ratio: a percent series per currency', () => {
    const query = q();
    const frames = unknownQuery.shape(
      query,
      shapeCtx(unknownQuery.build(query, buildCtx()), [
        answer(
          series(
            'cost_signal',
            { currency: 'USD' },
            ['time', 'value', 'unknown_nano', 'total_nano'],
            [[FROM, 0.04, 4, 100]],
          ),
        ),
      ]),
    );
    expect(frames.map((f) => f.name)).toEqual(['unknown · all · 1h · USD']);
    const ratio = fieldOf(frames[0]!, 'unknown ratio');
    expect(ratio.values).toEqual([0.04]);
    expect(ratio.config.unit).toBe('percentunit');
    expect(ratio.labels).toEqual({ currency: 'USD' });
  });

  it('sources: costliest first, exact, with the share of the currency’s unknown total, limited', () => {
    const query = q({ unknownView: 'sources', limit: 3 });
    const statements = unknownQuery.build(query, buildCtx());
    const tel = (service: string, sku: string, nano: number | bigint, currency = 'USD') =>
      series('cost', { service, sku, region: 'eu', currency }, ['time', 'amount_nano'], [[0, nano]]);
    const big = 9_007_199_254_740_993n;
    const frames = unknownQuery.shape(
      query,
      shapeCtx(statements, [
        answer(
          tel('api', 'requests', 6_000_000_000),
          tel('db', 'storage', big),
          tel('api', 'egress', -1_000_000_000),
        ),
        answer(
          series(
            'provider_cost',
            { provider: 'aws', account: '0012', service: 'S3', sku: 'gb', region: 'eu', currency: 'USD' },
            ['time', 'amount_nano'],
            [[0, 3_000_000_000]],
          ),
        ),
      ]),
    );
    const table = frames[0]!;
    expect(fieldOf(table, 'service').values).toEqual(['db', 'api', 'S3']);
    expect(fieldOf(table, 'source').values).toEqual(['telemetry', 'telemetry', 'export']);
    expect(fieldOf(table, 'account').values).toEqual(['', '', '0012']);
    expect(fieldOf(table, 'amount').values).toEqual([9007199.254740993, 6, 3]);
    expect(fieldOf(table, 'amount').config.unit).toBe('currencyUSD');
    // Total unknown USD: 9007199254740993 + 6e9 − 1e9 + 3e9 = 9007207254740993 nano.
    const total = Number('9007207254740993');
    expect(fieldOf(table, 'share').values).toEqual([
      expect.closeTo(Number('9007199254740993') / total, 12),
      expect.closeTo(6e9 / total, 12),
      expect.closeTo(3e9 / total, 12),
    ]);
  });

  it('sources: nothing unknown, no frame', () => {
    const query = q({ unknownView: 'sources' });
    expect(
      unknownQuery.shape(query, shapeCtx(unknownQuery.build(query, buildCtx()), [answer(), answer()])),
    ).toEqual([]);
  });

  it('share is exact enough beyond 2^53 and has no value without a total', () => {
    expect(share(1n, 4n)).toBe(0.25);
    expect(share(10n ** 30n, 4n * 10n ** 30n)).toBe(0.25);
    expect(share(1n, 0n)).toBeNull();
  });
});

import { DEFAULT_QUERY, type MeterlineQuery } from '../types';
import { answer, buildCtx, fieldOf, FROM, series, shapeCtx } from './testing';
import { tracesQuery } from './traces';

const q = (over: Partial<MeterlineQuery> = {}): MeterlineQuery => ({
  ...DEFAULT_QUERY,
  refId: 'A',
  queryType: 'traces',
  ...over,
});

describe('top costly traces: InfluxQL', () => {
  it('the latest exemplars and the currencies of the matching cost series', () => {
    expect(tracesQuery.build(q(), buildCtx())).toEqual([
      {
        role: 'exemplars',
        text: `SELECT "trace_id", "span_id", "amount_nano", "service", "tenant", "sku" FROM "cost_exemplar" WHERE time >= 1772323200000ms AND time <= 1772344800000ms ORDER BY time DESC LIMIT 10000`,
      },
      { role: 'currency', text: 'SHOW TAG VALUES FROM "cost" WITH KEY = "currency"' },
    ]);
    const [ex, cur] = tracesQuery.build(
      q({ filters: [{ key: 'service', operator: '=', value: '$svc' }] }),
      buildCtx({ vars: { svc: ['a', 'b'] } }),
    );
    expect(ex!.text).toContain(`AND "service" =~ /^(?:a|b)$/ ORDER BY time DESC`);
    expect(cur!.text).toBe(
      'SHOW TAG VALUES FROM "cost" WITH KEY = "currency" WHERE "service" =~ /^(?:a|b)$/',
    );
  });
});

describe('top costly traces: frames', () => {
  const rows = [
    [FROM + 1, 't1', 's1', 5_000_000, 'api', 'acme', 'requests'],
    [FROM + 2, 't2', 's2', 9_007_199_254_740_993n, 'db', 'acme', 'cpu'],
    [FROM + 3, 't3', 's3', 7_000_000, 'api', 'globex', 'requests'],
    [FROM + 4, 't4', 's4', 1, 'api', 'globex', 'requests'],
  ];
  const exemplars = answer(
    series(
      'cost_exemplar',
      undefined,
      ['time', 'trace_id', 'span_id', 'amount_nano', 'service', 'tenant', 'sku'],
      rows,
    ),
  );

  it('costliest first, limited, linked to Tempo, in the one currency there is', () => {
    const query = q({ limit: 3 });
    const frames = tracesQuery.shape(
      query,
      shapeCtx(tracesQuery.build(query, buildCtx()), [
        exemplars,
        answer(series('cost', undefined, ['key', 'value'], [['currency', 'EUR']])),
      ]),
    );
    const table = frames[0]!;
    expect(fieldOf(table, 'trace_id').values).toEqual(['t2', 't3', 't1']);
    expect(fieldOf(table, 'amount').values).toEqual([9007199.254740993, 0.007, 0.005]);
    expect(fieldOf(table, 'amount').config.unit).toBe('currencyEUR');
    expect(fieldOf(table, 'tenant').values).toEqual(['acme', 'globex', 'acme']);
    expect(fieldOf(table, 'trace_id').config.links?.[0]?.internal?.datasourceUid).toBe('tempo-uid');
  });

  it('several currencies: the default currency', () => {
    const frames = tracesQuery.shape(
      q(),
      shapeCtx(tracesQuery.build(q(), buildCtx()), [
        exemplars,
        answer(
          series(
            'cost',
            undefined,
            ['key', 'value'],
            [
              ['currency', 'EUR'],
              ['currency', 'GBP'],
            ],
          ),
        ),
      ]),
    );
    expect(fieldOf(frames[0]!, 'amount').config.unit).toBe('currencyUSD');
  });

  it('no exemplars: no frames', () => {
    expect(
      tracesQuery.shape(q(), shapeCtx(tracesQuery.build(q(), buildCtx()), [answer(), answer()])),
    ).toEqual([]);
  });
});

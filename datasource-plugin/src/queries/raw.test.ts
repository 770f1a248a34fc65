import { DEFAULT_QUERY, type MeterlineQuery } from '../types';
import { rawQuery } from './raw';
import { answer, buildCtx, fieldOf, FROM, series, shapeCtx, TO } from './testing';

const q = (over: Partial<MeterlineQuery> = {}): MeterlineQuery => ({
  ...DEFAULT_QUERY,
  refId: 'A',
  queryType: 'raw',
  ...over,
});

describe('raw InfluxQL: statements', () => {
  it('expands macros and variables and splits statements', () => {
    const statements = rawQuery.build(
      q({
        rawQuery: `SELECT SUM("amount_nano") FROM "cost" WHERE $timeFilter AND "team" =~ /^$team$/ GROUP BY time($__interval), "currency"; SHOW TAG VALUES WITH KEY = "team"`,
      }),
      buildCtx({ vars: { team: ['a', 'b'] }, intervalMs: 600_000 }),
    );
    expect(statements).toEqual([
      {
        role: 'raw',
        text: `SELECT SUM("amount_nano") FROM "cost" WHERE time >= ${FROM}ms AND time <= ${TO}ms AND "team" =~ /^(?:a|b)$/ GROUP BY time(10m), "currency"`,
      },
      { role: 'raw', text: 'SHOW TAG VALUES WITH KEY = "team"' },
    ]);
  });

  it('an empty raw query runs nothing', () => {
    expect(rawQuery.build(q({ rawQuery: '  ' }), buildCtx())).toEqual([]);
  });

  it('a hostile value cannot add a statement', () => {
    const statements = rawQuery.build(
      q({ rawQuery: `SELECT * FROM "cost" WHERE "team" = '$team'` }),
      buildCtx({ vars: { team: `'; DROP DATABASE meterline; --` } }),
    );
    expect(statements).toHaveLength(1);
    expect(statements[0]!.text).toBe(
      `SELECT * FROM "cost" WHERE "team" = '\\'; DROP DATABASE meterline; --'`,
    );
  });
});

describe('raw InfluxQL: frames', () => {
  const s = series(
    'cost',
    { currency: 'EUR', team: 'pay' },
    ['time', 'amount_nano', 'quantity', 'price_version'],
    [
      [FROM, 9_007_199_254_740_993n, 1.5, 'v1'],
      [FROM + 60_000, -1_000_000_000, 2, 'v2'],
    ],
  );

  it('time series: a frame per value column, money converted', () => {
    const query = q({ rawQuery: 'SELECT 1' });
    const frames = rawQuery.shape(query, shapeCtx(rawQuery.build(query, buildCtx()), [answer(s)]));
    expect(frames.map((f) => f.name)).toEqual([
      'cost.amount_nano {currency=EUR, team=pay}',
      'cost.quantity {currency=EUR, team=pay}',
      'cost.price_version {currency=EUR, team=pay}',
    ]);
    const money = fieldOf(frames[0]!, 'amount_nano');
    expect(money.values).toEqual([9007199.254740993, -1]);
    expect(money.config.unit).toBe('currencyEUR');
    expect(money.labels).toEqual({ currency: 'EUR', team: 'pay' });
    expect(fieldOf(frames[1]!, 'quantity').values).toEqual([1.5, 2]);
    expect(fieldOf(frames[2]!, 'price_version').type).toBe('string');
  });

  it('table: one frame with time, tags and columns; SHOW answers become tables', () => {
    const query = q({ rawQuery: 'SELECT 1', rawFormat: 'table' });
    const other = series(
      'cost',
      { currency: 'EUR', team: 'ads' },
      ['time', 'amount_nano', 'quantity', 'price_version'],
      [[FROM, 5, 1, 'v1']],
    );
    const [table] = rawQuery.shape(query, shapeCtx(rawQuery.build(query, buildCtx()), [answer(s, other)]));
    expect(table!.fields.map((f) => f.name)).toEqual([
      'time',
      'currency',
      'team',
      'amount_nano',
      'quantity',
      'price_version',
    ]);
    expect(fieldOf(table!, 'team').values).toEqual(['pay', 'pay', 'ads']);
    expect(fieldOf(table!, 'amount_nano').values).toEqual([9007199.254740993, -1, 0.000000005]);
    expect(table!.length).toBe(3);

    const show = q({ rawQuery: 'SHOW TAG VALUES WITH KEY = "team"' });
    const frames = rawQuery.shape(
      show,
      shapeCtx(rawQuery.build(show, buildCtx()), [
        answer(series('cost', undefined, ['key', 'value'], [['team', 'pay']])),
      ]),
    );
    expect(frames[0]!.fields.map((f) => f.name)).toEqual(['key', 'value']);
  });

  it('empty answers: no frames', () => {
    const query = q({ rawQuery: 'SELECT 1' });
    expect(rawQuery.shape(query, shapeCtx(rawQuery.build(query, buildCtx()), [answer()]))).toEqual([]);
    expect(
      rawQuery.shape(
        { ...query, rawFormat: 'table' },
        shapeCtx(rawQuery.build(query, buildCtx()), [answer()]),
      ),
    ).toEqual([]);
  });
});

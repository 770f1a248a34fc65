import { lex, splitStatements } from '../influxql/lexer';
import { DEFAULT_QUERY, type MeterlineQuery } from '../types';
import { QueryBuildError } from './contract';
import { spendQuery } from './spend';
import { answer, buildCtx, fieldOf, FROM, series, shapeCtx, structure } from './testing';

const q = (over: Partial<MeterlineQuery> = {}): MeterlineQuery => ({ ...DEFAULT_QUERY, refId: 'A', ...over });

describe('spend: InfluxQL', () => {
  it('default: telemetry per team and currency, per Grafana interval', () => {
    expect(spendQuery.build(q(), buildCtx())).toEqual([
      {
        role: 'spend:telemetry',
        text: 'SELECT SUM("amount_nano") AS "amount_nano" FROM "cost" WHERE time >= 1772323200000ms AND time <= 1772344800000ms GROUP BY time(1m), "team", "currency" fill(none)',
      },
    ]);
  });

  it('both sources, provider field, filters, interval and group tags', () => {
    const [telemetry, provider] = spendQuery.build(
      q({
        sources: ['telemetry', 'provider'],
        providerField: 'effective',
        groupBy: ['service', 'currency', 'region', 'service'],
        interval: '1h',
        filters: [
          { key: 'env', operator: '=', value: 'prod' },
          { key: 'tenant', operator: '=', value: '$tenant' },
        ],
      }),
      buildCtx({ vars: { tenant: ['acme', 'globex'] } }),
    );
    expect(provider!.text).toBe(
      `SELECT SUM("effective_nano") AS "amount_nano" FROM "provider_cost" WHERE time >= 1772323200000ms AND time <= 1772344800000ms AND "env" = 'prod' AND "tenant" =~ /^(?:acme|globex)$/ GROUP BY time(1h), "service", "region", "currency" fill(none)`,
    );
    expect(telemetry!.text).toContain('SUM("amount_nano") AS "amount_nano" FROM "cost" WHERE');
    expect(telemetry!.text).toContain('GROUP BY time(1h), "service", "region", "currency" fill(none)');
    expect(telemetry!.role).toBe('spend:telemetry');
    expect(provider!.role).toBe('spend:provider');
  });

  it.each(['billed', 'list'] as const)('sums %s_nano of provider_cost', (providerField) => {
    const [s] = spendQuery.build(q({ sources: ['provider'], providerField, groupBy: [] }), buildCtx());
    expect(s!.text).toContain(`SUM("${providerField}_nano")`);
    expect(s!.text).toContain('GROUP BY time(1m), "currency" fill(none)');
  });

  it('uses Grafana’s interval, rounded up to whole minutes', () => {
    const [s] = spendQuery.build(q(), buildCtx({ intervalMs: 150_000 }));
    expect(s!.text).toContain('GROUP BY time(3m)');
  });

  it('All drops the filter; hostile values stay one literal', () => {
    const filters = [{ key: 'team', operator: '=' as const, value: '$team' }];
    expect(spendQuery.build(q({ filters }), buildCtx({ vars: { team: null } }))[0]!.text).not.toContain(
      '"team" =',
    );
    const benign = spendQuery.build(q({ filters }), buildCtx({ vars: { team: 'x' } }))[0]!.text;
    const hostile = spendQuery.build(
      q({ filters }),
      buildCtx({ vars: { team: `x' OR 1=1; DROP DATABASE m --` } }),
    )[0]!.text;
    expect(splitStatements(hostile)).toHaveLength(1);
    expect(structure(hostile)).toBe(structure(benign));
    expect(lex(hostile).filter((t) => t.kind === 'string')).toHaveLength(1);
  });

  it('refuses bad input, naming it', () => {
    expect(() => spendQuery.build(q({ sources: [] }), buildCtx())).toThrow(QueryBuildError);
    expect(() =>
      spendQuery.build(q({ sources: ['provider'], providerField: 'net' as never }), buildCtx()),
    ).toThrow("spend: unknown provider cost field 'net'");
    expect(() => spendQuery.build(q({ interval: 'soon' }), buildCtx())).toThrow("interval 'soon'");
  });
});

describe('spend: frames', () => {
  const t = (m: number) => FROM + m * 60_000;
  const payments = series(
    'cost',
    { team: 'payments', currency: 'USD' },
    ['time', 'amount_nano'],
    [
      [t(0), 1_500_000_000],
      [t(1), -500_000_000], // a credit
      [t(2), 9_007_199_254_740_993n], // beyond 2^53
    ],
  );
  const noCurrency = series(
    'cost',
    { team: 'search', currency: '' },
    ['time', 'amount_nano'],
    [[t(0), 250_000_000]],
  );

  it('rate: one frame per series, exact decimals, the currency’s unit', () => {
    const query = q();
    const statements = spendQuery.build(query, buildCtx());
    const frames = spendQuery.shape(query, shapeCtx(statements, [answer(payments, noCurrency)]));
    expect(frames.map((f) => f.name)).toEqual(['payments · USD', 'search · USD']);
    const amount = fieldOf(frames[0]!, 'amount');
    expect(fieldOf(frames[0]!, 'Time').values).toEqual([t(0), t(1), t(2)]);
    expect(amount.values).toEqual([1.5, -0.5, 9007199.254740993]);
    expect(amount.config).toMatchObject({
      unit: 'currencyUSD',
      decimals: 2,
      displayNameFromDS: 'payments · USD',
    });
    expect(amount.labels).toEqual({ team: 'payments', currency: 'USD', source: 'telemetry' });
    // No currency tag: the data source's default currency.
    expect(fieldOf(frames[1]!, 'amount').config.unit).toBe('currencyUSD');
  });

  it('cumulative: running total from the range start, exact in bigint', () => {
    const query = q({ mode: 'cumulative' });
    const frames = spendQuery.shape(query, shapeCtx(spendQuery.build(query, buildCtx()), [answer(payments)]));
    // 1.5, 1.5 − 0.5 = 1.0, 1.0 + 9007199.254740993 = 9007200.254740993 (sum 9007200254740993 nano)
    expect(fieldOf(frames[0]!, 'amount').values).toEqual([1.5, 1, 9007200.254740993]);
  });

  it('two sources: labelled with the source, never added', () => {
    const query = q({ sources: ['telemetry', 'provider'] });
    const statements = spendQuery.build(query, buildCtx());
    const billed = series(
      'provider_cost',
      { team: 'payments', currency: 'EUR' },
      ['time', 'amount_nano'],
      [[t(0), 3_000_000_000]],
    );
    const frames = spendQuery.shape(query, shapeCtx(statements, [answer(payments), answer(billed)]));
    expect(frames.map((f) => f.name)).toEqual(['telemetry · payments · USD', 'provider · payments · EUR']);
    expect(fieldOf(frames[1]!, 'amount').config.unit).toBe('currencyEUR');
    expect(fieldOf(frames[1]!, 'amount').labels?.source).toBe('provider');
  });

  it('without a currency anywhere: no unit, named so', () => {
    const ctx = buildCtx({ settings: {} });
    const frames = spendQuery.shape(q(), shapeCtx(spendQuery.build(q(), ctx), [answer(noCurrency)], ctx));
    expect(frames[0]!.name).toBe('search · no currency');
    expect(fieldOf(frames[0]!, 'amount').config.unit).toBeUndefined();
  });

  it('empty answers: no frames', () => {
    const statements = spendQuery.build(q(), buildCtx());
    expect(spendQuery.shape(q(), shapeCtx(statements, [answer()]))).toEqual([]);
    expect(spendQuery.shape(q(), shapeCtx(statements, []))).toEqual([]);
    expect(
      spendQuery.shape(
        q(),
        shapeCtx(statements, [answer(series('cost', { team: 'a' }, ['time', 'amount_nano'], []))]),
      ),
    ).toEqual([]);
  });
});

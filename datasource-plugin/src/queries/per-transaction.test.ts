import { DEFAULT_QUERY, type MeterlineQuery } from '../types';
import { QueryBuildError } from './contract';
import { perTransactionQuery } from './per-transaction';
import { answer, buildCtx, fieldOf, FROM, series, shapeCtx } from './testing';

const q = (over: Partial<MeterlineQuery> = {}): MeterlineQuery => ({
  ...DEFAULT_QUERY,
  refId: 'A',
  queryType: 'perTransaction',
  service: 'checkout',
  ...over,
});
const t = (m: number) => FROM + m * 60_000;

describe('cost per transaction: InfluxQL', () => {
  it('spend per currency and request count of the service', () => {
    expect(perTransactionQuery.build(q({ requestSku: 'requests', interval: '5m' }), buildCtx())).toEqual([
      {
        role: 'spend',
        text: `SELECT SUM("amount_nano") AS "amount_nano" FROM "cost" WHERE time >= 1772323200000ms AND time <= 1772344800000ms AND "service" = 'checkout' GROUP BY time(5m), "currency" fill(none)`,
      },
      {
        role: 'events',
        text: `SELECT SUM("events") AS "events" FROM "cost" WHERE time >= 1772323200000ms AND time <= 1772344800000ms AND "service" = 'checkout' AND "sku" = 'requests' GROUP BY time(5m) fill(none)`,
      },
    ]);
  });

  it('every SKU’s events without requestSku; filters on both', () => {
    const [spend, events] = perTransactionQuery.build(
      q({ filters: [{ key: 'env', operator: '=', value: 'prod' }] }),
      buildCtx(),
    );
    expect(events!.text).not.toContain('"sku"');
    expect(spend!.text).toContain(`"service" = 'checkout' AND "env" = 'prod'`);
    expect(events!.text).toContain(`"service" = 'checkout' AND "env" = 'prod'`);
  });

  it('needs a service', () => {
    expect(() => perTransactionQuery.build(q({ service: ' ' }), buildCtx())).toThrow(QueryBuildError);
    expect(() => perTransactionQuery.build(q({ service: '' }), buildCtx())).toThrow(/choose a service/);
  });
});

describe('cost per transaction: frames', () => {
  it('divides exactly per bucket, skipping buckets without requests', () => {
    const query = q();
    const frames = perTransactionQuery.shape(
      query,
      shapeCtx(perTransactionQuery.build(query, buildCtx()), [
        answer(
          series(
            'cost',
            { currency: 'USD' },
            ['time', 'amount_nano'],
            [
              [t(0), 1_000_000_000], // 1 USD / 3 requests
              [t(1), 5_000_000], // no requests in this bucket
              [t(2), -2_000_000_000], // a credit: −2 USD / 4
              [t(3), 9_223_372_036_854_775_807n], // 2^63 − 1 nano / 7 = 1317624576693539401 nano
            ],
          ),
        ),
        answer(
          series(
            'cost',
            undefined,
            ['time', 'events'],
            [
              [t(0), 3],
              [t(1), 0],
              [t(2), 4],
              [t(3), 7],
            ],
          ),
        ),
      ]),
    );
    expect(frames).toHaveLength(1);
    expect(frames[0]!.name).toBe('checkout · cost per transaction · USD');
    expect(fieldOf(frames[0]!, 'Time').values).toEqual([t(0), t(2), t(3)]);
    const v = fieldOf(frames[0]!, 'cost per transaction');
    expect(v.values).toEqual([0.3333333333333333, -0.5, Number('1317624576.693539401')]);
    expect(v.config.unit).toBe('currencyUSD');
    expect(v.config.decimals).toBeUndefined();
  });

  it('no requests at all: no frames', () => {
    const query = q();
    const statements = perTransactionQuery.build(query, buildCtx());
    expect(
      perTransactionQuery.shape(
        query,
        shapeCtx(statements, [
          answer(series('cost', { currency: 'USD' }, ['time', 'amount_nano'], [[t(0), 5]])),
          answer(),
        ]),
      ),
    ).toEqual([]);
  });
});

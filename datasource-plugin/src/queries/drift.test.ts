import { DEFAULT_QUERY, type MeterlineQuery } from '../types';
import { driftQuery } from './drift';
import { answer, buildCtx, fieldOf, series, shapeCtx } from './testing';

const q = (over: Partial<MeterlineQuery> = {}): MeterlineQuery => ({
  ...DEFAULT_QUERY,
  refId: 'A',
  queryType: 'drift',
  ...over,
});
const DAY = Date.UTC(2026, 2, 1);

describe('drift: InfluxQL', () => {
  it('account-level rows per provider/account, from the first UTC midnight', () => {
    const ctx = { ...buildCtx(), fromMs: DAY + 5 * 3_600_000, toMs: DAY + 3 * 86_400_000 };
    expect(driftQuery.build(q(), ctx)).toEqual([
      {
        role: 'drift',
        text: `SELECT "value", "billed_nano", "modelled_nano", "no_bill" FROM "cost_signal" WHERE time >= 1772323200000ms AND time <= 1772582400000ms AND "signal" = 'drift_ratio' AND "window" = '1d' AND "team" = '' GROUP BY "provider", "account", "currency"`,
      },
    ]);
  });

  it('team rows, grouped by team, when a filter names the team', () => {
    const [s] = driftQuery.build(
      q({ filters: [{ key: 'team', operator: '=~', value: '^pay' }] }),
      buildCtx(),
    );
    expect(s!.text).not.toContain(`"team" = ''`);
    expect(s!.text).toContain(`AND "team" =~ /^pay/ GROUP BY "provider", "account", "team", "currency"`);
  });
});

describe('drift: frames', () => {
  it('per provider/account: drift, billed and modelled money, no-bill days', () => {
    const frames = driftQuery.shape(
      q(),
      shapeCtx(driftQuery.build(q(), buildCtx()), [
        answer(
          series(
            'cost_signal',
            { provider: 'aws', account: '000123', currency: 'USD' },
            ['time', 'value', 'billed_nano', 'modelled_nano', 'no_bill'],
            [
              [DAY, 0.05, 100_000_000_000, 95_000_000_000, false],
              [DAY + 86_400_000, null, 0, 12_000_000_000, true],
            ],
          ),
        ),
      ]),
    );
    expect(frames).toHaveLength(1);
    const f = frames[0]!;
    expect(f.name).toBe('aws · 000123 · USD');
    expect(fieldOf(f, 'drift').values).toEqual([0.05, null]);
    expect(fieldOf(f, 'drift').labels).toEqual({ provider: 'aws', account: '000123', currency: 'USD' });
    expect(fieldOf(f, 'billed').values).toEqual([100, 0]);
    expect(fieldOf(f, 'modelled').values).toEqual([95, 12]);
    expect(fieldOf(f, 'modelled').config.unit).toBe('currencyUSD');
    expect(fieldOf(f, 'no_bill').values).toEqual([false, true]);
  });

  it('empty answer: no frames', () => {
    expect(driftQuery.shape(q(), shapeCtx(driftQuery.build(q(), buildCtx()), [answer()]))).toEqual([]);
  });
});

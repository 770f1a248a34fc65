import { DEFAULT_QUERY, type MeterlineQuery } from '../types';
import { BUDGETS_FRAME, burnQuery } from './burn';
import { answer, buildCtx, fieldOf, FROM, series, shapeCtx } from './testing';

const q = (over: Partial<MeterlineQuery> = {}): MeterlineQuery => ({
  ...DEFAULT_QUERY,
  refId: 'A',
  queryType: 'burn',
  ...over,
});

describe('burn: InfluxQL', () => {
  it('burn rates per window, projections, budget currencies', () => {
    const statements = burnQuery.build(q({ windows: ['6h', '1h'], budget: 'payments-monthly' }), buildCtx());
    expect(statements.map((s) => s.role)).toEqual(['burn', 'projected', 'budget-currency']);
    expect(statements[0]!.text).toBe(
      `SELECT LAST("value") AS "value", LAST("spend_nano") AS "spend_nano" FROM "cost_signal" WHERE time >= 1772323200000ms AND time <= 1772344800000ms AND "signal" = 'burn_rate' AND "window" =~ /^(?:1h|6h)$/ AND "budget" = 'payments-monthly' GROUP BY time(1m), "budget", "window" fill(none)`,
    );
    expect(statements[1]!.text).toContain(`"signal" = 'projected_ratio' AND "window" = 'period'`);
    expect(statements[1]!.text).toContain('LAST("exhaustion_s") AS "exhaustion_s"');
    expect(statements[1]!.text).toContain('LAST("page") AS "page", LAST("ticket") AS "ticket"');
    expect(statements[1]!.text).toContain('GROUP BY time(1m), "budget" fill(none)');
    expect(statements[2]!.text).toBe(
      `SELECT LAST("amount_nano") AS "amount_nano" FROM "cost_budget" WHERE time <= 1772344800000ms AND "budget" = 'payments-monthly' GROUP BY "budget", "currency"`,
    );
  });

  it('every budget when none is chosen; a multi-value budget variable', () => {
    expect(burnQuery.build(q(), buildCtx())[0]!.text).not.toContain('"budget" =');
    const [burn] = burnQuery.build(q({ budget: '$budget' }), buildCtx({ vars: { budget: ['a', "b'c"] } }));
    expect(burn!.text).toContain(`"budget" =~ /^(?:a|b'c)$/`);
  });

  it('refuses an unknown window or no window for the burn metric', () => {
    expect(() => burnQuery.build(q({ windows: ['2h' as never] }), buildCtx())).toThrow(
      "burn: unknown window '2h'",
    );
    expect(() => burnQuery.build(q({ windows: [] }), buildCtx())).toThrow(/no burn-rate window/);
    expect(
      burnQuery.build(q({ windows: [], burnMetrics: ['spent'] }), buildCtx()).map((s) => s.role),
    ).toEqual(['projected', 'budget-currency']);
  });
});

describe('burn: frames', () => {
  const t = (m: number) => FROM + m * 60_000;
  const query = q({ windows: ['1h', '6h'] });
  const statements = burnQuery.build(query, buildCtx());
  const burn = answer(
    series(
      'cost_signal',
      { budget: 'pay', window: '1h' },
      ['time', 'value', 'spend_nano'],
      [
        [t(0), 0.8, 1_000],
        [t(1), 1.25, 2_000],
      ],
    ),
    series(
      'cost_signal',
      { budget: 'pay', window: '6h' },
      ['time', 'value', 'spend_nano'],
      [[t(1), 0.9, 3_000]],
    ),
  );
  const projected = answer(
    series(
      'cost_signal',
      { budget: 'pay' },
      [
        'time',
        'value',
        'exhaustion_s',
        'spent_nano',
        'projected_nano',
        'budget_nano',
        'warn',
        'escalate',
        'page',
        'ticket',
      ],
      [
        [t(0), 0.9, null, 400_000_000_000, 900_000_000_000, 1_000_000_000_000, false, false, false, false],
        [t(1), 1.1, 7200, 500_000_000_000, 1_100_000_000_000, 1_000_000_000_000, true, false, false, true],
      ],
    ),
  );
  const currency = answer(
    series('cost_budget', { budget: 'pay', currency: 'EUR' }, ['time', 'amount_nano'], [[FROM, 1]]),
  );

  it('series per metric: burn per window, money in the budget’s currency, exhaustion in seconds', () => {
    const frames = burnQuery.shape(query, shapeCtx(statements, [burn, projected, currency]));
    expect(frames.map((f) => f.name)).toEqual([
      'pay · burn 1h',
      'pay · burn 6h',
      'pay · projected period-end spend',
      'pay · budget',
      'pay · time to exhaustion',
      'pay · spent to date',
      BUDGETS_FRAME,
    ]);
    expect(fieldOf(frames[0]!, 'burn').values).toEqual([0.8, 1.25]);
    expect(fieldOf(frames[0]!, 'burn').labels).toEqual({ budget: 'pay', window: '1h' });
    expect(fieldOf(frames[2]!, 'projected').values).toEqual([900, 1100]);
    expect(fieldOf(frames[2]!, 'projected').config.unit).toBe('currencyEUR');
    expect(fieldOf(frames[3]!, 'budget').values).toEqual([1000, 1000]);
    expect(fieldOf(frames[4]!, 'exhaustion').values).toEqual([null, 7200]);
    expect(fieldOf(frames[4]!, 'exhaustion').config.unit).toBe('s');
    expect(fieldOf(frames[5]!, 'spent').values).toEqual([400, 500]);
  });

  it('burn rates are coloured on pace / over pace / critical, critical from the data source setting', () => {
    const steps = (settings: object) =>
      fieldOf(
        burnQuery.shape(query, shapeCtx(statements, [burn, projected, currency], buildCtx({ settings })))[0]!,
        'burn',
      ).config.thresholds?.steps.map((s) => [s.value, s.color]);
    expect(steps({})).toEqual([
      [-Infinity, 'green'],
      [1, 'orange'],
      [14.4, 'red'],
    ]);
    expect(steps({ burnCritical: 6 })?.[2]).toEqual([6, 'red']);
  });

  it('burn as a percentage of pace when the data source says so', () => {
    const ctx = buildCtx({ settings: { burnAsPercent: true } });
    const frames = burnQuery.shape(query, shapeCtx(statements, [burn, projected, currency], ctx));
    expect(fieldOf(frames[0]!, 'burn').config.unit).toBe('percentunit');
  });

  it('the budgets table: latest values per budget and the alert state', () => {
    const other = series(
      'cost_signal',
      { budget: 'ads' },
      ['time', 'value', 'spent_nano', 'budget_nano', 'page', 'ticket'],
      [[t(1), 2.5, 10_000_000_000, 4_000_000_000, true, true]],
    );
    const frames = burnQuery.shape(
      q({ windows: ['1h', '6h'], burnMetrics: [] }),
      shapeCtx(statements, [burn, answer(...projected.series!, other), currency]),
    );
    expect(frames).toHaveLength(1);
    const table = frames[0]!;
    expect(table.name).toBe('budgets');
    expect(table.meta?.preferredVisualisationType).toBe('table');
    expect(table.fields.map((f) => f.name)).toEqual([
      'budget',
      'currency',
      'burn 1h',
      'burn 6h',
      'projected ratio',
      'spent',
      'projected',
      'budget amount',
      'exhaustion',
      'state',
    ]);
    expect(fieldOf(table, 'budget').values).toEqual(['ads', 'pay']);
    expect(fieldOf(table, 'currency').values).toEqual(['USD', 'EUR']);
    expect(fieldOf(table, 'burn 1h').values).toEqual([null, 1.25]);
    expect(fieldOf(table, 'projected ratio').values).toEqual([2.5, 1.1]);
    expect(fieldOf(table, 'spent').values).toEqual([10, 500]);
    expect(fieldOf(table, 'exhaustion').values).toEqual([null, 7200]);
    expect(fieldOf(table, 'state').values).toEqual(['page', 'ticket']);
    // Two currencies: no single unit for the money columns.
    expect(fieldOf(table, 'spent').config.unit).toBeUndefined();
  });

  it('the budgets table reads the latest evaluation: no stale time to exhaustion once it has none', () => {
    const cols = ['time', 'value', 'exhaustion_s', 'spent_nano', 'page', 'ticket'];
    const recovered = series('cost_signal', { budget: 'pay' }, cols, [
      [t(0), 1.4, 3600, 700_000_000_000, false, true],
      // A credit brought spend back under pace: the budget no longer runs out within the period.
      [t(1), 0.7, null, 350_000_000_000, false, false],
    ]);
    const frames = burnQuery.shape(
      q({ windows: ['1h'], burnMetrics: [] }),
      shapeCtx(statements, [burn, answer(recovered), currency]),
    );
    const table = frames[0]!;
    expect(fieldOf(table, 'exhaustion').values).toEqual([null]);
    expect(fieldOf(table, 'projected ratio').values).toEqual([0.7]);
    expect(fieldOf(table, 'spent').values).toEqual([350]);
    expect(fieldOf(table, 'state').values).toEqual(['ok']);
  });

  it('empty answers: no frames', () => {
    expect(burnQuery.shape(query, shapeCtx(statements, [answer(), answer(), answer()]))).toEqual([]);
  });
});

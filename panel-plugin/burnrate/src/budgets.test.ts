import { FieldType, toDataFrame, type DataFrame } from '@grafana/data';
import { checkFrames } from '@meterline/panel-shared';
import {
  REQUIREMENTS,
  budgetsFromFrames,
  elapsedShare,
  sortBudgets,
  stateFromBurn,
  type BudgetModel,
} from './budgets';
import { dataSourceFrames, type BudgetFixture } from './testing/frames';

const DAY_S = 86_400;

// A 900 USD month of 30 days, evaluated 26 days in (4 days left). The last day's pace is burn(1d) × budget /
// 30 = 2 × 900 / 30 = 60 USD a day, so: projected = 767 + 60 × 4 = 1007 USD (1007 / 900 = 111.9%), and the
// 133 USD left last 133 / 60 = 2.2167 days = 2 d 5 h 12 min.
const CHECKOUT: BudgetFixture = {
  name: 'checkout-monthly',
  currency: 'USD',
  burn: { '5m': 52.1, '1h': 15.2, '6h': 3.1, '1d': 2, '3d': 1.4 },
  spent: 767,
  budget: 900,
  projected: 1007,
  exhaustionS: (133 / 60) * DAY_S,
  page: true,
  ticket: true,
};

const byName = (models: BudgetModel[], name: string): BudgetModel => {
  const m = models.find((x) => x.name === name);
  if (m === undefined) throw new Error(`no budget ${name} in ${models.map((x) => x.name).join(', ')}`);
  return m;
};

describe('budgetsFromFrames: the data source frames', () => {
  it('one model per budget with spend, projection, exhaustion, burn rates and the alert state', () => {
    const [m, ...rest] = budgetsFromFrames(dataSourceFrames([CHECKOUT]));
    expect(rest).toEqual([]);
    expect(m!.name).toBe('checkout-monthly');
    expect(m!.currency).toBe('USD');
    expect(m!.spent?.value).toBe(767);
    expect(m!.budget?.value).toBe(900);
    expect(m!.projected?.value).toBe(1007);
    expect(m!.projectedRatio).toBe(1007 / 900);
    expect(m!.exhaustionS).toBeCloseTo(191_520, 6); // 2.2167 days in seconds
    expect(Object.fromEntries(Object.entries(m!.burn).map(([w, s]) => [w, s!.value]))).toEqual(CHECKOUT.burn);
    expect(m!.state).toBe('page');
    expect(m!.stateFrom).toBe('alert flags');
    // (1007 − 767) / (2 × 900) = 240 / 1800 = 4/30 of the period left: 26/30 elapsed.
    expect(m!.elapsed).toBeCloseTo(26 / 30, 12);
  });

  it('money keeps each budget’s own currency (series units), also when the table has none', () => {
    const frames = dataSourceFrames([CHECKOUT, { ...CHECKOUT, name: 'berlin-monthly', currency: 'EUR' }]);
    const table = frames.find((f) => f.name === 'budgets')!;
    // Two currencies: the table's money columns have no unit (see datasource-plugin queries/burn.ts).
    expect(table.fields.find((f) => f.name === 'spent')!.config.unit).toBeUndefined();
    const models = budgetsFromFrames(frames);
    expect(byName(models, 'berlin-monthly').spent!.field.config.unit).toBe('currencyEUR');
    expect(byName(models, 'checkout-monthly').spent!.field.config.unit).toBe('currencyUSD');
    expect(byName(models, 'berlin-monthly').currency).toBe('EUR');
  });

  it('the table alone is enough (no series metrics selected)', () => {
    const frames = dataSourceFrames([CHECKOUT], { burnMetrics: [] });
    expect(frames.map((f) => f.name)).toEqual(['budgets']);
    const [m] = budgetsFromFrames(frames);
    expect(m!.spent?.value).toBe(767);
    expect(m!.burn['1h']?.value).toBe(15.2);
    expect(m!.state).toBe('page');
  });

  it('not within the period: an empty exhaustion', () => {
    const [m] = budgetsFromFrames(dataSourceFrames([{ ...CHECKOUT, exhaustionS: null }]));
    expect(m!.exhaustionS).toBeNull();
  });

  it('with only burn series: burn rates, and the state from them', () => {
    const frames = dataSourceFrames(
      [
        { name: 'a', burn: { '1h': 20, '5m': 30 } },
        { name: 'b', burn: { '3d': 1.2, '6h': 1.5, '1h': 20 } },
        { name: 'c', burn: { '3d': 0.9, '6h': 1.5 } },
        { name: 'd', burn: { '1d': 5 } },
      ],
      { burnMetrics: ['burn'] },
    ).filter((f) => f.name !== 'budgets');
    const models = budgetsFromFrames(frames);
    expect(models.map((m) => [m.name, m.state, m.stateFrom])).toEqual([
      ['a', 'page', 'burn rates'],
      ['b', 'ticket', 'burn rates'], // 1h alone does not page: the 5m window is missing
      ['c', 'ok', 'burn rates'],
      ['d', 'unknown', 'none'], // 1d is in no rule
    ]);
    expect(models[0]!.spent).toBeUndefined();
    expect(models[0]!.budget).toBeUndefined();
    expect(models[0]!.elapsed).toBeUndefined();
  });

  it('frames of another data source: numeric fields labelled budget and window', () => {
    const frame = toDataFrame({
      fields: [
        { name: 'Time', type: FieldType.time, values: [1, 2] },
        { name: 'value', type: FieldType.number, values: [3, 16], labels: { budget: 'x', window: '1h' } },
      ],
    });
    const [m] = budgetsFromFrames([frame]);
    expect(m!.burn['1h']?.value).toBe(16);
  });

  it('series exhaustion: the last bucket counts, even when empty (an older number is stale)', () => {
    const exhaustion = (values: Array<number | null>): DataFrame =>
      toDataFrame({
        fields: [
          { name: 'Time', type: FieldType.time, values: values.map((_, i) => i) },
          { name: 'exhaustion', type: FieldType.number, values, labels: { budget: 'x' } },
        ],
      });
    expect(budgetsFromFrames([exhaustion([7200, null])])[0]!.exhaustionS).toBeNull();
    expect(budgetsFromFrames([exhaustion([null, 7200])])[0]!.exhaustionS).toBe(7200);
  });

  it('nothing for no frames or frames without budgets', () => {
    expect(budgetsFromFrames(undefined)).toEqual([]);
    expect(
      budgetsFromFrames([toDataFrame({ fields: [{ name: 'value', type: FieldType.number, values: [1] }] })]),
    ).toEqual([]);
  });
});

describe('REQUIREMENTS', () => {
  it('the table, burn series or spend series satisfy them; anything else lists what is expected', () => {
    expect(checkFrames(dataSourceFrames([CHECKOUT], { burnMetrics: [] }), REQUIREMENTS)).toEqual({
      state: 'ok',
    });
    const burnOnly = dataSourceFrames([CHECKOUT], { burnMetrics: ['burn'] }).filter(
      (f) => f.name !== 'budgets',
    );
    expect(checkFrames(burnOnly, REQUIREMENTS)).toEqual({ state: 'ok' });
    const other = [toDataFrame({ fields: [{ name: 'value', type: FieldType.number, values: [1] }] })];
    const check = checkFrames(other, REQUIREMENTS);
    expect(check.state).toBe('wrong-frames');
    expect(check.state === 'wrong-frames' && check.missing.map((r) => r.description)).toEqual([
      'burn (number, labels budget and window: 5m, 1h, 6h, 1d or 3d)',
    ]);
  });
});

describe('stateFromBurn', () => {
  it('pages when 1h and 5m are both strictly above 14.4; tickets when 3d and 6h are above 1', () => {
    expect(stateFromBurn({ '1h': 14.5, '5m': 14.5 })).toBe('page');
    expect(stateFromBurn({ '1h': 14.4, '5m': 100 })).toBe('ok'); // exactly 14.4 does not page
    expect(stateFromBurn({ '1h': 100, '5m': 1 })).toBe('ok'); // the burst is over
    expect(stateFromBurn({ '3d': 1.01, '6h': 1.01 })).toBe('ticket');
    expect(stateFromBurn({ '3d': 1, '6h': 5 })).toBe('ok');
    expect(stateFromBurn({ '1h': 20, '5m': 20, '3d': 2, '6h': 2 })).toBe('page'); // page wins
    expect(stateFromBurn({ '1d': 50 })).toBe('unknown');
    expect(stateFromBurn({})).toBe('unknown');
  });
});

describe('elapsedShare', () => {
  it('left = (projected − spent) / (burn(1d) × budget)', () => {
    // 1000 budget, burn 1d 3 → 100 a day over 30 days; 300 more projected = 3 days = 10% left.
    expect(elapsedShare(500, 800, 1000, 3)).toBeCloseTo(0.9, 12);
    expect(elapsedShare(0, 1000, 1000, 1)).toBe(0); // the first instant of the period
  });

  it('undefined when the pace or the budget cannot tell', () => {
    expect(elapsedShare(500, 500, 1000, 0)).toBeUndefined();
    expect(elapsedShare(-5, -5, 1000, -0.2)).toBeUndefined();
    expect(elapsedShare(5, 10, 0, 1)).toBeUndefined();
    expect(elapsedShare(5, 10, 100, undefined)).toBeUndefined();
  });
});

describe('sortBudgets', () => {
  const models = budgetsFromFrames(
    dataSourceFrames([
      { name: 'b', currency: 'USD', burn: { '1h': 2, '3d': 9 }, spent: 50, budget: 100, projected: 60 },
      { name: 'a', currency: 'USD', burn: { '1h': 5 }, spent: 10, budget: 100, projected: 20 },
      { name: 'c', currency: 'USD', spent: 5, budget: 0, projected: 5 },
      { name: 'd', currency: 'USD', burn: { '1h': 5 }, spent: 90, budget: 100, projected: 95 },
    ]),
  );
  const names = (list: BudgetModel[]) => list.map((m) => m.name);

  it('by burn: highest among the shown windows first, ties by name, no burn last', () => {
    expect(names(sortBudgets(models, 'burn', ['5m', '1h', '6h', '1d', '3d']))).toEqual(['b', 'a', 'd', 'c']);
    expect(names(sortBudgets(models, 'burn', ['1h']))).toEqual(['a', 'd', 'b', 'c']);
  });

  it('by spend: largest share of the budget first; no budget last', () => {
    expect(names(sortBudgets(models, 'spend', ['1h']))).toEqual(['d', 'b', 'a', 'c']);
  });

  it('by name', () => {
    expect(names(sortBudgets(models, 'name', ['1h']))).toEqual(['a', 'b', 'c', 'd']);
  });
});

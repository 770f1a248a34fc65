import { FieldType, createTheme, type Field } from '@grafana/data';
import type { BudgetModel } from './budgets';
import {
  burnLevel,
  exhaustionText,
  humanDuration,
  moneyText,
  percentText,
  projectionText,
  rowLabel,
  spendText,
} from './display';
import { defaultThresholds } from './types';

const theme = createTheme();
const money = (unit: string | undefined): Field => ({
  name: 'spent',
  type: FieldType.number,
  values: [],
  config: unit === undefined ? { decimals: 2 } : { unit, decimals: 2 },
});
const USD = money('currencyUSD');
const burnField: Field = {
  name: 'burn',
  type: FieldType.number,
  values: [],
  config: { unit: 'none', decimals: 2 },
};

function budget(over: Partial<BudgetModel> = {}): BudgetModel {
  return { name: 'checkout-monthly', burn: {}, state: 'ok', stateFrom: 'alert flags', ...over };
}

describe('burnLevel', () => {
  const t = { ticket: 1, page: 14.4 };
  it('is strictly above each threshold, as the alert rules compare', () => {
    expect(burnLevel(14.41, t)).toBe('page');
    expect(burnLevel(14.4, t)).toBe('ticket');
    expect(burnLevel(1.01, t)).toBe('ticket');
    expect(burnLevel(1, t)).toBe('ok');
    expect(burnLevel(-3, t)).toBe('ok');
  });
});

describe('humanDuration and exhaustionText', () => {
  it('rounds down to whole units', () => {
    expect(humanDuration(59)).toBe('< 1 min');
    expect(humanDuration(61)).toBe('1 min');
    expect(humanDuration(3600)).toBe('1 h');
    expect(humanDuration(3600 + 59 * 60 + 59)).toBe('1 h 59 min');
    expect(humanDuration(86_400)).toBe('1 d');
    // 3 d 4 h 59 min → 3 d 4 h
    expect(humanDuration(3 * 86_400 + 4 * 3600 + 59 * 60)).toBe('3 d 4 h');
  });

  it('says in, exhausted or not within period', () => {
    const b = { value: 900, field: USD };
    expect(
      exhaustionText(
        budget({ budget: b, spent: { value: 100, field: USD }, exhaustionS: 3 * 86_400 + 4 * 3600 }),
      ),
    ).toBe('in 3 d 4 h');
    expect(exhaustionText(budget({ budget: b, exhaustionS: 0 }))).toBe('exhausted');
    expect(exhaustionText(budget({ budget: b, spent: { value: 901, field: USD }, exhaustionS: null }))).toBe(
      'exhausted',
    );
    expect(exhaustionText(budget({ budget: b, exhaustionS: null }))).toBe('not within period');
    expect(exhaustionText(budget({ budget: b }))).toBeUndefined();
    // No budget to run out of.
    expect(exhaustionText(budget({ budget: { value: 0, field: USD }, exhaustionS: 0 }))).toBeUndefined();
  });
});

describe('money through the field config', () => {
  it('uses the field’s unit and decimals', () => {
    expect(moneyText({ value: 767, field: USD }, 'USD', theme)).toBe('$767.00');
    // Grafana's currency units scale thousands.
    expect(moneyText({ value: 1007, field: USD }, 'USD', theme)).toBe('$1.01K');
    expect(moneyText({ value: 12.5, field: money('currencyEUR') }, 'EUR', theme)).toBe('€12.50');
  });

  it('a unitless amount gets the budget’s currency code', () => {
    expect(moneyText({ value: 12.5, field: money(undefined) }, 'CHF', theme)).toBe('12.50 CHF');
    expect(moneyText({ value: 12.5, field: money(undefined) }, undefined, theme)).toBe('12.50');
  });

  it('spend: spent of budget (share), credits, no budget', () => {
    const b = budget({ spent: { value: 767, field: USD }, budget: { value: 900, field: USD } });
    expect(spendText(b, theme)).toBe('spent $767.00 of $900.00 (85%)');
    const credit = budget({ spent: { value: -25, field: USD }, budget: { value: 500, field: USD } });
    expect(spendText(credit, theme)).toBe('credit $25.00 of $500.00');
    const none = budget({ spent: { value: 12, field: USD }, budget: { value: 0, field: USD } });
    expect(spendText(none, theme)).toBe('spent $12.00 no budget');
    expect(spendText(budget(), theme)).toBeUndefined();
  });

  it('projection with its share of the budget', () => {
    const b = budget({
      budget: { value: 900, field: USD },
      projected: { value: 1007, field: USD },
      projectedRatio: 1007 / 900,
    });
    expect(projectionText(b, theme)).toBe('projected $1.01K (112% of budget)');
    expect(projectionText(budget({ projected: { value: 5, field: USD } }), theme)).toBe('projected $5.00');
    expect(percentText(0.004)).toBe('0%');
  });
});

describe('rowLabel', () => {
  it('reads the whole state: name and state, spend, projection, exhaustion, burn rates', () => {
    const b = budget({
      state: 'page',
      spent: { value: 767, field: USD },
      budget: { value: 900, field: USD },
      projected: { value: 1007, field: USD },
      projectedRatio: 1007 / 900,
      exhaustionS: 191_520,
      burn: { '1h': { value: 15.2, field: burnField }, '6h': { value: 3.1, field: burnField } },
    });
    expect(rowLabel(b, ['1h', '6h', '3d'], defaultThresholds(), theme)).toBe(
      'checkout-monthly: page; spent $767.00 of $900.00 (85%); projected $1.01K (112% of budget); ' +
        'budget exhausted in 2 d 5 h; burn rates 1h 15.20 page, 6h 3.10 ticket',
    );
    expect(rowLabel(budget({ state: 'unknown' }), ['1h'], defaultThresholds(), theme)).toBe(
      'checkout-monthly: alert state unknown',
    );
    expect(
      rowLabel(
        budget({ budget: { value: 9, field: USD }, exhaustionS: null }),
        [],
        defaultThresholds(),
        theme,
      ),
    ).toBe('checkout-monthly: ok; of $9.00; budget not exhausted within the period');
  });
});

import { render, screen } from '@testing-library/react';
import { FieldType, type Field } from '@grafana/data';
import type { BudgetModel } from '../../budgets';
import { DEFAULT_OPTIONS } from '../../types';
import { BudgetRow, compactSpend } from './BudgetRow';

const USD: Field = {
  name: 'x',
  type: FieldType.number,
  values: [],
  config: { unit: 'currencyUSD', decimals: 2 },
};
const BURN: Field = { name: 'burn', type: FieldType.number, values: [], config: { decimals: 2 } };
const usd = (value: number) => ({ value, field: USD });
const burn = (value: number) => ({ value, field: BURN });

const CHECKOUT: BudgetModel = {
  name: 'checkout-monthly',
  currency: 'USD',
  spent: usd(767),
  budget: usd(900),
  projected: usd(1007),
  projectedRatio: 1007 / 900,
  burn: { '5m': burn(52.1), '1h': burn(15.2), '3d': burn(1.4) },
  exhaustionS: 191_520,
  state: 'page',
  stateFrom: 'alert flags',
  elapsed: 26 / 30,
};

describe('compactSpend', () => {
  it('share spent, credit, no budget', () => {
    expect(compactSpend(CHECKOUT)).toBe('85% spent');
    expect(compactSpend({ ...CHECKOUT, spent: usd(-3) })).toBe('credit');
    expect(compactSpend({ ...CHECKOUT, budget: usd(0) })).toBe('no budget');
    expect(compactSpend({ ...CHECKOUT, spent: undefined })).toBeUndefined();
  });
});

describe('BudgetRow', () => {
  it('full: state word, name, exhaustion, spend, projection, chart and chips of the shown windows', () => {
    render(
      <div role="list">
        <BudgetRow
          budget={CHECKOUT}
          options={{ ...DEFAULT_OPTIONS, windows: ['1h', '3d', '6h'] }}
          compact={false}
        />
      </div>,
    );
    const row = screen.getByRole('listitem');
    expect(row.getAttribute('tabindex')).toBe('0');
    expect(row.getAttribute('aria-label')).toBe(
      'checkout-monthly: page; spent $767.00 of $900.00 (85%); projected $1.01K (112% of budget); ' +
        'budget exhausted in 2 d 5 h; burn rates 1h 15.20 page, 3d 1.40 ticket',
    );
    expect(row.querySelector('[data-state]')!.textContent).toBe('page');
    expect(row.textContent).toContain('checkout-monthly');
    expect(row.textContent).toContain('exhaustion in 2 d 5 h');
    expect(row.textContent).toContain('spent $767.00 of $900.00 (85%)');
    expect(row.textContent).toContain('projected $1.01K (112% of budget)');
    expect(screen.getByTestId('projection-line')).toBeTruthy();
    // 5m is not shown; 6h is shown but has no value.
    expect(screen.getAllByRole('img').map((c) => c.getAttribute('aria-label'))).toEqual([
      '1h burn rate 15.20, page',
      '3d burn rate 1.40, ticket',
    ]);
  });

  it('full without the projection chart when the option is off', () => {
    render(
      <BudgetRow budget={CHECKOUT} options={{ ...DEFAULT_OPTIONS, showProjection: false }} compact={false} />,
    );
    expect(screen.queryByTestId('projection-line')).toBeNull();
  });

  it('compact: one line with state, name, chips, share spent and exhaustion; no bar or chart', () => {
    render(<BudgetRow budget={CHECKOUT} options={DEFAULT_OPTIONS} compact />);
    const row = screen.getByRole('listitem');
    expect(row.textContent).toBe(
      'pagecheckout-monthly5m52.10page1h15.20page3d1.40ticket85% spentexhaustion in 2 d 5 h',
    );
    expect(screen.queryByTestId('spend-bar')).toBeNull();
    expect(screen.queryByTestId('projection-line')).toBeNull();
  });

  it('exhausted budgets say so', () => {
    render(<BudgetRow budget={{ ...CHECKOUT, spent: usd(950) }} options={DEFAULT_OPTIONS} compact={false} />);
    expect(screen.getByRole('listitem').textContent).toContain('exhausted');
    expect(screen.getByRole('listitem').textContent).toContain('over budget');
  });
});

import { render, screen } from '@testing-library/react';
import { FieldType, type Field } from '@grafana/data';
import type { BudgetModel } from '../../budgets';
import { SpendBar, spendFill } from './SpendBar';

const USD: Field = {
  name: 'spent',
  type: FieldType.number,
  values: [],
  config: { unit: 'currencyUSD', decimals: 2 },
};
const model = (spent: number | undefined, budget: number | undefined, elapsed?: number): BudgetModel => ({
  name: 'b',
  burn: {},
  state: 'ok',
  stateFrom: 'alert flags',
  ...(spent === undefined ? {} : { spent: { value: spent, field: USD } }),
  ...(budget === undefined ? {} : { budget: { value: budget, field: USD } }),
  ...(elapsed === undefined ? {} : { elapsed }),
});

describe('spendFill', () => {
  it('the share spent, full and over past the budget, empty for credits, none without a budget', () => {
    expect(spendFill(model(225, 900))).toEqual({ share: 0.25, over: false });
    expect(spendFill(model(1800, 900))).toEqual({ share: 1, over: true });
    expect(spendFill(model(-25, 500))).toEqual({ share: 0, over: false });
    expect(spendFill(model(12, 0))).toBeUndefined();
    expect(spendFill(model(12, undefined))).toBeUndefined();
  });
});

describe('SpendBar', () => {
  it('a bar with a pace tick, and the numbers', () => {
    const { container } = render(<SpendBar budget={model(225, 900, 0.5)} />);
    expect(screen.getByTestId('spend-bar').getAttribute('aria-hidden')).toBe('true');
    expect((container.querySelector('[data-share]') as HTMLElement).style.width).toBe('25%');
    expect(container.textContent).toBe('spent $225.00 of $900.00 (25%)');
  });

  it('over budget says so in words', () => {
    const { container } = render(<SpendBar budget={model(1800, 900)} />);
    expect(container.textContent).toBe('spent $1.80K of $900.00 (200%) over budget');
  });

  it('credits: an empty bar', () => {
    const { container } = render(<SpendBar budget={model(-25, 500)} />);
    expect((container.querySelector('[data-share]') as HTMLElement).style.width).toBe('0%');
    expect(container.textContent).toBe('credit $25.00 of $500.00');
  });

  it('zero budget: no bar, “no budget”', () => {
    const { container } = render(<SpendBar budget={model(12, 0)} />);
    expect(screen.queryByTestId('spend-bar')).toBeNull();
    expect(container.textContent).toBe('spent $12.00 no budget');
  });

  it('nothing without spend or budget', () => {
    const { container } = render(<SpendBar budget={model(undefined, undefined)} />);
    expect(container.innerHTML).toBe('');
  });
});

import { render, screen } from '@testing-library/react';
import { FieldType, type Field } from '@grafana/data';
import type { BudgetModel } from '../../budgets';
import { ProjectionLine, projectionGeometry } from './ProjectionLine';

const USD: Field = { name: 'x', type: FieldType.number, values: [], config: { unit: 'currencyUSD' } };
const shown = (value: number) => ({ value, field: USD });
const model = (over: Partial<BudgetModel>): BudgetModel => ({
  name: 'b',
  burn: {},
  state: 'ok',
  stateFrom: 'alert flags',
  ...over,
});

describe('projectionGeometry', () => {
  it('spent from the period start to now, projected from now to the end, the budget line', () => {
    // Box 106×28 (3 px padding) → 100×22 drawing area. Top of the scale: 1.1 × max(1000, 500, 1100) = 1210.
    const g = projectionGeometry(
      model({ spent: shown(500), projected: shown(1100), budget: shown(1000), elapsed: 0.5 }),
      106,
      28,
    )!;
    const y = (v: number) => 25 - (v / 1210) * 22;
    expect(g.spent).toEqual({ x1: 3, y1: 25, x2: 53, y2: y(500) });
    expect(g.projected).toEqual({ x1: 53, y1: y(500), x2: 103, y2: y(1100) });
    expect(g.budgetY).toBe(y(1000));
    expect(g.over).toBe(true);
  });

  it('credits are drawn at zero; no budget line without a positive budget', () => {
    const g = projectionGeometry(
      model({ spent: shown(-25), projected: shown(-25), budget: shown(0), elapsed: 0.2 }),
      106,
      28,
    )!;
    expect(g.spent.y2).toBe(25);
    expect(g.projected.y2).toBe(25);
    expect(g.budgetY).toBeUndefined();
    expect(g.over).toBe(false);
  });

  it('nothing to place without the elapsed share, spend or projection', () => {
    expect(projectionGeometry(model({ spent: shown(1), projected: shown(2) }))).toBeUndefined();
    expect(projectionGeometry(model({ spent: shown(1), elapsed: 0.5 }))).toBeUndefined();
  });
});

describe('ProjectionLine', () => {
  it('an SVG hidden from screen readers (the numbers are in the row), flagged when over budget', () => {
    render(
      <ProjectionLine
        budget={model({ spent: shown(500), projected: shown(1100), budget: shown(1000), elapsed: 0.5 })}
      />,
    );
    const svg = screen.getByTestId('projection-line');
    expect(svg.getAttribute('aria-hidden')).toBe('true');
    expect(svg.getAttribute('data-over')).toBe('true');
    expect(screen.getByTestId('projection-budget')).toBeTruthy();
  });

  it('renders nothing when it cannot be placed', () => {
    const { container } = render(<ProjectionLine budget={model({ spent: shown(1) })} />);
    expect(container.innerHTML).toBe('');
  });
});

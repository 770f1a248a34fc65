import { render, screen } from '@testing-library/react';
import { FieldType, type Field } from '@grafana/data';
import { BurnChip } from './BurnChip';

const ratio: Field = {
  name: 'burn',
  type: FieldType.number,
  values: [],
  config: { unit: 'none', decimals: 2 },
};
const percent: Field = { ...ratio, config: { unit: 'percentunit', decimals: 0 } };
const t = { ticket: 1, page: 14.4 };

describe('BurnChip', () => {
  it('says window, value and level, in text and in its label', () => {
    render(<BurnChip window="1h" burn={{ value: 15.2, field: ratio }} thresholds={t} />);
    const chip = screen.getByRole('img', { name: '1h burn rate 15.20, page' });
    expect(chip.textContent).toBe('1h15.20page');
    expect(chip.getAttribute('data-level')).toBe('page');
  });

  it('ticket above the ticket threshold; ok shows no level word', () => {
    render(
      <>
        <BurnChip window="6h" burn={{ value: 3.1, field: ratio }} thresholds={t} />
        <BurnChip window="3d" burn={{ value: 0.9, field: ratio }} thresholds={t} />
      </>,
    );
    expect(screen.getByRole('img', { name: '6h burn rate 3.10, ticket' }).getAttribute('data-level')).toBe(
      'ticket',
    );
    const ok = screen.getByRole('img', { name: '3d burn rate 0.90, ok' });
    expect(ok.textContent).toBe('3d0.90');
  });

  it('formats the value as its field says (the data source’s “burn as percent”)', () => {
    render(<BurnChip window="1d" burn={{ value: 2.5, field: percent }} thresholds={t} />);
    expect(screen.getByRole('img').getAttribute('aria-label')).toBe('1d burn rate 250%, ticket');
  });

  it('custom thresholds', () => {
    render(<BurnChip window="5m" burn={{ value: 8, field: ratio }} thresholds={{ ticket: 2, page: 6 }} />);
    expect(screen.getByRole('img').getAttribute('data-level')).toBe('page');
  });
});

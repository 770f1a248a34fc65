import { render, screen } from '@testing-library/react';
import { PanelProblem } from './PanelProblem';

describe('PanelProblem', () => {
  it('says there is no data and which query the panel reads', () => {
    render(<PanelProblem check={{ state: 'no-data' }} queryHint='a "Spend" query' />);
    expect(screen.getByRole('status').textContent).toContain('No data');
    expect(screen.getByRole('status').textContent).toContain('a "Spend" query');
  });

  it('lists the missing fields for wrong frames', () => {
    render(
      <PanelProblem
        check={{ state: 'wrong-frames', missing: [{ description: 'burn (number)', match: () => false }] }}
        queryHint="a burn query"
      />,
    );
    expect(screen.getByRole('listitem').textContent).toBe('burn (number)');
  });
});

import { render, screen } from '@testing-library/react';
import { RatioStat, ratioLabel, statusText } from './RatioStat';

describe('ratioLabel', () => {
  it('says the value, the status and the target in words', () => {
    expect(ratioLabel('7.3%', 'over', '5%')).toBe('Unknown attribution 7.3%, over the 5% target');
    expect(ratioLabel('3.0%', 'within', '5%')).toBe('Unknown attribution 3.0%, within the 5% target');
    expect(ratioLabel('-91.1%', 'credit', '5%', 'GBP')).toBe(
      'Unknown attribution (GBP) -91.1%, a net credit, within the 5% target',
    );
    expect(ratioLabel('—', 'none', '5%')).toBe(
      'Unknown attribution: no ratio in this time range (nothing spent), target 5%',
    );
  });

  it('statusText', () => {
    expect(statusText('over')).toBe('over target');
    expect(statusText('within')).toBe('within target');
    expect(statusText('credit')).toBe('net credit, within target');
  });
});

describe('RatioStat', () => {
  it('the number with its label, the status in words, and the other currencies', () => {
    render(
      <RatioStat
        valueText="8.0%"
        status="over"
        targetText="5%"
        currency="EUR"
        others={[
          { currency: 'GBP', text: '-91.1%', status: 'credit' },
          { currency: 'USD', text: '2.0%', status: 'within' },
        ]}
        fontSize={40}
      />,
    );
    const number = screen.getByRole('img');
    expect(number.textContent).toBe('8.0%');
    expect(number.getAttribute('aria-label')).toBe('Unknown attribution (EUR) 8.0%, over the 5% target');
    expect(number.getAttribute('style')).toContain('font-size: 40px');
    expect(screen.getByTestId('attribution-status').textContent).toBe('over target · target 5%');
    expect(screen.getByTestId('attribution-stat').getAttribute('data-status')).toBe('over');
    const items = screen.getAllByRole('listitem').map((li) => li.textContent);
    expect(items).toEqual(['GBP -91.1% credit', 'USD 2.0%']);
  });

  it('no list without other currencies', () => {
    render(<RatioStat valueText="3.0%" status="within" targetText="5%" others={[]} fontSize={30} />);
    expect(screen.queryByRole('list')).toBeNull();
    expect(screen.getByTestId('attribution-status').textContent).toBe('within target · target 5%');
  });
});

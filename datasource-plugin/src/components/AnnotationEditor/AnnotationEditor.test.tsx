import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { DataSource } from '../../datasource';
import type { MeterlineAnnotationQuery, MeterlineQuery } from '../../types';
import { chooseOption, installComboboxStubs } from '../testing/combobox';
import { AnnotationEditor } from './AnnotationEditor';

// @grafana/ui's icons fetch their SVG and set state after act(): render them as nothing in tests.
jest.mock('react-inlinesvg', () => ({ __esModule: true, default: () => null }));

installComboboxStubs();

const datasource = {} as DataSource;

function setup(target: MeterlineAnnotationQuery) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  render(
    <AnnotationEditor
      datasource={datasource}
      query={target as unknown as MeterlineQuery}
      onChange={onChange}
      onRunQuery={onRunQuery}
    />,
  );
  return { onChange, onRunQuery, last: () => onChange.mock.calls.at(-1)?.[0] as MeterlineAnnotationQuery };
}

describe('AnnotationEditor', () => {
  it('removes an event kind', async () => {
    const user = userEvent.setup();
    const { last, onRunQuery } = setup({ refId: 'Anno', events: ['deploy', 'anomaly', 'budget'] });
    // Choosing a selected option of a MultiCombobox deselects it.
    await chooseOption(user, 'Events', /^Anomalies/);
    expect(last().events).toEqual(['deploy', 'budget']);
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('scopes to a service, and clears the scope when emptied', async () => {
    const user = userEvent.setup();
    const { last } = setup({ refId: 'Anno', events: ['deploy'], team: 'payments' });
    await user.type(screen.getByRole('textbox', { name: 'Service' }), '$service{Enter}');
    expect(last()).toEqual({ refId: 'Anno', events: ['deploy'], team: 'payments', service: '$service' });
    await user.clear(screen.getByRole('textbox', { name: 'Team' }));
    await user.tab();
    expect(last()).toMatchObject({ team: undefined });
  });
});

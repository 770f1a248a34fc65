import { useState } from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { DataSource } from '../../datasource';
import type { MeterlineVariableQuery } from '../../types';
import { chooseOption, installComboboxStubs } from '../testing/combobox';
import { VariableQueryEditor, toVariableQuery } from './VariableQueryEditor';

// @grafana/ui's icons fetch their SVG and set state after act(): render them as nothing in tests.
jest.mock('react-inlinesvg', () => ({ __esModule: true, default: () => null }));

installComboboxStubs();

const datasource = { instanceSettings: { jsonData: {} } } as unknown as DataSource;

function setup(initial: MeterlineVariableQuery) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  function Host() {
    const [query, setQuery] = useState(initial);
    return (
      <VariableQueryEditor
        datasource={datasource}
        query={query}
        onChange={(q) => {
          onChange(q);
          setQuery(q);
        }}
        onRunQuery={onRunQuery}
      />
    );
  }
  render(<Host />);
  return { onChange, onRunQuery, last: () => onChange.mock.calls.at(-1)?.[0] as MeterlineVariableQuery };
}

describe('VariableQueryEditor', () => {
  it('picks what to list; the tag picker only for tag values', async () => {
    const user = userEvent.setup();
    const { last, onRunQuery } = setup({ refId: 'variable', kind: 'tenants' });
    expect(screen.getByRole('combobox', { name: 'List' })).toHaveProperty('value', 'Tenants');
    expect(screen.queryByRole('combobox', { name: 'Tag' })).toBeNull();

    await chooseOption(user, 'List', /^Teams/);
    expect(last()).toEqual({ refId: 'variable', kind: 'teams' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    await chooseOption(user, 'List', /^Tag values/);
    expect(last()).toMatchObject({ kind: 'tagValues', tag: 'team' });
    await chooseOption(user, 'Tag', /^region/);
    expect(last()).toMatchObject({ kind: 'tagValues', tag: 'region' });

    // Leaving tagValues drops the tag.
    await chooseOption(user, 'List', /^Services/);
    expect(last().tag).toBeUndefined();
    expect(screen.queryByRole('combobox', { name: 'Tag' })).toBeNull();
  });

  it('narrows the values with filters', async () => {
    const user = userEvent.setup();
    const { last } = setup({ refId: 'variable', kind: 'services' });
    await user.click(screen.getByRole('button', { name: 'Add filter' }));
    await user.type(screen.getByRole('textbox', { name: 'Filter 1 value' }), '$team{Enter}');
    expect(last()).toEqual({
      refId: 'variable',
      kind: 'services',
      filters: [{ key: 'tenant', operator: '=', value: '$team' }],
    });
  });

  it('reads a missing or hand-written query', () => {
    expect(toVariableQuery(undefined)).toEqual({ refId: 'variable', kind: 'tenants' });
    expect(toVariableQuery('teams')).toEqual({ refId: 'variable', kind: 'teams' });
    expect(toVariableQuery('tagValues(region)')).toEqual({
      refId: 'variable',
      kind: 'tagValues',
      tag: 'region',
    });
    expect(toVariableQuery({ refId: 'B', kind: 'skus' })).toEqual({ refId: 'B', kind: 'skus' });
  });
});

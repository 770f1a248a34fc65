import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { TagFilter } from '../../types';
import { chooseOption, installComboboxStubs } from '../testing/combobox';
import { TagFiltersEditor } from './TagFiltersEditor';

// @grafana/ui's icons fetch their SVG and set state after act(): render them as nothing in tests.
jest.mock('react-inlinesvg', () => ({ __esModule: true, default: () => null }));

installComboboxStubs();

const filters: TagFilter[] = [
  { key: 'team', operator: '=', value: 'payments' },
  { key: 'env', operator: '=~', value: '/prod.*/' },
];

describe('TagFiltersEditor', () => {
  it('shows one row per filter with named controls', () => {
    render(<TagFiltersEditor filters={filters} keys={['team', 'env']} onChange={jest.fn()} />);
    expect(screen.getByRole('combobox', { name: 'Filter 1 key' })).toHaveProperty('value', 'team');
    expect(screen.getByRole('combobox', { name: 'Filter 2 operator' })).toHaveProperty('value', '=~');
    expect(screen.getByRole('textbox', { name: 'Filter 2 value' })).toHaveProperty('value', '/prod.*/');
    expect(screen.getByRole('button', { name: 'Remove filter 2' })).toBeTruthy();
  });

  it('adds a row with the first key without running, removes one and runs', async () => {
    const user = userEvent.setup();
    const onChange = jest.fn();
    render(<TagFiltersEditor filters={filters} keys={['tenant', 'team']} onChange={onChange} />);
    await user.click(screen.getByRole('button', { name: 'Add filter' }));
    expect(onChange).toHaveBeenLastCalledWith(
      [...filters, { key: 'tenant', operator: '=', value: '' }],
      false,
    );
    await user.click(screen.getByRole('button', { name: 'Remove filter 1' }));
    expect(onChange).toHaveBeenLastCalledWith([filters[1]], true);
  });

  it('accepts a key that is not offered', async () => {
    const user = userEvent.setup();
    const onChange = jest.fn();
    render(<TagFiltersEditor filters={[filters[0]!]} keys={['team']} onChange={onChange} />);
    await user.click(screen.getByRole('combobox', { name: 'Filter 1 key' }));
    await user.keyboard('{Control>}a{/Control}k8s_cluster');
    await chooseOptionByText(user, /k8s_cluster/);
    expect(onChange).toHaveBeenLastCalledWith(
      [{ key: 'k8s_cluster', operator: '=', value: 'payments' }],
      true,
    );
  });

  it('changes the operator of a row', async () => {
    const user = userEvent.setup();
    const onChange = jest.fn();
    render(<TagFiltersEditor filters={filters} keys={['team']} onChange={onChange} />);
    await chooseOption(user, 'Filter 1 operator', /^!~/);
    expect(onChange).toHaveBeenLastCalledWith([{ ...filters[0], operator: '!~' }, filters[1]], true);
  });
});

/** Clicks the option of the open listbox whose text matches. */
async function chooseOptionByText(user: ReturnType<typeof userEvent.setup>, text: RegExp) {
  const listbox = await screen.findByRole('listbox');
  const option = [...listbox.querySelectorAll('[role="option"]')].find((o) => text.test(o.textContent ?? ''));
  if (!option) throw new Error(`no option matching ${text}: ${listbox.textContent}`);
  await user.click(option);
}

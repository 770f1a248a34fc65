import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { CommitInput } from './CommitInput';

describe('CommitInput', () => {
  it('commits on blur, not on every key', async () => {
    const onCommit = jest.fn();
    const user = userEvent.setup();
    render(<CommitInput aria-label="Budget" value="" onCommit={onCommit} />);
    await user.type(screen.getByRole('textbox', { name: 'Budget' }), 'payments');
    expect(onCommit).not.toHaveBeenCalled();
    await user.tab();
    expect(onCommit).toHaveBeenCalledTimes(1);
    expect(onCommit).toHaveBeenCalledWith('payments');
  });

  it('commits on Enter and ignores a blur that changed nothing', async () => {
    const onCommit = jest.fn();
    const user = userEvent.setup();
    render(<CommitInput aria-label="Service" value="api" onCommit={onCommit} />);
    const input = screen.getByRole('textbox', { name: 'Service' });
    await user.click(input);
    await user.tab();
    expect(onCommit).not.toHaveBeenCalled();
    await user.clear(input);
    await user.type(input, 'checkout{Enter}');
    expect(onCommit).toHaveBeenCalledWith('checkout');
  });

  it('follows a new value from outside', () => {
    const { rerender } = render(<CommitInput aria-label="Team" value="a" onCommit={jest.fn()} />);
    rerender(<CommitInput aria-label="Team" value="b" onCommit={jest.fn()} />);
    expect(screen.getByRole('textbox', { name: 'Team' })).toHaveProperty('value', 'b');
  });
});

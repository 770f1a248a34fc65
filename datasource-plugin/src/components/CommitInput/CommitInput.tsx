/**
 * A text input that reports its value when the user is done with it (blur or Enter), not on every key.
 * Query editors run the query on each committed change, and a query per keystroke would flood InfluxDB.
 *
 * @packageDocumentation
 */
import { useEffect, useState, type ComponentProps, type KeyboardEvent } from 'react';
import { Input } from '@grafana/ui';

/** Props of {@link CommitInput}: those of `Input`, with `value` and `onCommit` instead of `onChange`. */
export type CommitInputProps = Omit<
  ComponentProps<typeof Input>,
  'value' | 'onChange' | 'onBlur' | 'onKeyDown'
> & {
  /** The committed value; the draft follows it when it changes from outside. */
  value: string;
  /** Called with the draft on blur or Enter, only when it differs from `value`. */
  onCommit: (value: string) => void;
};

/** An `Input` with a local draft, committed on blur or Enter. */
export function CommitInput({ value, onCommit, ...rest }: CommitInputProps) {
  const [draft, setDraft] = useState(value);
  // A new committed value (another editor, undo, a migration) replaces whatever was being typed.
  useEffect(() => setDraft(value), [value]);
  const commit = () => {
    if (draft !== value) onCommit(draft);
  };
  return (
    <Input
      {...rest}
      value={draft}
      onChange={(e) => setDraft(e.currentTarget.value)}
      onBlur={commit}
      onKeyDown={(e: KeyboardEvent<HTMLInputElement>) => {
        if (e.key === 'Enter') commit();
      }}
    />
  );
}

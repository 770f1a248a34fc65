/**
 * Editor for a list of tag conditions (`key operator value`, ANDed), shared by the query and variable
 * editors. Values may contain template variables: the query builders escape them, so nothing is escaped here.
 *
 * @packageDocumentation
 */
import { useId } from 'react';
import { Button, Combobox, IconButton, Stack, type ComboboxOption } from '@grafana/ui';
import type { TagFilter } from '../../types';
import { CommitInput } from '../CommitInput/CommitInput';

/** The operators InfluxQL offers on tags, with what each does. */
export const FILTER_OPERATORS: Array<ComboboxOption<TagFilter['operator']>> = [
  { value: '=', label: '=', description: 'equals' },
  { value: '!=', label: '!=', description: 'does not equal' },
  { value: '=~', label: '=~', description: 'matches the regular expression' },
  { value: '!~', label: '!~', description: 'does not match the regular expression' },
];

/** Props of {@link TagFiltersEditor}. */
export interface TagFiltersEditorProps {
  filters: TagFilter[];
  /** Tag keys offered in the key picker; any other key can be typed. */
  keys: readonly string[];
  /**
   * The new list. `run` is false for a change that cannot change results yet (a row just added, still
   * without a value), so the caller stores it without running the query.
   */
  onChange: (filters: TagFilter[], run: boolean) => void;
  /** Names the group of rows (InlineField passes its label's id). */
  'aria-labelledby'?: string;
}

/** Rows of `key operator value` with add and remove buttons. */
export function TagFiltersEditor({
  filters,
  keys,
  onChange,
  'aria-labelledby': labelledBy,
}: TagFiltersEditorProps) {
  const id = useId();
  const keyOptions = (current: string): Array<ComboboxOption<string>> => {
    const all = keys.includes(current) || current === '' ? keys : [...keys, current];
    return all.map((k) => ({ value: k, label: k }));
  };
  const update = (index: number, patch: Partial<TagFilter>) =>
    onChange(
      filters.map((f, i) => (i === index ? { ...f, ...patch } : f)),
      true,
    );
  return (
    <div role="group" aria-labelledby={labelledBy}>
      <Stack direction="column" gap={0.5}>
        {filters.map((filter, i) => {
          const row = `${id}-filter-${i}`;
          return (
            <Stack key={i} direction="row" gap={0.5} alignItems="center">
              {/* Hidden names for the row's controls. aria-labelledby, not aria-label: Combobox has no aria-label,
                and inside an InlineField the field's own aria-labelledby would win over an aria-label. */}
              <span id={`${row}-key-label`} hidden>{`Filter ${i + 1} key`}</span>
              <span id={`${row}-op-label`} hidden>{`Filter ${i + 1} operator`}</span>
              <span id={`${row}-value-label`} hidden>{`Filter ${i + 1} value`}</span>
              <Combobox
                id={`${row}-key`}
                aria-labelledby={`${row}-key-label`}
                width={20}
                options={keyOptions(filter.key)}
                value={filter.key === '' ? null : filter.key}
                createCustomValue
                placeholder="tag"
                onChange={(o) => update(i, { key: o.value })}
              />
              <Combobox
                id={`${row}-op`}
                aria-labelledby={`${row}-op-label`}
                width={10}
                options={FILTER_OPERATORS}
                value={filter.operator}
                onChange={(o) => update(i, { operator: o.value })}
              />
              <CommitInput
                id={`${row}-value`}
                aria-labelledby={`${row}-value-label`}
                width={30}
                placeholder="value or $variable"
                value={filter.value}
                onCommit={(value) => update(i, { value })}
              />
              <IconButton
                name="trash-alt"
                aria-label={`Remove filter ${i + 1}`}
                tooltip={`Remove filter ${i + 1}`}
                onClick={() =>
                  onChange(
                    filters.filter((_, j) => j !== i),
                    true,
                  )
                }
              />
            </Stack>
          );
        })}
        <div>
          <Button
            variant="secondary"
            size="sm"
            icon="plus"
            aria-label="Add filter"
            onClick={() => onChange([...filters, { key: keys[0] ?? '', operator: '=', value: '' }], false)}
          >
            Filter
          </Button>
        </div>
      </Stack>
    </div>
  );
}

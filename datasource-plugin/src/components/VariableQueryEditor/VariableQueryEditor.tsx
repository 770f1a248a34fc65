/**
 * The template variable query editor (`CustomVariableSupport.editor`): what to list (tenants, teams,
 * services, SKUs, budgets, environments, providers, or the values of any `cost` tag), optionally narrowed
 * by tag conditions such as `team = $team`.
 *
 * @packageDocumentation
 */
import { useId } from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { Combobox, InlineField, Stack, type ComboboxOption } from '@grafana/ui';
import type { DataSource } from '../../datasource';
import {
  COST_TAGS,
  type MeterlineOptions,
  type MeterlineQuery,
  type MeterlineVariableQuery,
} from '../../types';
import { TagFiltersEditor } from '../TagFiltersEditor/TagFiltersEditor';

/** Props Grafana passes to a custom variable editor. */
export type VariableQueryEditorProps = QueryEditorProps<
  DataSource,
  MeterlineQuery,
  MeterlineOptions,
  MeterlineVariableQuery
>;

type Kind = MeterlineVariableQuery['kind'];

/** What a variable can list, and where the values come from. */
export const VARIABLE_KINDS: Array<ComboboxOption<Kind>> = [
  { value: 'tenants', label: 'Tenants', description: 'tenant tag of priced telemetry' },
  { value: 'teams', label: 'Teams', description: 'team tag of priced telemetry' },
  { value: 'services', label: 'Services', description: 'service tag of priced telemetry' },
  { value: 'skus', label: 'SKUs', description: 'sku tag of priced telemetry' },
  { value: 'budgets', label: 'Budgets', description: 'budgets from meterline.yaml (cost_budget)' },
  { value: 'envs', label: 'Environments', description: 'env tag of priced telemetry' },
  { value: 'providers', label: 'Providers', description: 'provider tag of imported bills' },
  { value: 'tagValues', label: 'Tag values', description: 'values of any tag of priced telemetry' },
];

const LABEL_WIDTH = 14;

/**
 * The stored variable query as a {@link MeterlineVariableQuery}: a new variable has none yet, and one
 * saved as text by hand reads like `teams` or `tagValues(region)`.
 */
export function toVariableQuery(query: unknown, refId = 'variable'): MeterlineVariableQuery {
  if (typeof query === 'string') {
    const m = /^\s*tagValues\(\s*(\w+)\s*\)\s*$/.exec(query);
    if (m) return { refId, kind: 'tagValues', tag: m[1] };
    const kind = VARIABLE_KINDS.find((k) => k.value === query.trim())?.value;
    return { refId, kind: kind ?? 'tenants' };
  }
  const q = (query ?? {}) as Partial<MeterlineVariableQuery>;
  return { ...q, refId: q.refId ?? refId, kind: q.kind ?? 'tenants' };
}

/** Meterline's template variable query editor. */
export function VariableQueryEditor({ query, onChange, onRunQuery }: VariableQueryEditorProps) {
  const id = useId();
  const q = toVariableQuery(query);
  const commit = (patch: Partial<MeterlineVariableQuery>) => {
    onChange({ ...q, ...patch });
    onRunQuery();
  };
  const tagOptions: Array<ComboboxOption<string>> = [
    ...COST_TAGS,
    ...(q.tag && !(COST_TAGS as readonly string[]).includes(q.tag) ? [q.tag] : []),
  ].map((t) => ({ value: t, label: t }));
  return (
    <Stack direction="column" gap={0.5}>
      <InlineField
        label="List"
        labelWidth={LABEL_WIDTH}
        htmlFor={`${id}-kind`}
        tooltip="What the variable's values are"
      >
        <Combobox
          id={`${id}-kind`}
          width={32}
          options={VARIABLE_KINDS}
          value={q.kind}
          // The tag only means something for tagValues; keep the model clean when leaving it.
          onChange={(o) =>
            commit(
              o.value === 'tagValues'
                ? { kind: o.value, tag: q.tag ?? 'team' }
                : { kind: o.value, tag: undefined },
            )
          }
        />
      </InlineField>
      {q.kind === 'tagValues' && (
        <InlineField
          label="Tag"
          labelWidth={LABEL_WIDTH}
          htmlFor={`${id}-tag`}
          tooltip="A tag of the cost measurement"
        >
          <Combobox
            id={`${id}-tag`}
            width={32}
            options={tagOptions}
            value={q.tag ?? null}
            createCustomValue
            onChange={(o) => commit({ tag: o.value })}
          />
        </InlineField>
      )}
      <InlineField
        label="Filters"
        labelWidth={LABEL_WIDTH}
        tooltip="Only values seen with these tags, e.g. team = $team"
        useFieldset
      >
        <TagFiltersEditor
          filters={q.filters ?? []}
          keys={COST_TAGS}
          onChange={(filters, run) => {
            if (run) commit({ filters });
            else onChange({ ...q, filters });
          }}
        />
      </InlineField>
    </Stack>
  );
}

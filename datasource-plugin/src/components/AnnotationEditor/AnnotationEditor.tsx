/**
 * The annotation query editor (`annotations.QueryEditor` of the data source): which Meterline events become
 * annotations (deploys, anomalies, budget crossings from `cost_event`), optionally only for one service,
 * team or tenant. The fields accept `$variables`.
 *
 * @packageDocumentation
 */
import { useId } from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { InlineField, InlineFieldRow, MultiCombobox, Stack, type ComboboxOption } from '@grafana/ui';
import type { DataSource } from '../../datasource';
import type { MeterlineAnnotationQuery, MeterlineOptions, MeterlineQuery } from '../../types';
import { CommitInput } from '../CommitInput/CommitInput';

/**
 * Props Grafana passes to `AnnotationSupport.QueryEditor`: the annotation's target as the query (typed as
 * the data source's query, holding a {@link MeterlineAnnotationQuery}).
 */
export type AnnotationEditorProps = QueryEditorProps<DataSource, MeterlineQuery, MeterlineOptions>;

type EventKind = NonNullable<MeterlineAnnotationQuery['events']>[number];

/** The `cost_event` kinds that can become annotations. */
export const EVENT_KINDS: Array<ComboboxOption<EventKind>> = [
  { value: 'deploy', label: 'Deploys', description: 'service.version changes' },
  { value: 'anomaly', label: 'Anomalies', description: 'anomaly events, with their costliest traces' },
  { value: 'budget', label: 'Budget crossings', description: 'a budget passing a burn or spend threshold' },
];

/** Every kind, the default of a new annotation. */
export const ALL_EVENTS: EventKind[] = EVENT_KINDS.map((k) => k.value);

const LABEL_WIDTH = 14;

/** Meterline's annotation editor. */
export function AnnotationEditor({ query, onChange, onRunQuery }: AnnotationEditorProps) {
  const id = useId();
  const q = query as unknown as MeterlineAnnotationQuery;
  const commit = (patch: Partial<MeterlineAnnotationQuery>) => {
    onChange({ ...q, ...patch } as unknown as MeterlineQuery);
    onRunQuery();
  };
  const scope = (key: 'service' | 'team' | 'tenant', label: string) => (
    <InlineField
      label={label}
      labelWidth={LABEL_WIDTH}
      htmlFor={`${id}-${key}`}
      tooltip={`Only events of this ${key}; empty = all`}
    >
      <CommitInput
        id={`${id}-${key}`}
        width={24}
        placeholder="all"
        value={q[key] ?? ''}
        onCommit={(v) => commit({ [key]: v.trim() === '' ? undefined : v.trim() })}
      />
    </InlineField>
  );
  return (
    <Stack direction="column" gap={0.5}>
      <InlineField
        label="Events"
        labelWidth={LABEL_WIDTH}
        htmlFor={`${id}-events`}
        tooltip="Which Meterline events to show"
      >
        <MultiCombobox
          id={`${id}-events`}
          width={50}
          options={EVENT_KINDS}
          value={q.events ?? ALL_EVENTS}
          onChange={(opts) => commit({ events: ALL_EVENTS.filter((k) => opts.some((o) => o.value === k)) })}
        />
      </InlineField>
      <InlineFieldRow>
        {scope('service', 'Service')}
        {scope('team', 'Team')}
        {scope('tenant', 'Tenant')}
      </InlineFieldRow>
    </Stack>
  );
}

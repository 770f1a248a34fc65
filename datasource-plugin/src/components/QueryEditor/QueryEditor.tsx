/**
 * The panel query editor: a query type, then only the options that type uses (see `fields.ts`), then the
 * InfluxQL the query will run, so what a panel shows can always be traced to a statement.
 *
 * @packageDocumentation
 */
import { useId, useMemo, useState, type ReactElement } from 'react';
import type { QueryEditorProps } from '@grafana/data';
import {
  Alert,
  Combobox,
  InlineField,
  InlineFieldRow,
  MultiCombobox,
  RadioButtonGroup,
  Stack,
  TextArea,
  type ComboboxOption,
} from '@grafana/ui';
import type { DataSource } from '../../datasource';
import { buildQuery, migrateQuery } from '../../queries';
import {
  QueryBuildError,
  type BuildContext,
  type BuiltStatement,
  type Interpolator,
} from '../../queries/contract';
import {
  QUERY_TYPES,
  UNKNOWN_WINDOWS,
  type AnomalyDimension,
  type MeterlineOptions,
  type MeterlineQuery,
  type ProviderCostField,
  type QueryType,
  type SpendMode,
  type SpendSource,
  type UnknownSource,
} from '../../types';
import { CommitInput } from '../CommitInput/CommitInput';
import { TagFiltersEditor } from '../TagFiltersEditor/TagFiltersEditor';
import {
  BURN_METRIC_OPTIONS,
  WINDOW_OPTIONS,
  filterKeys,
  inOrder,
  spendTags,
  tagOption,
  visibleFields,
  type EditorField,
} from './fields';

/** Props Grafana passes to a data source's query editor. */
export type QueryEditorComponentProps = QueryEditorProps<DataSource, MeterlineQuery, MeterlineOptions>;

const LABEL_WIDTH = 18;

/**
 * Variables stay as typed in the preview: the editor has no values for them, and `$team` in a statement
 * says more than whatever the dashboard happens to have selected right now.
 */
export const VERBATIM_VARIABLES: Interpolator = { values: (text) => [text], raw: (text) => text };

/** What the preview shows: the statements, or why there are none. */
export type Preview = { statements: BuiltStatement[] } | { error: string };

/** Builds the statements of `query` for the preview; never throws. */
export function previewQuery(query: MeterlineQuery, ctx: BuildContext): Preview {
  try {
    return { statements: buildQuery(query, ctx) };
  } catch (err) {
    if (err instanceof QueryBuildError) return { error: err.message };
    // A builder bug must not take the whole editor down with it: say so where the preview would be.
    return {
      error: `Unexpected error while building the query: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

const SOURCE_OPTIONS: Array<{ value: string; label: string; description: string }> = [
  { value: 'telemetry', label: 'Telemetry', description: 'Priced spans and metrics (measurement cost)' },
  { value: 'provider', label: 'Provider bills', description: 'Imported exports (measurement provider_cost)' },
  { value: 'telemetry+provider', label: 'Both', description: 'Both measurements, as separate series' },
];

const PROVIDER_FIELD_OPTIONS: Array<{ value: ProviderCostField; label: string; description: string }> = [
  { value: 'billed', label: 'Billed', description: 'FOCUS BilledCost: what the invoice says' },
  { value: 'effective', label: 'Effective', description: 'FOCUS EffectiveCost: with commitments amortised' },
  { value: 'list', label: 'List', description: 'FOCUS ListCost: at public list prices' },
];

const MODE_OPTIONS: Array<{ value: SpendMode; label: string; description: string }> = [
  { value: 'rate', label: 'Per interval', description: 'Spend in each interval bucket' },
  { value: 'cumulative', label: 'Cumulative', description: 'Running total from the start of the range' },
];

const UNKNOWN_SOURCE_OPTIONS: Array<{ value: UnknownSource; label: string }> = [
  { value: 'all', label: 'All' },
  { value: 'telemetry', label: 'Telemetry' },
  { value: 'export', label: 'Provider exports' },
];

const DIMENSION_OPTIONS: Array<{ value: AnomalyDimension; label: string }> = [
  { value: 'team', label: 'Team' },
  { value: 'service', label: 'Service' },
  { value: 'tenant', label: 'Tenant' },
];

const QUERY_TYPE_OPTIONS: Array<ComboboxOption<QueryType>> = QUERY_TYPES.map((t) => ({
  value: t.value,
  label: t.label,
  description: t.description,
}));

/** Meterline's query editor. */
export function QueryEditor(props: QueryEditorComponentProps) {
  const { query, onChange, onRunQuery, datasource, range } = props;
  const id = useId();
  // The editor works on the current model with every default filled (DEFAULT_QUERY under the query), and
  // an older saved query (version 0) upgraded: an edit writes the whole upgraded model back.
  const q = useMemo(() => migrateQuery(query), [query]);
  const show = visibleFields(q);
  const [limitError, setLimitError] = useState<string | undefined>();

  const settings = datasource.instanceSettings?.jsonData ?? {};
  const fromMs = range?.from.valueOf();
  const toMs = range?.to.valueOf();
  const preview = useMemo(() => {
    // Without a range (e.g. an editor shown outside a panel), preview the last 6 hours.
    const to = toMs ?? Date.now();
    const ctx: BuildContext = {
      fromMs: fromMs ?? to - 6 * 3_600_000,
      toMs: to,
      intervalMs: 60_000,
      vars: VERBATIM_VARIABLES,
      settings,
    };
    return previewQuery(q, ctx);
  }, [q, fromMs, toMs, settings]);

  /** Stores a change without running it (it cannot change results yet). */
  const stage = (patch: Partial<MeterlineQuery>) => onChange({ ...q, ...patch });
  /** Stores a change and runs the query. */
  const commit = (patch: Partial<MeterlineQuery>) => {
    stage(patch);
    onRunQuery();
  };

  const fid = (field: EditorField) => `${id}-${field}`;
  const row = (field: EditorField, label: string, tooltip: string, control: ReactElement, error?: string) =>
    show.has(field) ? (
      <InlineField
        label={label}
        labelWidth={LABEL_WIDTH}
        tooltip={tooltip}
        htmlFor={fid(field)}
        invalid={error !== undefined}
        error={error}
      >
        {control}
      </InlineField>
    ) : null;

  const typeInfo = QUERY_TYPES.find((t) => t.value === q.queryType);
  const sourcesKey =
    inOrder(q.sources ?? [], ['telemetry', 'provider'] as SpendSource[]).join('+') || 'telemetry';

  return (
    <Stack direction="column" gap={0.5}>
      <InlineFieldRow>
        <InlineField
          label="Query type"
          labelWidth={LABEL_WIDTH}
          htmlFor={`${id}-queryType`}
          tooltip={typeInfo?.description}
        >
          <Combobox
            id={`${id}-queryType`}
            width={32}
            options={QUERY_TYPE_OPTIONS}
            value={q.queryType}
            onChange={(o) => commit({ queryType: o.value })}
          />
        </InlineField>
      </InlineFieldRow>

      {/* spend */}
      <InlineFieldRow>
        {row(
          'sources',
          'Sources',
          'Which measurements to read: priced telemetry (cost), imported provider bills (provider_cost), or both',
          <RadioButtonGroup
            id={fid('sources')}
            options={SOURCE_OPTIONS}
            value={sourcesKey}
            onChange={(v) => commit({ sources: v.split('+') as SpendSource[] })}
          />,
        )}
        {row(
          'providerField',
          'Provider cost',
          'Which FOCUS cost column of provider bills to sum',
          <RadioButtonGroup
            id={fid('providerField')}
            options={PROVIDER_FIELD_OPTIONS}
            value={q.providerField}
            onChange={(v) => commit({ providerField: v })}
          />,
        )}
      </InlineFieldRow>
      {row(
        'groupBy',
        'Group by',
        'One series per combination of these tags; none = one total',
        <MultiCombobox
          id={fid('groupBy')}
          width={60}
          options={spendTags(q).map(tagOption)}
          value={q.groupBy ?? []}
          onChange={(opts) =>
            commit({
              groupBy: inOrder(
                opts.map((o) => o.value),
                spendTags(q),
              ),
            })
          }
        />,
      )}
      <InlineFieldRow>
        {row(
          'mode',
          'Mode',
          'Spend per interval bucket, or the running total from the start of the time range',
          <RadioButtonGroup
            id={fid('mode')}
            options={MODE_OPTIONS}
            value={q.mode}
            onChange={(v) => commit({ mode: v })}
          />,
        )}
        {row(
          'interval',
          'Interval',
          "Bucket width, e.g. 1h or $__interval; empty = Grafana's interval (never finer than the 1-minute rollups)",
          <CommitInput
            id={fid('interval')}
            width={16}
            placeholder="auto"
            value={q.interval ?? ''}
            onCommit={(v) => commit({ interval: v.trim() })}
          />,
        )}
      </InlineFieldRow>

      {/* burn */}
      {row(
        'budget',
        'Budget',
        'Budget name from meterline.yaml (a $variable is fine); empty = every budget',
        <CommitInput
          id={fid('budget')}
          width={32}
          placeholder="all budgets"
          value={q.budget ?? ''}
          onCommit={(v) => commit({ budget: v.trim() })}
        />,
      )}
      {row(
        'windows',
        'Windows',
        'Burn-rate windows; 1.0 means on pace to use exactly the budget',
        <MultiCombobox
          id={fid('windows')}
          width={40}
          options={WINDOW_OPTIONS}
          value={q.windows ?? []}
          onChange={(opts) =>
            commit({
              windows: inOrder(
                opts.map((o) => o.value),
                WINDOW_OPTIONS.map((o) => o.value),
              ),
            })
          }
        />,
      )}
      {row(
        'burnMetrics',
        'Show',
        'What to return per budget besides the burn rate',
        <MultiCombobox
          id={fid('burnMetrics')}
          width={60}
          options={BURN_METRIC_OPTIONS}
          value={q.burnMetrics ?? []}
          onChange={(opts) =>
            commit({
              burnMetrics: inOrder(
                opts.map((o) => o.value),
                BURN_METRIC_OPTIONS.map((o) => o.value),
              ),
            })
          }
        />,
      )}

      {/* unknown attribution */}
      <InlineFieldRow>
        {row(
          'unknownView',
          'View',
          'The unknown share of spend over time, or the top sources nobody owns',
          <RadioButtonGroup
            id={fid('unknownView')}
            options={[
              { value: 'ratio' as const, label: 'Ratio over time' },
              { value: 'sources' as const, label: 'Top sources' },
            ]}
            value={q.unknownView}
            onChange={(v) => commit({ unknownView: v })}
          />,
        )}
        {row(
          'unknownWindow',
          'Window',
          'The window the signals loop evaluates the ratio over',
          <RadioButtonGroup
            id={fid('unknownWindow')}
            options={UNKNOWN_WINDOWS.map((w) => ({ value: w, label: w }))}
            value={q.unknownWindow}
            onChange={(v) => commit({ unknownWindow: v })}
          />,
        )}
        {row(
          'unknownSource',
          'Source',
          'Priced telemetry, provider exports, or both',
          <RadioButtonGroup
            id={fid('unknownSource')}
            options={UNKNOWN_SOURCE_OPTIONS}
            value={q.unknownSource}
            onChange={(v) => commit({ unknownSource: v })}
          />,
        )}
      </InlineFieldRow>

      {/* anomalies */}
      <InlineFieldRow>
        {row(
          'anomalyView',
          'View',
          'Score with its expected band, or anomaly events with their traces and deploys',
          <RadioButtonGroup
            id={fid('anomalyView')}
            options={[
              { value: 'series' as const, label: 'Score & band' },
              { value: 'events' as const, label: 'Events' },
            ]}
            value={q.anomalyView}
            onChange={(v) => commit({ anomalyView: v })}
          />,
        )}
        {row(
          'dimension',
          'Dimension',
          'Anomaly scores are kept per team, per service and per tenant',
          <RadioButtonGroup
            id={fid('dimension')}
            options={DIMENSION_OPTIONS}
            value={q.dimension}
            onChange={(v) => commit({ dimension: v })}
          />,
        )}
      </InlineFieldRow>
      {row(
        'dimensionValue',
        'Value',
        'The team/service/tenant to show (a $variable is fine); empty = all of them',
        <CommitInput
          id={fid('dimensionValue')}
          width={32}
          placeholder={`all ${q.dimension ?? 'team'}s`}
          value={q.dimensionValue ?? ''}
          onCommit={(v) => commit({ dimensionValue: v.trim() })}
        />,
      )}

      {/* cost per transaction */}
      <InlineFieldRow>
        {row(
          'service',
          'Service',
          'The service whose spend is divided by its request count (required; a $variable is fine)',
          <CommitInput
            id={fid('service')}
            width={32}
            placeholder="checkout"
            value={q.service ?? ''}
            onCommit={(v) => commit({ service: v.trim() })}
          />,
        )}
        {row(
          'requestSku',
          'Request SKU',
          "The SKU whose events count transactions, e.g. requests; empty = every SKU's events of the service",
          <CommitInput
            id={fid('requestSku')}
            width={24}
            placeholder="every SKU"
            value={q.requestSku ?? ''}
            onCommit={(v) => commit({ requestSku: v.trim() })}
          />,
        )}
      </InlineFieldRow>

      {/* traces, unknown sources */}
      {row(
        'limit',
        'Limit',
        'How many rows to return',
        <CommitInput
          id={fid('limit')}
          width={12}
          type="number"
          min={1}
          value={String(q.limit ?? '')}
          onCommit={(v) => {
            const n = Number(v);
            if (!Number.isInteger(n) || n < 1) {
              setLimitError('A whole number, 1 or more');
              return;
            }
            setLimitError(undefined);
            commit({ limit: n });
          }}
        />,
        limitError,
      )}

      {/* raw */}
      {row(
        'rawQuery',
        'InfluxQL',
        'Any InfluxQL; $timeFilter, $__interval and variables are replaced (and escaped) before it runs',
        <RawQueryInput
          id={fid('rawQuery')}
          value={q.rawQuery ?? ''}
          onCommit={(v) => commit({ rawQuery: v })}
        />,
      )}
      {row(
        'rawFormat',
        'Format',
        'Time series (one frame per series) or a table',
        <RadioButtonGroup
          id={fid('rawFormat')}
          options={[
            { value: 'time_series' as const, label: 'Time series' },
            { value: 'table' as const, label: 'Table' },
          ]}
          value={q.rawFormat}
          onChange={(v) => commit({ rawFormat: v })}
        />,
      )}

      {show.has('filters') && (
        <InlineField
          label="Filters"
          labelWidth={LABEL_WIDTH}
          tooltip="Tag conditions, all of which must hold"
          useFieldset
        >
          <TagFiltersEditor
            filters={q.filters ?? []}
            keys={filterKeys(q)}
            onChange={(filters, run) => (run ? commit({ filters }) : stage({ filters }))}
          />
        </InlineField>
      )}

      <PreviewBox id={`${id}-preview`} preview={preview} />
    </Stack>
  );
}

/** The raw InfluxQL text area, committed on blur (a query per keystroke would be a flood). */
function RawQueryInput({
  id,
  value,
  onCommit,
}: {
  id: string;
  value: string;
  onCommit: (v: string) => void;
}) {
  const [draft, setDraft] = useState(value);
  const [seen, setSeen] = useState(value);
  // Follow a value changed from outside (same idea as CommitInput, without an effect).
  if (value !== seen) {
    setSeen(value);
    setDraft(value);
  }
  return (
    <TextArea
      id={id}
      cols={80}
      rows={4}
      spellCheck={false}
      placeholder='SELECT sum("amount_nano") FROM "cost" WHERE $timeFilter GROUP BY time($__interval), "team"'
      value={draft}
      onChange={(e) => setDraft(e.currentTarget.value)}
      onBlur={() => {
        if (draft !== value) onCommit(draft);
      }}
      style={{ fontFamily: 'monospace' }}
    />
  );
}

/** The statements the query runs, or why it cannot be built. */
function PreviewBox({ id, preview }: { id: string; preview: Preview }) {
  return (
    <section aria-labelledby={id}>
      <div id={id} style={{ fontSize: '12px', fontWeight: 500, margin: '4px 0' }}>
        InfluxQL preview
      </div>
      {'error' in preview ? (
        <Alert severity="warning" title="This query cannot be built" bottomSpacing={0}>
          {preview.error}
        </Alert>
      ) : preview.statements.length === 0 ? (
        <div>Nothing to run.</div>
      ) : (
        <pre style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word', margin: 0, fontSize: '12px' }}>
          {preview.statements.map((s) => s.text).join(';\n')}
        </pre>
      )}
    </section>
  );
}

/**
 * Which options each query type uses, in one table, so the editor shows exactly those and the tests can
 * check the editor against it. The query model keeps every field (switching types back and forth loses
 * nothing); the builders ignore what their type does not use.
 *
 * @packageDocumentation
 */
import type { ComboboxOption } from '@grafana/ui';
import {
  BURN_WINDOWS,
  COST_TAGS,
  PROVIDER_TAGS,
  type BurnMetric,
  type MeterlineQuery,
  type QueryType,
  type SpendTag,
} from '../../types';

/** An option of the query editor, named after the {@link MeterlineQuery} field it edits. */
export type EditorField =
  | 'sources'
  | 'providerField'
  | 'groupBy'
  | 'mode'
  | 'interval'
  | 'filters'
  | 'budget'
  | 'windows'
  | 'burnMetrics'
  | 'unknownView'
  | 'unknownWindow'
  | 'unknownSource'
  | 'anomalyView'
  | 'dimension'
  | 'dimensionValue'
  | 'service'
  | 'requestSku'
  | 'limit'
  | 'rawQuery'
  | 'rawFormat';

/** Every editor field, for tests that check what is hidden. */
export const ALL_FIELDS: readonly EditorField[] = [
  'sources',
  'providerField',
  'groupBy',
  'mode',
  'interval',
  'filters',
  'budget',
  'windows',
  'burnMetrics',
  'unknownView',
  'unknownWindow',
  'unknownSource',
  'anomalyView',
  'dimension',
  'dimensionValue',
  'service',
  'requestSku',
  'limit',
  'rawQuery',
  'rawFormat',
];

/**
 * The fields a (defaulted) query's type uses, as its builder in `queries/` reads them. Some depend on
 * another choice of the same type: the provider cost field only matters when provider bills are read; the
 * unknown-attribution table has a limit and filters, its ratio series a window and an interval.
 */
export function visibleFields(query: MeterlineQuery): Set<EditorField> {
  const type: QueryType = query.queryType ?? 'spend';
  switch (type) {
    case 'spend': {
      const fields: EditorField[] = ['sources', 'groupBy', 'mode', 'interval', 'filters'];
      if ((query.sources ?? []).includes('provider')) fields.splice(1, 0, 'providerField');
      return new Set(fields);
    }
    case 'burn':
      return new Set(['budget', 'windows', 'burnMetrics', 'interval']);
    case 'unknown':
      return new Set(
        query.unknownView === 'sources'
          ? ['unknownView', 'unknownSource', 'limit', 'filters']
          : ['unknownView', 'unknownWindow', 'unknownSource', 'interval'],
      );
    case 'anomalies':
      return new Set(['anomalyView', 'dimension', 'dimensionValue']);
    case 'drift':
      return new Set(['filters']);
    case 'perTransaction':
      return new Set(['service', 'requestSku', 'interval', 'filters']);
    case 'traces':
      return new Set(['limit', 'filters']);
    case 'raw':
      return new Set(['rawQuery', 'rawFormat']);
  }
}

/** The tags a spend query can group by or filter on, for the measurements it reads. */
export function spendTags(query: MeterlineQuery): SpendTag[] {
  const sources = query.sources ?? ['telemetry'];
  const out: SpendTag[] = [];
  if (sources.includes('telemetry')) out.push(...COST_TAGS);
  if (sources.includes('provider')) for (const t of PROVIDER_TAGS) if (!out.includes(t)) out.push(t);
  return out;
}

/** Tag keys offered in the filter editor of a query type. */
export function filterKeys(query: MeterlineQuery): readonly string[] {
  switch (query.queryType ?? 'spend') {
    case 'spend':
      return spendTags(query);
    case 'unknown':
      return query.unknownSource === 'telemetry'
        ? COST_TAGS
        : query.unknownSource === 'export'
          ? PROVIDER_TAGS
          : spendTags({ ...query, sources: ['telemetry', 'provider'] });
    case 'perTransaction':
      return COST_TAGS;
    case 'traces':
      // cost_exemplar's tags
      return ['service', 'tenant', 'sku'];
    case 'drift':
      // cost_signal signal=drift_ratio is kept per provider and account (and team, for team rows)
      return ['provider', 'account', 'team', 'currency'];
    default:
      return COST_TAGS;
  }
}

/** Where each spend tag exists, shown as the group-by option's description. */
export function tagOption(tag: SpendTag): ComboboxOption<SpendTag> {
  const inCost = (COST_TAGS as readonly string[]).includes(tag);
  const inProvider = (PROVIDER_TAGS as readonly string[]).includes(tag);
  const where =
    inCost && inProvider ? 'telemetry and provider bills' : inCost ? 'telemetry only' : 'provider bills only';
  return { value: tag, label: tag, description: where };
}

/** The burn-rate windows, in the order the signals loop evaluates them. */
export const WINDOW_OPTIONS: Array<ComboboxOption<(typeof BURN_WINDOWS)[number]>> = BURN_WINDOWS.map((w) => ({
  value: w,
  label: w,
}));

/** What a burn query can return besides the burn rate. */
export const BURN_METRIC_OPTIONS: Array<ComboboxOption<BurnMetric>> = [
  { value: 'burn', label: 'Burn rate', description: 'spend ÷ budget pace per window (1 = on track)' },
  { value: 'projected', label: 'Projected spend', description: 'period-end spend at the current pace' },
  { value: 'exhaustion', label: 'Time to exhaustion', description: 'when the budget runs out at this pace' },
  { value: 'budget', label: 'Budget', description: 'the budget amount of the period' },
  { value: 'spent', label: 'Spent', description: 'spend so far in the period' },
];

/** Puts a multi-selection in its canonical order (the order of `all`), so equal choices build equal queries. */
export function inOrder<T>(selected: readonly T[], all: readonly T[]): T[] {
  return all.filter((v) => selected.includes(v));
}

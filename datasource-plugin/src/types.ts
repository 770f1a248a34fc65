/**
 * The data source's typed models: the query every panel stores (with its version for migrations), the
 * settings an admin saves (`jsonData`, and `secureJsonData`, which never comes back to the browser), and the
 * tag vocabulary of Meterline's InfluxDB data contract (ARCHITECTURE.md, "InfluxDB data contract").
 *
 * @packageDocumentation
 */
import type { DataQuery, DataSourceJsonData } from '@grafana/schema';

/** The version of {@link MeterlineQuery} this build writes; `migrateQuery` upgrades anything older. */
export const QUERY_MODEL_VERSION = 1;

/** What a query asks for; each has its own builder in `query/` and its own frames. */
export type QueryType =
  'spend' | 'burn' | 'unknown' | 'anomalies' | 'drift' | 'perTransaction' | 'traces' | 'raw';

/** The query types in the order the editor offers them, with what each shows. */
export const QUERY_TYPES: ReadonlyArray<{ value: QueryType; label: string; description: string }> = [
  {
    value: 'spend',
    label: 'Spend',
    description: 'Priced telemetry and provider bills over time, grouped by any tag',
  },
  {
    value: 'burn',
    label: 'Burn rate & budgets',
    description: 'Budget burn rate per window, projected period-end spend, time to exhaustion',
  },
  {
    value: 'unknown',
    label: 'Unknown attribution',
    description: 'Share of spend no rule attributed, and its top sources',
  },
  {
    value: 'anomalies',
    label: 'Anomalies',
    description: 'Anomaly score, expected band and actual spend; anomaly events with traces and deploys',
  },
  {
    value: 'drift',
    label: 'Reconciliation drift',
    description: 'Billed vs modelled spend per day and provider/account',
  },
  {
    value: 'perTransaction',
    label: 'Cost per transaction',
    description: "A service's spend divided by its request count",
  },
  {
    value: 'traces',
    label: 'Top costly traces',
    description: 'The costliest spans kept as exemplars, linked to Tempo',
  },
  {
    value: 'raw',
    label: 'Raw InfluxQL',
    description: 'Any InfluxQL, with the same macros and variable escaping',
  },
];

/** Tags of the `cost` measurement (priced telemetry), in the data contract's order. */
export const COST_TAGS = [
  'tenant',
  'team',
  'center',
  'service',
  'version',
  'sku',
  'env',
  'region',
  'attribution',
  'currency',
] as const;

/** Tags of the `provider_cost` measurement (imported provider exports). */
export const PROVIDER_TAGS = [
  'provider',
  'account',
  'sub_account',
  'service',
  'category',
  'region',
  'sku',
  'tenant',
  'team',
  'attribution',
  'currency',
  'charge',
] as const;

/** A tag a spend query may group by or filter on (a tag of `cost`, of `provider_cost`, or both). */
export type SpendTag = (typeof COST_TAGS)[number] | (typeof PROVIDER_TAGS)[number];

/** Which measurement(s) a spend query reads. */
export type SpendSource = 'telemetry' | 'provider';

/** Which money field of `provider_cost` a spend query sums (FOCUS BilledCost, EffectiveCost, ListCost). */
export type ProviderCostField = 'billed' | 'effective' | 'list';

/** How a spend series is shown: spend per interval bucket, or running total from the range start. */
export type SpendMode = 'rate' | 'cumulative';

/** A condition on a tag. `value` may hold template variables; they are escaped when interpolated. */
export interface TagFilter {
  key: string;
  operator: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** The burn-rate windows the signals loop evaluates (`cost_signal signal=burn_rate window=…`). */
export const BURN_WINDOWS = ['5m', '1h', '6h', '1d', '3d'] as const;
export type BurnWindow = (typeof BURN_WINDOWS)[number];

/** What a burn query returns besides the burn rate per window. */
export type BurnMetric = 'burn' | 'projected' | 'exhaustion' | 'budget' | 'spent';

/** The windows of `cost_signal signal=unknown_ratio`. */
export const UNKNOWN_WINDOWS = ['1h', '1d'] as const;
export type UnknownWindow = (typeof UNKNOWN_WINDOWS)[number];

/** `source` tag of `cost_signal signal=unknown_ratio`. */
export type UnknownSource = 'telemetry' | 'export' | 'all';

/** The dimensions anomaly scores are kept per (`cost_signal signal=anomaly_score`, one tag each). */
export type AnomalyDimension = 'team' | 'service' | 'tenant';

/** The query every panel target stores. Fields not used by its `queryType` are kept but ignored. */
export interface MeterlineQuery extends DataQuery {
  /** {@link QUERY_MODEL_VERSION} of the build that last saved it. */
  version?: number;
  queryType?: QueryType;
  /** Tag conditions, ANDed (spend, unknown sources, per transaction, traces, drift). */
  filters?: TagFilter[];

  // spend
  sources?: SpendSource[];
  groupBy?: SpendTag[];
  mode?: SpendMode;
  providerField?: ProviderCostField;
  /** Bucket width, e.g. `1h`; empty = Grafana's `$__interval` (never finer than the 1-minute rollups). */
  interval?: string;

  // burn
  /** Budget name (a `$variable` is fine); empty = every budget. */
  budget?: string;
  windows?: BurnWindow[];
  burnMetrics?: BurnMetric[];

  // unknown
  unknownView?: 'ratio' | 'sources';
  unknownWindow?: UnknownWindow;
  unknownSource?: UnknownSource;

  // anomalies
  anomalyView?: 'series' | 'events';
  dimension?: AnomalyDimension;
  /** The team/service/tenant whose series to show; empty = all of the dimension. */
  dimensionValue?: string;

  // per transaction
  service?: string;
  /** The SKU whose `events` count transactions (e.g. `requests`); empty = every SKU's events of the service. */
  requestSku?: string;

  // traces and unknown sources
  limit?: number;

  // raw
  rawQuery?: string;
  rawFormat?: 'time_series' | 'table';
}

/** Defaults merged under every query (the editor and `query()` both use them). */
export const DEFAULT_QUERY: Required<Pick<MeterlineQuery, 'version' | 'queryType'>> &
  Partial<MeterlineQuery> = {
  version: QUERY_MODEL_VERSION,
  queryType: 'spend',
  filters: [],
  sources: ['telemetry'],
  groupBy: ['team'],
  mode: 'rate',
  providerField: 'billed',
  interval: '',
  budget: '',
  windows: ['1h', '6h', '1d', '3d'],
  burnMetrics: ['burn', 'projected', 'exhaustion', 'budget', 'spent'],
  unknownView: 'ratio',
  unknownWindow: '1h',
  unknownSource: 'all',
  anomalyView: 'series',
  dimension: 'team',
  dimensionValue: '',
  service: '',
  requestSku: '',
  limit: 10,
  rawQuery: '',
  rawFormat: 'time_series',
};

/** How the data source authenticates to InfluxDB; each maps to a `routes` entry in plugin.json. */
export type AuthMethod = 'none' | 'password' | 'token';

/** Which InfluxDB the URL points at: all are read through the v1 `/query` API. */
export type InfluxFlavor = 'v1' | 'v2' | 'v3';

/** Settings saved in `jsonData` (visible to the browser: never a secret here). */
export interface MeterlineOptions extends DataSourceJsonData {
  /** InfluxDB base URL, e.g. `http://influxdb:8086`; the data proxy routes forward to it. */
  influxUrl?: string;
  flavor?: InfluxFlavor;
  auth?: AuthMethod;
  /** v1 database, or the bucket's v1 mapping name on 2.x/3.x. */
  database?: string;
  /** Optional retention policy (v1) the measurements live in. */
  retentionPolicy?: string;
  /** v1 user (with `auth: 'password'`); the password is in secureJsonData. */
  user?: string;
  /** v2/v3 organization and bucket, shown for reference and used as the database when `database` is empty. */
  organization?: string;
  bucket?: string;
  /** ISO 4217 code assumed for display when a series has no `currency` tag. */
  defaultCurrency?: string;
  /** Show money as `$1.23` (symbol) or `1.23 USD` (code). */
  currencyDisplay?: 'symbol' | 'code';
  /** uid of the Tempo data source trace IDs link to. */
  tempoUid?: string;
  /** Budgets display: show burn rates as a percentage of pace (100%) instead of a ratio (1.0). */
  burnAsPercent?: boolean;
  /** Budgets display: the burn rate from which a window is shown as critical. */
  burnCritical?: number;
}

/** Settings saved encrypted; Grafana's proxy injects them and never sends them to the browser. */
export interface MeterlineSecureJsonData {
  password?: string;
  token?: string;
}

/**
 * Template variable queries (`VariableSupport`): what to list. A `DataQuery` (with a `refId`) because
 * `CustomVariableSupport` and its editor's props require one.
 */
export interface MeterlineVariableQuery extends DataQuery {
  kind: 'tenants' | 'teams' | 'services' | 'skus' | 'budgets' | 'envs' | 'providers' | 'tagValues';
  /** For `tagValues`: which tag of `cost`. */
  tag?: string;
  /** Optional narrowing, e.g. services of `team = $team`. */
  filters?: TagFilter[];
}

/** Annotation queries: which `cost_event`/`cost_signal` points become annotations. */
export interface MeterlineAnnotationQuery extends DataQuery {
  events?: Array<'deploy' | 'anomaly' | 'budget'>;
  service?: string;
  team?: string;
  tenant?: string;
}

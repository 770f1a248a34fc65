/**
 * The shape of `meterline.yaml` after validation.
 *
 * Money and prices are decimal strings in the file and stay strings here: they are turned into
 * `Decimal` by the pricing catalog, never into floats. Times are ISO-8601 strings in the file and
 * epoch milliseconds here.
 */

/** Top-level Meterline configuration. */
export interface MeterlineConfig {
  catalog: CatalogConfig;
  skus: SkuRuleConfig[];
  attribution: AttributionConfig;
  budgets: BudgetConfig[];
  influx?: InfluxConfig;
  forward: ForwardConfig[];
  /** `meterline serve` (the OTLP receiver); defaults apply when absent. */
  serve: ServeConfig;
  /**
   * `meterline reconcile` (provider bills vs modelled telemetry cost). Optional in the file and here:
   * absent means the defaults of {@link ReconcileConfig} (see `CONFIG_DEFAULTS.reconcile`).
   */
  reconcile?: ReconcileConfig;
  /**
   * `meterline signals` and the signals loop of `meterline serve` (burn rate, unknown attribution,
   * anomalies). Optional in the file and here: absent means the defaults of {@link SignalsConfig} with
   * `enabled` true only when budgets are configured (see `CONFIG_DEFAULTS.signals`).
   */
  signals?: SignalsConfig;
}

// ---------------------------------------------------------------- catalog

/** The pricing catalog: what each SKU costs, and when. */
export interface CatalogConfig {
  /** ISO 4217 code every amount can be converted into (default `USD`). */
  baseCurrency: string;
  skus: CatalogSkuConfig[];
  discounts: DiscountConfig[];
  exchangeRates: ExchangeRateConfig[];
}

export interface CatalogSkuConfig {
  /** Stable SKU id, e.g. `compute.gb_s`. */
  id: string;
  /** Unit of the quantity the price applies to, e.g. `request`, `GB-s`, `GB`, `GB-h`, `cpu-s`. */
  unit: string;
  description?: string;
  /** Price versions; the one in force at the usage time applies. At least one. */
  prices: PriceVersionConfig[];
}

export interface PriceVersionConfig {
  /** Epoch ms from which this price is in force (inclusive). */
  effectiveFrom: number;
  /** ISO 4217 currency of `unitPrice` and tier prices. */
  currency: string;
  /** Price per unit as a decimal string (e.g. `"0.0000004"`). The list price of a single unit. */
  unitPrice: string;
  /**
   * Volume tiers within a billing period, ordered by `upTo`; the last tier has no `upTo`.
   * Only applied where the period total is known (rollups per period, billing report);
   * a single span is priced at `unitPrice`.
   */
  tiers?: TierConfig[];
  /** Version label carried by every priced result; defaults to `<sku>@<ISO effectiveFrom>`. */
  version?: string;
}

export interface TierConfig {
  /** Upper bound (exclusive of the next tier) of the period quantity for this tier, decimal string; absent on the last tier. */
  upTo?: string;
  /** Price per unit inside this tier, decimal string. */
  unitPrice: string;
}

/** A percentage discount or commitment, applied to period totals. */
export interface DiscountConfig {
  id: string;
  /** Percent off as a decimal string, `"0"`..`"100"`. */
  percent: string;
  /** SKUs it applies to; absent means every SKU. */
  skus?: string[];
  /** Epoch ms, inclusive. */
  effectiveFrom?: number;
  /** Epoch ms, exclusive. */
  effectiveTo?: number;
}

/** `1 <currency> = rate <baseCurrency>` from `effectiveFrom` on. */
export interface ExchangeRateConfig {
  currency: string;
  rate: string;
  effectiveFrom: number;
}

// ---------------------------------------------------------------- SKU rules

export type SpanKindName = 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type SpanStatusName = 'unset' | 'ok' | 'error';

/** Where an attribute is looked up. `any` = span/data-point attributes, then baggage, then resource. */
export type AttributeSource = 'attributes' | 'resource' | 'baggage' | 'any';

/** One condition on one attribute. Exactly one of the operators is set; none of them means "exists". */
export interface AttributeMatcher {
  key: string;
  /** Defaults to `any` in the file. */
  source: AttributeSource;
  equals?: string;
  in?: string[];
  prefix?: string;
  /** A JavaScript regular expression source, anchored by the author if wanted. */
  regex?: string;
  /** `true`: the attribute must be present; `false`: it must be absent. */
  exists?: boolean;
}

/** Which telemetry a SKU rule applies to. All listed conditions must hold. */
export interface SkuMatchConfig {
  signal: 'span' | 'metric';
  /** Span names or metric names (exact). */
  names?: string[];
  /** Spans only. */
  kinds?: SpanKindName[];
  /** Spans only. */
  statuses?: SpanStatusName[];
  attributes?: AttributeMatcher[];
}

/**
 * How to turn one span or data point into a quantity of the rule's SKU.
 * - `count`: 1 per span (or `scale` per span).
 * - `duration_memory`: span duration in seconds × memory in GB → GB-s. Memory from `memoryAttribute`
 *   (in `memoryUnit`, default MB; units are powers of 1024, as AWS Lambda and Cloud Run bill memory:
 *   128 MB = 0.125 GB) or, when that attribute is missing, the fixed `memoryGb`.
 * - `duration`: span duration in seconds × `scale` (CPU seconds of a single-threaded handler, say).
 * - `attribute`: a numeric attribute × `scale` (bytes → GB with `scale: "1e-9"`, CPU seconds, …).
 * - `sum`: a metric sum's value (deltas; cumulative sums are turned into deltas per stream with reset detection) × `scale`.
 * - `gauge_integral`: a gauge integrated over time, value × seconds since the stream's previous point / `per`
 *   seconds (default 3600: GB-h from GB) × `scale`.
 * - `count` also applies to metric data points (`scale` per point).
 * - `histogram_count` / `histogram_sum`: a histogram's count or sum (deltas, as for `sum`) × `scale`.
 */
export type QuantityConfig =
  | { type: 'count'; scale?: string }
  | { type: 'duration'; scale?: string }
  | {
      type: 'duration_memory';
      memoryAttribute?: string;
      memorySource?: AttributeSource;
      memoryUnit?: 'B' | 'KB' | 'MB' | 'GB';
      memoryGb?: string;
    }
  | { type: 'attribute'; attribute: string; source?: AttributeSource; scale?: string }
  | { type: 'sum'; scale?: string }
  | { type: 'gauge_integral'; per?: number; scale?: string }
  | { type: 'histogram_count'; scale?: string }
  | { type: 'histogram_sum'; scale?: string };

/** Maps matching telemetry to a quantity of one catalog SKU. Every matching rule emits (a span can carry several SKUs). */
export interface SkuRuleConfig {
  id: string;
  sku: string;
  match: SkuMatchConfig;
  quantity: QuantityConfig;
}

// ---------------------------------------------------------------- attribution

/** A value a rule assigns: a literal, or copied from an attribute (`{ from: "tenant.id" }`). */
export type AssignedValue = string | { from: string; source?: AttributeSource };

export interface AttributionRuleConfig {
  id: string;
  /** All must hold; an empty list matches everything (a catch-all). */
  match: AttributeMatcher[];
  set: { tenant?: AssignedValue; team?: AssignedValue; center?: AssignedValue };
}

/** When no rule set a field, look up `key` and map its value. */
export interface FallbackConfig {
  key: string;
  /** Defaults to `any` in the file. */
  source: AttributeSource;
  map: Record<string, { tenant?: string; team?: string; center?: string }>;
}

export interface AttributionConfig {
  /** Ordered: the first rule whose `match` holds decides; later rules are not consulted. */
  rules: AttributionRuleConfig[];
  /** Ordered fallbacks for fields the matching rule (if any) left unset. */
  fallbacks: FallbackConfig[];
}

// ---------------------------------------------------------------- budgets, influx, forward

export interface BudgetConfig {
  name: string;
  scope: { tenant?: string; team?: string; service?: string; center?: string };
  amount: string;
  currency: string;
  period: 'month' | 'week' | 'day';
  /** IANA time zone the period is measured in (default `UTC`). */
  timezone: string;
}

export interface InfluxConfig {
  url: string;
  /** v1 database (also the v1-compatibility database mapping on 2.x/3.x). */
  database?: string;
  retentionPolicy?: string;
  username?: string;
  password?: string;
  /** v2/v3 write path: all three set. */
  org?: string;
  bucket?: string;
  token?: string;
  /** Lines per write request (default 5000). */
  batchSize: number;
  /** Request timeout in ms (default 10000). */
  timeoutMs: number;
}

export interface ForwardConfig {
  /** OTLP/HTTP base URL, e.g. `http://tempo:4318`. */
  endpoint: string;
  /**
   * What this endpoint receives (default both). Tempo takes traces only: it answers `/v1/metrics` with 404,
   * so metrics sent there would be retried and dropped.
   */
  signals: Array<'traces' | 'metrics'>;
  headers: Record<string, string>;
  timeoutMs: number;
  /**
   * PEM file of the certificate authorities to trust for an `https` endpoint signed by a private CA
   * (instead of Node's bundled roots). Relative paths resolve against the working directory.
   */
  caFile?: string;
}

// ---------------------------------------------------------------- serve

/** The OTLP/HTTP cost processor service (`meterline serve`). */
export interface ServeConfig {
  /** `host:port` to listen on (default `127.0.0.1:4318`). */
  listen: string;
  /** Largest request body after decompression, bytes (default 64 MiB). */
  maxBodyBytes: number;
  /** When set, requests need `Authorization: Bearer <token>` (401 otherwise). */
  bearerToken?: string;
  /** Write-ahead log directory (default `./.meterline/wal`). */
  walDir: string;
  /** Above this many WAL bytes, requests get 503 + Retry-After (default 1 GiB). */
  walHighWaterBytes: number;
  /** How long a minute bucket accepts late data, ms (default 300000). */
  latenessMs: number;
  /** Span and data-point dedupe window, ms of receive time (default 600000). */
  dedupeWindowMs: number;
  /** How often open buckets are written to InfluxDB, ms (default 5000). */
  flushIntervalMs: number;
  /** How often a checkpoint lets the WAL be truncated, ms (default 30000). */
  checkpointIntervalMs: number;
  /** Costly spans kept per (service, tenant, SKU, minute) as `cost_exemplar` (default 5). */
  exemplarsPerKey: number;
}

// ---------------------------------------------------------------- reconcile

/**
 * How `meterline reconcile` compares provider bills (`provider_cost`) with Meterline's modelled telemetry
 * cost (`cost`) per UTC day: drift ratio = |billed − modelled| / |billed|.
 */
export interface ReconcileConfig {
  /** Largest acceptable drift ratio, a decimal string (default `"0.05"`, i.e. 5%). */
  threshold: string;
  /**
   * Provider charge categories (the `charge` tag of `provider_cost`, compared case-insensitively, stored
   * lower-case here) that telemetry models; other charges (tax, credits, purchases…) are left out of the
   * billed side. Default `['usage']`.
   */
  charges: string[];
  /**
   * Which telemetry belongs to which provider account. Telemetry has no account, so without entries all
   * telemetry of a day is compared with the bills of all accounts of that day. Ordered: a `cost` series
   * belongs to the first entry whose `match` holds; several entries may name the same account.
   */
  accounts: ReconcileAccountConfig[];
}

/** Telemetry cost series (selected by their `cost` tags) that a provider account bills for. */
export interface ReconcileAccountConfig {
  /** The `provider` tag of `provider_cost`, e.g. `AWS`. */
  provider: string;
  /** The `account` tag of `provider_cost` (a string: account ids keep their leading zeros). */
  account: string;
  /**
   * `cost` tag → value; all must be equal. Keys are `cost` tag keys (`service`, `env`, `region`, `team`…);
   * an empty mapping matches every series (a catch-all, useful as the last entry).
   */
  match: Record<string, string>;
}

// ---------------------------------------------------------------- signals

/**
 * How Meterline evaluates its signals from InfluxDB (`meterline signals`, and periodically inside
 * `meterline serve`): budget burn rates and projections, the unknown-attribution ratio, and anomaly scores
 * per team, service and tenant with `cost_event kind=anomaly` events.
 */
export interface SignalsConfig {
  /**
   * Whether `meterline serve` runs the signals loop. Default `true` when the `signals` section is written;
   * without the section, `true` only when budgets are configured.
   */
  enabled: boolean;
  /** Evaluation interval, ms (default 60000). Evaluation times are aligned down to it. */
  intervalMs: number;
  anomaly: SignalsAnomalyConfig;
  /** How far before an anomaly deploys (`cost_event kind=deploy`) are reported with it, ms (default 7200000). */
  deployLookbackMs: number;
}

/** Anomaly scoring of spend per team, service and tenant. */
export interface SignalsAnomalyConfig {
  /**
   * Width of a spend bucket as an InfluxQL duration in minutes or hours (`5m`, `15m`, `1h`; default `5m`):
   * at least one minute, at most a day, and a divisor of a day so buckets line up with hours and days.
   */
  bucket: string;
  /** History each series is scored against, whole days (default 14). */
  lookbackDays: number;
  /**
   * Score between 0 and 1 (exclusive) from which a bucket is anomalous and an event is written (default
   * 0.9); it also sets the detector's band (`lower`/`upper` are where the score reaches it).
   */
  threshold: number;
  /** Most series scored per evaluation, the costliest first; the rest are logged as skipped (default 500). */
  maxSeries: number;
}

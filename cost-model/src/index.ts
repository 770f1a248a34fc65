/**
 * @meterline/cost-model — exact money, the pricing catalog, SKU and attribution rules, rollup keys and the
 * `meterline.yaml` schema. Pure and browser-safe: no I/O, no Node built-ins; only `decimal.js`.
 */
export * from './config/types';
export { type ConfigIssue, ConfigError } from './config/errors';
export { CONFIG_DEFAULTS, parseIsoTime, validateConfig } from './config/schema';

export { D, ZERO, addMoney, formatAmount, fromNano, money, toNano, type Money } from './money/money';
export { INTERNAL_PRECISION, NANO_DECIMALS, ROUNDING_MODE, roundToNano } from './money/rounding';
export { DECIMAL_PATTERN, isDecimalString, parseDecimal } from './money/parse';

export { Catalog, UNKNOWN_PRICE_VERSION, type PriceVersion, type PricedUsage } from './pricing/catalog';
export { tieredAmount, type Tier } from './pricing/tiers';
export { applyDiscounts, discountApplies } from './pricing/discounts';
export { ExchangeRates } from './pricing/fx';
export { PeriodPricer, periodStart, type BillingPeriod } from './pricing/period-pricer';

export {
  attrToNumber,
  attrToString,
  type AttrValue,
  type Attributes,
  type BaggageLike,
  type DataPointInput,
  type SpanInput,
  type Usage,
} from './telemetry/inputs';

export {
  MEMORY_UNIT_GB,
  METRIC_QUANTITY_TYPES,
  SPAN_QUANTITY_TYPES,
  SkuRules,
  type SkuRulesState,
} from './skus/rules';
export { CumulativeToDelta, type StreamState } from './skus/cumulative-delta';
export { GaugeIntegrator, type GaugeState } from './skus/gauge-integral';

export {
  compileAll,
  compileLookup,
  compileMatcher,
  compileStringLookup,
  type Lookup,
  type MatchInput,
  type Predicate,
} from './attribution/matcher';
export {
  Attributor,
  UNKNOWN,
  type Attribution,
  type AttributionInput,
  type AttributionKind,
} from './attribution/rules';

export {
  COST_TAG_KEYS,
  DEFAULT_BUCKET_MS,
  bucketStart,
  seriesKey,
  type CostTagKey,
  type CostTags,
} from './rollup/keys';
export { CostRollup, type RollupRow } from './rollup/cost-rollup';

export {
  ALL_ACCOUNTS,
  CurrencyConversionError,
  computeDrift,
  convertNano,
  driftPercent,
  driftRatio,
  matchAccount,
  utcDay,
  utcDayStart,
  type BilledDaySum,
  type CurrencyConversion,
  type DriftOptions,
  type DriftReport,
  type DriftRow,
  type DriftStatus,
  type ModelledDaySum,
} from './reconcile/drift';

export { budgetPeriodAt, budgetWindows, zonedMidnight, type LocalDate } from './budgets/periods';
export { BURN_WINDOWS, burnRate, type BurnWindow } from './budgets/burn';
export { BURN_RULES, type BurnRule } from './budgets/rules';
export { evaluateBudget, type BudgetEvaluation } from './budgets/evaluate';

export { AnomalyDetector, type AnomalyResult } from './anomaly/detector';
export { DEFAULT_ANOMALY_PARAMS, type AnomalyParams } from './anomaly/params';

export {
  Identifier,
  RawInfluxQL,
  RegexValue,
  escapeIdentifier,
  escapeRegexText,
  ident,
  influxql,
  quoteString,
  raw,
  regex,
  regexLiteral,
  toInfluxQL,
  type InfluxQLValue,
} from './influxql/influxql';
export { parseJsonBigInt, type JsonValue } from './influxql/json-bigint';

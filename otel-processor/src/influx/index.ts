/**
 * Meterline's InfluxDB layer: line-protocol and InfluxQL encoding, the v1 HTTP client, the v2 write
 * path, the store chosen from configuration, and the `cost` measurement encoder.
 *
 * @packageDocumentation
 */
export {
  DEFAULT_PRECISION,
  LineProtocolError,
  encodeFieldValue,
  encodeFloatField,
  encodeIntField,
  encodeLine,
  encodeStringField,
  escapeFieldKey,
  escapeMeasurement,
  escapeTagKey,
  escapeTagValue,
  formatTimestamp,
  int,
  MAX_TAG_VALUE_LENGTH,
  sanitizeTagValue,
  type FieldValue,
  type IntField,
  type PointInput,
  type Precision,
} from './line-protocol';
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
} from './influxql';
export {
  InfluxError,
  InfluxQueryError,
  InfluxWriteError,
  isRetryableStatus,
  parseRetryAfter,
} from './errors';
export { DEFAULT_RETRY, backoffDelay, isRetryable, withRetry, type RetryOptions } from './retry';
export { parseJsonBigInt, type JsonValue } from './json-bigint';
export {
  parseQueryResponse,
  seriesRows,
  toBigInt,
  type InfluxSeries,
  type InfluxValue,
  type StatementResult,
} from './query-result';
export {
  DEFAULT_BATCH_SIZE,
  DEFAULT_TIMEOUT_MS,
  V1Client,
  findNamedLine,
  splitBatches,
  type QueryOptions,
  type RetentionPolicySpec,
  type V1ClientOptions,
  type WriteOptions,
} from './v1-client';
export { V2Writer, type V2WriterOptions } from './v2-writer';
export { createInfluxStore, usesV2, type InfluxStore, type InfluxStoreOptions } from './store';
export {
  COST_MEASUREMENT,
  COST_TAG_KEYS_SORTED,
  encodeCostPoint,
  encodeCostPoints,
  type CostPointRow,
} from './cost-points';

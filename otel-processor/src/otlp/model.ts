/**
 * The decoded OTLP request model: protobuf-shaped objects with the field names of the OTLP `.proto` files
 * in lowerCamelCase, as produced by both the protobuf and the JSON decoder (they yield equal models).
 *
 * Reading conventions (they follow from decoding with protobufjs reflection, which is the fastest exact path):
 * - Repeated fields are always own, mutable arrays (possibly empty) on decoded objects.
 * - Absent scalar fields read as their proto3 default (`''`, `0`, `false`, zero `Int64`) through the object's
 *   prototype; absent message fields, oneof members and proto3 `optional` fields read as `undefined` or `null`.
 *   Test them with `!= null`, never with `in`/`Object.keys`.
 * - 64-bit integers (`fixed64` times, `int64` values, counts) are {@link Int64} (protobufjs `Long`) objects:
 *   exact, and what the decoder produces without conversion. Use the helpers below to read them.
 * - Ids (`traceId`, `spanId`, ...) are raw bytes; an absent id reads as an empty `Uint8Array`.
 * - Strings with invalid UTF-8 are decoded with U+FFFD replacement characters, never rejected.
 *
 * Plain object literals of these shapes (e.g. built with the helpers) are accepted by the encoders too.
 */

/**
 * An exact 64-bit integer as decoded: a protobufjs `Long` (`long` package). `unsigned` is true for `fixed64`/
 * `uint64` fields (times, counts) and false for `int64`/`sfixed64` (`intValue`, `asInt`).
 */
export interface Int64 {
  readonly low: number;
  readonly high: number;
  readonly unsigned: boolean;
  toString(radix?: number): string;
  toNumber(): number;
}

/** Anything the 64-bit helpers and the encoders accept as a 64-bit integer. */
export type Int64Like = Int64 | bigint | number | string;

/** Nanoseconds since the Unix epoch (`fixed64`). */
export type Nanos = Int64;

// ---------------------------------------------------------------------------------------------- common.v1

/** `opentelemetry.proto.common.v1.AnyValue`: exactly one member is set (none for an empty value). */
export interface AnyValue {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: Int64 | null;
  doubleValue?: number | null;
  arrayValue?: ArrayValue | null;
  kvlistValue?: KeyValueList | null;
  bytesValue?: Uint8Array | null;
}

/** `ArrayValue`. */
export interface ArrayValue {
  values: AnyValue[];
}

/** `KeyValueList`. */
export interface KeyValueList {
  values: KeyValue[];
}

/** `KeyValue`: an attribute. */
export interface KeyValue {
  key: string;
  value?: AnyValue | null;
}

/** `InstrumentationScope`. */
export interface InstrumentationScope {
  name: string;
  version?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
}

/** `EntityRef` (resource entity references; passed through). */
export interface EntityRef {
  schemaUrl?: string;
  type: string;
  idKeys: string[];
  descriptionKeys: string[];
}

// -------------------------------------------------------------------------------------------- resource.v1

/** `opentelemetry.proto.resource.v1.Resource`. */
export interface Resource {
  attributes: KeyValue[];
  droppedAttributesCount?: number;
  entityRefs?: EntityRef[];
}

// ----------------------------------------------------------------------------------------------- trace.v1

/** OTLP `Span.SpanKind` values. */
export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;

/** OTLP `Status.StatusCode` values. */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

/** An export request for traces (`ExportTraceServiceRequest`, same shape as `TracesData`). */
export interface TracesRequest {
  resourceSpans: ResourceSpans[];
}

/** `ResourceSpans`. */
export interface ResourceSpans {
  resource?: Resource | null;
  scopeSpans: ScopeSpans[];
  schemaUrl?: string;
}

/** `ScopeSpans`. */
export interface ScopeSpans {
  scope?: InstrumentationScope | null;
  spans: Span[];
  schemaUrl?: string;
}

/** `Span`. */
export interface Span {
  /** 16 bytes. */
  traceId: Uint8Array;
  /** 8 bytes. */
  spanId: Uint8Array;
  traceState?: string;
  /** 8 bytes, or empty for a root span. */
  parentSpanId?: Uint8Array;
  /** W3C trace flags in bits 0-7, `is_remote` bits 8-9 (`fixed32`). */
  flags?: number;
  name: string;
  /** {@link SpanKind}: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeUnixNano: Nanos;
  endTimeUnixNano: Nanos;
  attributes: KeyValue[];
  droppedAttributesCount?: number;
  events?: SpanEvent[];
  droppedEventsCount?: number;
  links?: SpanLink[];
  droppedLinksCount?: number;
  status?: Status | null;
}

/** `Span.Event`. */
export interface SpanEvent {
  timeUnixNano: Nanos;
  name: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
}

/** `Span.Link`. */
export interface SpanLink {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
}

/** `Status`. */
export interface Status {
  message?: string;
  /** {@link StatusCode}: 0 unset, 1 ok, 2 error. */
  code?: number;
}

// --------------------------------------------------------------------------------------------- metrics.v1

/** OTLP `AggregationTemporality` values. */
export const AggregationTemporality = { UNSPECIFIED: 0, DELTA: 1, CUMULATIVE: 2 } as const;

/** `DataPointFlags.NO_RECORDED_VALUE_MASK`: the point has no value (staleness marker). */
export const FLAG_NO_RECORDED_VALUE = 1;

/** An export request for metrics (`ExportMetricsServiceRequest`, same shape as `MetricsData`). */
export interface MetricsRequest {
  resourceMetrics: ResourceMetrics[];
}

/** `ResourceMetrics`. */
export interface ResourceMetrics {
  resource?: Resource | null;
  scopeMetrics: ScopeMetrics[];
  schemaUrl?: string;
}

/** `ScopeMetrics`. */
export interface ScopeMetrics {
  scope?: InstrumentationScope | null;
  metrics: Metric[];
  schemaUrl?: string;
}

/** `Metric`: exactly one of the data members is set (see {@link metricDataKind}). */
export interface Metric {
  name: string;
  description?: string;
  unit?: string;
  gauge?: Gauge | null;
  sum?: Sum | null;
  histogram?: Histogram | null;
  exponentialHistogram?: ExponentialHistogram | null;
  summary?: Summary | null;
  metadata?: KeyValue[];
}

/** The name of the data member a {@link Metric} carries. */
export type MetricDataKind = 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';

/** `Gauge`. */
export interface Gauge {
  dataPoints: NumberDataPoint[];
}

/** `Sum`. */
export interface Sum {
  dataPoints: NumberDataPoint[];
  /** {@link AggregationTemporality}: 1 delta, 2 cumulative. */
  aggregationTemporality: number;
  isMonotonic?: boolean;
}

/** `Histogram`. */
export interface Histogram {
  dataPoints: HistogramDataPoint[];
  aggregationTemporality: number;
}

/** `ExponentialHistogram`. */
export interface ExponentialHistogram {
  dataPoints: ExponentialHistogramDataPoint[];
  aggregationTemporality: number;
}

/** `Summary`. */
export interface Summary {
  dataPoints: SummaryDataPoint[];
}

/** `NumberDataPoint`: one of `asDouble`/`asInt` is set (see {@link numberValue}). */
export interface NumberDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano: Nanos;
  timeUnixNano: Nanos;
  asDouble?: number | null;
  asInt?: Int64 | null;
  exemplars?: Exemplar[];
  flags?: number;
}

/** `HistogramDataPoint`. */
export interface HistogramDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano: Nanos;
  timeUnixNano: Nanos;
  count: Int64;
  sum?: number | null;
  bucketCounts: Int64[];
  explicitBounds: number[];
  exemplars?: Exemplar[];
  flags?: number;
  min?: number | null;
  max?: number | null;
}

/** `ExponentialHistogramDataPoint.Buckets`. */
export interface ExponentialBuckets {
  offset: number;
  bucketCounts: Int64[];
}

/** `ExponentialHistogramDataPoint`. */
export interface ExponentialHistogramDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano: Nanos;
  timeUnixNano: Nanos;
  count: Int64;
  sum?: number | null;
  scale: number;
  zeroCount: Int64;
  positive?: ExponentialBuckets | null;
  negative?: ExponentialBuckets | null;
  flags?: number;
  exemplars?: Exemplar[];
  min?: number | null;
  max?: number | null;
  zeroThreshold?: number;
}

/** `SummaryDataPoint.ValueAtQuantile`. */
export interface ValueAtQuantile {
  quantile: number;
  value: number;
}

/** `SummaryDataPoint`. */
export interface SummaryDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano: Nanos;
  timeUnixNano: Nanos;
  count: Int64;
  sum: number;
  quantileValues: ValueAtQuantile[];
  flags?: number;
}

/** `Exemplar`. */
export interface Exemplar {
  filteredAttributes: KeyValue[];
  timeUnixNano: Nanos;
  asDouble?: number | null;
  asInt?: Int64 | null;
  spanId?: Uint8Array;
  traceId?: Uint8Array;
}

/** Any data point carrying attributes and times (for generic validation/keys). */
export type DataPoint =
  NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint;

// ----------------------------------------------------------------------------------------------- helpers

export {
  int64ToNumber,
  isZeroNanos,
  msToNanos,
  nanosKey,
  nanosToBigInt,
  nanosToMs,
  toInt64,
  toNanos,
} from './int64';
export {
  anyValueToPrimitive,
  arrayKeyValue,
  boolKeyValue,
  doubleKeyValue,
  intKeyValue,
  stringKeyValue,
  toAttributes,
  upsertAttributes,
  type AttributeValue,
  type Attributes,
} from './attributes';
export { hexId, idFromHex } from './ids';
export { metricDataKind, numberValue } from './metric-data';

/**
 * The OTLP protobuf schema, built in code as a protobufjs reflection `Root` (no `.proto` files at run time).
 *
 * Field numbers from the OTLP specification (opentelemetry-proto v1.7). Field names are the lowerCamelCase
 * JSON names, so decoded objects read like the model in `model.ts`.
 */
import * as protobuf from 'protobufjs';

type FieldJson = { type: string; id: number; rule?: 'repeated'; options?: Record<string, unknown> };
type TypeJson = { fields: Record<string, FieldJson>; oneofs?: Record<string, { oneof: string[] }> };

const COMMON = 'opentelemetry.proto.common.v1';
const RESOURCE = 'opentelemetry.proto.resource.v1';
const TRACE = 'opentelemetry.proto.trace.v1';
const METRICS = 'opentelemetry.proto.metrics.v1';

/** A field. */
function f(type: string, id: number): FieldJson {
  return { type, id };
}
/** A repeated field; scalars packed, as proto3 encodes them by default. */
function r(type: string, id: number, scalar = false): FieldJson {
  return scalar ? { type, id, rule: 'repeated', options: { packed: true } } : { type, id, rule: 'repeated' };
}
/** A proto3 `optional` scalar (explicit presence: absent reads as null). */
function opt(type: string, id: number): FieldJson {
  return { type, id, options: { proto3_optional: true } };
}

const KV = `${COMMON}.KeyValue`;
const SCOPE = `${COMMON}.InstrumentationScope`;
const RES = `${RESOURCE}.Resource`;

const common: Record<string, TypeJson> = {
  AnyValue: {
    oneofs: {
      value: {
        oneof: [
          'stringValue',
          'boolValue',
          'intValue',
          'doubleValue',
          'arrayValue',
          'kvlistValue',
          'bytesValue',
        ],
      },
    },
    fields: {
      stringValue: f('string', 1),
      boolValue: f('bool', 2),
      intValue: f('int64', 3),
      doubleValue: f('double', 4),
      arrayValue: f('ArrayValue', 5),
      kvlistValue: f('KeyValueList', 6),
      bytesValue: f('bytes', 7),
    },
  },
  ArrayValue: { fields: { values: r('AnyValue', 1) } },
  KeyValueList: { fields: { values: r('KeyValue', 1) } },
  KeyValue: { fields: { key: f('string', 1), value: f('AnyValue', 2) } },
  InstrumentationScope: {
    fields: {
      name: f('string', 1),
      version: f('string', 2),
      attributes: r('KeyValue', 3),
      droppedAttributesCount: f('uint32', 4),
    },
  },
  EntityRef: {
    fields: {
      schemaUrl: f('string', 1),
      type: f('string', 2),
      idKeys: r('string', 3),
      descriptionKeys: r('string', 4),
    },
  },
};

const resource: Record<string, TypeJson> = {
  Resource: {
    fields: {
      attributes: r(KV, 1),
      droppedAttributesCount: f('uint32', 2),
      entityRefs: r(`${COMMON}.EntityRef`, 3),
    },
  },
};

const trace = {
  TracesData: { fields: { resourceSpans: r('ResourceSpans', 1) } },
  ResourceSpans: {
    fields: { resource: f(RES, 1), scopeSpans: r('ScopeSpans', 2), schemaUrl: f('string', 3) },
  },
  ScopeSpans: { fields: { scope: f(SCOPE, 1), spans: r('Span', 2), schemaUrl: f('string', 3) } },
  Span: {
    fields: {
      traceId: f('bytes', 1),
      spanId: f('bytes', 2),
      traceState: f('string', 3),
      parentSpanId: f('bytes', 4),
      flags: f('fixed32', 16),
      name: f('string', 5),
      kind: f('SpanKind', 6),
      startTimeUnixNano: f('fixed64', 7),
      endTimeUnixNano: f('fixed64', 8),
      attributes: r(KV, 9),
      droppedAttributesCount: f('uint32', 10),
      events: r('Event', 11),
      droppedEventsCount: f('uint32', 12),
      links: r('Link', 13),
      droppedLinksCount: f('uint32', 14),
      status: f('Status', 15),
    },
    nested: {
      SpanKind: {
        values: {
          SPAN_KIND_UNSPECIFIED: 0,
          SPAN_KIND_INTERNAL: 1,
          SPAN_KIND_SERVER: 2,
          SPAN_KIND_CLIENT: 3,
          SPAN_KIND_PRODUCER: 4,
          SPAN_KIND_CONSUMER: 5,
        },
      },
      Event: {
        fields: {
          timeUnixNano: f('fixed64', 1),
          name: f('string', 2),
          attributes: r(KV, 3),
          droppedAttributesCount: f('uint32', 4),
        },
      },
      Link: {
        fields: {
          traceId: f('bytes', 1),
          spanId: f('bytes', 2),
          traceState: f('string', 3),
          attributes: r(KV, 4),
          droppedAttributesCount: f('uint32', 5),
          flags: f('fixed32', 6),
        },
      },
    },
  },
  // Field 1 is reserved (a removed deprecated code).
  Status: {
    fields: { message: f('string', 2), code: f('StatusCode', 3) },
    nested: { StatusCode: { values: { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 } } },
  },
  SpanFlags: {
    values: {
      SPAN_FLAGS_DO_NOT_USE: 0,
      SPAN_FLAGS_TRACE_FLAGS_MASK: 0xff,
      SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK: 0x100,
      SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK: 0x200,
    },
  },
};

const dataPointTimes = { startTimeUnixNano: f('fixed64', 2), timeUnixNano: f('fixed64', 3) };

const metrics = {
  MetricsData: { fields: { resourceMetrics: r('ResourceMetrics', 1) } },
  ResourceMetrics: {
    fields: { resource: f(RES, 1), scopeMetrics: r('ScopeMetrics', 2), schemaUrl: f('string', 3) },
  },
  ScopeMetrics: { fields: { scope: f(SCOPE, 1), metrics: r('Metric', 2), schemaUrl: f('string', 3) } },
  Metric: {
    oneofs: { data: { oneof: ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] } },
    fields: {
      name: f('string', 1),
      description: f('string', 2),
      unit: f('string', 3),
      gauge: f('Gauge', 5),
      sum: f('Sum', 7),
      histogram: f('Histogram', 9),
      exponentialHistogram: f('ExponentialHistogram', 10),
      summary: f('Summary', 11),
      metadata: r(KV, 12),
    },
  },
  Gauge: { fields: { dataPoints: r('NumberDataPoint', 1) } },
  Sum: {
    fields: {
      dataPoints: r('NumberDataPoint', 1),
      aggregationTemporality: f('AggregationTemporality', 2),
      isMonotonic: f('bool', 3),
    },
  },
  Histogram: {
    fields: {
      dataPoints: r('HistogramDataPoint', 1),
      aggregationTemporality: f('AggregationTemporality', 2),
    },
  },
  ExponentialHistogram: {
    fields: {
      dataPoints: r('ExponentialHistogramDataPoint', 1),
      aggregationTemporality: f('AggregationTemporality', 2),
    },
  },
  Summary: { fields: { dataPoints: r('SummaryDataPoint', 1) } },
  AggregationTemporality: {
    values: {
      AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
      AGGREGATION_TEMPORALITY_DELTA: 1,
      AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
    },
  },
  DataPointFlags: { values: { DATA_POINT_FLAGS_DO_NOT_USE: 0, DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK: 1 } },
  NumberDataPoint: {
    oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
    fields: {
      attributes: r(KV, 7),
      ...dataPointTimes,
      asDouble: f('double', 4),
      asInt: f('sfixed64', 6),
      exemplars: r('Exemplar', 5),
      flags: f('uint32', 8),
    },
  },
  HistogramDataPoint: {
    oneofs: { _sum: { oneof: ['sum'] }, _min: { oneof: ['min'] }, _max: { oneof: ['max'] } },
    fields: {
      attributes: r(KV, 9),
      ...dataPointTimes,
      count: f('fixed64', 4),
      sum: opt('double', 5),
      bucketCounts: r('fixed64', 6, true),
      explicitBounds: r('double', 7, true),
      exemplars: r('Exemplar', 8),
      flags: f('uint32', 10),
      min: opt('double', 11),
      max: opt('double', 12),
    },
  },
  ExponentialHistogramDataPoint: {
    oneofs: { _sum: { oneof: ['sum'] }, _min: { oneof: ['min'] }, _max: { oneof: ['max'] } },
    fields: {
      attributes: r(KV, 1),
      ...dataPointTimes,
      count: f('fixed64', 4),
      sum: opt('double', 5),
      scale: f('sint32', 6),
      zeroCount: f('fixed64', 7),
      positive: f('Buckets', 8),
      negative: f('Buckets', 9),
      flags: f('uint32', 10),
      exemplars: r('Exemplar', 11),
      min: opt('double', 12),
      max: opt('double', 13),
      zeroThreshold: f('double', 14),
    },
    nested: { Buckets: { fields: { offset: f('sint32', 1), bucketCounts: r('uint64', 2, true) } } },
  },
  SummaryDataPoint: {
    fields: {
      attributes: r(KV, 7),
      ...dataPointTimes,
      count: f('fixed64', 4),
      sum: f('double', 5),
      quantileValues: r('ValueAtQuantile', 6),
      flags: f('uint32', 8),
    },
    nested: { ValueAtQuantile: { fields: { quantile: f('double', 1), value: f('double', 2) } } },
  },
  Exemplar: {
    oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
    fields: {
      filteredAttributes: r(KV, 7),
      timeUnixNano: f('fixed64', 2),
      asDouble: f('double', 3),
      asInt: f('sfixed64', 6),
      spanId: f('bytes', 4),
      traceId: f('bytes', 5),
    },
  },
};

const collectorTrace = {
  ExportTraceServiceRequest: { fields: { resourceSpans: r(`${TRACE}.ResourceSpans`, 1) } },
  ExportTraceServiceResponse: { fields: { partialSuccess: f('ExportTracePartialSuccess', 1) } },
  ExportTracePartialSuccess: { fields: { rejectedSpans: f('int64', 1), errorMessage: f('string', 2) } },
};

const collectorMetrics = {
  ExportMetricsServiceRequest: { fields: { resourceMetrics: r(`${METRICS}.ResourceMetrics`, 1) } },
  ExportMetricsServiceResponse: { fields: { partialSuccess: f('ExportMetricsPartialSuccess', 1) } },
  ExportMetricsPartialSuccess: {
    fields: { rejectedDataPoints: f('int64', 1), errorMessage: f('string', 2) },
  },
};

/** `google.rpc.Status`, the body of OTLP/HTTP error responses. */
const rpc = {
  Status: { fields: { code: f('int32', 1), message: f('string', 2), details: r('google.protobuf.Any', 3) } },
};
const googleProtobuf = { Any: { fields: { typeUrl: f('string', 1), value: f('bytes', 2) } } };

function pkg(path: string, types: Record<string, unknown>): Record<string, unknown> {
  return path
    .split('.')
    .reverse()
    .reduce<Record<string, unknown>>((inner, name) => ({ [name]: { nested: inner } }), types);
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      prev !== undefined && typeof prev === 'object' && typeof v === 'object'
        ? merge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** Shared zero-length id: what an absent `bytes` field reads as. */
const EMPTY_BYTES = Object.freeze(new Uint8Array(0));

function buildRoot(): protobuf.Root {
  const nested = [
    pkg(COMMON, common),
    pkg(RESOURCE, resource),
    pkg(TRACE, trace),
    pkg(METRICS, metrics),
    pkg('opentelemetry.proto.collector.trace.v1', collectorTrace),
    pkg('opentelemetry.proto.collector.metrics.v1', collectorMetrics),
    pkg('google.rpc', rpc),
    pkg('google.protobuf', googleProtobuf),
  ].reduce(merge, {});
  const root = protobuf.Root.fromJSON({ nested } as protobuf.INamespace);
  root.resolveAll();
  fixDefaults(root);
  return root;
}

/**
 * protobufjs puts every field's default on the message prototype. For message fields, oneof members and
 * `optional` scalars we want "absent" to read as `undefined` (so `v.boolValue != null` means "set"); for
 * `bytes` an empty `Uint8Array` instead of protobufjs' empty plain array.
 */
function fixDefaults(ns: protobuf.NamespaceBase): void {
  for (const obj of ns.nestedArray) {
    if (obj instanceof protobuf.Type) {
      const proto = obj.ctor.prototype as Record<string, unknown>;
      for (const field of obj.fieldsArray) {
        if (field.repeated) continue;
        if (field.partOf !== null || field.resolvedType instanceof protobuf.Type) delete proto[field.name];
        else if (field.type === 'bytes') proto[field.name] = EMPTY_BYTES;
      }
    }
    if (obj instanceof protobuf.Namespace) fixDefaults(obj);
  }
}

/** The OTLP schema root (built once). */
export const otlpRoot: protobuf.Root = buildRoot();

/** The message types the codec uses. */
export const types = {
  tracesRequest: otlpRoot.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
  tracesResponse: otlpRoot.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'),
  metricsRequest: otlpRoot.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
  metricsResponse: otlpRoot.lookupType(
    'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
  ),
  rpcStatus: otlpRoot.lookupType('google.rpc.Status'),
} as const;

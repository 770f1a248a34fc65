/**
 * The OTLP codec against what the REAL OpenTelemetry JS exporters send: traces and metrics from the SDK,
 * exported by `@opentelemetry/exporter-{trace,metrics}-otlp-proto` (protobuf) and `-otlp-http` (JSON) from a
 * child process to a capturing receiver here, decoded and compared with what the SDK recorded.
 */
import {
  decodeMetricsJson,
  decodeMetricsProtobuf,
  decodeTracesJson,
  decodeTracesProtobuf,
  encodeMetricsJson,
  encodeMetricsProtobuf,
  encodeTracesJson,
  encodeTracesProtobuf,
  exportResponse,
  hexId,
  metricDataKind,
  nanosKey,
  numberValue,
  int64ToNumber,
  toAttributes,
  validateMetrics,
  validateTraces,
  type Metric,
  type MetricsRequest,
  type Span,
  type TracesRequest,
} from '../../otel-processor/src/otlp';
import { runChildScript, startCaptureServer, type CaptureServer } from '../support/child-exporter';

/** What the child prints about each span it recorded. */
interface SentSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  startTime: [number, number];
  endTime: [number, number];
  kind: number;
  status: { code: number; message?: string };
  attributes: Record<string, unknown>;
  events: { name: string; time: [number, number]; attributes: Record<string, unknown> }[];
  links: { traceId: string; spanId: string }[];
}

const RESOURCE_ATTRIBUTES = {
  'service.name': 'codec-test',
  'service.version': '1.2.3',
  'host.cpu.count': 8,
  'sampling.ratio': 0.25,
  'feature.enabled': true,
  'team.tags': ['a', 'b'],
};

const CHILD = `
const api = require('@opentelemetry/api');
const { SpanKind, SpanStatusCode, ValueType, diag, DiagLogLevel, trace, ROOT_CONTEXT } = api;
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter: ProtoTraces } = require('@opentelemetry/exporter-trace-otlp-proto');
const { OTLPTraceExporter: JsonTraces } = require('@opentelemetry/exporter-trace-otlp-http');
const { OTLPMetricExporter: ProtoMetrics } = require('@opentelemetry/exporter-metrics-otlp-proto');
const { OTLPMetricExporter: JsonMetrics } = require('@opentelemetry/exporter-metrics-otlp-http');
const { MeterProvider, PeriodicExportingMetricReader, AggregationTemporality } = require('@opentelemetry/sdk-metrics');

// Partial-success responses are reported by the exporters as diag warnings: print them for the test.
diag.setLogger({ error: (...a) => console.error(...a), warn: (...a) => console.error(...a), info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
const url = process.env.OTLP_URL;
const resource = resourceFromAttributes(JSON.parse(process.env.RESOURCE));
const memory = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(memory)] });
const tracer = provider.getTracer('codec-test-scope', '0.9.0');
const S = 1717243200;

const root = tracer.startSpan('GET /orders', {
  kind: SpanKind.SERVER,
  startTime: [S, 123456789],
  attributes: {
    'http.route': '/orders', 'http.status_code': 500, 'ratio': 1.5, 'negative': -7, 'max.safe': Number.MAX_SAFE_INTEGER,
    'ok': true, 'str.list': ['x', 'y'], 'int.list': [1, 2, 3], 'double.list': [0.5, 1.25], 'bool.list': [true, false],
    'empty': '', 'unicode': 'żółw 🐢',
  },
});
root.addEvent('retry', { attempt: 2 }, [S, 150000001]);
root.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
const ctx = trace.setSpan(ROOT_CONTEXT, root);
const child = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, startTime: [S, 130000000] }, ctx);
child.setStatus({ code: SpanStatusCode.OK });
child.end([S, 140000000]);
const linked = tracer.startSpan('publish', {
  kind: SpanKind.PRODUCER, startTime: [S + 1, 0], links: [{ context: root.spanContext(), attributes: { 'link.kind': 'cause' } }],
});
linked.end([S + 1, 999999999]);
tracer.startSpan('consume', { kind: SpanKind.CONSUMER, startTime: [S + 2, 1] }).end([S + 2, 2]);
tracer.startSpan('internal work', { startTime: [S + 3, 5] }).end([S + 3, 5]);
root.end([S, 223456789]);

const finished = memory.getFinishedSpans();
const sent = finished.map((s) => ({
  name: s.name,
  traceId: s.spanContext().traceId,
  spanId: s.spanContext().spanId,
  parentSpanId: s.parentSpanContext ? s.parentSpanContext.spanId : null,
  startTime: s.startTime,
  endTime: s.endTime,
  kind: s.kind,
  status: s.status,
  attributes: s.attributes,
  events: s.events.map((e) => ({ name: e.name, time: e.time, attributes: e.attributes })),
  links: s.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId })),
}));

function exportWith(exporter) {
  return new Promise((resolve) => exporter.export(finished, (r) => resolve(r.code))).finally(() => exporter.shutdown());
}

async function metrics() {
  const reader = (Exporter) => new PeriodicExportingMetricReader({
    exporter: new Exporter({ url: url + '/v1/metrics', temporalityPreference: AggregationTemporality.CUMULATIVE }),
    exportIntervalMillis: 600000,
  });
  const mp = new MeterProvider({ resource, readers: [reader(ProtoMetrics), reader(JsonMetrics)] });
  const meter = mp.getMeter('codec-test-meter', '1.0.0');
  const requests = meter.createCounter('app.requests', { description: 'requests served', unit: '{request}' });
  requests.add(3, { route: '/a' });
  requests.add(4, { route: '/b' });
  requests.add(0.5, { route: '/a' });
  meter.createCounter('app.bytes', { valueType: ValueType.INT, unit: 'By' }).add(1234567890123);
  meter.createUpDownCounter('app.queue').add(-2);
  const latency = meter.createHistogram('app.latency', { unit: 'ms', advice: { explicitBucketBoundaries: [10, 100] } });
  for (const v of [5, 50, 500, 7]) latency.record(v, { route: '/a' });
  meter.createObservableGauge('app.temperature').addCallback((r) => r.observe(21.5, { room: 'lab' }));
  await mp.forceFlush();
  await mp.shutdown();
}

(async () => {
  const proto = await exportWith(new ProtoTraces({ url: url + '/v1/traces' }));
  const json = await exportWith(new JsonTraces({ url: url + '/v1/traces' }));
  await metrics();
  await provider.shutdown();
  console.log(JSON.stringify({ sent, results: { proto, json } }));
})().catch((err) => { console.error(err); process.exit(1); });
`;

/** A comparable form of a model: the OTLP JSON our encoder writes (defaults omitted, ids hex, int64 strings). */
function canonical(m: TracesRequest | MetricsRequest): unknown {
  return JSON.parse('resourceSpans' in m ? encodeTracesJson(m) : encodeMetricsJson(m));
}

function hrNanos([s, ns]: [number, number]): string {
  return (BigInt(s) * 1_000_000_000n + BigInt(ns)).toString();
}

function allSpans(req: TracesRequest): Span[] {
  return req.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
}

function allMetrics(req: MetricsRequest): Metric[] {
  return req.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
}

/** Metric models with collection times blanked: the two readers collect a few µs apart. */
function withoutPointTimes(m: MetricsRequest): unknown {
  return JSON.parse(JSON.stringify(canonical(m), (k, v: unknown) => (k === 'timeUnixNano' ? 'T' : v)));
}

describe('OTLP codec with the real OpenTelemetry JS exporters', () => {
  let receiver: CaptureServer;
  let sent: SentSpan[];
  let results: { proto: number; json: number };
  let stderr: string;

  beforeAll(async () => {
    receiver = await startCaptureServer((req, res) => {
      const json = req.contentType.includes('json');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      // Traces get a partial-success answer built by our encoder: the exporters must parse it.
      res.end(
        req.path === '/v1/traces'
          ? exportResponse('traces', json ? 'json' : 'protobuf', {
              rejected: 1,
              errorMessage: 'one span too old',
            })
          : exportResponse('metrics', json ? 'json' : 'protobuf'),
      );
    });
    const child = await runChildScript(CHILD, {
      OTLP_URL: receiver.url,
      RESOURCE: JSON.stringify(RESOURCE_ATTRIBUTES),
    });
    if (child.code !== 0) throw new Error(`child failed (${child.code}): ${child.stderr}`);
    ({ sent, results } = JSON.parse(child.stdout) as {
      sent: SentSpan[];
      results: { proto: number; json: number };
    });
    stderr = child.stderr;
  });

  afterAll(async () => {
    await receiver?.close();
  });

  function body(path: string, json: boolean): Buffer {
    const r = receiver.requests.find((q) => q.path === path && q.contentType.includes('json') === json);
    if (r === undefined) throw new Error(`no ${json ? 'JSON' : 'protobuf'} request to ${path}`);
    return r.body;
  }

  describe('traces', () => {
    it('the exporters sent one protobuf and one JSON request and accepted our partial-success responses', () => {
      expect(
        receiver.requests
          .filter((r) => r.path === '/v1/traces')
          .map((r) => r.contentType)
          .sort(),
      ).toEqual(['application/json', 'application/x-protobuf']);
      expect(results).toEqual({ proto: 0, json: 0 }); // ExportResultCode.SUCCESS
      // Both exporters parsed the partial success and reported it.
      expect(stderr.match(/Received Partial Success response/g)).toHaveLength(2);
      expect(stderr).toContain('one span too old');
    });

    it('decodes the protobuf body to exactly the spans the SDK recorded', () => {
      const req = decodeTracesProtobuf(body('/v1/traces', false));
      expect(req.resourceSpans).toHaveLength(1);
      const rs = req.resourceSpans[0]!;
      expect(toAttributes(rs.resource!.attributes)).toMatchObject(RESOURCE_ATTRIBUTES);
      expect(rs.scopeSpans[0]!.scope).toMatchObject({ name: 'codec-test-scope', version: '0.9.0' });
      const spans = allSpans(req);
      expect(spans).toHaveLength(sent.length);
      for (const s of sent) {
        const got = spans.find((x) => hexId(x.spanId) === s.spanId);
        expect(got).toBeDefined();
        const span = got!;
        expect(span.name).toBe(s.name);
        expect(hexId(span.traceId)).toBe(s.traceId);
        expect(hexId(span.parentSpanId ?? new Uint8Array(0))).toBe(s.parentSpanId ?? '');
        // Exact nanoseconds (≈1.7e18, beyond 2^53).
        expect(nanosKey(span.startTimeUnixNano)).toBe(hrNanos(s.startTime));
        expect(nanosKey(span.endTimeUnixNano)).toBe(hrNanos(s.endTime));
        expect(span.kind).toBe(s.kind + 1); // API INTERNAL=0 … CONSUMER=4; OTLP adds UNSPECIFIED=0
        expect(span.status?.code ?? 0).toBe(s.status.code);
        expect(span.status?.message ?? '').toBe(s.status.message ?? '');
        expect(toAttributes(span.attributes)).toEqual(s.attributes);
        expect(
          (span.events ?? []).map((e) => ({
            name: e.name,
            time: nanosKey(e.timeUnixNano),
            attributes: toAttributes(e.attributes ?? []),
          })),
        ).toEqual(s.events.map((e) => ({ name: e.name, time: hrNanos(e.time), attributes: e.attributes })));
        expect(
          (span.links ?? []).map((l) => ({ traceId: hexId(l.traceId), spanId: hexId(l.spanId) })),
        ).toEqual(s.links);
      }
      const root = spans.find((x) => x.name === 'GET /orders')!;
      expect(root.attributes.find((kv) => kv.key === 'http.status_code')?.value?.intValue?.toString()).toBe(
        '500',
      );
      expect(root.attributes.find((kv) => kv.key === 'ratio')?.value?.doubleValue).toBe(1.5);
      expect(toAttributes(root.attributes)['max.safe']).toBe(Number.MAX_SAFE_INTEGER);
    });

    it('decodes the JSON body to the same model as the protobuf body', () => {
      const fromProto = decodeTracesProtobuf(body('/v1/traces', false));
      const fromJson = decodeTracesJson(body('/v1/traces', true));
      expect(canonical(fromJson)).toEqual(canonical(fromProto));
      expect(allSpans(fromJson).map((s) => nanosKey(s.startTimeUnixNano))).toEqual(
        allSpans(fromProto).map((s) => nanosKey(s.startTimeUnixNano)),
      );
    });

    it('round-trips: encode(decode(body)) decodes to an equal model, through protobuf and JSON', () => {
      const model = decodeTracesProtobuf(body('/v1/traces', false));
      const again = decodeTracesProtobuf(encodeTracesProtobuf(model));
      expect(canonical(again)).toEqual(canonical(model));
      const viaJson = decodeTracesJson(encodeTracesJson(model));
      expect(canonical(viaJson)).toEqual(canonical(model));
      // Our encoding is stable.
      expect(Buffer.from(encodeTracesProtobuf(again))).toEqual(Buffer.from(encodeTracesProtobuf(model)));
    });

    it('validates every exported span as acceptable', () => {
      const model = decodeTracesProtobuf(body('/v1/traces', false));
      const v = validateTraces(model, { nowMs: Date.now() });
      expect(v).toMatchObject({ rejected: 0, truncated: 0, message: '' });
      expect(v.request).toBe(model);
    });
  });

  describe('metrics', () => {
    it('decodes sums, gauges and histograms with their temporality and exact values', () => {
      const req = decodeMetricsProtobuf(body('/v1/metrics', false));
      expect(toAttributes(req.resourceMetrics[0]!.resource!.attributes)).toMatchObject(RESOURCE_ATTRIBUTES);
      expect(req.resourceMetrics[0]!.scopeMetrics[0]!.scope).toMatchObject({
        name: 'codec-test-meter',
        version: '1.0.0',
      });
      const byName = new Map(allMetrics(req).map((m) => [m.name, m]));

      const requests = byName.get('app.requests')!;
      expect(metricDataKind(requests)).toBe('sum');
      expect(requests).toMatchObject({ description: 'requests served', unit: '{request}' });
      expect(requests.sum).toMatchObject({ aggregationTemporality: 2, isMonotonic: true });
      const values = requests.sum!.dataPoints.map((p) => [
        toAttributes(p.attributes)['route'],
        numberValue(p),
      ]);
      expect(values.sort()).toEqual([
        ['/a', 3.5],
        ['/b', 4],
      ]);
      for (const p of requests.sum!.dataPoints) {
        expect(BigInt(nanosKey(p.timeUnixNano))).toBeGreaterThan(1_700_000_000_000_000_000n);
        expect(BigInt(nanosKey(p.startTimeUnixNano))).toBeLessThanOrEqual(BigInt(nanosKey(p.timeUnixNano)));
      }

      const bytes = byName.get('app.bytes')!.sum!.dataPoints[0]!;
      expect(bytes.asInt?.toString()).toBe('1234567890123');
      expect(byName.get('app.queue')!.sum).toMatchObject({ aggregationTemporality: 2 });
      expect(byName.get('app.queue')!.sum!.isMonotonic ?? false).toBe(false);
      expect(numberValue(byName.get('app.queue')!.sum!.dataPoints[0]!)).toBe(-2);

      const latency = byName.get('app.latency')!;
      expect(metricDataKind(latency)).toBe('histogram');
      expect(latency.histogram!.aggregationTemporality).toBe(2);
      const h = latency.histogram!.dataPoints[0]!;
      expect(int64ToNumber(h.count)).toBe(4);
      expect(h.sum).toBe(562);
      expect(h.min).toBe(5);
      expect(h.max).toBe(500);
      expect(h.explicitBounds).toEqual([10, 100]);
      expect(h.bucketCounts.map((c) => int64ToNumber(c))).toEqual([2, 1, 1]);

      const gauge = byName.get('app.temperature')!;
      expect(metricDataKind(gauge)).toBe('gauge');
      expect(numberValue(gauge.gauge!.dataPoints[0]!)).toBe(21.5);
      expect(validateMetrics(req, { nowMs: Date.now() })).toMatchObject({ rejected: 0, message: '' });
    });

    it('decodes the JSON body to the same model as the protobuf body, and round-trips', () => {
      const fromProto = decodeMetricsProtobuf(body('/v1/metrics', false));
      const fromJson = decodeMetricsJson(body('/v1/metrics', true));
      expect(withoutPointTimes(fromJson)).toEqual(withoutPointTimes(fromProto));
      expect(canonical(decodeMetricsProtobuf(encodeMetricsProtobuf(fromProto)))).toEqual(
        canonical(fromProto),
      );
      expect(canonical(decodeMetricsJson(encodeMetricsJson(fromJson)))).toEqual(canonical(fromJson));
    });
  });
});

import { OtlpDecodeError } from './errors';
import { decodeMetricsJson, decodeMetricsProtobuf, decodeTracesJson, decodeTracesProtobuf } from './decode';
import {
  encodeMetricsJson,
  encodeMetricsProtobuf,
  encodeTracesJson,
  encodeTracesProtobuf,
  exportResponse,
  statusBody,
} from './encode';
import { hexId, nanosKey, toAttributes, type MetricsRequest, type TracesRequest } from './model';
import { otlpRoot, types } from './schema';
import { allMetricKinds, span, traces } from './samples.fixture';

const canonicalT = (m: TracesRequest): unknown => JSON.parse(encodeTracesJson(m));
const canonicalM = (m: MetricsRequest): unknown => JSON.parse(encodeMetricsJson(m));

/** Deterministic pseudo-random bytes (mulberry32). */
function randomBytes(seed: number, n: number): Uint8Array {
  let a = seed;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

describe('round trips', () => {
  it('traces: protobuf and JSON encodings decode to equal models, 64-bit values exact', () => {
    const model = traces([
      span(0),
      span(1, { parentSpanId: span(0).spanId, status: { code: 2, message: 'x' } }),
    ]);
    const fromPb = decodeTracesProtobuf(encodeTracesProtobuf(model));
    const fromJson = decodeTracesJson(encodeTracesJson(model));
    expect(canonicalT(fromPb)).toEqual(canonicalT(model));
    expect(canonicalT(fromJson)).toEqual(canonicalT(model));
    const s = fromPb.resourceSpans[0]!.scopeSpans[0]!.spans[1]!;
    expect(nanosKey(s.startTimeUnixNano)).toBe('1717243200123456790');
    expect(hexId(s.parentSpanId!)).toBe(hexId(span(0).spanId));
    expect(toAttributes(fromJson.resourceSpans[0]!.resource!.attributes)['big']).toBe('9007199254740993');
    // Decoded protobuf and decoded JSON are the same classes with the same own fields.
    expect(fromJson).toEqual(fromPb);
  });

  it('metrics of every kind round-trip exactly (int64 max, zero values with presence, exemplars)', () => {
    const model = allMetricKinds();
    const fromPb = decodeMetricsProtobuf(encodeMetricsProtobuf(model));
    const fromJson = decodeMetricsJson(encodeMetricsJson(fromPb));
    expect(canonicalM(fromPb)).toEqual(canonicalM(model));
    expect(canonicalM(fromJson)).toEqual(canonicalM(model));
    const metrics = fromJson.resourceMetrics[0]!.scopeMetrics[0]!.metrics;
    expect(metrics[0]!.sum!.dataPoints[0]!.asInt!.toString()).toBe('9223372036854775807');
    expect(metrics[1]!.gauge!.dataPoints[0]!.asDouble).toBe(0); // present though zero
    expect(metrics[2]!.histogram!.dataPoints[0]!.sum).toBe(0);
    expect(metrics[2]!.histogram!.dataPoints[0]!.exemplars![0]!.asDouble).toBe(7);
    expect(metrics[3]!.exponentialHistogram!.dataPoints[0]!.positive!.offset).toBe(-2);
    expect(metrics[4]!.summary!.dataPoints[0]!.quantileValues[1]).toMatchObject({ quantile: 1, value: 20 });
  });

  it('absent fields read as defaults or undefined, never as a stray oneof member', () => {
    const m = decodeTracesProtobuf(encodeTracesProtobuf(traces([span(0)])));
    const s = m.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(s.status).toBeUndefined();
    expect(s.traceState).toBe('');
    expect(s.parentSpanId).toEqual(new Uint8Array(0));
    const v = s.attributes[0]!.value!;
    expect([v.stringValue, v.boolValue, v.intValue, v.doubleValue]).toEqual([
      '/orders',
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('OTLP JSON leniency', () => {
  const body = (span: Record<string, unknown>, extra: Record<string, unknown> = {}): string =>
    JSON.stringify({ resource_spans: [{ scope_spans: [{ spans: [span] }], ...extra }], unknownTopLevel: 1 });

  it('accepts snake_case keys, enum names, int64 as numbers or strings, and ignores unknown fields', () => {
    const req = decodeTracesJson(
      body({
        trace_id: '0AF7651916CD43DD8448EB211C80319C',
        span_id: 'b7ad6b7169203331',
        name: 'x',
        kind: 'SPAN_KIND_CLIENT',
        start_time_unix_nano: 1717243200123456768,
        endTimeUnixNano: '1717243200123456789',
        attributes: [
          { key: 'i', value: { int_value: 5 } },
          { key: 'd', value: { doubleValue: 'NaN' } },
          { key: 'b64', value: { bytesValue: 'AQL/' } },
        ],
        status: { code: 'STATUS_CODE_ERROR' },
        somethingNew: { nested: true },
      }),
    );
    const s = req.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(s.kind).toBe(3);
    expect(s.status?.code).toBe(2);
    expect(hexId(s.traceId)).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(nanosKey(s.endTimeUnixNano)).toBe('1717243200123456789');
    expect(nanosKey(s.startTimeUnixNano)).toBe('1717243200123456768'); // a JSON number: as exact as the double
    expect(toAttributes(s.attributes)).toEqual({ i: 5, d: NaN, b64: 'AQL/' });
  });

  it('accepts a Buffer with a byte-order mark, and null for absent values', () => {
    const req = decodeTracesJson(
      Buffer.from('\uFEFF{"resourceSpans":[{"resource":null,"scopeSpans":null}]}'),
    );
    expect(req.resourceSpans[0]!.scopeSpans).toEqual([]);
  });
});

describe('undecodable bodies', () => {
  it('truncated protobuf', () => {
    const pb = encodeTracesProtobuf(traces([span(0), span(1)]));
    for (const cut of [1, 10, pb.length - 1]) {
      expect(() => decodeTracesProtobuf(pb.subarray(0, cut))).toThrow(OtlpDecodeError);
    }
    expect(() => decodeTracesProtobuf(pb.subarray(0, pb.length - 1))).toThrow(
      /^invalid protobuf ExportTraceServiceRequest: .*index out of range.* \(at offset \d+ of \d+ bytes\)$/,
    );
  });

  it('random bytes (seeded) either decode or throw OtlpDecodeError, never anything else', () => {
    let errors = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const bytes = randomBytes(seed, 16 + (seed % 200));
      for (const decode of [decodeTracesProtobuf, decodeMetricsProtobuf]) {
        try {
          decode(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(OtlpDecodeError);
          errors++;
        }
      }
    }
    expect(errors).toBeGreaterThan(300);
  });

  it('deeply nested values are an OtlpDecodeError, not a crash', () => {
    let v = '{"stringValue":"x"}';
    for (let i = 0; i < 20000; i++) v = `{"arrayValue":{"values":[${v}]}}`;
    const json = `{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":${v}}]}}]}`;
    expect(() => decodeTracesJson(json)).toThrow(OtlpDecodeError);
  });

  it('invalid JSON and wrong types name the problem and its path', () => {
    expect(() => decodeTracesJson('{"resourceSpans":[}')).toThrow(/^invalid JSON: /);
    expect(() => decodeTracesJson('[]')).toThrow(/\(root\): expected an object, got an array/);
    expect(() =>
      decodeTracesJson('{"resourceSpans":[{"scopeSpans":[{},{"spans":[{},{},{},{"traceId":"not-hex"}]}]}]}'),
    ).toThrow('resourceSpans[0].scopeSpans[1].spans[3].traceId: expected 32 hex characters, got "not-hex"');
    expect(() =>
      decodeTracesJson('{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"QUJD"}]}]}]}'),
    ).toThrow('spans[0].spanId: expected 16 hex characters');
    expect(() =>
      decodeTracesJson('{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"-1"}]}]}]}'),
    ).toThrow(/startTimeUnixNano: expected a uint64 .*out of range/);
    expect(() => decodeTracesJson('{"resourceSpans":{}}')).toThrow(
      'resourceSpans: expected an array, got an object',
    );
    expect(() =>
      decodeTracesJson('{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"SERVER"}]}]}]}'),
    ).toThrow('kind: unknown enum value "SERVER"');
    expect(() =>
      decodeMetricsJson(
        '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{"dataPoints":[{"asDouble":"abc"}]}}]}]}]}',
      ),
    ).toThrow(
      'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].asDouble: expected a double, got "abc"',
    );
  });

  it('hex ids of the wrong length decode (validation rejects that span alone)', () => {
    const req = decodeTracesJson(
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"abcd","name":"x"}]}]}]}',
    );
    expect(hexId(req.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId)).toBe('abcd');
  });
});

describe('responses', () => {
  it('partial success in protobuf and JSON', () => {
    const pb = exportResponse('traces', 'protobuf', { rejected: 3, errorMessage: 'bad ids' });
    expect(types.tracesResponse.toObject(types.tracesResponse.decode(pb), { longs: String })).toEqual({
      partialSuccess: { rejectedSpans: '3', errorMessage: 'bad ids' },
    });
    expect(JSON.parse(exportResponse('metrics', 'json', { rejected: 2, errorMessage: 'NaN' }))).toEqual({
      partialSuccess: { rejectedDataPoints: '2', errorMessage: 'NaN' },
    });
    expect(exportResponse('traces', 'protobuf')).toHaveLength(0);
    expect(exportResponse('metrics', 'json', { rejected: 0, errorMessage: '' })).toBe('{}');
  });

  it('google.rpc.Status bodies', () => {
    const status = otlpRoot.lookupType('google.rpc.Status');
    expect(status.toObject(status.decode(statusBody('protobuf', 3, 'invalid JSON')))).toEqual({
      code: 3,
      message: 'invalid JSON',
    });
    expect(JSON.parse(statusBody('json', 14, 'busy'))).toEqual({ code: 14, message: 'busy' });
  });
});

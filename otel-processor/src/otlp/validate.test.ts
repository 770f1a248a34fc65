import { decodeMetricsProtobuf, decodeTracesProtobuf } from './decode';
import { encodeMetricsProtobuf, encodeTracesProtobuf } from './encode';
import { FLAG_NO_RECORDED_VALUE, hexId, stringKeyValue, toNanos } from './model';
import { allMetricKinds, NOW_MS, span, T0, traces } from './samples.fixture';
import { TRUNCATION_MARKER, validateMetrics, validateTraces } from './validate';

describe('validateTraces', () => {
  it('returns the same request, uncopied, when everything is valid', () => {
    const req = decodeTracesProtobuf(encodeTracesProtobuf(traces([span(0), span(1)])));
    const v = validateTraces(req, { nowMs: NOW_MS });
    expect(v).toEqual({ request: req, rejected: 0, truncated: 0, message: '' });
    expect(v.request).toBe(req);
  });

  it('drops and counts only the bad spans, naming each problem with its path', () => {
    const bad = [
      span(1, { traceId: new Uint8Array(15) }),
      span(2, { spanId: new Uint8Array(8) }), // all zero
      span(3, { endTimeUnixNano: toNanos(T0), startTimeUnixNano: toNanos(T0 + 5n) }),
      span(4, { startTimeUnixNano: toNanos(0) }),
      span(5, { endTimeUnixNano: toNanos(BigInt(NOW_MS + 2 * 3_600_000) * 1_000_000n) }),
      span(6, { parentSpanId: new Uint8Array(3) }),
    ];
    const req = decodeTracesProtobuf(encodeTracesProtobuf(traces([span(0), ...bad, span(7)])));
    const v = validateTraces(req, { nowMs: NOW_MS });
    expect(v.rejected).toBe(6);
    const kept = v.request.resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(kept.map((s) => s.name)).toEqual(['span 0', 'span 7']);
    expect(v.request.resourceSpans[0]!.schemaUrl).toBe('https://opentelemetry.io/schemas/1.26.0');
    expect(v.request.resourceSpans[0]!.scopeSpans[0]!.scope?.name).toBe('test');
    expect(req.resourceSpans[0]!.scopeSpans[0]!.spans).toHaveLength(8); // the input is not filtered
    expect(v.message).toBe(
      '6 spans rejected: resourceSpans[0].scopeSpans[0].spans[1]: traceId must be 16 bytes, not all zero; ' +
        'resourceSpans[0].scopeSpans[0].spans[2]: spanId must be 8 bytes, not all zero; ' +
        'resourceSpans[0].scopeSpans[0].spans[3]: endTimeUnixNano is before startTimeUnixNano; ' +
        'resourceSpans[0].scopeSpans[0].spans[4]: startTimeUnixNano is missing; ' +
        'resourceSpans[0].scopeSpans[0].spans[5]: endTimeUnixNano is too far in the future; and 1 more',
    );
    expect(hexId(kept[1]!.spanId)).toBe(hexId(span(7).spanId));
  });

  it('a future limit is configurable', () => {
    const s = span(0, { endTimeUnixNano: toNanos(BigInt(NOW_MS + 10_000) * 1_000_000n) });
    expect(validateTraces(traces([s]), { nowMs: NOW_MS }).rejected).toBe(0);
    expect(validateTraces(traces([s]), { nowMs: NOW_MS, maxFutureMs: 5_000 }).rejected).toBe(1);
  });

  it('truncates over-long string attribute values (also nested), counting them, never splitting a surrogate pair', () => {
    const long = 'a'.repeat(9) + '🐢' + 'b'.repeat(10);
    const s = span(0, {
      attributes: [
        stringKeyValue('long', long),
        { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'c'.repeat(20) }] } } },
        stringKeyValue('short', 'ok'),
      ],
    });
    const v = validateTraces(traces([s]), { nowMs: NOW_MS, maxAttributeValueLength: 10 });
    expect(v.rejected).toBe(0);
    expect(v.truncated).toBe(2);
    expect(s.attributes[0]!.value!.stringValue).toBe('a'.repeat(9) + TRUNCATION_MARKER);
    expect(s.attributes[1]!.value!.arrayValue!.values[0]!.stringValue).toBe(
      'c'.repeat(10) + TRUNCATION_MARKER,
    );
    expect(v.message).toBe('2 attribute value(s) truncated to 10 characters');
  });
});

describe('validateMetrics', () => {
  it('accepts every kind of valid data point', () => {
    const req = decodeMetricsProtobuf(encodeMetricsProtobuf(allMetricKinds()));
    expect(validateMetrics(req, { nowMs: NOW_MS + 60_000 })).toMatchObject({
      request: req,
      rejected: 0,
      message: '',
    });
  });

  it('drops and counts bad data points; metrics left empty are dropped', () => {
    const req = allMetricKinds();
    const metrics = req.resourceMetrics[0]!.scopeMetrics[0]!.metrics;
    const gauge = metrics[1]!.gauge!;
    const p = gauge.dataPoints[0]!;
    gauge.dataPoints.push(
      { ...p, asDouble: NaN },
      { ...p, asDouble: Infinity, flags: FLAG_NO_RECORDED_VALUE }, // a staleness marker: kept
      { ...p, timeUnixNano: toNanos(0) },
      { ...p, asDouble: undefined },
    );
    metrics[0]!.sum!.aggregationTemporality = 0; // unspecified: every point of the sum is rejected
    const h = metrics[2]!.histogram!.dataPoints[0]!;
    h.bucketCounts = h.bucketCounts.slice(0, 2);
    metrics[4]!.summary!.dataPoints[0]!.sum = -Infinity;
    const v = validateMetrics(req, { nowMs: NOW_MS + 60_000 });
    expect(v.rejected).toBe(6);
    expect(
      v.request.resourceMetrics[0]!.scopeMetrics[0]!.metrics.map((m) => [m.name, m.gauge?.dataPoints.length]),
    ).toEqual([
      ['temp', 2],
      ['sizes', undefined],
    ]);
    expect(v.message).toMatch(
      /^6 data points rejected: resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\] \(requests\)\.dataPoints\[0\]: aggregationTemporality 0 is not DELTA/,
    );
    expect(v.message).toContain('metrics[1] (temp).dataPoints[1]: value is NaN');
    expect(v.message).toContain('(temp).dataPoints[3]: timeUnixNano is missing');
    expect(v.message).toContain('(temp).dataPoints[4]: no value (asDouble or asInt)');
    expect(v.message).toContain('(latency).dataPoints[0]: 2 bucketCounts for 2 explicitBounds (expected 3)');
    expect(v.message).toContain('and 1 more');
  });
});

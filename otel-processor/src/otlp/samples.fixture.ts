/** Hand-built requests for the codec's unit tests. */
import { arrayKeyValue, boolKeyValue, doubleKeyValue, intKeyValue, stringKeyValue } from './attributes';
import { idFromHex } from './ids';
import { toInt64, toNanos } from './int64';
import type { MetricsRequest, Span, TracesRequest } from './model';

export const T0 = 1717243200123456789n; // 2024-06-01T12:00:00.123456789Z, beyond 2^53
export const NOW_MS = 1717243260000;

export function span(i: number, overrides: Partial<Span> = {}): Span {
  return {
    traceId: idFromHex('0af7651916cd43dd8448eb211c80319c')!,
    spanId: idFromHex(`b7ad6b71692033${(i + 16).toString(16).padStart(2, '0')}`)!,
    name: `span ${i}`,
    kind: 2,
    startTimeUnixNano: toNanos(T0 + BigInt(i)),
    endTimeUnixNano: toNanos(T0 + BigInt(i) + 1_000_000n),
    attributes: [stringKeyValue('http.route', '/orders'), intKeyValue('n', i)],
    ...overrides,
  };
}

export function traces(spans: Span[]): TracesRequest {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            stringKeyValue('service.name', 'orders'),
            intKeyValue('big', 9007199254740993n),
            doubleKeyValue('ratio', 0.5),
            boolKeyValue('on', true),
            arrayKeyValue('tags', ['a', 'b']),
            { key: 'raw', value: { bytesValue: new Uint8Array([1, 2, 255]) } },
            {
              key: 'nested',
              value: { kvlistValue: { values: [stringKeyValue('k', 'v'), intKeyValue('i', -3)] } },
            },
          ],
        },
        scopeSpans: [{ scope: { name: 'test', version: '1' }, spans }],
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      },
    ],
  };
}

/** One metric of each kind, with exact 64-bit values. */
export function allMetricKinds(): MetricsRequest {
  const times = { startTimeUnixNano: toNanos(T0), timeUnixNano: toNanos(T0 + 60_000_000_000n) };
  return {
    resourceMetrics: [
      {
        resource: { attributes: [stringKeyValue('service.name', 'orders')] },
        scopeMetrics: [
          {
            scope: { name: 'm' },
            metrics: [
              {
                name: 'requests',
                unit: '1',
                sum: {
                  aggregationTemporality: 1,
                  isMonotonic: true,
                  dataPoints: [{ attributes: [], ...times, asInt: toInt64('9223372036854775807') }],
                },
              },
              { name: 'temp', gauge: { dataPoints: [{ attributes: [], ...times, asDouble: 0 }] } },
              {
                name: 'latency',
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    {
                      attributes: [stringKeyValue('route', '/a')],
                      ...times,
                      count: toNanos(3),
                      sum: 0,
                      bucketCounts: [toNanos(1), toNanos(2), toNanos(0)],
                      explicitBounds: [10, 100],
                      min: 1,
                      max: 50,
                      exemplars: [
                        {
                          filteredAttributes: [],
                          timeUnixNano: times.timeUnixNano,
                          asDouble: 7,
                          traceId: idFromHex('0af7651916cd43dd8448eb211c80319c')!,
                          spanId: idFromHex('b7ad6b7169203331')!,
                        },
                      ],
                    },
                  ],
                },
              },
              {
                name: 'sizes',
                exponentialHistogram: {
                  aggregationTemporality: 1,
                  dataPoints: [
                    {
                      attributes: [],
                      ...times,
                      count: toNanos(5),
                      sum: 12.5,
                      scale: -3,
                      zeroCount: toNanos(1),
                      positive: { offset: -2, bucketCounts: [toNanos(1), toNanos(3)] },
                      zeroThreshold: 0.001,
                    },
                  ],
                },
              },
              {
                name: 'rpc.duration',
                summary: {
                  dataPoints: [
                    {
                      attributes: [],
                      ...times,
                      count: toNanos(10),
                      sum: 99.5,
                      quantileValues: [
                        { quantile: 0.5, value: 9 },
                        { quantile: 1, value: 20 },
                      ],
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}
